"""MBG/NBD: likelihood identities and behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from clientela.analytics.bgnbd import _growth_by_quadrature
from clientela.analytics.mbgnbd import (
    fit_mbgnbd,
    log_likelihood_terms,
    mbgnbd_expected_purchases,
    mbgnbd_p_alive,
)
from clientela.analytics.summary import summarize
from clientela.analytics.tests import _cdnow


def test_cdnow_fit_beats_bgnbd_slightly_and_gives_x0_customers_p_alive_below_1() -> None:
    tx = _cdnow.transactions()
    s = summarize(tx["customer"], tx["date"], tx["amount"], calibration_end=_cdnow.CALIBRATION_END, period="week")
    result = fit_mbgnbd(s.frequency, s.recency, s.T)
    # Our estimates (the model is not in the list of published figures).
    assert {k: round(v, 3) for k, v in result.params.items()} == {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    assert round(result.log_likelihood, 1) == -9582.1
    assert result.log_likelihood == pytest.approx(
        log_likelihood_terms(result.params, s.frequency, s.recency, s.T).sum()
    )
    alive = mbgnbd_p_alive(result.params, s.frequency, s.recency, s.T)
    assert np.all(alive[s.frequency == 0] < 1.0)


def test_expectation_agrees_with_its_integral_definition() -> None:
    params = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    x, t_x, T, t = 3, 20.0, 38.0, 39.0
    alive = float(mbgnbd_p_alive(params, x, t_x, T))
    # Alive after x repeat purchases (and the first): p ~ Beta(a, b + x + 1).
    growth = _growth_by_quadrature(0.5, 6.0, 0.9, 2.6, t, x, T)
    assert float(mbgnbd_expected_purchases(params, t, x, t_x, T)) == pytest.approx(alive * growth, rel=1e-8)
