"""Gamma-Gamma: the published CDNOW fit and the spend formulas."""

from __future__ import annotations

import numpy as np
import pytest

from clientela.analytics.gamma_gamma import (
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_population_mean,
    log_likelihood_terms,
)
from clientela.analytics.summary import summarize
from clientela.analytics.tests import _cdnow


def test_cdnow_repeat_buyers_reproduce_the_published_estimates() -> None:
    # Fader, Hardie & Lee (2005), "RFM and CLV": p = 6.25, q = 3.74, gamma = 15.44 on the
    # 946 repeat buyers, m = the exact mean spend of their repeat purchase days.
    tx = _cdnow.transactions()
    s = summarize(tx["customer"], tx["date"], tx["amount"], calibration_end=_cdnow.CALIBRATION_END, period="week")
    result = fit_gamma_gamma(s.frequency, s.monetary)
    assert result.n == 946
    assert {k: round(v, 2) for k, v in result.params.items()} == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    repeat = s.frequency > 0
    assert result.log_likelihood == pytest.approx(
        log_likelihood_terms(result.params, s.frequency[repeat], s.monetary[repeat]).sum(), abs=1e-8
    )


def test_spend_rounded_to_cents_shifts_gamma_in_the_second_decimal() -> None:
    # Why the exact mean is the convention: the summary file's 2-decimal means give 15.45.
    published = _cdnow.published_summary()
    result = fit_gamma_gamma(published[:, 1], published[:, 4])
    assert round(result.params["gamma"], 2) == 15.45


def test_expected_spend_is_a_weighted_mean_of_population_and_own_mean() -> None:
    params = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    p, q, g = params.values()
    x = np.array([0, 1, 2, 10])
    m = np.array([0.0, 20.0, 35.0, 12.0])
    population = g * p / (q - 1)
    weight = p * x / (p * x + q - 1)
    expected = (1 - weight) * population + weight * m
    assert gamma_gamma_expected_spend(params, x, m) == pytest.approx(expected, rel=1e-12)
    assert gamma_gamma_population_mean(params) == pytest.approx(population)


def test_infinite_population_mean_is_refused() -> None:
    with pytest.raises(ValueError, match="q <= 1"):
        gamma_gamma_expected_spend({"p": 2.0, "q": 0.9, "gamma": 10.0}, np.array([0]), np.array([0.0]))


def test_customers_without_repeat_spend_are_left_out_of_the_fit() -> None:
    x = np.array([0, 1, 2, 3, 4, 2, 5, 1])
    m = np.array([0.0, 10.0, 0.0, 12.0, 9.0, 30.0, 11.0, 14.0])
    assert fit_gamma_gamma(x, m).n == 6
    with pytest.raises(ValueError, match="no repeat buyers"):
        fit_gamma_gamma(np.array([0, 0]), np.array([0.0, 0.0]))
