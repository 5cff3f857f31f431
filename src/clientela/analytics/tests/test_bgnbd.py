"""BG/NBD: the published CDNOW results, the formulas, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.special import hyp2f1

from clientela.analytics.bgnbd import (
    NAMES,
    _Design,
    _growth,
    _growth_by_quadrature,
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_new,
    bgnbd_p_alive,
    bgnbd_p_no_purchase,
    fit_bgnbd,
    log_likelihood_terms,
)
from clientela.analytics.mle import group_rows
from clientela.analytics.summary import summarize
from clientela.analytics.tests import _cdnow

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def cdnow():
    tx = _cdnow.transactions()
    return summarize(tx["customer"], tx["date"], tx["amount"], calibration_end=_cdnow.CALIBRATION_END, period="week")


def test_cdnow_fit_reproduces_fader_hardie_lee_2005(cdnow) -> None:
    result = fit_bgnbd(cdnow.frequency, cdnow.recency, cdnow.T)
    assert result.n == 2357
    assert {k: round(v, 3) for k, v in result.params.items()} == PUBLISHED
    assert round(result.log_likelihood, 1) == -9582.4
    assert all(np.isfinite(v) and v > 0 for v in result.stderr.values())
    assert result.log_likelihood == pytest.approx(
        log_likelihood_terms(result.params, cdnow.frequency, cdnow.recency, cdnow.T).sum(), abs=1e-8
    )


def test_conditional_expectation_of_the_papers_example() -> None:
    # E[X(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226 (Fader, Hardie & Lee 2005, section 5).
    value = bgnbd_expected_purchases(PUBLISHED, 39.0, 2, 30.43, 38.86)
    assert round(float(value), 3) == 1.226


def test_expectation_matches_the_untransformed_formula() -> None:
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    r, alpha, a, b = params.values()
    for x, t_x, T, t in [(0, 0.0, 38.86, 39.0), (2, 30.43, 38.86, 39.0), (7, 20.0, 30.0, 10.0), (15, 37.0, 38.0, 52.0)]:
        z = t / (alpha + T + t)
        growth = (
            (a + b + x - 1)
            / (a - 1)
            * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        )
        odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
        direct = growth / (1 + odds)
        assert float(bgnbd_expected_purchases(params, t, x, t_x, T)) == pytest.approx(direct, rel=1e-10)


def test_new_customer_expectation_is_equation_9() -> None:
    r, alpha, a, b = PUBLISHED.values()
    t = 52.0
    eq9 = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    assert float(bgnbd_expected_purchases_new(PUBLISHED, t)) == pytest.approx(eq9, rel=1e-10)


def test_expectation_is_finite_for_heavy_buyers_and_at_a_equal_1() -> None:
    heavy = bgnbd_expected_purchases(PUBLISHED, 52.0, 2000, 700.0, 730.0)
    assert np.isfinite(heavy) and heavy > 0
    near = {"r": 0.5, "alpha": 4.0, "a": 1.0, "b": 2.0}
    left = {**near, "a": 1.0 - 1e-4}
    right = {**near, "a": 1.0 + 1e-4}
    at_one = float(bgnbd_expected_purchases(near, 20.0, 3, 10.0, 30.0))
    assert at_one == pytest.approx(
        0.5
        * float(
            bgnbd_expected_purchases(left, 20.0, 3, 10.0, 30.0) + bgnbd_expected_purchases(right, 20.0, 3, 10.0, 30.0)
        ),
        rel=1e-6,
    )


def test_customers_without_repeat_purchases_are_surely_alive() -> None:
    assert bgnbd_p_alive(PUBLISHED, np.array([0, 0]), np.array([0.0, 0.0]), np.array([1.0, 50.0])).tolist() == [
        1.0,
        1.0,
    ]


def test_analytic_gradient_matches_finite_differences(cdnow) -> None:
    x = cdnow.frequency.astype(float)
    design = _Design(x, np.where(x > 0, cdnow.recency, 0.0), cdnow.T, np.ones(x.size))
    for theta in (np.array([0.3, 5.0, 0.8, 2.5]), np.array([2.0, 0.5, 3.0, 0.2])):
        value, gradient = design.evaluate(theta, gradient=True)
        assert value == pytest.approx(
            log_likelihood_terms(dict(zip(NAMES, theta, strict=True)), x, cdnow.recency, cdnow.T).sum()
        )
        numeric = approx_fprime(theta, lambda p: design.evaluate(p)[0], 1e-7)
        assert gradient == pytest.approx(numeric, rel=1e-4, abs=1e-3)


def test_weights_stand_for_repeated_customers(cdnow) -> None:
    (x, t_x, T), counts, _ = group_rows(cdnow.frequency, cdnow.recency, cdnow.T)
    weighted = fit_bgnbd(x, t_x, T, weights=counts)
    plain = fit_bgnbd(cdnow.frequency, cdnow.recency, cdnow.T)
    assert weighted.n == plain.n == 2357
    assert weighted.log_likelihood == pytest.approx(plain.log_likelihood, abs=1e-6)
    for name in plain.params:
        assert weighted.params[name] == pytest.approx(plain.params[name], rel=1e-5)


def test_closed_form_expectation_agrees_with_its_integral_definition() -> None:
    for r, alpha, a, b, t, x, T in [
        (0.243, 4.414, 0.793, 2.426, 39, 2, 38.86),
        (2, 10, 3, 5, 20, 10, 50),
        (0.5, 1, 5, 0.5, 100, 40, 60),
    ]:
        closed = float(_growth(r, alpha, a, b, np.array(t), np.array(x), np.array(T)))
        assert closed == pytest.approx(_growth_by_quadrature(r, alpha, a, b, t, x, T), rel=1e-8)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(0, 300),
    t_x=st.floats(0.001, 1, allow_nan=False),
    T=st.floats(0.01, 500, allow_nan=False),
    r=st.floats(0.01, 20),
    alpha=st.floats(0.01, 500),
    a=st.floats(0.01, 20),
    b=st.floats(0.01, 20),
    t=st.floats(0.1, 200),
)
def test_probabilities_stay_in_range_and_expectations_non_negative(x, t_x, T, r, alpha, a, b, t) -> None:
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    recency = t_x * T if x > 0 else 0.0
    alive = float(bgnbd_p_alive(params, x, recency, T))
    quiet = float(bgnbd_p_no_purchase(params, t, x, recency, T))
    expected = float(bgnbd_expected_purchases(params, t, x, recency, T))
    assert 0.0 <= alive <= 1.0
    assert 0.0 <= quiet <= 1.0
    assert np.isfinite(expected) and expected >= -1e-9
