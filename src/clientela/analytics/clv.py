"""Customer lifetime value from a purchase model and the Gamma-Gamma spend model.

The value of a customer over a horizon of H periods, cut into steps of
``step`` periods with a discount rate d per step (Fader, Hardie & Lee 2005,
"RFM and CLV", section 4, in discrete form):

    CLV = sum_{k=1..K} (E[Y(t_k)] - E[Y(t_{k-1})]) * E[M] * margin / (1 + d)^k,

with t_k = min(k * step, H), K = ceil(H / step), E[Y(t)] the model's expected
purchases in (T, T+t] given the customer's (x, t_x, T), E[M] the Gamma-Gamma
expected spend per purchase, and ``margin`` the share of revenue kept (1 for
revenue CLV). Every term is >= 0, so CLV >= 0 whenever the margin is.

Margin: when the transactions carry a ``cost`` (cost of goods of the line),
a customer's margin ratio is (revenue - cost) / revenue over their calibration
purchases with a known cost; customers without any known cost get the ratio
of all customers together. Service and marketing costs per customer are not
part of CLV here; the profitability module subtracts them.

New customers (valued from similar customers): the purchase model already
treats a customer with little history correctly -- for x = 0 and small T its
prediction is the population-level prior, and a customer acquired at the
calibration end (x = t_x = T = 0) gets E[X(t)] of a newly acquired customer.
Spend is where "similar" matters: Gamma-Gamma gives every customer without
repeat purchases the same population mean gamma p / (q - 1). With strata
(first-purchase value quintile, or the acquisition channel = channel of the
first purchase) such a customer instead gets the mean expected spend of the
repeat buyers in their stratum, provided the stratum has at least
``min_buyers`` of them (else the population mean).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from clientela.analytics.gamma_gamma import (
    gamma_gamma_expected_spend,
    gamma_gamma_population_mean,
)
from clientela.analytics.mle import group_rows
from clientela.analytics.purchase_models import PurchaseModel

MIN_BUYERS = 30


def step_times(horizon: float, step: float = 1.0) -> np.ndarray:
    """t_1..t_K: the step ends k * step, the last one clipped to the horizon."""
    if not horizon > 0:
        raise ValueError("horizon must be > 0")
    if not step > 0:
        raise ValueError("step must be > 0")
    count = int(np.ceil(horizon / step - 1e-12))
    return np.minimum(np.arange(1, count + 1) * step, horizon)


def discounted_purchases(
    model: PurchaseModel,
    params: Mapping[str, float],
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    *,
    horizon: float,
    discount_rate: float,
    step: float = 1.0,
    alive: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Discounted and undiscounted expected purchases over the horizon.

    Returns (sum_k increment_k / (1+d)^k, E[Y(horizon)]) per customer.
    Expected purchases are P(alive) times the if-alive expectation, which
    depends on (x, T) only, so the model is evaluated once per distinct
    (x, T) and step. `alive` is P(alive) when the caller has it already.
    """
    if discount_rate <= -1:
        raise ValueError("discount rate must be > -1")
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    alive = model.p_alive(params, x, t_x, T) if alive is None else np.asarray(alive, dtype=np.float64)
    # The if-alive expectation depends on (x, T) only: evaluate it per distinct pair.
    (gx, gT), _, inverse = group_rows(x, T)
    times = step_times(horizon, step)
    discounted = np.zeros(gx.shape)
    previous = np.zeros(gx.shape)
    for k, t in enumerate(times, start=1):
        cumulative = model.expected_purchases_if_alive(params, t, gx, gT)
        increment = np.maximum(cumulative - previous, 0.0)
        discounted += increment / (1.0 + discount_rate) ** k
        previous = np.maximum(cumulative, previous)
    return discounted[inverse] * alive, previous[inverse] * alive


def customer_lifetime_value(
    model: PurchaseModel,
    params: Mapping[str, float],
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    spend: np.ndarray,
    *,
    horizon: float,
    discount_rate: float,
    step: float = 1.0,
    margin: float | np.ndarray = 1.0,
) -> np.ndarray:
    """CLV per customer: discounted expected purchases x spend x margin."""
    discounted, _ = discounted_purchases(
        model, params, x, t_x, T, horizon=horizon, discount_rate=discount_rate, step=step
    )
    return discounted * np.asarray(spend, dtype=np.float64) * margin


def new_customer_value(
    model: PurchaseModel,
    params: Mapping[str, float],
    spend_params: Mapping[str, float],
    *,
    horizon: float,
    discount_rate: float,
    step: float = 1.0,
    margin: float = 1.0,
) -> float:
    """Expected discounted value of the repeat purchases of a customer acquired now."""
    zero = np.zeros(1)
    value = customer_lifetime_value(
        model,
        params,
        zero,
        zero,
        zero,
        np.array([gamma_gamma_population_mean(spend_params)]),
        horizon=horizon,
        discount_rate=discount_rate,
        step=step,
        margin=margin,
    )
    return float(value[0])


def expected_spend(
    spend_params: Mapping[str, float],
    x: np.ndarray,
    m: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    min_buyers: int = MIN_BUYERS,
) -> np.ndarray:
    """Gamma-Gamma expected spend per purchase, stratified for customers with x = 0.

    ``strata`` (an integer code per customer) groups similar customers; a
    customer without repeat purchases gets the mean expected spend of the
    repeat buyers of their stratum when it has at least ``min_buyers`` of them.
    """
    x = np.asarray(x, dtype=np.float64)
    spend = gamma_gamma_expected_spend(spend_params, x, m)
    if strata is None:
        return spend
    strata = np.asarray(strata, dtype=np.int64)
    size = int(strata.max()) + 1 if strata.size else 0
    buyers = x > 0
    counts = np.bincount(strata[buyers], minlength=size)
    sums = np.bincount(strata[buyers], weights=spend[buyers], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        stratum_mean = np.where(counts >= min_buyers, sums / np.maximum(counts, 1), np.nan)
    replacement = stratum_mean[strata]
    use = ~buyers & np.isfinite(replacement)
    return np.where(use, replacement, spend)


def observed_spend(
    x: np.ndarray,
    m: np.ndarray,
    total: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    min_buyers: int = MIN_BUYERS,
) -> np.ndarray:
    """Spend per purchase without a spend model (the fallback when Gamma-Gamma cannot be fitted).

    A repeat buyer keeps their own mean spend per repeat purchase day; the
    others get the mean of their stratum's repeat buyers when it has at least
    ``min_buyers`` of them, else the mean spend per purchase day of everyone
    (``total`` is each customer's calibration spend over x + 1 purchase days).
    """
    x = np.asarray(x, dtype=np.float64)
    days = float((x + 1).sum())
    overall = float(np.sum(total)) / days if days > 0 else 0.0
    spend = np.where(x > 0, np.asarray(m, dtype=np.float64), overall)
    if strata is None or not (x > 0).any():
        return spend
    strata = np.asarray(strata, dtype=np.int64)
    size = int(strata.max()) + 1
    buyers = x > 0
    counts = np.bincount(strata[buyers], minlength=size)
    sums = np.bincount(strata[buyers], weights=spend[buyers], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        stratum_mean = np.where(counts >= min_buyers, sums / np.maximum(counts, 1), np.nan)
    replacement = stratum_mean[strata]
    return np.where(~buyers & np.isfinite(replacement), replacement, spend)


def value_strata(values: np.ndarray, groups: int = 5) -> np.ndarray:
    """Quantile group (0..groups-1) of each value, e.g. first-purchase value quintiles.

    Edges are the empirical quantiles; a value equal to an edge goes to the
    upper group, so equal values always share a group.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.empty(0, np.int64)
    edges = np.quantile(values, np.linspace(0, 1, groups + 1)[1:-1])
    return np.searchsorted(edges, values, side="right").astype(np.int64)


def first_labels(customer: np.ndarray, date: np.ndarray, labels: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The label (e.g. channel) of each wanted customer's first row by date.

    Ties on the first day go to the row that comes first in the input.
    Customers without rows get None.
    """
    customer = np.asarray(customer, dtype=np.int64)
    days = np.asarray(date).astype("datetime64[D]").astype(np.int64)
    order = np.lexsort((np.arange(customer.size), days, customer))
    sorted_customer = customer[order]
    first_rows = order[np.flatnonzero(np.r_[True, sorted_customer[1:] != sorted_customer[:-1]])]
    by_customer = np.full(int(customer.max()) + 1 if customer.size else 0, -1, dtype=np.int64)
    by_customer[customer[first_rows]] = first_rows
    wanted = np.asarray(wanted, dtype=np.int64)
    out = np.full(wanted.shape, None, dtype=object)
    known = wanted < by_customer.size
    rows = np.full(wanted.shape, -1, dtype=np.int64)
    rows[known] = by_customer[wanted[known]]
    found = rows >= 0
    out[found] = np.asarray(labels, dtype=object)[rows[found]]
    return out


def label_strata(labels: np.ndarray) -> np.ndarray:
    """Integer codes of labels (None is a label of its own)."""
    text = np.array(["\x00" if v is None else str(v) for v in labels], dtype=object)
    _, codes = np.unique(text, return_inverse=True)
    return codes.astype(np.int64).ravel()


def margin_ratio(
    customer: np.ndarray,
    amount: np.ndarray,
    cost: np.ndarray,
    wanted: np.ndarray,
    *,
    date: np.ndarray | None = None,
    until: np.datetime64 | None = None,
) -> np.ndarray:
    """(revenue - cost) / revenue per wanted customer, over purchases with a known cost.

    Purchases are rows with amount >= 0 (and date <= ``until`` when given).
    A customer with no known cost, or no revenue, gets the ratio over all
    customers together.
    """
    customer = np.asarray(customer, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.float64)
    cost = np.asarray(cost, dtype=np.float64)
    use = (amount >= 0) & np.isfinite(cost)
    if until is not None and date is not None:
        use &= np.asarray(date).astype("datetime64[D]") <= until
    size = int(customer.max()) + 1 if customer.size else 0
    revenue = np.bincount(customer[use], weights=amount[use], minlength=size)
    costs = np.bincount(customer[use], weights=cost[use], minlength=size)
    overall = (revenue.sum() - costs.sum()) / revenue.sum() if revenue.sum() > 0 else 1.0
    wanted = np.asarray(wanted, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (revenue[wanted] - costs[wanted]) / revenue[wanted]
    return np.where(revenue[wanted] > 0, ratio, overall)
