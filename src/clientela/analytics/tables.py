"""Small side files beside the transactions: per-customer costs, predictions,
survey answers, signals. Read and validated like the transaction file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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
)

Kind = Literal["label", "number", "date", "boolean"]


@dataclass(frozen=True)
class Table:
    """Parsed columns of a side file (only those present), and source row numbers."""

    columns: dict[str, np.ndarray]
    rows: np.ndarray

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


def read_table(
    path: str | os.PathLike[str],
    *,
    required: Mapping[str, Kind],
    optional: Mapping[str, Kind] | None = None,
    unique: str | None = None,
    skip_bad_rows: bool = False,
) -> tuple[Table, list[RowError]]:
    """Read a CSV or Parquet side file with the given columns.

    Required columns must be present and non-empty; optional ones may be
    missing (labels None, numbers NaN, dates NaT, booleans False). With
    `unique`, a value of that column appearing twice is an error on the later
    row. Raises `DataFileError`, or with `skip_bad_rows` returns the errors.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    optional = dict(optional or {})
    kinds = {**dict(required), **optional}
    frame, rows = read_frame(path, kinds, DataFileError)
    require_columns(frame, required, str(path))
    parsed: dict[str, ParsedColumn] = {}
    for name, kind in kinds.items():
        if name in frame.columns:
            parsed[name] = _parse(frame[name], kind, required=name in required)
    if unique is not None:
        _mark_duplicates(parsed[unique])
    bad = bad_rows(parsed, frame.height)
    errors = collect_errors(parsed, rows, frame) if bad.any() else []
    if errors and not skip_bad_rows:
        count = int(bad.sum())
        raise DataFileError(f"{path}: {count} bad row{'s' if count != 1 else ''}", errors)
    columns = {name: np.asarray(column.values)[~bad] for name, column in parsed.items()}
    return Table(columns=columns, rows=rows[~bad]), errors


def align(labels: np.ndarray, customer_ids: np.ndarray) -> np.ndarray:
    """For each of `customer_ids` (sorted), the index of its row in `labels`, or -1."""
    index = np.full(customer_ids.shape[0], -1, dtype=np.int64)
    if labels.size == 0 or customer_ids.size == 0:
        return index
    order = np.argsort(labels.astype(str), kind="stable")
    sorted_labels = labels.astype(str)[order]
    ids = customer_ids.astype(str)
    at = np.clip(np.searchsorted(sorted_labels, ids), 0, sorted_labels.size - 1)
    found = sorted_labels[at] == ids
    index[found] = order[at[found]]
    return index


def _parse(series: pl.Series, kind: Kind, *, required: bool) -> ParsedColumn:
    if kind == "label":
        return parse_label(series, required=required)
    if kind == "number":
        return parse_number(series, required=required)
    if kind == "date":
        return parse_date(series, required=required)
    return parse_boolean(series)


def _mark_duplicates(column: ParsedColumn) -> None:
    values = np.asarray(column.values).astype(str)
    _, first = np.unique(values, return_index=True)
    repeated = np.ones(values.shape[0], dtype=bool)
    repeated[first] = False
    repeated &= ~column.bad
    if column.message is None:
        column.message = np.full(values.shape[0], "", dtype=object)
    column.message[repeated] = "appears more than once"
    column.bad = column.bad | repeated
