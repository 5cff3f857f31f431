"""Rule-based segmentation: behavioural types [PL 70-74], requirement groups
[RO 8-9] and post-segmentation strategies [TR 39].

Each classification is an ordered list of rules over per-customer signals;
the first rule whose conditions all hold names the customer's class. A
condition bounds one signal: `min` (>=), `max` (<=), `above` (>), `below` (<);
a condition on a missing signal (NaN) fails unless it says `"missing": "pass"`;
`"missing": "only"` holds exactly when the signal is missing.
A rule with no conditions always matches. The defaults below are documented in
docs/analytics.md; a JSON or TOML rules file may replace any of the four lists
(`behaviour`, `requirements`, `over_time`, `strategy`).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clientela.analytics.calendar import DayLike, as_day, subtract_months
from clientela.analytics.loyalty import SLICES, purchase_regularity
from clientela.analytics.profitability import customer_margins, trailing_window
from clientela.analytics.transactions import Transactions

BOUNDS: tuple[str, ...] = ("min", "max", "above", "below")
UNKNOWN = "unknown"
UNCLASSIFIED = "unclassified"
# The four groups by requirements [RO 8-9], numbered as in the seed.
REQUIREMENT_GROUPS: dict[tuple[str, str], str] = {
    ("general", "uniform"): "I: general, uniform",
    ("specific", "uniform"): "II: specific, uniform",
    ("general", "non-uniform"): "III: general, non-uniform",
    ("specific", "non-uniform"): "IV: specific, non-uniform",
}


@dataclass(frozen=True)
class Condition:
    signal: str
    min: float | None = None
    max: float | None = None
    above: float | None = None
    below: float | None = None
    missing: str = "fail"  # fail | pass | only

    def holds(self, values: np.ndarray) -> np.ndarray:
        ok = np.ones(values.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            if self.min is not None:
                ok &= values >= self.min
            if self.max is not None:
                ok &= values <= self.max
            if self.above is not None:
                ok &= values > self.above
            if self.below is not None:
                ok &= values < self.below
        missing = np.isnan(values)
        if self.missing == "only":
            return missing
        return np.where(missing, self.missing == "pass", ok)


@dataclass(frozen=True)
class Rule:
    name: str
    conditions: tuple[Condition, ...] = field(default_factory=tuple)


def classify(signals: Mapping[str, np.ndarray], rules: Sequence[Rule], size: int, default: str = UNKNOWN) -> np.ndarray:
    """The name of the first matching rule per customer (`default` if none matches)."""
    result = np.full(size, default, dtype=object)
    decided = np.zeros(size, dtype=bool)
    for rule in rules:
        hit = ~decided
        for condition in rule.conditions:
            if condition.signal not in signals:
                raise RuleError(f"rule {rule.name!r} uses an unknown signal {condition.signal!r}")
            hit &= condition.holds(np.asarray(signals[condition.signal], dtype=np.float64))
        result[hit] = rule.name
        decided |= hit
    return result


class RuleError(ValueError):
    """A rules file that does not follow the documented shape."""


def _rule(name: str, **bounds: Mapping[str, Any]) -> Rule:
    return Rule(name, tuple(_condition(signal, spec) for signal, spec in bounds.items()))


def _condition(signal: str, spec: Mapping[str, Any]) -> Condition:
    unknown = set(spec) - {*BOUNDS, "missing"}
    if unknown:
        raise RuleError(f"condition on {signal!r}: unknown keys {sorted(unknown)}")
    missing = spec.get("missing", "fail")
    if missing not in ("fail", "pass", "only"):
        raise RuleError(f"condition on {signal!r}: missing must be 'fail', 'pass' or 'only'")
    try:
        bounds = {key: float(spec[key]) for key in BOUNDS if key in spec}
    except (TypeError, ValueError):
        raise RuleError(f"condition on {signal!r}: bounds must be numbers") from None
    return Condition(signal=signal, missing=missing, **bounds)


PASS: dict[str, str] = {"missing": "pass"}

# Behavioural types [PL 70-74] from consistency (0-1) and the emotional bond (-1..1).
DEFAULT_BEHAVIOUR: tuple[Rule, ...] = (
    _rule("terrorist", bond={"max": -0.5}, nps={"max": 6}),
    _rule("terrorist", bond={"max": -0.5}, complaints={"min": 2}),
    _rule("hostage", consistency={"min": 0.5}, bond={"below": -0.2}, no_alternative={"min": 1}),
    _rule("bad habit", consistency={"min": 0.5}, bond={"below": -0.2}),
    _rule("truly loyal", consistency={"min": 0.5}, bond={"min": 0.2}, promotion_share={"below": 0.3, **PASS}),
    _rule("vampire", consistency={"min": 0.5}, bond={"below": 0.2, **PASS}, promotion_share={"min": 0.7}),
    _rule("bought loyalty", consistency={"min": 0.5}, promotion_share={"min": 0.3}),
    # Regular, not promotion-driven, bond unknown: truly loyal, bad habit and hostage
    # differ only by the bond, so without it the customer is not classified.
    _rule(UNCLASSIFIED, consistency={"min": 0.5}, bond={"missing": "only"}),
    _rule("indifferent", consistency={"min": 0.5}),
    _rule("fan", consistency={"below": 0.5}, bond={"min": 0.5}),
    _rule("waiting for a better offer", consistency={"below": 0.5}, promotion_share={"min": 0.5}),
    _rule("waiting for a better offer", consistency={"below": 0.5}, bond={"below": -0.2}),
    _rule("opportunist", consistency={"above": 0, "below": 0.5}),
    _rule("indifferent"),
)

# General or specific requirements [RO 8-9]: stated, else from the share of
# purchases of popular products (those making up 80% of all purchase rows).
DEFAULT_REQUIREMENTS: tuple[Rule, ...] = (
    _rule("specific", requirements_specific={"min": 1}),
    _rule("general", requirements_specific={"max": 0}),
    _rule("general", popular_share={"min": 0.5}),
    _rule("specific", popular_share={"below": 0.5}),
)

# Uniform or non-uniform over time [RO 8-9]: stated, else from the coefficient
# of variation of the 12 monthly spends before the as-of date.
DEFAULT_OVER_TIME: tuple[Rule, ...] = (
    _rule("non-uniform", requirements_non_uniform={"min": 1}),
    _rule("uniform", requirements_non_uniform={"max": 0}),
    _rule("uniform", spend_cv={"max": 1.0}),
    _rule("non-uniform", spend_cv={"above": 1.0}),
)

# Strategies after segmentation [TR 39].
DEFAULT_STRATEGY: tuple[Rule, ...] = (
    _rule("let them go", bad_payer={"min": 1}),
    _rule("let them go", payment_delay_days={"min": 30}),
    _rule("don't lose them", growth={"min": 0.2}, margin={"above": 0}),
    _rule("build better relations", predicted_value_rank={"min": 0.8}, consistency={"below": 0.5}),
    _rule("protect them", tenure_years={"min": 2}, consistency={"min": 0.5}, margin={"above": 0}),
    _rule("don't invest much"),
)

POPULAR_PRODUCTS_SHARE = 0.8


@dataclass(frozen=True)
class RuleSet:
    behaviour: tuple[Rule, ...] = DEFAULT_BEHAVIOUR
    requirements: tuple[Rule, ...] = DEFAULT_REQUIREMENTS
    over_time: tuple[Rule, ...] = DEFAULT_OVER_TIME
    strategy: tuple[Rule, ...] = DEFAULT_STRATEGY


def load_rules(path: str | os.PathLike[str]) -> RuleSet:
    """A rule set from a JSON or TOML file; lists it does not give keep their defaults.

    Shape: `{"behaviour": [{"name": "fan", "when": {"bond": {"min": 0.5}}}, ...], ...}`.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise RuleError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {error}") from error
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a table of rule lists")
    unknown = set(data) - {"behaviour", "requirements", "over_time", "strategy"}
    if unknown:
        raise RuleError(f"{path}: unknown sections {sorted(unknown)}")
    lists: dict[str, tuple[Rule, ...]] = {}
    for section, rules in data.items():
        if not isinstance(rules, list):
            raise RuleError(f"{path}: {section} must be a list of rules")
        lists[section] = tuple(_parse_rule(section, entry) for entry in rules)
    return RuleSet(**lists)


def _parse_rule(section: str, entry: Any) -> Rule:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise RuleError(f"{section}: every rule needs a name")
    when = entry.get("when", {})
    if not isinstance(when, dict) or not all(isinstance(spec, dict) for spec in when.values()):
        raise RuleError(f"{section}: rule {entry['name']!r}: 'when' maps signals to bounds")
    return Rule(entry["name"], tuple(_condition(signal, spec) for signal, spec in when.items()))


def transaction_signals(
    transactions: Transactions, as_of: DayLike, *, predicted_value: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The signals derived from the transactions, per customer.

    consistency: purchase regularity over the 12 months to as-of (0-1);
    promotion_share: share of those purchases on promotion (NaN without the
    column or purchases); margin: revenue - cost of goods over the 12 months;
    growth: (margin - previous 12 months' margin) / |previous| (NaN when the
    previous margin is 0); tenure_years: years since the first purchase;
    popular_share: share of purchase rows of popular products (NaN without
    product_id); spend_cv: coefficient of variation of the 12 monthly spends;
    predicted_value_rank: percentile rank (0-1) of the predicted value (given,
    else the margin) among customers.
    """
    day = as_day(as_of)
    n = transactions.n_customers
    start, end = trailing_window(day)
    today = customer_margins(transactions, start=start, end=end)
    before_start = subtract_months(start, 12)
    before = customer_margins(transactions, start=before_start, end=start - np.timedelta64(1, "D"))
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(before.margin != 0, (today.margin - before.margin) / np.abs(before.margin), np.nan)

    purchase = (transactions.amount > 0) & (transactions.date <= day)
    window = purchase & (transactions.date >= start)
    count = np.bincount(transactions.customer[window], minlength=n)
    promotion_share = np.full(n, np.nan)
    if transactions.promotion is not None:
        promoted = np.bincount(transactions.customer[window & transactions.promotion], minlength=n)
        promotion_share = np.where(count > 0, promoted / np.maximum(count, 1), np.nan)

    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, transactions.customer[purchase], transactions.date[purchase].astype(np.int64))
    has_purchase = first != np.iinfo(np.int64).max
    tenure = np.where(has_purchase, (day.astype(np.int64) - first) / 365.25, np.nan)

    value = today.margin if predicted_value is None else np.asarray(predicted_value, dtype=np.float64)
    return {
        "consistency": purchase_regularity(transactions, day),
        "promotion_share": promotion_share,
        "margin": today.margin,
        "growth": growth,
        "tenure_years": tenure,
        "popular_share": _popular_share(transactions, purchase & (transactions.date >= start)),
        "spend_cv": _monthly_spend_cv(transactions, day),
        "predicted_value": value,
        "predicted_value_rank": _percentile_rank(value),
    }


def emotional_bond(
    *,
    satisfaction: np.ndarray | None = None,
    nps: np.ndarray | None = None,
    loyalty_answer: np.ndarray | None = None,
    complaints: np.ndarray | None = None,
    size: int,
) -> np.ndarray:
    """Strength and polarity of the emotional bond, -1 (hostile) to 1 (attached); NaN if unknown.

    The mean of the available components: satisfaction 1-10 -> (s - 5.5) / 4.5;
    NPS answer 0-10 -> (n - 5) / 5; loyalty answer unconditional 1, conditional
    0.5, none -0.5; then 0.25 is taken off per complaint, clipped to [-1, 1].
    """
    parts: list[np.ndarray] = []
    if satisfaction is not None:
        parts.append((np.asarray(satisfaction, dtype=np.float64) - 5.5) / 4.5)
    if nps is not None:
        parts.append((np.asarray(nps, dtype=np.float64) - 5.0) / 5.0)
    if loyalty_answer is not None:
        parts.append(np.asarray(loyalty_answer, dtype=np.float64))
    bond = np.full(size, np.nan)
    if parts:
        stacked = np.vstack(parts)
        known = ~np.isnan(stacked)
        total = np.where(known, stacked, 0.0).sum(axis=0)
        counts = known.sum(axis=0)
        bond = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
    if complaints is not None:
        penalty = 0.25 * np.asarray(complaints, dtype=np.float64)
        has_complaints = ~np.isnan(penalty)
        bond = np.where(has_complaints, np.nan_to_num(bond, nan=0.0) - np.nan_to_num(penalty), bond)
    return np.clip(bond, -1.0, 1.0)


@dataclass(frozen=True)
class Segments:
    behaviour_type: np.ndarray
    requirement_group: np.ndarray
    strategy: np.ndarray


def segment(signals: Mapping[str, np.ndarray], rules: RuleSet, size: int) -> Segments:
    """Behaviour type, requirement group ("I: general, uniform"...) and strategy per customer."""
    requirements = classify(signals, rules.requirements, size)
    over_time = classify(signals, rules.over_time, size)
    group = np.full(size, UNKNOWN, dtype=object)
    for (general, uniform), name in REQUIREMENT_GROUPS.items():
        group[(requirements == general) & (over_time == uniform)] = name
    return Segments(
        behaviour_type=classify(signals, rules.behaviour, size),
        requirement_group=group,
        strategy=classify(signals, rules.strategy, size),
    )


def _popular_share(transactions: Transactions, rows: np.ndarray) -> np.ndarray:
    n = transactions.n_customers
    if transactions.product_id is None:
        return np.full(n, np.nan)
    labels = transactions.product_id[rows]
    products = np.where(np.equal(labels, None), "", labels).astype(str)  # type: ignore[call-overload]
    names, code, counts = np.unique(products, return_inverse=True, return_counts=True)
    if names.size == 0:
        return np.full(n, np.nan)
    order = np.argsort(-counts, kind="stable")
    covered = np.cumsum(counts[order]) / counts.sum()
    # Popular: the best sellers up to and including the one that reaches the share.
    popular_count = int(np.searchsorted(covered, POPULAR_PRODUCTS_SHARE - 1e-12) + 1)
    popular = np.zeros(names.size, dtype=bool)
    popular[order[:popular_count]] = True
    customer = transactions.customer[rows]
    total = np.bincount(customer, minlength=n)
    hits = np.bincount(customer[popular[code]], minlength=n)
    return np.where(total > 0, hits / np.maximum(total, 1), np.nan)


def _monthly_spend_cv(transactions: Transactions, day: np.datetime64) -> np.ndarray:
    n = transactions.n_customers
    ascending = np.array([subtract_months(day, k) for k in range(SLICES, 0, -1)], dtype="datetime64[D]")
    rows = (transactions.amount > 0) & (transactions.date <= day) & (transactions.date > ascending[0])
    slot = np.searchsorted(ascending, transactions.date[rows], side="left") - 1
    spend = np.zeros(n * SLICES)
    np.add.at(spend, transactions.customer[rows] * SLICES + slot, transactions.amount[rows])
    monthly = spend.reshape(n, SLICES)
    mean = monthly.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean > 0, monthly.std(axis=1) / np.where(mean > 0, mean, 1), np.nan)


def _percentile_rank(values: np.ndarray) -> np.ndarray:
    """Share (0-1) of the other known values strictly below each value, ties averaged."""
    values = np.asarray(values, dtype=np.float64)
    rank = np.full(values.shape, np.nan)
    known = ~np.isnan(values)
    k = int(known.sum())
    if k == 0:
        return rank
    if k == 1:
        rank[known] = 1.0
        return rank
    _, inverse, counts = np.unique(values[known], return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    rank[known] = (below[inverse] + (counts[inverse] - 1) / 2) / (k - 1)
    return rank
