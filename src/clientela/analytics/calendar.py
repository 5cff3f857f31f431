"""Calendar-month arithmetic on `datetime64[D]` arrays, vectorised.

Subtracting months keeps the day of the month and clamps it to the last day
of the target month: 2024-05-31 minus 3 months is 2024-02-29, 2023-05-31 minus
3 months is 2023-02-28 [PL 50-51: "within the last 3 months"].
"""

from __future__ import annotations

import datetime as dt
from typing import overload

import numpy as np
import numpy.typing as npt

DayLike = np.datetime64 | dt.date | str  # one date
DateLike = np.ndarray | DayLike  # one date, or an array of them


@overload
def as_day(value: np.ndarray) -> np.ndarray: ...
@overload
def as_day(value: DayLike) -> np.datetime64: ...
def as_day(value: DateLike) -> np.ndarray | np.datetime64:
    """A date, datetime64 array or ISO string as `datetime64[D]`."""
    if isinstance(value, np.ndarray | np.datetime64):
        return value.astype("datetime64[D]")
    if isinstance(value, dt.datetime):
        value = value.date()
    return np.datetime64(value, "D")


@overload
def add_months(dates: np.ndarray, months: int | np.ndarray) -> np.ndarray: ...
@overload
def add_months(dates: DayLike, months: int) -> np.datetime64: ...
@overload
def add_months(dates: DayLike, months: np.ndarray) -> np.ndarray: ...
def add_months(dates: DateLike, months: int | np.ndarray) -> np.ndarray | np.datetime64:
    """`dates` moved by whole calendar months, clamping the day to the month's end."""
    days = as_day(dates)
    month_start = days.astype("datetime64[M]")
    day_of_month = (days - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    target_start = target.astype("datetime64[D]")
    last_day = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    moved = target_start + day_of_month.astype("timedelta64[D]")
    return np.minimum(moved, last_day)


@overload
def subtract_months(dates: np.ndarray, months: int | np.ndarray) -> np.ndarray: ...
@overload
def subtract_months(dates: DayLike, months: int) -> np.datetime64: ...
@overload
def subtract_months(dates: DayLike, months: np.ndarray) -> np.ndarray: ...
def subtract_months(dates: DateLike, months: int | np.ndarray) -> np.ndarray | np.datetime64:
    """`dates` minus whole calendar months, clamping the day to the month's end."""
    return add_months(dates, -np.asarray(months, dtype=np.int64))


@overload
def period_index(dates: np.ndarray, period: str) -> np.ndarray: ...
@overload
def period_index(dates: DayLike, period: str) -> np.int64: ...
def period_index(dates: DateLike, period: str) -> np.ndarray | np.int64:
    """A running integer per month, quarter or year (consecutive periods differ by 1)."""
    days = as_day(dates)
    if period == "month":
        return days.astype("datetime64[M]").astype(np.int64)
    if period == "quarter":
        return days.astype("datetime64[M]").astype(np.int64) // 3
    if period == "year":
        return days.astype("datetime64[Y]").astype(np.int64)
    raise ValueError(f"unknown period {period!r} (month, quarter or year)")


def period_label(index: npt.ArrayLike, period: str) -> list[str]:
    """Readable labels for period indices: 2024-03, 2024-Q1, 2024."""
    index = np.atleast_1d(np.asarray(index, dtype=np.int64))
    if period == "month":
        return [str(m) for m in index.astype("datetime64[M]")]
    if period == "quarter":
        return [f"{1970 + q // 4}-Q{q % 4 + 1}" for q in index.tolist()]
    if period == "year":
        return [str(1970 + y) for y in index.tolist()]
    raise ValueError(f"unknown period {period!r} (month, quarter or year)")
