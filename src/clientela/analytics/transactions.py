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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from clientela.analytics.parsing import (
    DataFileError,
    ParsedColumn,
    RowError,
    bad_rows,
    collect_errors,
    parse_boolean,
    parse_date,
    parse_label,
    parse_number,
    read_frame,
    require_columns,
    to_series,
)

__all__ = [
    "RowError",
    "TransactionFileError",
    "Transactions",
    "read_transactions",
    "transactions_from_columns",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")
OPTIONAL_COLUMNS: tuple[str, ...] = ("quantity", "product_id", "cost", "channel", "promotion")
KNOWN_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


class TransactionFileError(DataFileError):
    """The transactions cannot be used as given; `.errors` lists every bad value."""


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
    frame, rows = read_frame(path, KNOWN_COLUMNS, TransactionFileError)
    return _validate(frame, rows, source=str(path), skip_bad_rows=skip_bad_rows)


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
    `datetime`s or datetime64). NaN in `quantity` or `cost` means unknown (an
    empty cell); anywhere else it is a bad value. Raises `TransactionFileError`
    on any bad value.
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
    series = [to_series(name, values) for name, values in given.items() if values is not None]
    # In memory, NaN in an optional number means "not known", like an empty cell in a file.
    series = [s.fill_nan(None) if s.name in ("quantity", "cost") and s.dtype.is_float() else s for s in series]
    lengths = {len(s) for s in series}
    if len(lengths) > 1:
        raise TransactionFileError("columns have different lengths: " + ", ".join(f"{s.name}={len(s)}" for s in series))
    frame = pl.DataFrame(series)
    rows = np.arange(2, frame.height + 2, dtype=np.int64)
    transactions, _ = _validate(frame, rows, source="transactions", skip_bad_rows=False)
    return transactions


# --- validation ----------------------------------------------------------------


def _validate(
    frame: pl.DataFrame, rows: np.ndarray, *, source: str, skip_bad_rows: bool
) -> tuple[Transactions, list[RowError]]:
    require_columns(frame, REQUIRED_COLUMNS, source, TransactionFileError)
    # Customer ids stay a polars column: they are factorised, never boxed per row.
    parsed: dict[str, ParsedColumn] = {
        "customer_id": parse_label(frame["customer_id"], required=True, keep_polars=True),
        "date": parse_date(frame["date"]),
        "amount": parse_number(frame["amount"], required=True),
    }
    for name in ("quantity", "cost"):
        if name in frame.columns:
            parsed[name] = parse_number(frame[name], required=False)
    for name in ("product_id", "channel"):
        if name in frame.columns:
            parsed[name] = parse_label(frame[name], required=False)
    if "promotion" in frame.columns:
        parsed["promotion"] = parse_boolean(frame["promotion"])

    bad = bad_rows(parsed, frame.height)
    errors = collect_errors(parsed, rows, frame) if bad.any() else []
    if errors and not skip_bad_rows:
        count = int(bad.sum())
        raise TransactionFileError(f"{source}: {count} bad row{'s' if count != 1 else ''}", errors)
    everything_good = not bad.any()
    values: dict[str, Any] = {}
    for name, column in parsed.items():
        if everything_good:
            values[name] = column.values
        elif isinstance(column.values, pl.Series):
            values[name] = column.values.filter(pl.Series(~bad))
        else:
            values[name] = column.values[~bad]
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
        row=rows if everything_good else rows[~bad],
    )
    return transactions, errors


def _factorise(labels: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels and each row's index into them."""
    unique = labels.unique().sort()
    codes = labels.cast(pl.Enum(unique)).to_physical().cast(pl.Int64).to_numpy()
    customer_ids = unique.to_numpy()
    if customer_ids.dtype.kind != "O":
        customer_ids = customer_ids.astype(object)
    return customer_ids, codes
