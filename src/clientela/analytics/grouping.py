"""Per-customer (or per-group) reductions over integer-coded rows, vectorised.

Money is summed exactly: amounts are converted to integer millionths before
adding, so a sum does not depend on the order of the rows (floating-point
addition would, in its last bits, and that could break ties in rankings).
"""

from __future__ import annotations

import numpy as np

MICRO = 1_000_000
_NO_DAY = np.iinfo(np.int64).min


def count_by(codes: np.ndarray, size: int) -> np.ndarray:
    """Rows per group, int64."""
    return np.bincount(codes, minlength=size).astype(np.int64)


def micro_sum_by(codes: np.ndarray, micro: np.ndarray, size: int) -> np.ndarray:
    """Sum of integer millionths per group, int64."""
    total = np.zeros(size, dtype=np.int64)
    np.add.at(total, codes, micro)
    return total


def to_micro(amounts: np.ndarray) -> np.ndarray:
    """Amounts as integer millionths (NaN counts as 0)."""
    return np.rint(np.nan_to_num(amounts, nan=0.0) * MICRO).astype(np.int64)


def to_money(micro: np.ndarray) -> np.ndarray:
    return micro / MICRO


def last_day_by(codes: np.ndarray, dates: np.ndarray, size: int) -> np.ndarray:
    """Latest date per group as datetime64[D]; NaT where the group has no rows."""
    return _extreme_day_by(codes, dates, size, np.maximum)


def first_day_by(codes: np.ndarray, dates: np.ndarray, size: int) -> np.ndarray:
    """Earliest date per group as datetime64[D]; NaT where the group has no rows."""
    return _extreme_day_by(codes, dates, size, np.minimum)


def _extreme_day_by(codes: np.ndarray, dates: np.ndarray, size: int, ufunc: np.ufunc) -> np.ndarray:
    days = dates.astype("datetime64[D]").astype(np.int64)
    start = _NO_DAY if ufunc is np.maximum else np.iinfo(np.int64).max
    out = np.full(size, start, dtype=np.int64)
    ufunc.at(out, codes, days)
    result = out.astype("datetime64[D]")
    result[out == start] = np.datetime64("NaT")
    return result


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array.

    Sort-based on purpose: numpy 2.3+ answers a plain `np.unique` on integers
    with a hash table that is an order of magnitude slower on large arrays
    (7.8 s against 0.3 s for 2,000,000 int64 here).
    """
    ordered = np.sort(np.asarray(values), kind="stable")
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
