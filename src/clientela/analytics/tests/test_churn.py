"""Churn risk: AUC, the logistic model, and the CDNOW evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from clientela.analytics.churn import calibration_table, churn_risk, fit_logistic, roc_auc
from clientela.analytics.tests import _cdnow


def test_auc_counts_ordered_pairs_and_halves_ties() -> None:
    positive = np.array([True, True, False, False])
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), positive) == 1.0
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), positive) == 0.0
    assert roc_auc(np.array([0.5, 0.5, 0.5, 0.5]), positive) == 0.5
    assert roc_auc(np.array([0.9, 0.3, 0.5, 0.1]), positive) == 0.75
    assert np.isnan(roc_auc(np.array([0.1, 0.2]), np.array([True, True])))


def test_logistic_regression_recovers_a_known_model() -> None:
    rng = np.random.default_rng(4)
    features = rng.normal(size=(20000, 2))
    truth = 1 / (1 + np.exp(-(0.5 + 1.5 * features[:, 0] - 1.0 * features[:, 1])))
    label = rng.random(20000) < truth
    model = fit_logistic(features, label, penalty=0.0)
    predicted = model.predict(features)
    assert np.abs(predicted - truth).mean() < 0.01
    # Calibrated: the mean prediction is the observed rate.
    assert predicted.mean() == pytest.approx(label.mean(), abs=1e-5)


def test_cdnow_model_beats_p_alive_which_is_worse_than_chance() -> None:
    tx = _cdnow.transactions()
    result = churn_risk(
        tx["customer"], tx["date"], tx["amount"], calibration_end=_cdnow.CALIBRATION_END, horizon=13, evaluate=True
    )
    metrics = result.metrics
    assert metrics is not None and result.churned is not None
    assert metrics["customers"] == 2357
    # P(alive) = 1 for the 1,411 customers without repeat purchases, who churn most.
    assert metrics["auc_p_alive"] < 0.5
    assert metrics["auc_model"] > 0.77
    assert metrics["auc_model"] > metrics["auc_bgnbd_p_no_purchase"] > metrics["auc_p_alive"]
    assert np.all((result.probability > 0) & (result.probability < 1))
    table = calibration_table(result.probability, result.churned)
    assert sum(n for n, _, _ in table) == 2357
    # Calibration by decile: close on average (CDNOW's cohort is ageing, so the time-split
    # model overstates churn a little in the riskiest deciles).
    assert np.mean([abs(predicted - observed) for _, predicted, observed in table]) < 0.05
    assert metrics["brier_model"] < 0.12


def test_training_needs_history_before_the_horizon() -> None:
    customer = np.array([0, 1])
    date = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")
    with pytest.raises(ValueError, match="too few customers"):
        churn_risk(customer, date, np.array([1.0, 1.0]), calibration_end="2024-01-10", horizon=4)
