"""RFM: the seeds' point scheme [PL 50-51] and the common quintile scores.

Both schemes look at purchases only: rows with a positive amount dated on or
before the as-of date. Returns (negative amounts) and zero rows earn nothing,
and rows after the as-of date are ignored. Every customer in the input gets a
row; one with no purchase on or before the as-of date has an empty recency,
zero points and the segment "no purchases".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clientela.analytics.calendar import DayLike, as_day, subtract_months
from clientela.analytics.grouping import (
    MICRO,
    count_by,
    last_day_by,
    micro_sum_by,
    to_micro,
    to_money,
)
from clientela.analytics.transactions import Transactions

NO_PURCHASES = "no purchases"

# Seed scheme [PL 50-51]: (months back, R points), checked from the most recent.
SEED_RECENCY_POINTS: tuple[tuple[int, int], ...] = ((3, 24), (6, 12), (9, 6), (12, 3))
SEED_POINTS_PER_PURCHASE = 4
SEED_MONETARY_SHARE_DIVISOR = 10  # 10% of the amount ...
SEED_MONETARY_CAP = 9  # ... at most 9 points for one purchase
SEED_WINDOW_MONTHS = 12
# Score bands naming the seed scheme's segments (lowest score of the band, name).
# 24 points is one purchase within three months by recency alone; a band per
# doubling keeps the names readable without pretending to more precision.
SEED_SCORE_BANDS: tuple[tuple[float, str], ...] = (
    (100.0, "top"),
    (50.0, "high"),
    (25.0, "medium"),
    (0.0, "low"),
)
SEED_LAPSED = "lapsed"  # purchases, but none within the last 12 months (score 0)

# Quintile scheme: segment by R score (rows 5..1) and FM = round((F + M) / 2) (columns 1..5).
QUINTILE_SEGMENTS: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new customers", "potential loyalists", "potential loyalists", "champions", "champions"),
    4: ("promising", "potential loyalists", "loyal customers", "champions", "champions"),
    3: ("about to sleep", "need attention", "need attention", "loyal customers", "loyal customers"),
    2: ("hibernating", "about to sleep", "at risk", "at risk", "at risk"),
    1: ("lost", "hibernating", "at risk", "can't lose them", "can't lose them"),
}


_THREE_DIGIT_CODES = np.array([f"{code:03d}" for code in range(556)], dtype=object)


@dataclass(frozen=True)
class RfmTable:
    """One row per customer, aligned with `customer_ids`.

    recency_days is float64 with NaN for customers without a purchase.
    Seed scheme: frequency and monetary cover the last 12 months, r and f are
    integer points, m and score are float points. Quintile scheme: frequency and
    monetary cover all history up to the as-of date, r, f, m are 1-5 (0 without
    purchases) and score is the three-digit code such as "545" ("000").
    """

    scheme: str
    as_of: np.datetime64
    customer_ids: np.ndarray
    recency_days: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray
    r: np.ndarray
    f: np.ndarray
    m: np.ndarray
    score: np.ndarray
    segment: np.ndarray


@dataclass(frozen=True)
class _Purchases:
    customer: np.ndarray
    date: np.ndarray
    amount_micro: np.ndarray
    last: np.ndarray  # datetime64[D] per customer, NaT without purchase
    has_purchase: np.ndarray
    recency_days: np.ndarray


def _purchases(transactions: Transactions, as_of: np.datetime64) -> _Purchases:
    keep = (transactions.amount > 0) & (transactions.date <= as_of)
    customer = transactions.customer[keep]
    date = transactions.date[keep]
    n = transactions.n_customers
    last = last_day_by(customer, date, n)
    has_purchase = ~np.isnat(last)
    recency = np.full(n, np.nan)
    recency[has_purchase] = (as_of - last[has_purchase]).astype(np.int64)
    return _Purchases(
        customer=customer,
        date=date,
        amount_micro=to_micro(transactions.amount[keep]),
        last=last,
        has_purchase=has_purchase,
        recency_days=recency,
    )


def rfm_seed(transactions: Transactions, as_of: DayLike) -> RfmTable:
    """The seeds' point scheme [PL 50-51].

    R: 24 / 12 / 6 / 3 points for a last purchase on or after the as-of date
    minus 3 / 6 / 9 / 12 calendar months, else 0. F: 4 points per purchase on
    or after as-of minus 12 months. M: over those purchases, the sum of
    min(amount / 10, 9).
    """
    day = as_day(as_of)
    bought = _purchases(transactions, day)
    n = transactions.n_customers

    r = np.zeros(n, dtype=np.int64)
    awarded = ~bought.has_purchase
    for months, points in SEED_RECENCY_POINTS:
        within = ~awarded & (bought.last >= subtract_months(day, months))
        r[within] = points
        awarded |= within

    in_window = bought.date >= subtract_months(day, SEED_WINDOW_MONTHS)
    window_customer = bought.customer[in_window]
    window_micro = bought.amount_micro[in_window]
    frequency = count_by(window_customer, n)
    # Points in billionths: amount / 10 * 1e9 = amount in millionths * 100 (exact).
    point_scale = MICRO * 1000
    nano_points = np.minimum(
        window_micro * (point_scale // MICRO // SEED_MONETARY_SHARE_DIVISOR),
        SEED_MONETARY_CAP * point_scale,
    )
    m = micro_sum_by(window_customer, nano_points, n) / point_scale
    f = SEED_POINTS_PER_PURCHASE * frequency
    score = r + f + m

    segment = np.full(n, SEED_LAPSED, dtype=object)
    for lowest, name in SEED_SCORE_BANDS:
        segment[(score > 0) & (score >= lowest) & (segment == SEED_LAPSED)] = name
    segment[~bought.has_purchase] = NO_PURCHASES

    return RfmTable(
        scheme="seed",
        as_of=day,
        customer_ids=transactions.customer_ids,
        recency_days=bought.recency_days,
        frequency=frequency,
        monetary=to_money(micro_sum_by(window_customer, window_micro, n)),
        r=r,
        f=f,
        m=m,
        score=score,
        segment=segment,
    )


def rfm_quintile(transactions: Transactions, as_of: DayLike) -> RfmTable:
    """Quintile RFM: recency, frequency and monetary each scored 1-5 among buyers.

    recency_days = as-of minus last purchase (fewer days score higher);
    frequency = number of purchases; monetary = sum of purchase amounts; all
    history up to the as-of date. Scores follow `quintile_scores`.
    """
    day = as_day(as_of)
    bought = _purchases(transactions, day)
    n = transactions.n_customers
    frequency = count_by(bought.customer, n)
    monetary_micro = micro_sum_by(bought.customer, bought.amount_micro, n)

    buyers = bought.has_purchase
    r = np.zeros(n, dtype=np.int64)
    f = np.zeros(n, dtype=np.int64)
    m = np.zeros(n, dtype=np.int64)
    # Recency: fewer days is better, so score the negated day count.
    r[buyers] = quintile_scores(-bought.recency_days[buyers].astype(np.int64))
    f[buyers] = quintile_scores(frequency[buyers])
    m[buyers] = quintile_scores(monetary_micro[buyers])

    score = _THREE_DIGIT_CODES[100 * r + 10 * f + m]
    segment = np.full(n, NO_PURCHASES, dtype=object)
    if buyers.any():
        segment[buyers] = quintile_segment(r[buyers], f[buyers], m[buyers])

    return RfmTable(
        scheme="quintile",
        as_of=day,
        customer_ids=transactions.customer_ids,
        recency_days=bought.recency_days,
        frequency=frequency,
        monetary=to_money(monetary_micro),
        r=r,
        f=f,
        m=m,
        score=score,
        segment=segment,
    )


def quintile_scores(values: np.ndarray) -> np.ndarray:
    """Scores 1-5 by quintile of `values` (higher value, higher score).

    Sorted ascending, the customer at position p of n (0-based) has the share
    (p + 1/2) / n of customers at or below the middle of its slot and scores
    1 + floor(5 * (p + 1/2) / n): distinct values give the plain quintile cut,
    the lowest always scores 1 and the highest 5. Equal values get equal
    scores: a group of ties takes the middle of the positions it occupies. The
    result does not depend on the order of the input. In integers:
    1 + floor(5 * (2 * below + ties) / (2 * n)).
    """
    values = np.asarray(values)
    n = values.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    return 1 + (5 * (2 * below[inverse] + counts[inverse])) // (2 * n)


def quintile_segment(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Segment names from R and FM = round half up of (F + M) / 2 (`QUINTILE_SEGMENTS`)."""
    fm = (f + m + 1) // 2
    table = np.array([QUINTILE_SEGMENTS[score] for score in (1, 2, 3, 4, 5)], dtype=object)
    return table[r - 1, fm - 1]
