"""The loyalty matrix [PL 68]: profitability (low/high) x loyalty (low/high).

The seed gives the two axes only; the quadrant names are the usual ones from
Reinartz & Kumar, "The Mismanagement of Customer Loyalty", HBR 2002:
high profit + high loyalty "true friends", high profit + low loyalty
"butterflies", low profit + high loyalty "barnacles", low + low "strangers".

Loyalty is measured by purchase regularity unless survey answers are given:
the share of the 12 month-long slices before the as-of date (as-of minus k+1
months, exclusive, to as-of minus k months, inclusive; k = 0..11) that contain
a purchase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clientela.analytics.calendar import DayLike, as_day, subtract_months
from clientela.analytics.grouping import distinct
from clientela.analytics.transactions import Transactions

SLICES = 12
DEFAULT_LOYALTY_THRESHOLD = 0.5  # a purchase in at least half of the months
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "true friends",
    (True, False): "butterflies",
    (False, True): "barnacles",
    (False, False): "strangers",
}


def purchase_regularity(transactions: Transactions, as_of: DayLike) -> np.ndarray:
    """Share (0-1) of the 12 monthly slices before `as_of` with a purchase, per customer."""
    day = as_day(as_of)
    ascending = np.array([subtract_months(day, k) for k in range(SLICES, 0, -1)], dtype="datetime64[D]")
    purchase = (transactions.amount > 0) & (transactions.date <= day) & (transactions.date > ascending[0])
    slice_index = np.searchsorted(ascending, transactions.date[purchase], side="left") - 1
    keys = distinct(transactions.customer[purchase].astype(np.int64) * SLICES + slice_index)
    months = np.bincount(keys // SLICES, minlength=transactions.n_customers)
    return months / SLICES


@dataclass(frozen=True)
class LoyaltyMatrix:
    high_profit: np.ndarray  # bool per customer
    high_loyalty: np.ndarray  # bool per customer; NaN-free
    known: np.ndarray  # bool: loyalty known (always True for regularity)
    quadrant: np.ndarray  # name per customer, None where loyalty is unknown


def loyalty_matrix(
    margin: np.ndarray,
    loyalty: np.ndarray,
    *,
    profit_threshold: float,
    loyalty_threshold: float = DEFAULT_LOYALTY_THRESHOLD,
) -> LoyaltyMatrix:
    """Quadrants from margin >= profit_threshold and loyalty >= loyalty_threshold (NaN = unknown)."""
    margin = np.asarray(margin, dtype=np.float64)
    loyalty = np.asarray(loyalty, dtype=np.float64)
    high_profit = margin >= profit_threshold
    known = ~np.isnan(loyalty)
    high_loyalty = known & (loyalty >= loyalty_threshold)
    quadrant = np.full(margin.shape, None, dtype=object)
    for (profit, loyal), name in QUADRANTS.items():
        quadrant[known & (high_profit == profit) & (high_loyalty == loyal)] = name
    return LoyaltyMatrix(high_profit=high_profit, high_loyalty=high_loyalty, known=known, quadrant=quadrant)
