"""Lifetime value: the discounting, margins, new customers, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.analytics.bgnbd import bgnbd_expected_purchases, bgnbd_expected_purchases_new
from clientela.analytics.clv import (
    customer_lifetime_value,
    discounted_purchases,
    expected_spend,
    first_labels,
    label_strata,
    margin_ratio,
    new_customer_value,
    step_times,
    value_strata,
)
from clientela.analytics.purchase_models import PURCHASE_MODELS

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
MODEL = PURCHASE_MODELS["bgnbd"]


def test_clv_is_the_discounted_sum_of_expected_purchases_per_step() -> None:
    x, t_x, T = np.array([2, 0]), np.array([30.43, 0.0]), np.array([38.86, 20.0])
    spend = np.array([25.0, 30.0])
    value = customer_lifetime_value(MODEL, BG, x, t_x, T, spend, horizon=10.0, discount_rate=0.01, step=4.0, margin=0.3)
    expected = np.zeros(2)
    previous = np.zeros(2)
    for k, t in enumerate([4.0, 8.0, 10.0], start=1):
        cumulative = bgnbd_expected_purchases(BG, t, x, t_x, T)
        expected += (cumulative - previous) / 1.01**k
        previous = cumulative
    assert value == pytest.approx(expected * spend * 0.3, rel=1e-12)
    _, total = discounted_purchases(MODEL, BG, x, t_x, T, horizon=10.0, discount_rate=0.01, step=4.0)
    assert total == pytest.approx(bgnbd_expected_purchases(BG, 10.0, x, t_x, T), rel=1e-12)


def test_step_times_end_at_the_horizon() -> None:
    assert step_times(10.0, 4.0).tolist() == [4.0, 8.0, 10.0]
    assert step_times(12.0, 4.0).tolist() == [4.0, 8.0, 12.0]
    with pytest.raises(ValueError):
        step_times(0.0)


def test_a_customer_acquired_now_is_valued_from_the_population() -> None:
    value = new_customer_value(MODEL, BG, GG, horizon=52.0, discount_rate=0.0)
    population_spend = GG["gamma"] * GG["p"] / (GG["q"] - 1)
    assert value == pytest.approx(float(bgnbd_expected_purchases_new(BG, 52.0)) * population_spend, rel=1e-10)


def test_customers_without_repeat_purchases_get_the_spend_of_similar_repeat_buyers() -> None:
    x = np.array([1, 2, 3, 0, 0, 1, 0])
    m = np.array([10.0, 20.0, 30.0, 0.0, 0.0, 100.0, 0.0])
    strata = np.array([0, 0, 0, 0, 1, 1, 2])
    spend = expected_spend(GG, x, m, strata=strata, min_buyers=2)
    plain = expected_spend(GG, x, m)
    assert spend[:3] == pytest.approx(plain[:3])
    assert spend[3] == pytest.approx(plain[:3].mean())  # stratum 0 has 3 repeat buyers
    population = GG["gamma"] * GG["p"] / (GG["q"] - 1)
    assert spend[4] == pytest.approx(population)  # stratum 1 has only 1: population mean
    assert spend[6] == pytest.approx(population)


def test_value_strata_put_equal_values_together() -> None:
    groups = value_strata(np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 9.0, 10.0]), groups=5)
    assert groups.tolist() == sorted(groups.tolist())
    assert groups[1] == groups[2] and groups[5] == groups[6] == groups[7]
    assert set(groups.tolist()) <= set(range(5))


def test_acquisition_channel_is_the_channel_of_the_first_purchase() -> None:
    customer = np.array([0, 0, 1, 1, 2])
    date = np.array(["2024-02-01", "2024-01-01", "2024-01-05", "2024-01-05", "2024-03-01"], dtype="datetime64[D]")
    channel = np.array(["web", "shop", "phone", "web", None], dtype=object)
    labels = first_labels(customer, date, channel, np.array([0, 1, 2, 3]))
    assert labels.tolist() == ["shop", "phone", None, None]
    codes = label_strata(labels)
    assert codes[2] == codes[3] and codes[0] != codes[1]


def test_margin_ratio_uses_known_costs_and_falls_back_to_the_overall_ratio() -> None:
    customer = np.array([0, 0, 1, 2, 2])
    amount = np.array([100.0, 50.0, 80.0, 40.0, -10.0])
    cost = np.array([60.0, np.nan, 20.0, np.nan, 5.0])
    ratio = margin_ratio(customer, amount, cost, np.array([0, 1, 2]))
    overall = (180.0 - 80.0) / 180.0
    assert ratio.tolist() == pytest.approx([0.4, 0.75, overall])


@settings(max_examples=50, deadline=None)
@given(
    x=st.lists(st.integers(0, 50), min_size=1, max_size=8),
    share=st.floats(0.0, 1.0),
    age=st.floats(0.0, 200.0),
    horizon=st.floats(0.5, 120.0),
    rate=st.floats(0.0, 0.2),
    step=st.floats(0.25, 13.0),
    model=st.sampled_from(sorted(PURCHASE_MODELS)),
)
def test_clv_is_never_negative(x, share, age, horizon, rate, step, model) -> None:
    freq = np.array(x)
    T = np.full(freq.size, age) + np.where(freq > 0, 1.0, 0.0)
    t_x = np.where(freq > 0, share * T, 0.0)
    params = {"pareto": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}}.get(model, BG)
    spend = expected_spend(GG, freq, np.full(freq.size, 20.0))
    value = customer_lifetime_value(
        PURCHASE_MODELS[model], params, freq, t_x, T, spend, horizon=horizon, discount_rate=rate, step=step
    )
    assert np.all(np.isfinite(value)) and np.all(value >= 0.0)
