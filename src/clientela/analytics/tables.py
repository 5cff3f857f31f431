"""Small side files beside the transactions: per-customer costs, predictions,
survey answers, signals. Read and validated like the transaction file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from clientela.analytics.parsing import (
    BAD,
    REPEATED,
    ROW,
    DataFileError,
    Field,
    Kind,
    RowError,
    check,
    open_file,
    require_columns,
    values,
    why,
    without_bad_rows,
)

__all__ = ["Kind", "Table", "align", "read_table"]


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
    source = open_file(path, kinds, DataFileError)
    require_columns(source.schema, required, str(path))
    fields = [Field(name, kind, required=name in required) for name, kind in kinds.items() if name in source.schema]
    frame = source.collect(check(source, fields))
    if unique is not None:
        frame = _mark_repeated(frame, next(field for field in fields if field.name == unique))
    frame, errors = without_bad_rows(source, frame, fields, skip_bad_rows=skip_bad_rows)
    columns = {field.name: values(frame, field) for field in fields}
    return Table(columns=columns, rows=frame[ROW].cast(pl.Int64).to_numpy()), errors


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


def _mark_repeated(frame: pl.DataFrame, field: Field) -> pl.DataFrame:
    """A value of `field` seen on an earlier record (as text) is bad on the later records."""
    text = values(frame, field).astype(str)
    _, first = np.unique(text, return_index=True)
    repeated = np.ones(text.shape[0], dtype=bool)
    repeated[first] = False
    code = why(field.name)
    if code in frame.columns:
        repeated &= (frame[code] == 0).to_numpy()
    else:
        frame = frame.with_columns(pl.lit(0, dtype=pl.UInt8).alias(code))
    mark = pl.Series(repeated)
    return frame.with_columns(
        pl.when(mark).then(pl.lit(REPEATED, dtype=pl.UInt8)).otherwise(pl.col(code)).alias(code),
        (pl.col(BAD) | mark).alias(BAD),
    )
