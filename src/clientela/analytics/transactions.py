"""Transaction files (CSV or Parquet) read into validated numpy columns.

Every analytic in this package starts from a `Transactions`: one row per
transaction line, customers coded as integers into a sorted label array, dates
as `datetime64[D]`. Reading is one lazy polars query (see
`clientela.analytics.parsing`): the file is scanned once, every column parsed
and checked, and the customers coded against their sorted labels, in a single
pass. Nothing is dropped silently: each bad value becomes a `RowError` naming
the row, the column and the reason.

Row numbers follow the file: the header is row 1, so the first data row is
row 2. Parquet files and in-memory columns use the same convention (record
index + 2) so messages look alike whatever the source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from clientela.analytics.parsing import (
    ROW,
    DataFileError,
    Field,
    RowError,
    Source,
    check,
    in_memory,
    open_file,
    require_columns,
    to_series,
    values,
    without_bad_rows,
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
# In the order their errors are listed within a row.
FIELDS: tuple[Field, ...] = (
    Field("customer_id", "label", required=True),
    Field("date", "date", required=True),
    Field("amount", "number", required=True),
    Field("quantity", "number"),
    Field("cost", "number"),
    Field("product_id", "label"),
    Field("channel", "label"),
    Field("promotion", "boolean"),
)
CODE = "__customer"  # while coding the customers: each record's index into the sorted labels


class TransactionFileError(DataFileError):
    """The transactions cannot be used as given; `.errors` lists every bad value."""


@dataclass(frozen=True)
class Transactions:
    """Validated transaction lines, column by column.

    `labels` holds each customer label once, sorted as strings (a polars
    column, written out as it is); `customer_ids` is the same as an object
    array; `customer` is each row's index into them. Optional columns are None
    when the input did not have them. Missing optional numbers are NaN,
    missing optional labels None.
    """

    labels: pl.Series
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
        return len(self.labels)

    @cached_property
    def customer_ids(self) -> np.ndarray:
        """The customer labels as an object array of str (made on first use)."""
        ids = self.labels.to_numpy()
        return ids if ids.dtype.kind == "O" else ids.astype(object)

    def filter(self, mask: np.ndarray) -> Transactions:
        """The rows selected by a boolean mask (or index array); customers are kept."""

        def pick(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[mask]

        return Transactions(
            labels=self.labels,
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
    return _validate(open_file(path, KNOWN_COLUMNS, TransactionFileError), skip_bad_rows=skip_bad_rows)


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
    series = [to_series(name, column) for name, column in given.items() if column is not None]
    # In memory, NaN in an optional number means "not known", like an empty cell in a file.
    series = [s.fill_nan(None) if s.name in ("quantity", "cost") and s.dtype.is_float() else s for s in series]
    lengths = {len(s) for s in series}
    if len(lengths) > 1:
        raise TransactionFileError("columns have different lengths: " + ", ".join(f"{s.name}={len(s)}" for s in series))
    source = in_memory(pl.DataFrame(series), "transactions", TransactionFileError)
    transactions, _ = _validate(source, skip_bad_rows=False)
    return transactions


# --- validation ----------------------------------------------------------------


def _validate(source: Source, *, skip_bad_rows: bool) -> tuple[Transactions, list[RowError]]:
    """Check every column in one query; report or drop the bad records; code the customers."""
    require_columns(source.schema, REQUIRED_COLUMNS, source.name, TransactionFileError)
    fields = [field for field in FIELDS if field.name in source.schema]
    frame = source.collect(check(source, fields))
    frame, errors = without_bad_rows(source, frame, fields, skip_bad_rows=skip_bad_rows)
    columns = {field.name: values(frame, field) for field in fields if field.name != "customer_id"}
    labels, customer = _factorise(frame["customer_id"])
    transactions = Transactions(
        labels=labels,
        customer=customer,
        date=columns["date"],
        amount=columns["amount"],
        quantity=columns.get("quantity"),
        product_id=columns.get("product_id"),
        cost=columns.get("cost"),
        channel=columns.get("channel"),
        promotion=columns.get("promotion"),
        row=frame[ROW].cast(pl.Int64).to_numpy(),
    )
    return transactions, errors


def _factorise(labels: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Sorted distinct labels and each record's index into them.

    A hash join of the records against the sorted distinct labels: only the
    distinct labels are sorted, never the records.
    """
    distinct = labels.unique().sort()
    table = distinct.to_frame().with_row_index(CODE)
    codes = labels.to_frame().join(table, on=labels.name, how="left", maintain_order="left")[CODE]
    return distinct.alias("customer_id"), codes.cast(pl.Int64).to_numpy()
