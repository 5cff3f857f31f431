"""Customer-base indices per period [PL 60, PL 65-67, RU 7].

A purchase is a row with a positive amount. In each period (month, quarter
or year) a customer is *active* if they made a purchase in it; *new* if their
first purchase ever (in the whole input) falls in it; *retained* if active in
it and in the previous period; *lost* if active in the previous period and not
in this one.

- retention rate = retained / active in the previous period x 100 [PL 65-67]
- churn rate = lost / ((customers at start + customers at end) / 2) x 100
  [PL 65-67], with customers at start = active in the previous period (the
  base the period inherits) and customers at end = active in this period.
- repeat purchases: purchases by customers who had already bought on an
  earlier day (several purchases on a customer's first day are all first
  purchases) [RU 7: "more repeat sales"].

Rates are NaN where their denominator is zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clientela.analytics.calendar import DateLike, as_day, period_index, period_label
from clientela.analytics.grouping import distinct, first_day_by, micro_sum_by, to_micro, to_money
from clientela.analytics.transactions import Transactions

PERIODS: tuple[str, ...] = ("month", "quarter", "year")


@dataclass(frozen=True)
class PeriodIndices:
    """One entry per period from the one containing `start` to the one containing `end`."""

    period: str
    labels: list[str]
    start: np.ndarray  # datetime64[D], first day
    end: np.ndarray  # datetime64[D], last day
    active: np.ndarray
    previous_active: np.ndarray
    new: np.ndarray
    retained: np.ndarray
    lost: np.ndarray
    customers_to_date: np.ndarray  # customers with a first purchase on or before the period's end
    retention_rate: np.ndarray
    churn_rate: np.ndarray
    purchases: np.ndarray
    repeat_purchases: np.ndarray
    repeat_purchase_share: np.ndarray  # % of purchases
    revenue: np.ndarray
    repeat_revenue: np.ndarray


def period_indices(transactions: Transactions, *, period: str, start: DateLike, end: DateLike) -> PeriodIndices:
    """The indices for every period between `start` and `end` (inclusive)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (month, quarter or year)")
    first_period = int(period_index(as_day(start), period))
    last_period = int(period_index(as_day(end), period))
    if last_period < first_period:
        raise ValueError("the end date is before the start date")
    count = last_period - first_period + 1

    purchase = transactions.amount > 0
    customer = transactions.customer[purchase]
    date = transactions.date[purchase]
    amount_micro = to_micro(transactions.amount[purchase])
    n = transactions.n_customers
    # Offset 0 is the period before the first one (needed for retained/lost).
    offset = period_index(date, period) - (first_period - 1)
    first_day = first_day_by(customer, date, n)
    is_repeat = date > first_day[customer]

    in_range = (offset >= 0) & (offset <= count)
    slots = count + 1
    keys = _active_pairs(customer[in_range], offset[in_range], slots)
    active = np.bincount(keys % slots, minlength=slots)
    retained = _retained_per_slot(keys, slots)

    has_first = ~np.isnat(first_day)
    first_offset = period_index(first_day[has_first], period) - (first_period - 1)
    new = np.bincount(first_offset[(first_offset >= 0) & (first_offset <= count)], minlength=slots)
    # Customers whose first purchase is before the first period, then each period's new ones.
    customers_to_date = int(np.sum(first_offset < 1)) + np.cumsum(new[1:])

    kept = in_range & (offset >= 1)
    slot = offset[kept]
    purchases = np.bincount(slot, minlength=slots)
    repeat_purchases = np.bincount(slot[is_repeat[kept]], minlength=slots)
    revenue = micro_sum_by(slot, amount_micro[kept], slots)
    repeat_revenue = micro_sum_by(slot[is_repeat[kept]], amount_micro[kept][is_repeat[kept]], slots)

    now = slice(1, slots)
    previous = active[:-1]
    lost = previous - retained[now]
    with np.errstate(invalid="ignore", divide="ignore"):
        retention_rate = np.where(previous > 0, 100.0 * retained[now] / previous, np.nan)
        average_base = (previous + active[now]) / 2
        churn_rate = np.where(average_base > 0, 100.0 * lost / average_base, np.nan)
        repeat_share = np.where(
            purchases[now] > 0, 100.0 * repeat_purchases[now] / np.maximum(purchases[now], 1), np.nan
        )

    indices = np.arange(first_period, last_period + 1, dtype=np.int64)
    starts = _period_first_day(indices, period)
    ends = _period_first_day(indices + 1, period) - np.timedelta64(1, "D")
    return PeriodIndices(
        period=period,
        labels=period_label(indices, period),
        start=starts,
        end=ends,
        active=active[now].astype(np.int64),
        previous_active=previous.astype(np.int64),
        new=new[now].astype(np.int64),
        retained=retained[now].astype(np.int64),
        lost=lost.astype(np.int64),
        customers_to_date=np.asarray(customers_to_date, dtype=np.int64),
        retention_rate=retention_rate,
        churn_rate=churn_rate,
        purchases=purchases[now].astype(np.int64),
        repeat_purchases=repeat_purchases[now].astype(np.int64),
        repeat_purchase_share=repeat_share,
        revenue=to_money(revenue[now]),
        repeat_revenue=to_money(repeat_revenue[now]),
    )


def _active_pairs(customer: np.ndarray, slot: np.ndarray, slots: int) -> np.ndarray:
    """Sorted unique (customer, slot) keys."""
    return distinct(customer.astype(np.int64) * slots + slot)


def _retained_per_slot(keys: np.ndarray, slots: int) -> np.ndarray:
    """Customers active in a slot and in the slot before it, per slot (keys from `_active_pairs`)."""
    if keys.size == 0:
        return np.zeros(slots, dtype=np.int64)
    this_slot = keys % slots
    # Keys are sorted and distinct: the same customer's previous slot, if active,
    # is the key one less, and then it is the key just before.
    found = np.zeros(keys.size, dtype=bool)
    found[1:] = keys[1:] == keys[:-1] + 1
    found &= this_slot > 0
    return np.bincount(this_slot[found], minlength=slots)


def _period_first_day(index: np.ndarray, period: str) -> np.ndarray:
    if period == "month":
        return index.astype("datetime64[M]").astype("datetime64[D]")
    if period == "quarter":
        return (index * 3).astype("datetime64[M]").astype("datetime64[D]")
    return index.astype("datetime64[Y]").astype("datetime64[D]")
