"""The customer summary that the buy-till-you-die models are fitted on.

From a transaction log this computes, per customer, the literature's
sufficient statistics (Fader, Hardie & Lee 2005, "Counting your customers the
easy way", section 2; Schmittlein, Morrison & Colombo 1987):

- a *purchase* is a row with an amount >= 0; all purchases of a customer on
  one calendar day are one purchase (one "purchase day");
- ``frequency`` x: the number of repeat purchase days in the calibration period
  (purchase days after the first one);
- ``recency`` t_x: time from the first to the last purchase day;
- ``T``: time from the first purchase day to the end of calibration;
- ``monetary``: the mean spend of the repeat purchase days, each day's spend
  being the sum of its purchase amounts (0 when x = 0). This is the Gamma-Gamma
  convention (Fader, Hardie & Lee 2005, "RFM and CLV"): the first purchase is
  left out because it is what made the customer, and its value is not
  representative of later spend;
- ``holdout_purchases``: purchase days in (calibration end, holdout end].

Time is measured in periods of ``period_days`` days (1 for ``day``, 7 for
``week``), so with weeks a recency of 30.43 means 213 days. The calibration
period ends *at* the calibration-end date: a purchase on that date counts, and
T for a customer who first bought on that date is 0. Rows with a negative amount
(returns) are not purchases: they neither make a purchase day nor reduce spend.
Zero-amount rows (free items) are purchases worth nothing: the CDNOW sample has
8 customers whose only calibration purchases are zero-valued, and the
published analyses count all 2,357 customers. Customers whose first purchase
is after the calibration end are not in the summary (they are not customers
yet at that date).

Everything is vectorised: the distinct (customer, day) pairs come from one
sort of packed integer keys (32-bit when they fit; no sort when the log is
already in that order), spend from per-customer ``bincount``s, which need no
sort at all. Money is summed in whole millionths, so no result depends on the
order of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clientela.analytics.calendar import as_day

if TYPE_CHECKING:
    from clientela.analytics.transactions import Transactions

PERIODS: dict[str, int] = {"day": 1, "week": 7}
MICRO = 1_000_000  # money is summed exactly in millionths


def period_days(period: str | int) -> int:
    """Days in one period: ``"day"`` -> 1, ``"week"`` -> 7, or a positive int."""
    if isinstance(period, str):
        try:
            return PERIODS[period]
        except KeyError:
            raise ValueError(f"unknown period {period!r}; expected one of {sorted(PERIODS)}") from None
    if int(period) <= 0:
        raise ValueError("period must be a positive number of days")
    return int(period)


@dataclass(frozen=True)
class CustomerSummary:
    """Per-customer statistics, one entry per customer with a calibration purchase.

    ``customer`` holds the customer codes (indices into the transaction log's
    label array), ascending. Times are in periods of ``period_days`` days.
    """

    customer: np.ndarray  # int64 codes
    frequency: np.ndarray  # int64 repeat purchase days
    recency: np.ndarray  # float64 periods
    T: np.ndarray  # float64 periods
    monetary: np.ndarray  # float64 mean spend per repeat purchase day
    first_purchase: np.ndarray  # datetime64[D]
    first_amount: np.ndarray  # float64 spend on the first purchase day
    total_amount: np.ndarray  # float64 spend on all calibration purchase days
    holdout_purchases: np.ndarray | None  # int64 purchase days in the holdout
    calibration_end: np.datetime64
    holdout_end: np.datetime64 | None
    period_days: int

    def __len__(self) -> int:
        return int(self.customer.shape[0])


def summarize(
    customer: np.ndarray,
    date: np.ndarray,
    amount: np.ndarray,
    *,
    calibration_end: np.datetime64 | str,
    holdout_end: np.datetime64 | str | None = None,
    period: str | int = "week",
) -> CustomerSummary:
    """Summarise a transaction log (parallel arrays) per customer.

    ``customer`` is a non-negative integer code per row, ``date`` a
    ``datetime64`` per row (truncated to the day), ``amount`` a float per row.
    Rows after ``holdout_end`` (or after ``calibration_end`` without a holdout)
    are ignored. The result does not depend on the order of the rows.
    """
    customer = np.asarray(customer)
    if customer.dtype.kind not in "iu":
        raise TypeError("customer must be integer codes")
    customer = customer.astype(np.int64, copy=False)
    days_of = np.asarray(date).astype("datetime64[D]").astype(np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    if not (customer.shape == days_of.shape == amount.shape):
        raise ValueError("customer, date and amount must have the same length")
    if customer.size and customer.min() < 0:
        raise ValueError("customer codes must be non-negative")
    step = period_days(period)
    cal_end = as_day(calibration_end)
    hold_end = None if holdout_end is None else as_day(holdout_end)
    if hold_end is not None and hold_end < cal_end:
        raise ValueError("holdout end is before calibration end")
    cal_day = cal_end.astype(np.int64)
    last_day = (hold_end if hold_end is not None else cal_end).astype(np.int64)

    keep = (amount >= 0) & (days_of <= last_day)
    if not keep.all():
        customer, days_of, amount = customer[keep], days_of[keep], amount[keep]
    if customer.size == 0:
        return _empty(cal_end, hold_end, step)
    labels = None
    if int(customer.max()) >= 2 * customer.size + 1024:
        # Sparse codes (say, external ids): work on dense ones, map back at the end.
        labels, customer = np.unique(customer, return_inverse=True)
        customer = customer.ravel()
    size = int(customer.max()) + 1
    first_day = int(days_of.min())
    day_customer, day = _purchase_days(customer, days_of - first_day)
    day += first_day

    in_cal = day <= cal_day
    # Purchase days are sorted by (customer, day): a customer's first purchase
    # day is their first entry, and calibration days precede holdout days.
    everything_in_cal = bool(in_cal.all())
    cal_customer = day_customer if everything_in_cal else day_customer[in_cal]
    cal_dayn = day if everything_in_cal else day[in_cal]
    starts = _segment_starts(cal_customer)
    ends = np.r_[starts[1:], cal_customer.size].astype(np.int64)[: starts.size]
    codes = cal_customer[starts]
    first = cal_dayn[starts]
    last = cal_dayn[ends - 1]
    frequency = (ends - starts - 1).astype(np.int64)

    # Spend needs no sort: per-customer sums over rows. Amounts are summed as
    # whole millionths held in float64, exact below 2**53 and therefore
    # independent of the order of the rows.
    offset = (days_of - first_day).astype(np.int32)
    first_of = np.full(size, -1, dtype=np.int32)  # first purchase day (offset) per customer
    first_of[codes] = first - first_day
    micro = np.rint(amount * MICRO)
    cal_micro = micro if everything_in_cal else np.where(days_of <= cal_day, micro, 0.0)
    total_micro = np.bincount(customer, weights=cal_micro, minlength=size)
    first_micro = np.bincount(customer, weights=np.where(offset == first_of[customer], micro, 0.0), minlength=size)
    total = total_micro[codes] / MICRO
    first_amount = first_micro[codes] / MICRO
    monetary = (total_micro[codes] - first_micro[codes]) / MICRO / np.maximum(frequency, 1)

    holdout = None
    if hold_end is not None:
        counts = np.bincount(day_customer[~in_cal], minlength=size) if not everything_in_cal else np.zeros(size)
        holdout = counts[codes].astype(np.int64)

    return CustomerSummary(
        customer=(codes if labels is None else labels[codes]).astype(np.int64),
        frequency=frequency,
        recency=(last - first).astype(np.float64) / step,
        T=(cal_day - first).astype(np.float64) / step,
        monetary=monetary,
        first_purchase=first.astype("datetime64[D]"),
        first_amount=first_amount,
        total_amount=total,
        holdout_purchases=holdout,
        calibration_end=cal_end,
        holdout_end=hold_end,
        period_days=step,
    )


def _empty(cal_end: np.datetime64, hold_end: np.datetime64 | None, step: int) -> CustomerSummary:
    ints, floats = np.empty(0, np.int64), np.empty(0, np.float64)
    return CustomerSummary(
        customer=ints,
        frequency=ints,
        recency=floats,
        T=floats,
        monetary=floats,
        first_purchase=np.empty(0, "datetime64[D]"),
        first_amount=floats,
        total_amount=floats,
        holdout_purchases=None if hold_end is None else ints,
        calibration_end=cal_end,
        holdout_end=hold_end,
        period_days=step,
    )


def _segment_starts(sorted_codes: np.ndarray) -> np.ndarray:
    """Index of the first element of each run of equal values."""
    if sorted_codes.size == 0:
        return np.empty(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])


def _purchase_days(customer: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (customer, day) pairs, sorted by customer then day.

    ``offset`` is the day number relative to the earliest day. The pair is
    packed into one integer (customer in the high bits), and only the keys are
    sorted: 32-bit keys when they fit, which sorts about twice as fast as
    64-bit ones; a log already in key order is not sorted at all.
    """
    day_bits = max(int(offset.max()).bit_length(), 1)
    key_bits = int(customer.max()).bit_length() + day_bits
    dtype: type[np.signedinteger] = np.int32 if key_bits <= 31 else np.int64
    key = (customer.astype(dtype) << dtype(day_bits)) | offset.astype(dtype)
    if not np.all(key[1:] >= key[:-1]):
        key.sort()
    first = np.empty(key.size, dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    distinct = key[first]
    return (distinct >> dtype(day_bits)).astype(np.int64), (distinct & dtype((1 << day_bits) - 1)).astype(np.int64)


def check_rft(frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (x, t_x, T) arrays for the models: 0 <= t_x <= T, x >= 0 whole.

    Returns float64 arrays broadcast to one shape. Raises ValueError naming the
    first violated rule.
    """
    x, t_x, t_cal = np.broadcast_arrays(
        np.asarray(frequency, dtype=np.float64),
        np.asarray(recency, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
    )
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(t_cal).all()):
        raise ValueError("frequency, recency and T must be finite")
    if (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("frequency must be a whole number >= 0")
    if (t_x < 0).any():
        raise ValueError("recency must be >= 0")
    if (t_x > t_cal).any():
        raise ValueError("recency must not exceed T")
    return x, t_x, t_cal


def summarize_transactions(
    transactions: Transactions,
    *,
    calibration_end: np.datetime64 | str,
    holdout_end: np.datetime64 | str | None = None,
    period: str | int = "week",
) -> CustomerSummary:
    """`summarize` over a `Transactions` log (see ``clientela.analytics.transactions``)."""
    return summarize(
        transactions.customer,
        transactions.date,
        transactions.amount,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        period=period,
    )
