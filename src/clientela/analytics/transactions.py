"""Transaction files (CSV or Parquet) read into validated numpy columns.

Every analytic in this package starts from a `Transactions`: one row per
transaction line, customers coded as integers into a sorted label array, dates
as `datetime64[D]`. Reading is vectorised (polars reads every column as text,
then each column is parsed in one pass), and nothing is dropped silently: each
bad value becomes a `RowError` naming the row, the column and the reason.

Row numbers follow the file: the header is row 1, so the first data row is
row 2. Parquet files and in-memory columns use the same convention (record
index + 2) so messages look alike whatever the source.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")
OPTIONAL_COLUMNS: tuple[str, ...] = ("quantity", "product_id", "cost", "channel", "promotion")
KNOWN_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
TRUE_WORDS: tuple[str, ...] = ("true", "1", "yes")
FALSE_WORDS: tuple[str, ...] = ("false", "0", "no")
ERRORS_SHOWN = 20

# An ISO date, optionally followed by a time of day and a timezone offset.
# The date is taken as written (local date), so the time part is only checked.
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}"
_TIME_PATTERN = (
    r"^([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?( ?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d))?)?$"
)


@dataclass(frozen=True)
class RowError:
    """One bad value: where it is and what is wrong with it."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class TransactionFileError(ValueError):
    """The transactions cannot be used as given; `.errors` lists every bad value."""

    def __init__(self, message: str, errors: Sequence[RowError] = ()) -> None:
        self.errors: list[RowError] = list(errors)
        self.summary = message
        lines = [message]
        lines.extend(f"  {error}" for error in self.errors[:ERRORS_SHOWN])
        if len(self.errors) > ERRORS_SHOWN:
            lines.append(f"  ... and {len(self.errors) - ERRORS_SHOWN} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Transactions:
    """Validated transaction lines, column by column.

    `customer_ids` holds each customer label once, sorted as strings; `customer`
    is each row's index into it. Optional columns are None when the input did
    not have them. Missing optional numbers are NaN, missing optional labels
    None.
    """

    customer_ids: np.ndarray
    customer: np.ndarray
    date: np.ndarray
    amount: np.ndarray
    quantity: np.ndarray | None
    product_id: np.ndarray | None
    cost: np.ndarray | None
    channel: np.ndarray | None
    promotion: np.ndarray | None
    row: np.ndarray

    def __len__(self) -> int:
        return int(self.amount.shape[0])

    @property
    def n_customers(self) -> int:
        return int(self.customer_ids.shape[0])

    def filter(self, mask: np.ndarray) -> Transactions:
        """The rows selected by a boolean mask (or index array); customers are kept."""

        def pick(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[mask]

        return Transactions(
            customer_ids=self.customer_ids,
            customer=self.customer[mask],
            date=self.date[mask],
            amount=self.amount[mask],
            quantity=pick(self.quantity),
            product_id=pick(self.product_id),
            cost=pick(self.cost),
            channel=pick(self.channel),
            promotion=pick(self.promotion),
            row=self.row[mask],
        )


def read_transactions(
    path: str | os.PathLike[str], *, skip_bad_rows: bool = False
) -> tuple[Transactions, list[RowError]]:
    """Read a CSV or Parquet transaction file.

    Returns the valid transactions and the errors of the rows that were skipped
    (always empty unless `skip_bad_rows`). Raises `TransactionFileError` when the
    file lacks a required column or has bad rows and `skip_bad_rows` is False.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    is_parquet = path.suffix.lower() in PARQUET_SUFFIXES
    frame = _read_parquet(path) if is_parquet else _read_csv(path)
    return _validate(frame, source=str(path), skip_bad_rows=skip_bad_rows)


def transactions_from_columns(
    customer_id: Any,
    date: Any,
    amount: Any,
    *,
    quantity: Any = None,
    product_id: Any = None,
    cost: Any = None,
    channel: Any = None,
    promotion: Any = None,
) -> Transactions:
    """Build transactions from in-memory columns, validated like a file.

    Each argument is a sequence or array (dates as ISO strings, `date`s,
    `datetime`s or datetime64). Raises `TransactionFileError` on any bad value.
    """
    given = {
        "customer_id": customer_id,
        "date": date,
        "amount": amount,
        "quantity": quantity,
        "product_id": product_id,
        "cost": cost,
        "channel": channel,
        "promotion": promotion,
    }
    series = [_to_series(name, values) for name, values in given.items() if values is not None]
    lengths = {len(s) for s in series}
    if len(lengths) > 1:
        raise TransactionFileError(
            "columns have different lengths: " + ", ".join(f"{s.name}={len(s)}" for s in series)
        )
    frame = pl.DataFrame(series)
    transactions, _ = _validate(frame, source="transactions", skip_bad_rows=False)
    return transactions


# --- reading -----------------------------------------------------------------


def _read_csv(path: Path) -> pl.DataFrame:
    separator = _detect_delimiter(path)
    try:
        frame = pl.read_csv(
            path,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as error:
        raise TransactionFileError(f"{path}: cannot read as CSV: {_first_line(error)}") from error
    return _normalise_header(frame, path)


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise TransactionFileError(
            f"{path}: cannot read as Parquet: {_first_line(error)}"
        ) from error
    return _normalise_header(frame, path)


def _detect_delimiter(path: Path) -> str:
    """The candidate delimiter that occurs most often in the header line."""
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


def _normalise_header(frame: pl.DataFrame, path: Path | str) -> pl.DataFrame:
    names = [name.replace("\ufeff", "").strip().lower() for name in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in KNOWN_COLUMNS and name in seen:
            raise TransactionFileError(f"{path}: column {name!r} appears more than once")
        seen.add(name)
    keep = [
        (original, name)
        for original, name in zip(frame.columns, names, strict=True)
        if name in KNOWN_COLUMNS
    ]
    return frame.select(pl.col(original).alias(name) for original, name in keep)


def _to_series(name: str, values: Any) -> pl.Series:
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


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- validation ----------------------------------------------------------------


@dataclass
class _Column:
    values: np.ndarray | pl.Series
    bad: np.ndarray  # bool per row
    message: np.ndarray | None = None  # str per row (only read where bad)


def _validate(
    frame: pl.DataFrame, *, source: str, skip_bad_rows: bool
) -> tuple[Transactions, list[RowError]]:
    missing = [name for name in REQUIRED_COLUMNS if name not in frame.columns]
    if missing:
        raise TransactionFileError(
            f"{source}: missing required column{'s' if len(missing) > 1 else ''}: "
            + ", ".join(missing),
            [RowError(1, name, "missing required column") for name in missing],
        )
    rows = np.arange(2, frame.height + 2, dtype=np.int64)
    # A line with no value at all (a blank line) is not a transaction.
    blank = frame.select(pl.all_horizontal(pl.all().is_null())).to_series().to_numpy()
    if blank.any():
        frame = frame.filter(~pl.Series(blank))
        rows = rows[~blank]

    parsed: dict[str, _Column] = {"customer_id": _parse_label(frame["customer_id"], required=True)}
    parsed["date"] = _parse_date(frame["date"])
    parsed["amount"] = _parse_number(frame["amount"], required=True)
    for name in ("quantity", "cost"):
        if name in frame.columns:
            parsed[name] = _parse_number(frame[name], required=False)
    for name in ("product_id", "channel"):
        if name in frame.columns:
            parsed[name] = _parse_label(frame[name], required=False)
    if "promotion" in frame.columns:
        parsed["promotion"] = _parse_boolean(frame["promotion"])

    bad_any = np.zeros(frame.height, dtype=bool)
    for column in parsed.values():
        bad_any |= column.bad
    errors = _collect_errors(parsed, rows, frame) if bad_any.any() else []
    if errors and not skip_bad_rows:
        raise TransactionFileError(
            f"{source}: {int(bad_any.sum())} bad row{'s' if bad_any.sum() != 1 else ''}",
            errors,
        )
    good = ~bad_any
    everything_good = bool(good.all())
    values: dict[str, Any] = {}
    for name, column in parsed.items():
        if everything_good:
            values[name] = column.values
        elif isinstance(column.values, pl.Series):
            values[name] = column.values.filter(pl.Series(good))
        else:
            values[name] = column.values[good]
    customer_ids, customer = _factorise(values["customer_id"])
    transactions = Transactions(
        customer_ids=customer_ids,
        customer=customer,
        date=values["date"],
        amount=values["amount"],
        quantity=values.get("quantity"),
        product_id=values.get("product_id"),
        cost=values.get("cost"),
        channel=values.get("channel"),
        promotion=values.get("promotion"),
        row=rows if everything_good else rows[good],
    )
    return transactions, errors


def _collect_errors(
    parsed: dict[str, _Column], rows: np.ndarray, frame: pl.DataFrame
) -> list[RowError]:
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
    return [error for _, _, error in found]


def _text(series: pl.Series) -> pl.Series:
    """The column as stripped text, empty strings as null."""
    text = series if series.dtype == pl.String else series.cast(pl.String, strict=False)
    text = text.str.strip_chars()
    return pl.select(pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)).to_series()


def _messages(bad_kinds: list[tuple[np.ndarray, str]], height: int) -> _Column:
    bad = np.zeros(height, dtype=bool)
    message = np.full(height, "", dtype=object)
    for mask, text in bad_kinds:
        fresh = mask & ~bad
        message[fresh] = text
        bad |= mask
    return _Column(values=np.empty(0), bad=bad, message=message)


def _parse_label(series: pl.Series, *, required: bool) -> _Column:
    text = _text(series)
    missing = text.is_null().to_numpy()
    if required:
        # Kept as a polars column: customer ids are factorised, never boxed per row.
        column = _messages([(missing, "empty")], len(text))
        column.values = text
        return column
    values = text.to_numpy()
    if values.dtype.kind != "O":
        values = values.astype(object)
    return _Column(values=values, bad=np.zeros(len(text), dtype=bool))


def _parse_number(series: pl.Series, *, required: bool) -> _Column:
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
    column = _messages(kinds, height)
    column.values = values
    return column


def _parse_date(series: pl.Series) -> _Column:
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
        dates = pl.select(
            pl.when(shape_ok).then(head.str.to_date("%Y-%m-%d", strict=False))
        ).to_series()
        unparsed = dates.is_null().to_numpy() & ~missing
    values = dates.to_numpy()
    if values.dtype != np.dtype("datetime64[D]"):
        values = values.astype("datetime64[D]")
    column = _messages([(missing, "empty"), (unparsed, "not a date")], height)
    column.values = values
    return column


def _parse_boolean(series: pl.Series) -> _Column:
    """true/false/1/0/yes/no in any case; an empty cell means False."""
    height = len(series)
    if series.dtype == pl.Boolean:
        return _Column(
            values=series.fill_null(False).to_numpy().astype(bool),
            bad=np.zeros(height, dtype=bool),
        )
    text = _text(series).str.to_lowercase()
    if series.dtype.is_numeric():
        text = text.str.replace(r"\.0+$", "")
    is_true = text.is_in(list(TRUE_WORDS)).fill_null(False).to_numpy()
    is_false = text.is_in(list(FALSE_WORDS)).fill_null(False).to_numpy()
    missing = text.is_null().to_numpy()
    column = _messages([(~(is_true | is_false | missing), "not a boolean")], height)
    column.values = is_true
    return column


def _factorise(labels: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels and each row's index into them."""
    unique = labels.unique().sort()
    codes = labels.cast(pl.Enum(unique)).to_physical().cast(pl.Int64).to_numpy()
    customer_ids = unique.to_numpy()
    if customer_ids.dtype.kind != "O":
        customer_ids = customer_ids.astype(object)
    return customer_ids, codes
