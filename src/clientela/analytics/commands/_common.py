"""What every analytics command shares: reading the input, dates, writing CSV."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import polars as pl

from clientela.analytics.cli import CommandError
from clientela.analytics.parsing import DataFileError, RowError
from clientela.analytics.tables import Kind, Table, read_table
from clientela.analytics.transactions import Transactions, read_transactions

WARNINGS_SHOWN = 100


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """`--input FILE` (CSV or Parquet) and `--skip-bad-rows`."""
    parser.add_argument("--input", required=True, metavar="FILE", help="transactions, CSV or Parquet")
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="skip rows with bad values (each reported on stderr) instead of stopping",
    )


def add_output_argument(parser: argparse.ArgumentParser) -> None:
    """`--output FILE`, default `-` (standard output)."""
    parser.add_argument("--output", default="-", metavar="FILE", help="CSV file to write ('-' = stdout)")


def load(args: argparse.Namespace) -> Transactions:
    """Read `args.input`; report bad rows on stderr; CommandError if they stop the run."""
    try:
        transactions, skipped = read_transactions(args.input, skip_bad_rows=args.skip_bad_rows)
    except DataFileError as error:
        raise stopped(error) from error
    warn_skipped(skipped, args.input)
    return transactions


@contextmanager
def importing_meanwhile(modules: Iterable[str]) -> Iterator[None]:
    """Import `modules` in a background thread while the body runs (reading a file).

    polars reads and parses outside the GIL, and numpy's big array operations
    release it, so a command's heavy imports (the models pull in scipy, a
    third of a second) overlap the reading instead of preceding it. The
    thread is joined on exit. A module that fails to import there is imported
    again, and raises, where it is used.
    """
    thread = threading.Thread(target=_import_quietly, args=(tuple(modules),), name="import", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _import_quietly(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - retried, and reported, by the import that needs it
            continue


def load_table(
    path: str,
    *,
    required: Mapping[str, Kind],
    optional: Mapping[str, Kind] | None = None,
    unique: str | None = None,
    skip_bad_rows: bool = False,
) -> Table:
    """Read a side file (costs, predictions, surveys...) reporting bad rows like `load`."""
    try:
        table, skipped = read_table(
            path, required=required, optional=optional, unique=unique, skip_bad_rows=skip_bad_rows
        )
    except DataFileError as error:
        raise stopped(error) from error
    warn_skipped(skipped, path)
    return table


def stopped(error: DataFileError) -> CommandError:
    """Print the bad rows of `error` on stderr; the one-line CommandError to raise."""
    for row_error in error.errors[:WARNINGS_SHOWN]:
        print(f"error: {row_error}", file=sys.stderr)
    if len(error.errors) > WARNINGS_SHOWN:
        print(f"error: ... and {len(error.errors) - WARNINGS_SHOWN} more", file=sys.stderr)
    hint = " (use --skip-bad-rows to skip them)" if any(e.row > 1 for e in error.errors) else ""
    return CommandError(error.summary + hint)


def warn_skipped(skipped: list[RowError], path: str) -> None:
    """Print each skipped row and their count on stderr as warnings."""
    for row_error in skipped[:WARNINGS_SHOWN]:
        print(f"warning: skipped {row_error}", file=sys.stderr)
    if len(skipped) > WARNINGS_SHOWN:
        print(f"warning: ... and {len(skipped) - WARNINGS_SHOWN} more", file=sys.stderr)
    if skipped:
        rows = len({error.row for error in skipped})
        print(f"warning: skipped {rows} bad row{'s' if rows != 1 else ''} of {path}", file=sys.stderr)


def parse_date(text: str, option: str) -> np.datetime64:
    """An ISO date given on the command line, or CommandError naming the option."""
    try:
        return np.datetime64(dt.date.fromisoformat(text.strip()), "D")
    except ValueError:
        raise CommandError(f"{option}: not a date (YYYY-MM-DD): {text!r}") from None


def write_csv(path: str, columns: Mapping[str, Any]) -> None:
    """Write columns (numpy arrays or lists of equal length) as CSV; '-' = stdout.

    NaN, NaT and None are written as empty cells; floats in their shortest form.
    polars formats the file (in parallel) straight into it.
    """
    frame = pl.DataFrame([_series(name, values) for name, values in columns.items()])
    if path == "-":
        sys.stdout.write(frame.write_csv())
        sys.stdout.flush()
        return
    try:
        with open(path, "wb") as handle:
            frame.write_csv(handle)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {_os_reason(error)}") from error


def _os_reason(error: OSError) -> str:
    """The system's words for a failed write, whether Python or polars (Rust) reports it."""
    if error.strerror:
        return error.strerror
    return re.sub(r" \(os error \d+\)$", "", str(error))


def write_json(value: Any) -> None:
    """Print one JSON document on stdout (numpy scalars and NaN handled)."""
    print(json.dumps(value, indent=2, default=_json_default, allow_nan=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.datetime64 | dt.date):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _series(name: str, values: Any) -> pl.Series:
    if isinstance(values, pl.Series):
        return values.alias(name)
    array = np.asarray(values)
    if array.dtype.kind == "M":
        return pl.Series(name, array.astype("datetime64[D]")).cast(pl.Date)
    if array.dtype.kind == "f":
        return pl.Series(name, array, nan_to_null=True)
    if array.dtype.kind in "OU":
        try:  # text (and None) only: polars takes the array as it is
            return pl.Series(name, array, dtype=pl.String)
        except (TypeError, pl.exceptions.PolarsError):
            pass
    if array.dtype.kind in "OUS":
        return pl.Series(name, [None if v is None else str(v) for v in array.tolist()], dtype=pl.String)
    return pl.Series(name, array)
