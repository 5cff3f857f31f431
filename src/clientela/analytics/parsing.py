"""Reading tabular input files and checking their columns in one lazy polars pass.

Shared by the transaction file and the smaller per-customer files (costs,
predictions, survey answers, signals). A file is CSV (UTF-8, with or without
byte order mark, delimiter detected among `,` `;` tab `|`) or Parquet (by the
extension `.parquet` / `.pq`). Headers are matched case-insensitively after
trimming spaces; unknown columns are ignored (and not read); a line with no
value at all is not a record. Every bad value becomes a `RowError`; row
numbers count the header as row 1.

How it runs: `open_file` looks at the header only. `check` turns the known
columns into one query that computes, record by record, each parsed value
and a reason code (0 = good, else an index into `REASONS`), and the query
runs once (`Source.collect`). Only when some record is bad are the bad cells'
texts read back, in a second pass, to write the messages (`row_errors`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no")
ERRORS_SHOWN = 20

Kind = Literal["label", "number", "date", "boolean"]

# Why a value is bad: the reason codes of the checked columns index this tuple.
REASONS: tuple[str, ...] = (
    "",
    "empty",
    "not a number",
    "not a finite number",
    "not a date",
    "not a boolean",
    "appears more than once",
)
EMPTY, NOT_A_NUMBER, NOT_FINITE, NOT_A_DATE, NOT_A_BOOLEAN, REPEATED = range(1, len(REASONS))

# Columns the query adds beside the known ones (the double underscore keeps
# them apart from any header name, which is always one of the known names).
ROW = "__row"  # the record's row number: header = row 1
BAD = "__bad"  # true when any value of the record is bad

# An ISO date, optionally followed by a time of day and a timezone offset.
# The date is taken as written (local date), so the time part is only checked.
_DATE_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?( ?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d))?)?$"
)


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


@dataclass(frozen=True)
class Field:
    """A column to check: its name, the kind of value it holds, whether a value is required."""

    name: str
    kind: Kind
    required: bool = False


@dataclass(frozen=True)
class Source:
    """The known columns of an input, as a query not run yet.

    `frame` has the known columns present under their normalised names, as
    stored (CSV: text), and ROW; records without any value are left out.
    `schema` maps those columns to their types. `reader` names the format in
    read errors ("CSV", "Parquet"; empty for columns already in memory).
    """

    frame: pl.LazyFrame
    schema: dict[str, pl.DataType]
    name: str
    reader: str
    error: type[DataFileError]

    def collect(self, query: pl.LazyFrame) -> pl.DataFrame:
        """Run a query over this source; a file that cannot be read is an `error` naming it.

        The streaming engine works through the file in chunks, in order: it
        touches half the memory of the in-memory engine, and on a fresh process
        the page faults of that memory cost more than the parsing.
        """
        if not self.reader:
            return query.collect(engine="streaming")
        try:
            return query.collect(engine="streaming")
        except (pl.exceptions.PolarsError, OSError) as failure:
            raise self.error(f"{self.name}: cannot read as {self.reader}: {_first_line(failure)}") from failure


def why(name: str) -> str:
    """The name of the reason-code column of checked column `name`."""
    return f"__why_{name}"


# --- opening inputs ---------------------------------------------------------------


def open_file(path: Path, known_columns: Iterable[str], error: type[DataFileError] = DataFileError) -> Source:
    """The known columns of a CSV or Parquet file; only the header (or Parquet schema) is read here."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        scan, reader = pl.scan_parquet(path), "Parquet"
    else:
        scan = pl.scan_csv(
            path, separator=_detect_delimiter(path), infer_schema=False, encoding="utf8", raise_if_empty=False
        )
        reader = "CSV"
    try:
        schema = scan.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as failure:
        raise error(f"{path}: cannot read as {reader}: {_first_line(failure)}") from failure
    renamed = _known_names(schema.names(), tuple(known_columns), path, error)
    frame = scan.select(pl.col(original).alias(name) for original, name in renamed).with_row_index(ROW, offset=2)
    if renamed:
        frame = frame.filter(pl.any_horizontal(pl.col(name).is_not_null() for _, name in renamed))
    types = {name: schema[original] for original, name in renamed}
    return Source(frame=frame, schema=types, name=str(path), reader=reader, error=error)


def in_memory(frame: pl.DataFrame, name: str, error: type[DataFileError] = DataFileError) -> Source:
    """Columns already in memory, numbered like a file's records (first = row 2)."""
    return Source(
        frame=frame.lazy().with_row_index(ROW, offset=2),
        schema=dict(frame.schema),
        name=name,
        reader="",
        error=error,
    )


def require_columns(
    columns: Iterable[str], required: Iterable[str], source: str, error: type[DataFileError] = DataFileError
) -> None:
    """Raise `error` naming every required column missing from `columns`."""
    present = set(columns)
    missing = [name for name in required if name not in present]
    if missing:
        raise error(
            f"{source}: missing required column{'s' if len(missing) > 1 else ''}: " + ", ".join(missing),
            [RowError(1, name, "missing required column") for name in missing],
        )


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


# --- checking ----------------------------------------------------------------------


def check(source: Source, fields: Sequence[Field]) -> pl.LazyFrame:
    """The query of every field's parsed value (same name), reason code (`why`), ROW and BAD.

    Values: labels are trimmed text (None when empty), numbers float64 (NaN
    when empty), dates `Date` (null when empty), booleans (False when empty).
    The expressions run in stages (trimmed text, empty text as null, parsed
    value, final value and reason) so that none is computed twice.
    """
    steps = [_CHECKS[field.kind](field, source.schema[field.name]) for field in fields]
    textual = [field.name for field, step in zip(fields, steps, strict=True) if step.textual]
    query = source.frame
    if textual:
        query = query.with_columns(_trimmed(name, source.schema[name]) for name in textual)
        query = query.with_columns(pl.when(pl.col(name).str.len_bytes() > 0).then(pl.col(name)) for name in textual)
    for stage in ("parsed", "final"):
        exprs = [expr for step in steps for expr in getattr(step, stage)]
        if exprs:
            query = query.with_columns(exprs)
    codes = [pl.col(why(field.name)) > 0 for field, step in zip(fields, steps, strict=True) if step.coded]
    bad = pl.any_horizontal(codes) if codes else pl.lit(False)
    temporary = [_parsed(field.name) for field, step in zip(fields, steps, strict=True) if step.parsed]
    return query.select(pl.all().exclude(temporary), bad.alias(BAD))


def without_bad_rows(
    source: Source, checked: pl.DataFrame, fields: Sequence[Field], *, skip_bad_rows: bool
) -> tuple[pl.DataFrame, list[RowError]]:
    """The checked records that are good, and the errors of the bad ones; with bad records and
    no `skip_bad_rows`, `source.error` listing them instead."""
    bad = checked[BAD]
    if not bad.any():
        return checked, []
    errors = row_errors(source, checked, fields)
    if not skip_bad_rows:
        count = int(bad.sum())
        raise source.error(f"{source.name}: {count} bad row{'s' if count != 1 else ''}", errors)
    return checked.filter(~bad), errors


def row_errors(source: Source, checked: pl.DataFrame, fields: Sequence[Field]) -> list[RowError]:
    """One RowError per bad value of the bad records of `checked`, by row and then by field.

    Reads the bad cells' text back from the source (a second pass, only for
    the bad records) for messages such as ``not a number: 'abc'``.
    """
    coded = [field for field in fields if why(field.name) in checked.columns]
    bad = checked.filter(pl.col(BAD)).select(ROW, *(why(field.name) for field in coded))
    text = source.collect(
        source.frame.filter(pl.col(ROW).is_in(bad[ROW].implode())).select(
            ROW, *(pl.col(field.name).cast(pl.String, strict=False) for field in coded)
        )
    )
    records = bad.join(text, on=ROW, how="left", maintain_order="left")
    found: list[RowError] = []
    for record in records.iter_rows(named=True):
        for field in coded:
            code = record[why(field.name)]
            if code:
                found.append(RowError(int(record[ROW]), field.name, _message(code, record[field.name])))
    return found


def values(frame: pl.DataFrame, field: Field) -> np.ndarray:
    """A checked column as numpy: labels object, numbers float64, dates datetime64[D], booleans bool."""
    array = frame[field.name].to_numpy()
    if field.kind == "label":
        return array if array.dtype.kind == "O" else array.astype(object)
    if field.kind == "number":
        return array.astype(np.float64, copy=False)
    if field.kind == "date":
        return array if array.dtype == np.dtype("datetime64[D]") else array.astype("datetime64[D]")
    return array.astype(bool, copy=False)


def _message(code: int, text: str | None) -> str:
    reason = REASONS[code]
    return reason if text is None or code == EMPTY else f"{reason}: {text!r}"


@dataclass(frozen=True)
class _Steps:
    """One field's expressions by stage: parsed value, then final value and reason code.

    With `textual`, the column is first replaced by its trimmed text (empty as null).
    """

    textual: bool = False
    parsed: tuple[pl.Expr, ...] = ()
    final: tuple[pl.Expr, ...] = ()
    coded: bool = False  # whether `final` has the reason code column


Condition = tuple[pl.Expr, int]  # when the expression is true, the value is bad for this reason


def _check_label(field: Field, dtype: pl.DataType) -> _Steps:
    """Trimmed text; empty is an error when required, else None."""
    if not field.required:
        return _Steps(textual=True)
    return _Steps(textual=True, final=(_reason(field.name, [(pl.col(field.name).is_null(), EMPTY)]),), coded=True)


def _check_number(field: Field, dtype: pl.DataType) -> _Steps:
    """Finite decimal numbers as float64; empty is an error when required, else NaN."""
    column, value = pl.col(field.name), pl.col(_parsed(field.name))
    conditions: list[Condition] = []
    textual = not dtype.is_numeric()
    if not textual:
        parsed = column.cast(pl.Float64)
        if field.required:
            conditions.append((value.is_null(), EMPTY))
    else:
        parsed = column.cast(pl.Float64, strict=False)
        if field.required:
            conditions.append((column.is_null(), EMPTY))
        conditions.append((column.is_not_null() & value.is_null(), NOT_A_NUMBER))
    conditions.append((value.is_finite().not_(), NOT_FINITE))
    return _Steps(
        textual=textual,
        parsed=(parsed.alias(_parsed(field.name)),),
        final=(value.fill_null(np.nan).alias(field.name), _reason(field.name, conditions)),
        coded=True,
    )


def _check_date(field: Field, dtype: pl.DataType) -> _Steps:
    """ISO dates or datetimes, the date as written; empty is an error when required, else null."""
    column, value = pl.col(field.name), pl.col(_parsed(field.name))
    native = dtype == pl.Date or isinstance(dtype, pl.Datetime)
    conditions: list[Condition] = [((value if native else column).is_null(), EMPTY)] if field.required else []
    if dtype == pl.Date:
        parsed = column
    elif isinstance(dtype, pl.Datetime):
        # The local date as stored (in the column's own timezone when it has one).
        parsed = column.dt.date()
    else:
        parsed = pl.when(column.str.contains(_DATE_PATTERN)).then(
            column.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        )
        conditions.append((column.is_not_null() & value.is_null(), NOT_A_DATE))
    final = (value.alias(field.name),) + ((_reason(field.name, conditions),) if conditions else ())
    parsed_date = (parsed.alias(_parsed(field.name)),)
    return _Steps(textual=not native, parsed=parsed_date, final=final, coded=bool(conditions))


def _check_boolean(field: Field, dtype: pl.DataType) -> _Steps:
    """true/false/1/0/yes/no in any case; an empty cell means False."""
    column, value = pl.col(field.name), pl.col(_parsed(field.name))
    if dtype == pl.Boolean:
        return _Steps(final=(column.fill_null(False),))
    word = column.str.to_lowercase()
    if dtype.is_numeric():
        word = word.str.replace(r"\.0+$", "")
    is_true = value.is_in(list(TRUE_WORDS)).fill_null(False)
    is_false = value.is_in(list(FALSE_WORDS)).fill_null(False)
    unknown = (value.is_not_null() & ~is_true & ~is_false, NOT_A_BOOLEAN)
    return _Steps(
        textual=True,
        parsed=(word.alias(_parsed(field.name)),),
        final=(is_true.alias(field.name), _reason(field.name, [unknown])),
        coded=True,
    )


_CHECKS = {"label": _check_label, "number": _check_number, "date": _check_date, "boolean": _check_boolean}


def _parsed(name: str) -> str:
    return f"__value_{name}"


def _reason(name: str, conditions: list[Condition]) -> pl.Expr:
    """The code of the first condition that holds (a null one does not), else 0."""
    reason = pl.lit(0, dtype=pl.UInt8)
    for condition, code in reversed(conditions):
        reason = pl.when(condition).then(pl.lit(code, dtype=pl.UInt8)).otherwise(reason)
    return reason.alias(why(name))


def _trimmed(name: str, dtype: pl.DataType) -> pl.Expr:
    """The column as text without surrounding whitespace."""
    column = pl.col(name)
    return (column if dtype == pl.String else column.cast(pl.String, strict=False)).str.strip_chars()


# --- files -------------------------------------------------------------------------


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


def _known_names(
    names: Sequence[str], known: tuple[str, ...], path: Path | str, error: type[DataFileError]
) -> list[tuple[str, str]]:
    """(header name, normalised name) of the known columns; a known name twice is an error."""
    normalised = [name.replace("\ufeff", "").strip().lower() for name in names]
    seen: set[str] = set()
    for name in normalised:
        if name in known and name in seen:
            raise error(f"{path}: column {name!r} appears more than once")
        seen.add(name)
    return [(original, name) for original, name in zip(names, normalised, strict=True) if name in known]


def _first_line(failure: BaseException) -> str:
    text = str(failure).strip()
    return text.splitlines()[0] if text else type(failure).__name__
