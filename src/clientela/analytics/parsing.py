"""Reading tabular input files and parsing their columns, vectorised.

Shared by the transaction file and the smaller per-customer files (costs,
predictions, survey answers, signals). A file is CSV (UTF-8, with or without
byte order mark, delimiter detected among `,` `;` tab `|`) or Parquet (by the
extension `.parquet` / `.pq`). Headers are matched case-insensitively after
trimming spaces; unknown columns are ignored; a line with no value at all is
not a record. Every bad value becomes a `RowError`; row numbers count the
header as row 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no")
ERRORS_SHOWN = 20

# An ISO date, optionally followed by a time of day and a timezone offset.
# The date is taken as written (local date), so the time part is only checked.
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}"
_TIME_PATTERN = r"^([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?( ?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d))?)?$"


@dataclass(frozen=True)
class RowError:
    """One bad value: where it is and what is wrong with it."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class DataFileError(ValueError):
    """An input cannot be used as given; `.errors` lists every bad value."""

    def __init__(self, message: str, errors: Sequence[RowError] = ()) -> None:
        self.errors: list[RowError] = list(errors)
        self.summary = message
        lines = [message]
        lines.extend(f"  {error}" for error in self.errors[:ERRORS_SHOWN])
        if len(self.errors) > ERRORS_SHOWN:
            lines.append(f"  ... and {len(self.errors) - ERRORS_SHOWN} more")
        super().__init__("\n".join(lines))


@dataclass
class ParsedColumn:
    """A parsed column: values (numpy, or polars for labels kept unboxed), bad rows and why."""

    values: np.ndarray | pl.Series
    bad: np.ndarray
    message: np.ndarray | None = None


def read_frame(
    path: Path,
    known_columns: Iterable[str],
    error: type[DataFileError] = DataFileError,
) -> tuple[pl.DataFrame, np.ndarray]:
    """The known columns of a CSV or Parquet file, and each record's row number.

    CSV columns are text; Parquet columns keep their types. Blank lines are
    dropped here (their row numbers are skipped, so later rows keep theirs).
    """
    known = tuple(known_columns)
    reader = _read_parquet if path.suffix.lower() in PARQUET_SUFFIXES else _read_csv
    frame = reader(path, error)
    frame = _normalise_header(frame, path, known, error)
    rows = np.arange(2, frame.height + 2, dtype=np.int64)
    if frame.width and frame.height:
        blank = frame.select(pl.all_horizontal(pl.all().is_null())).to_series().to_numpy()
        if blank.any():
            frame = frame.filter(~pl.Series(blank))
            rows = rows[~blank]
    return frame, rows


def require_columns(
    frame: pl.DataFrame, required: Iterable[str], source: str, error: type[DataFileError] = DataFileError
) -> None:
    """Raise `error` naming every required column the frame lacks."""
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise error(
            f"{source}: missing required column{'s' if len(missing) > 1 else ''}: " + ", ".join(missing),
            [RowError(1, name, "missing required column") for name in missing],
        )


def collect_errors(parsed: dict[str, ParsedColumn], rows: np.ndarray, frame: pl.DataFrame) -> list[RowError]:
    """One RowError per bad value, ordered by row and then by column."""
    found: list[tuple[int, int, RowError]] = []
    for order, (name, column) in enumerate(parsed.items()):
        positions = np.flatnonzero(column.bad)
        if positions.size == 0:
            continue
        raw = frame[name].gather(positions).cast(pl.String, strict=False).to_list()
        for position, text in zip(positions.tolist(), raw, strict=True):
            reason = str(column.message[position]) if column.message is not None else "bad value"
            message = reason if text is None or reason == "empty" else f"{reason}: {text!r}"
            found.append((int(rows[position]), order, RowError(int(rows[position]), name, message)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [row_error for _, _, row_error in found]


def bad_rows(parsed: dict[str, ParsedColumn], height: int) -> np.ndarray:
    """True for each record with at least one bad value."""
    bad = np.zeros(height, dtype=bool)
    for column in parsed.values():
        bad |= column.bad
    return bad


def to_series(name: str, values: Any) -> pl.Series:
    """An in-memory column (sequence or array) as a polars Series."""
    if isinstance(values, pl.Series):
        return values.alias(name)
    array = np.asarray(values)
    if array.dtype.kind == "M":
        # Truncate to the day first: polars accepts only some datetime64 units.
        return pl.Series(name, array.astype("datetime64[D]")).cast(pl.Date)
    if array.dtype.kind == "O":
        # Mixed Python objects: let polars infer, fall back to text.
        try:
            return pl.Series(name, list(array), strict=False)
        except (TypeError, ValueError, pl.exceptions.PolarsError):
            return pl.Series(name, [None if v is None else str(v) for v in array])
    return pl.Series(name, array)


def parse_label(series: pl.Series, *, required: bool, keep_polars: bool = False) -> ParsedColumn:
    """Trimmed text; empty is an error when required, else None."""
    text = _text(series)
    missing = text.is_null().to_numpy()
    bad_kinds = [(missing, "empty")] if required else []
    column = _with_messages(bad_kinds, len(text))
    if keep_polars:
        column.values = text
        return column
    values = text.to_numpy()
    column.values = values if values.dtype.kind == "O" else values.astype(object)
    return column


def parse_number(series: pl.Series, *, required: bool) -> ParsedColumn:
    """Finite decimal numbers as float64; empty is an error when required, else NaN."""
    height = len(series)
    if series.dtype.is_numeric():
        numbers = series.cast(pl.Float64)
        missing = numbers.is_null().to_numpy()
        unparsed = np.zeros(height, dtype=bool)
    else:
        text = _text(series)
        numbers = text.cast(pl.Float64, strict=False)
        missing = text.is_null().to_numpy()
        unparsed = numbers.is_null().to_numpy() & ~missing
    values = numbers.fill_null(np.nan).to_numpy().astype(np.float64, copy=False)
    not_finite = ~np.isfinite(values) & ~missing & ~unparsed
    kinds = [(unparsed, "not a number"), (not_finite, "not a finite number")]
    if required:
        kinds.insert(0, (missing, "empty"))
    column = _with_messages(kinds, height)
    column.values = values
    return column


def parse_date(series: pl.Series, *, required: bool = True) -> ParsedColumn:
    """ISO dates or datetimes as datetime64[D], the date as written; NaT when empty and optional."""
    height = len(series)
    if series.dtype == pl.Date:
        dates = series
        missing = dates.is_null().to_numpy()
        unparsed = np.zeros(height, dtype=bool)
    elif isinstance(series.dtype, pl.Datetime):
        # The local date as stored (in the column's own timezone when it has one).
        dates = series.dt.date()
        missing = dates.is_null().to_numpy()
        unparsed = np.zeros(height, dtype=bool)
    else:
        text = _text(series)
        missing = text.is_null().to_numpy()
        head = text.str.slice(0, 10)
        shape_ok = text.str.contains(_DATE_PATTERN) & text.str.slice(10).str.contains(_TIME_PATTERN)
        dates = pl.select(pl.when(shape_ok).then(head.str.to_date("%Y-%m-%d", strict=False))).to_series()
        unparsed = dates.is_null().to_numpy() & ~missing
    values = dates.to_numpy()
    if values.dtype != np.dtype("datetime64[D]"):
        values = values.astype("datetime64[D]")
    kinds = [(unparsed, "not a date")]
    if required:
        kinds.insert(0, (missing, "empty"))
    column = _with_messages(kinds, height)
    column.values = values
    return column


def parse_boolean(series: pl.Series) -> ParsedColumn:
    """true/false/1/0/yes/no in any case; an empty cell means False."""
    height = len(series)
    if series.dtype == pl.Boolean:
        return ParsedColumn(values=series.fill_null(False).to_numpy().astype(bool), bad=np.zeros(height, dtype=bool))
    text = _text(series).str.to_lowercase()
    if series.dtype.is_numeric():
        text = text.str.replace(r"\.0+$", "")
    is_true = text.is_in(list(TRUE_WORDS)).fill_null(False).to_numpy()
    is_false = text.is_in(list(FALSE_WORDS)).fill_null(False).to_numpy()
    missing = text.is_null().to_numpy()
    column = _with_messages([(~(is_true | is_false | missing), "not a boolean")], height)
    column.values = is_true
    return column


def _read_csv(path: Path, error: type[DataFileError]) -> pl.DataFrame:
    separator = _detect_delimiter(path)
    try:
        return pl.read_csv(path, separator=separator, infer_schema=False, encoding="utf8", raise_if_empty=False)
    except pl.exceptions.PolarsError as failure:
        raise error(f"{path}: cannot read as CSV: {_first_line(failure)}") from failure


def _read_parquet(path: Path, error: type[DataFileError]) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as failure:
        raise error(f"{path}: cannot read as Parquet: {_first_line(failure)}") from failure


def _detect_delimiter(path: Path) -> str:
    """The candidate delimiter that occurs most often (outside quotes) in the header line."""
    with path.open("rb") as handle:
        head = handle.readline(1 << 16)
    header = head.decode("utf-8-sig", errors="replace")
    counts = {delimiter: _count_unquoted(header, delimiter) for delimiter in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _count_unquoted(line: str, character: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == character and not quoted:
            count += 1
    return count


def _normalise_header(
    frame: pl.DataFrame, path: Path | str, known: tuple[str, ...], error: type[DataFileError]
) -> pl.DataFrame:
    names = [name.replace("\ufeff", "").strip().lower() for name in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in known and name in seen:
            raise error(f"{path}: column {name!r} appears more than once")
        seen.add(name)
    keep = [(original, name) for original, name in zip(frame.columns, names, strict=True) if name in known]
    return frame.select(pl.col(original).alias(name) for original, name in keep)


def _first_line(failure: BaseException) -> str:
    text = str(failure).strip()
    return text.splitlines()[0] if text else type(failure).__name__


def _text(series: pl.Series) -> pl.Series:
    """The column as trimmed text, empty strings as null."""
    text = series if series.dtype == pl.String else series.cast(pl.String, strict=False)
    text = text.str.strip_chars()
    return pl.select(pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)).to_series()


def _with_messages(bad_kinds: list[tuple[np.ndarray, str]], height: int) -> ParsedColumn:
    bad = np.zeros(height, dtype=bool)
    message = np.full(height, "", dtype=object)
    for mask, text in bad_kinds:
        message[mask & ~bad] = text
        bad |= mask
    return ParsedColumn(values=np.empty(0), bad=bad, message=message)
