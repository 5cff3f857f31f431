"""Pareto/NBD: the published CDNOW fit, the stable likelihood, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from clientela.analytics.pareto_nbd import (
    _log_a0,
    fit_pareto_nbd,
    hyp2f1_unit,
    log_likelihood_terms,
    pareto_nbd_expected_purchases,
    pareto_nbd_expected_purchases_new,
    pareto_nbd_p_alive,
)
from clientela.analytics.summary import summarize
from clientela.analytics.tests import _cdnow

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def test_cdnow_fit_reproduces_the_published_estimates() -> None:
    tx = _cdnow.transactions()
    s = summarize(tx["customer"], tx["date"], tx["amount"], calibration_end=_cdnow.CALIBRATION_END, period="week")
    result = fit_pareto_nbd(s.frequency, s.recency, s.T)
    assert result.n == 2357
    assert {k: round(v, 3) for k, v in result.params.items()} == PUBLISHED
    assert round(result.log_likelihood, 1) == -9595.0
    assert all(np.isfinite(v) for v in result.stderr.values())


def reference_log_a0(r: float, alpha: float, s: float, beta: float, x: float, t_x: float, T: float) -> float:
    """ln A0 from A0 = (r+s+x) int_{t_x}^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du (scaled quadrature)."""
    peak = -(r + x) * np.log(alpha + t_x) - (s + 1) * np.log(beta + t_x)

    def integrand(u: float) -> float:
        return float(np.exp(-(r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u) - peak))

    length = 1.0 / ((r + x) / (alpha + t_x) + (s + 1) / (beta + t_x))
    points = [t_x + length * f for f in (1, 10, 100) if t_x + length * f < T]
    value, _ = quad(integrand, t_x, T, points=points or None, epsabs=0, epsrel=1e-12, limit=500)
    return float(np.log(r + s + x) + peak + np.log(value))


@pytest.mark.parametrize(
    "params",
    [
        (0.55, 10.6, 0.6, 11.7),
        (0.55, 11.7, 0.6, 10.6),
        (2.0, 1.0, 3.0, 50.0),
        (0.3, 40.0, 1.5, 2.0),
        (0.5, 10.0, 0.5, 10.0),
    ],
)
@pytest.mark.parametrize("history", [(0, 0.0, 38.0), (3, 10.0, 38.0), (20, 30.0, 38.0), (200, 100.0, 300.0)])
def test_a0_in_both_branches_agrees_with_its_integral(params, history) -> None:
    r, alpha, s, beta = params
    x, t_x, T = history
    ours = _log_a0(r, alpha, s, beta, np.array([float(x)]), np.array([t_x]), np.array([T]))[0]
    assert ours == pytest.approx(reference_log_a0(r, alpha, s, beta, x, t_x, T), abs=1e-8)


def test_heavy_buyers_past_scipys_2f1_range_are_still_exact() -> None:
    # scipy returns NaN for these 2F1s; the series and the quadrature take over.
    for params in [(0.5, 0.01, 0.5, 1000.0), (3.0, 5.0, 0.1, 500.0), (0.5, 1000.0, 0.5, 0.01)]:
        for x, t_x, T in [(150, 40.0, 52.0), (1000, 300.0, 365.0)]:
            ours = _log_a0(*params, np.array([float(x)]), np.array([t_x]), np.array([T]))[0]
            assert ours == pytest.approx(reference_log_a0(*params, x, t_x, T), abs=1e-6)


def test_unit_hypergeometric_matches_closed_forms() -> None:
    w = -np.array([0.0, 0.5, 3.0, 50.0, 1e4])
    # 2F1(1, 1; 2; w) = ln(1 - w) / (-w)
    expected = np.where(w == 0, 1.0, np.log1p(-w) / np.where(w == 0, 1.0, -w))
    assert hyp2f1_unit(np.ones(5), np.full(5, 2.0), w) == pytest.approx(expected, rel=1e-12)
    # Large k, where scipy gives NaN: against the integral (c-1) int (1-t)^(c-2) (1-w t)^-k dt.
    k, c, wv = 300.0, 301.5, -20.0
    ref, _ = quad(
        lambda u: (c - 1) * np.exp((c - 2) * np.log1p(-u) - k * np.log1p(-wv * u)),
        0,
        1,
        epsrel=1e-13,
        limit=400,
        points=[1e-4, 1e-3, 1e-2],
    )
    assert float(hyp2f1_unit(np.array([k]), np.array([c]), np.array([wv]))[0]) == pytest.approx(ref, rel=1e-9)


def test_likelihood_is_finite_across_the_optimisers_range() -> None:
    x = np.array([0.0, 1.0, 5.0, 40.0])
    t_x = np.array([0.0, 3.0, 20.0, 37.0])
    T = np.array([38.0, 38.0, 38.0, 38.0])
    for theta in [(1e-8,) * 4, (1e8,) * 4, (1e-6, 1e6, 1e3, 1e-6), (1e3, 1e-6, 1e-6, 1e6), (50.0, 0.01, 50.0, 0.01)]:
        params = dict(zip(("r", "alpha", "s", "beta"), theta, strict=True))
        assert np.isfinite(log_likelihood_terms(params, x, t_x, T)).all()


def test_expectations_have_the_closed_forms() -> None:
    r, alpha, s, beta = PUBLISHED.values()
    t = 39.0
    new = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
    assert float(pareto_nbd_expected_purchases_new(PUBLISHED, t)) == pytest.approx(new, rel=1e-12)
    at_one = {**PUBLISHED, "s": 1.0}
    limit = r * beta / alpha * np.log((beta + t) / beta)
    assert float(pareto_nbd_expected_purchases_new(at_one, t)) == pytest.approx(limit, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(0, 300),
    share=st.floats(0.001, 1),
    T=st.floats(0.01, 500),
    r=st.floats(0.01, 20),
    alpha=st.floats(0.01, 500),
    s=st.floats(0.01, 20),
    beta=st.floats(0.01, 500),
    t=st.floats(0.1, 200),
)
def test_p_alive_is_a_probability_and_expectations_are_non_negative(x, share, T, r, alpha, s, beta, t) -> None:
    params = {"r": r, "alpha": alpha, "s": s, "beta": beta}
    t_x = share * T if x > 0 else 0.0
    alive = float(pareto_nbd_p_alive(params, x, t_x, T))
    assert 0.0 <= alive <= 1.0
    expected = float(pareto_nbd_expected_purchases(params, t, x, t_x, T))
    assert np.isfinite(expected) and expected >= 0.0
