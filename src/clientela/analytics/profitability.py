"""Customer profitability: margins, the five-level hierarchy, the profit
opportunity matrix, the customer x product matrix [PL 55-64].

Revenue is the sum of a customer's amounts in a window (returns, being
negative, reduce it); cost of goods the sum of the `cost` column (a missing
cost counts as 0); service and marketing costs come per customer from a side
file; margin = revenue - cost of goods - service cost - marketing cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clientela.analytics.calendar import DateLike, DayLike, as_day, subtract_months
from clientela.analytics.grouping import distinct, micro_sum_by, to_micro, to_money
from clientela.analytics.transactions import Transactions

TRAILING_MONTHS = 12
TIERS: tuple[str, ...] = ("high", "medium", "low")
# Default tiers by rank of margin: the top 20% of customers are "high", the next 30% "medium".
DEFAULT_TIER_SHARES: tuple[float, float] = (0.2, 0.3)
# Product-matrix grades by margin rate (margin / revenue), lowest rate of each grade;
# the seed's four grades [PL 64]: highly / profitable / moderately / unprofitable.
GRADES: tuple[tuple[float, str], ...] = (
    (0.30, "highly profitable"),
    (0.10, "profitable"),
    (0.0, "moderately profitable"),
)
UNPROFITABLE = "unprofitable"
LEVEL_NAMES: dict[int, str] = {
    1: "profitable today and in future",
    2: "profitable today",
    3: "unprofitable today, profitable in future",
    4: "unprofitable today",
    5: "unprofitable today and in future",
}


@dataclass(frozen=True)
class CustomerMargins:
    customer_ids: np.ndarray
    revenue: np.ndarray
    cost_of_goods: np.ndarray
    service_cost: np.ndarray
    marketing_cost: np.ndarray
    margin: np.ndarray
    active: np.ndarray  # bool: at least one row in the window


def window_mask(transactions: Transactions, start: DateLike | None, end: DateLike | None) -> np.ndarray:
    """Rows dated from `start` to `end`, both inclusive (None = unbounded)."""
    keep = np.ones(len(transactions), dtype=bool)
    if start is not None:
        keep &= transactions.date >= as_day(start)
    if end is not None:
        keep &= transactions.date <= as_day(end)
    return keep


def trailing_window(as_of: DayLike) -> tuple[np.datetime64, np.datetime64]:
    """The 12 months up to the as-of date: from as-of minus 12 calendar months, inclusive."""
    day = as_day(as_of)
    return subtract_months(day, TRAILING_MONTHS), day


def customer_margins(
    transactions: Transactions,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    service_cost: np.ndarray | None = None,
    marketing_cost: np.ndarray | None = None,
) -> CustomerMargins:
    """Revenue, costs and margin per customer over the rows from `start` to `end`.

    `service_cost` and `marketing_cost` are per customer, aligned with
    `transactions.customer_ids` (NaN or absent = 0), for the same window.
    """
    n = transactions.n_customers
    keep = window_mask(transactions, start, end)
    customer = transactions.customer[keep]
    revenue = micro_sum_by(customer, to_micro(transactions.amount[keep]), n)
    if transactions.cost is not None:
        goods = micro_sum_by(customer, to_micro(transactions.cost[keep]), n)
    else:
        goods = np.zeros(n, dtype=np.int64)
    service = to_micro(service_cost) if service_cost is not None else np.zeros(n, dtype=np.int64)
    marketing = to_micro(marketing_cost) if marketing_cost is not None else np.zeros(n, dtype=np.int64)
    return CustomerMargins(
        customer_ids=transactions.customer_ids,
        revenue=to_money(revenue),
        cost_of_goods=to_money(goods),
        service_cost=to_money(service),
        marketing_cost=to_money(marketing),
        margin=to_money(revenue - goods - service - marketing),
        active=np.bincount(customer, minlength=n) > 0,
    )


def projected_margin(transactions: Transactions, as_of: DayLike) -> np.ndarray:
    """A simple projection of next year's margin from the last two years.

    With rows in both years: the linear trend, today + (today - year before).
    With rows only in the last year (a customer too new for a trend): today's
    margin. Goods cost only; service and marketing costs are not projected.
    """
    start, end = trailing_window(as_of)
    before_end = start - np.timedelta64(1, "D")
    before_start = subtract_months(start, TRAILING_MONTHS)
    today = customer_margins(transactions, start=start, end=end).margin
    before = customer_margins(transactions, start=before_start, end=before_end)
    return np.where(before.active, 2 * today - before.margin, today)


def profitability_levels(today: np.ndarray, future: np.ndarray, *, band: float = 0.0) -> np.ndarray:
    """The five-level hierarchy [PL 55-56], 1 (best) to 5.

    Profitable = margin above `band`; unprofitable = below -band; in between
    (|margin| <= band) is break-even. A customer is profitable today only with a
    margin above the band. The future is profitable, unprofitable, or neutral
    (break-even or unknown = NaN):

        today \\ future   profitable   neutral/unknown   unprofitable
        profitable            1              2                2
        not profitable        3              4                5
    """
    if band < 0:
        raise ValueError("the neutral band must not be negative")
    today = np.asarray(today, dtype=np.float64)
    future = np.asarray(future, dtype=np.float64)
    good_today = today > band
    good_future = future > band  # NaN compares False
    bad_future = future < -band
    return np.select(
        [good_today & good_future, good_today, good_future, bad_future],
        [1, 2, 3, 5],
        default=4,
    ).astype(np.int64)


@dataclass(frozen=True)
class TierRule:
    """Margin thresholds: high if margin >= high_min, medium if >= medium_min, else low."""

    high_min: float
    medium_min: float

    def index(self, value: np.ndarray) -> np.ndarray:
        """0 (high), 1 (medium) or 2 (low) per value: positions in `TIERS`."""
        value = np.asarray(value, dtype=np.float64)
        return np.where(value >= self.high_min, 0, np.where(value >= self.medium_min, 1, 2)).astype(np.int64)

    def assign(self, value: np.ndarray) -> np.ndarray:
        """The tier name per value."""
        return np.array(TIERS, dtype=object)[self.index(value)]


def tier_rule_from_shares(margins: np.ndarray, shares: tuple[float, float] = DEFAULT_TIER_SHARES) -> TierRule:
    """Thresholds putting the top `shares[0]` of customers (by margin) in "high",
    the next `shares[1]` in "medium". Ties at a threshold all go up a tier."""
    high_share, medium_share = shares
    if min(high_share, medium_share) < 0 or high_share + medium_share > 1:
        raise ValueError("tier shares must be non-negative and add up to at most 1")
    values = np.sort(np.asarray(margins, dtype=np.float64))[::-1]
    if values.size == 0:
        return TierRule(np.inf, np.inf)

    def threshold(share: float) -> float:
        count = int(np.floor(share * values.size + 1e-9))
        return float(values[count - 1]) if count > 0 else np.inf

    high = threshold(high_share)
    medium = threshold(high_share + medium_share)
    return TierRule(high_min=high, medium_min=min(medium, high))


@dataclass(frozen=True)
class OpportunityMatrix:
    """Revenue change between two periods as % of the earlier period's revenue [PL 62-63].

    cells[tier][kind] for tiers high/medium/low/total and kinds
    new/retained/lost/total; counts[tier][kind] the number of customers.
    """

    earlier_revenue: float
    later_revenue: float
    cells: dict[str, dict[str, float]]
    counts: dict[str, dict[str, int]]
    rule: TierRule


def opportunity_matrix(
    transactions: Transactions,
    *,
    earlier: tuple[DateLike, DateLike],
    later: tuple[DateLike, DateLike],
    rule: TierRule | None = None,
) -> OpportunityMatrix:
    """The profit opportunity matrix between an earlier and a later period.

    A customer is in a period if they made a purchase (positive amount) in it:
    new = later only, lost = earlier only, retained = both. The tier comes from
    the earlier period's margin (revenue - cost of goods); new customers are
    tiered by their later-period margin with the same thresholds. Cells: new =
    +later revenue, lost = -earlier revenue, retained = later - earlier
    revenue, each summed over the cell's customers and divided by the earlier
    period's total revenue (all customers), x 100.
    """
    first = customer_margins(transactions, start=earlier[0], end=earlier[1])
    second = customer_margins(transactions, start=later[0], end=later[1])
    bought_first = _bought(transactions, earlier)
    bought_second = _bought(transactions, later)
    if rule is None:
        rule = tier_rule_from_shares(first.margin[bought_first])
    tier = np.where(bought_first, rule.assign(first.margin), rule.assign(second.margin))
    kinds = {
        "new": ~bought_first & bought_second,
        "retained": bought_first & bought_second,
        "lost": bought_first & ~bought_second,
    }
    change = {
        "new": second.revenue,
        "retained": second.revenue - first.revenue,
        "lost": -first.revenue,
    }
    total = float(first.revenue.sum())
    cells: dict[str, dict[str, float]] = {}
    counts: dict[str, dict[str, int]] = {}
    for name in (*TIERS, "total"):
        in_tier = np.ones_like(bought_first) if name == "total" else tier == name
        cells[name], counts[name] = {}, {}
        for kind, members in kinds.items():
            selected = in_tier & members
            amount = float(np.round(change[kind][selected].sum(), 6))
            cells[name][kind] = 100.0 * amount / total if total else float("nan")
            counts[name][kind] = int(selected.sum())
        cells[name]["total"] = sum(cells[name][kind] for kind in kinds)
        counts[name]["total"] = sum(counts[name][kind] for kind in kinds)
    return OpportunityMatrix(
        earlier_revenue=total,
        later_revenue=float(second.revenue.sum()),
        cells=cells,
        counts=counts,
        rule=rule,
    )


def _bought(transactions: Transactions, window: tuple[DateLike, DateLike]) -> np.ndarray:
    keep = window_mask(transactions, *window) & (transactions.amount > 0)
    return np.bincount(transactions.customer[keep], minlength=transactions.n_customers) > 0


@dataclass(frozen=True)
class ProductMatrix:
    """Long form: one entry per (product, tier) with rows."""

    product_id: np.ndarray
    tier: np.ndarray
    customers: np.ndarray
    revenue: np.ndarray
    cost: np.ndarray
    margin: np.ndarray
    margin_rate: np.ndarray  # margin / revenue, NaN without revenue
    grade: np.ndarray
    rule: TierRule


def grade(margin: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """highly profitable (margin rate >= 30%), profitable (>= 10%), moderately profitable (>= 0),
    unprofitable (< 0). A cell with no revenue is unprofitable if its margin is negative, else
    moderately profitable.
    """
    margin = np.asarray(margin, dtype=np.float64)
    revenue = np.asarray(revenue, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(revenue > 0, margin / np.where(revenue > 0, revenue, 1), np.nan)
    result = np.full(margin.shape, UNPROFITABLE, dtype=object)
    assigned = np.zeros(margin.shape, dtype=bool)
    for lowest, name in GRADES:
        hit = ~assigned & (rate >= lowest)
        result[hit] = name
        assigned |= hit
    result[np.isnan(rate) & (margin >= 0)] = GRADES[-1][1]
    result[margin < 0] = UNPROFITABLE
    return result


def product_matrix(
    transactions: Transactions,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    rule: TierRule | None = None,
) -> ProductMatrix:
    """Margin of each product within each customer tier [PL 64].

    Customers are tiered by their margin over the window (revenue - cost of
    goods). Needs the `product_id` and `cost` columns.
    """
    if transactions.product_id is None or transactions.cost is None:
        raise ValueError("the product matrix needs the product_id and cost columns")
    margins = customer_margins(transactions, start=start, end=end)
    if rule is None:
        rule = tier_rule_from_shares(margins.margin[margins.active])
    customer_tier = rule.index(margins.margin)
    keep = window_mask(transactions, start, end)
    labels = transactions.product_id[keep]
    products = np.where(np.equal(labels, None), "", labels).astype(str)  # type: ignore[call-overload]
    product_names, product_code = np.unique(products, return_inverse=True)
    tier_index = customer_tier[transactions.customer[keep]]
    cell = product_code * len(TIERS) + tier_index
    size = product_names.size * len(TIERS)
    revenue = micro_sum_by(cell, to_micro(transactions.amount[keep]), size)
    cost = micro_sum_by(cell, to_micro(transactions.cost[keep]), size)
    pairs = distinct(cell * transactions.n_customers + transactions.customer[keep])
    customers = np.bincount(pairs // transactions.n_customers, minlength=size)
    present = np.bincount(cell, minlength=size) > 0
    margin = to_money(revenue - cost)
    revenue_money = to_money(revenue)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(revenue > 0, margin / np.where(revenue > 0, revenue_money, 1), np.nan)
    index = np.flatnonzero(present)
    return ProductMatrix(
        product_id=product_names[index // len(TIERS)].astype(object),
        tier=np.array(TIERS, dtype=object)[index % len(TIERS)],
        customers=customers[index].astype(np.int64),
        revenue=revenue_money[index],
        cost=to_money(cost[index]),
        margin=margin[index],
        margin_rate=rate[index],
        grade=grade(margin[index], revenue_money[index]),
        rule=rule,
    )
