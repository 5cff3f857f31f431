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
8 customers whose only calibration purchases are zero-valued, and the published
analyses count all 2,357 customers. Customers whose first purchase is after the calibration
end are not in the summary (they are not customers yet at that date).

Everything is vectorised: one stable sort of a 64-bit (customer, day) key,
skipped when the log is already in that order, then segment reductions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERIODS: dict[str, int] = {"day": 1, "week": 7}


def period_days(period: str | int) -> int:
    """Days in one period: ``"day"`` -> 1, ``"week"`` -> 7, or a positive int."""
    if isinstance(period, str):
        try:
            return PERIODS[period]
        except KeyError:
            raise ValueError(
                f"unknown period {period!r}; expected one of {sorted(PERIODS)}"
            ) from None
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

    @property
    def holdout_length(self) -> float | None:
        """Length of the holdout period in periods (None without a holdout)."""
        if self.holdout_end is None:
            return None
        days = (self.holdout_end - self.calibration_end).astype(np.int64)
        return float(days) / self.period_days


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
    cal_end = np.datetime64(calibration_end, "D")
    hold_end = None if holdout_end is None else np.datetime64(holdout_end, "D")
    if hold_end is not None and hold_end < cal_end:
        raise ValueError("holdout end is before calibration end")
    cal_day = cal_end.astype(np.int64)
    last_day = (hold_end if hold_end is not None else cal_end).astype(np.int64)

    keep = (amount >= 0) & (days_of <= last_day)
    if not keep.all():
        customer, days_of, amount = customer[keep], days_of[keep], amount[keep]
    day_customer, day, day_spend = _purchase_days(customer, days_of, amount)

    in_cal = day <= cal_day
    # Purchase days are sorted by (customer, day): a customer's first purchase
    # day is their first entry, and calibration days precede holdout days.
    cal_customer = day_customer[in_cal]
    cal_dayn = day[in_cal]
    cal_spend = day_spend[in_cal]
    starts = (
        np.flatnonzero(np.r_[True, cal_customer[1:] != cal_customer[:-1]])
        if cal_customer.size
        else np.empty(0, np.int64)
    )
    ends = np.r_[starts[1:], cal_customer.size].astype(np.int64)
    codes = cal_customer[starts]
    first = cal_dayn[starts]
    last = cal_dayn[ends - 1]
    n_days = ends - starts
    frequency = (n_days - 1).astype(np.int64)
    first_amount = cal_spend[starts]
    total = np.add.reduceat(cal_spend, starts) if starts.size else np.empty(0)
    repeat_spend = cal_spend.copy()
    repeat_spend[starts] = 0.0
    repeat_total = np.add.reduceat(repeat_spend, starts) if starts.size else np.empty(0)
    monetary = repeat_total / np.maximum(frequency, 1)

    holdout = None
    if hold_end is not None:
        hold_customer = day_customer[~in_cal]
        counts = np.bincount(
            hold_customer, minlength=int(customer.max()) + 1 if customer.size else 0
        )
        holdout = counts[codes].astype(np.int64) if codes.size else np.empty(0, np.int64)

    return CustomerSummary(
        customer=codes.astype(np.int64),
        frequency=frequency,
        recency=(last - first).astype(np.float64) / step,
        T=(cal_day - first).astype(np.float64) / step,
        monetary=monetary.astype(np.float64),
        first_purchase=first.astype("datetime64[D]"),
        first_amount=first_amount.astype(np.float64),
        total_amount=total.astype(np.float64),
        holdout_purchases=holdout,
        calibration_end=cal_end,
        holdout_end=hold_end,
        period_days=step,
    )


def _purchase_days(
    customer: np.ndarray, days: np.ndarray, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Collapse purchase rows to purchase days, sorted by customer then day.

    Returns each purchase day's customer code, day number and summed spend.
    The (customer, day) key and the row index are packed into one int64 when
    they fit, because sorting plain integers is about twice as fast as an
    argsort; logs already in key order are not sorted at all.
    """
    if customer.size == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0, np.float64)
    first_day = int(days.min())
    span = int(days.max()) - first_day + 1
    key = customer * span + (days - first_day)
    if np.all(key[1:] >= key[:-1]):
        sorted_key, sorted_amount = key, amount
    else:
        index_bits = max(int(customer.size - 1).bit_length(), 1)
        if int(key.max()).bit_length() + index_bits <= 62:
            packed = np.sort((key << index_bits) | np.arange(customer.size, dtype=np.int64))
            sorted_key = packed >> index_bits
            sorted_amount = amount[packed & ((1 << index_bits) - 1)]
        else:
            order = np.argsort(key, kind="stable")
            sorted_key, sorted_amount = key[order], amount[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    day_key = sorted_key[starts]
    spend = np.add.reduceat(sorted_amount, starts)
    return day_key // span, day_key % span + first_day, spend


def check_rft(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
