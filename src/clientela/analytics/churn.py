"""Churn risk: a calibrated probability of no purchase over the next horizon.

Why not P(alive) alone: under BG/NBD a customer without repeat purchases can
only drop out right after a purchase, so P(alive) is exactly 1 for all of
them -- the largest group in most customer bases -- and ranks them above
everyone else. It is a poor churn score on its own (compare the AUCs).

The model (a time split, so that the labels are real outcomes):

1. Training cut-off C0 = C - h (C the calibration end, h the horizon). Each
   customer with a purchase by C0 is described by features computed from the
   data up to C0 only, and labelled 1 if they made no purchase in (C0, C].
2. A logistic regression (L2-penalised, fitted by L-BFGS on standardised
   features) maps the features to a probability. Its logistic link fitted on
   real outcomes is Platt's calibration: predicted probabilities match the
   observed churn share, which the holdout report checks (Brier score and
   calibration by decile). When every training customer had the same
   outcome there is nothing to learn, and everyone gets the smoothed observed
   rate (k + 1/2) / (n + 1).
3. The same features computed at C score every customer for (C, C + h].

Features: log(1+x), log(1+t_x), log(1+T), log(1+T-t_x) (time since the last
purchase), log(1+m), logit of BG/NBD P(alive), logit of BG/NBD
P(no purchase in (T, T+h]) and log E[purchases in (T, T+h]], the BG/NBD
quantities from a model fitted on the same data as the other features.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from scipy.stats import rankdata

from clientela.analytics.bgnbd import (
    bgnbd_expected_purchases,
    bgnbd_p_alive,
    bgnbd_p_no_purchase,
    fit_bgnbd,
)
from clientela.analytics.calendar import as_day
from clientela.analytics.mle import FitResult
from clientela.analytics.summary import CustomerSummary, period_days, summarize

FEATURES: tuple[str, ...] = (
    "log_frequency",
    "log_recency",
    "log_T",
    "log_time_since_last",
    "log_monetary",
    "logit_p_alive",
    "logit_p_no_purchase",
    "log_expected_purchases",
)
_EPS = 1e-9


@dataclass(frozen=True)
class LogisticModel:
    """Logistic regression on standardised features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # intercept first
    penalty: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        z = (features - self.mean) / self.scale
        return expit(self.coef[0] + z @ self.coef[1:])


def fit_logistic(features: np.ndarray, label: np.ndarray, *, penalty: float = 1e-3) -> LogisticModel:
    """Maximum penalised likelihood: mean log-loss + penalty/2 * |w|^2 (no penalty on the intercept)."""
    features = np.asarray(features, dtype=np.float64)
    y = np.asarray(label, dtype=np.float64)
    if features.shape[0] == 0:
        raise ValueError("no training rows")
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    if y.min() == y.max():
        # One outcome only: the smoothed observed rate, (k + 1/2) / (n + 1), for everyone.
        rate = (y.sum() + 0.5) / (y.size + 1.0)
        coef = np.r_[np.log(rate) - np.log1p(-rate), np.zeros(features.shape[1])]
        return LogisticModel(names=_names(features), mean=mean, scale=scale, coef=coef, penalty=penalty)
    z = np.column_stack([np.ones(features.shape[0]), (features - mean) / scale])
    n = float(z.shape[0])
    mask = np.r_[0.0, np.ones(features.shape[1])]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        eta = z @ w
        value = -(y * log_expit(eta) + (1.0 - y) * log_expit(-eta)).sum() / n
        value += 0.5 * penalty * float((mask * w) @ w)
        grad = z.T @ (expit(eta) - y) / n + penalty * mask * w
        return float(value), grad

    options = {"maxiter": 1000, "gtol": 1e-10, "ftol": 1e-15}
    result = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options=options)
    coef = result.x
    if not np.isfinite(coef).all():
        # Nothing usable in the features: predict the observed rate.
        rate = float(np.clip(y.mean(), 1e-9, 1 - 1e-9))
        coef = np.r_[np.log(rate) - np.log1p(-rate), np.zeros(features.shape[1])]
    return LogisticModel(names=_names(features), mean=mean, scale=scale, coef=coef, penalty=penalty)


def _names(features: np.ndarray) -> tuple[str, ...]:
    return tuple(FEATURES[: features.shape[1]]) if features.shape[1] <= len(FEATURES) else ()


def churn_features(summary: CustomerSummary, params: Mapping[str, float], horizon: float) -> np.ndarray:
    """The feature matrix (customers x FEATURES) for a summary and BG/NBD parameters."""
    x, t_x, T = summary.frequency.astype(np.float64), summary.recency, summary.T
    alive = bgnbd_p_alive(params, x, t_x, T)
    quiet = bgnbd_p_no_purchase(params, horizon, x, t_x, T)
    expected = bgnbd_expected_purchases(params, horizon, x, t_x, T)
    with np.errstate(all="ignore"):
        features = _raw_features(summary, alive, quiet, expected)
    # A degenerate BG/NBD fit (a handful of customers) can leave a column
    # non-finite: such values become the column's finite mean (or 0).
    bad = ~np.isfinite(features)
    if bad.any():
        filled = np.where(bad, 0.0, features)
        counts = np.maximum((~bad).sum(axis=0), 1)
        means = filled.sum(axis=0) / counts
        features = np.where(bad, means, features)
    return features


def _raw_features(summary: CustomerSummary, alive: np.ndarray, quiet: np.ndarray, expected: np.ndarray) -> np.ndarray:
    x, t_x, T = summary.frequency.astype(np.float64), summary.recency, summary.T
    return np.column_stack(
        [
            np.log1p(x),
            np.log1p(t_x),
            np.log1p(T),
            np.log1p(T - t_x),
            np.log1p(np.maximum(summary.monetary, 0.0)),
            _logit(alive),
            _logit(quiet),
            np.log(np.maximum(expected, _EPS)),
        ]
    )


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1.0 - _EPS)
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class ChurnResult:
    """Scores at the calibration end, and the evaluation when outcomes are known."""

    summary: CustomerSummary  # at the calibration end (holdout = the horizon when evaluated)
    probability: np.ndarray  # P(no purchase in (C, C+h])
    p_alive: np.ndarray
    p_no_purchase_bgnbd: np.ndarray
    model: LogisticModel
    bgnbd_params: dict[str, float]
    training_customers: int
    training_churn_rate: float
    churned: np.ndarray | None  # actual outcome, when evaluated
    metrics: dict[str, float] | None
    training_fit: FitResult | None = None  # BG/NBD on the training window
    scoring_fit: FitResult | None = None  # BG/NBD at the calibration end


def churn_risk(
    customer: np.ndarray,
    date: np.ndarray,
    amount: np.ndarray,
    *,
    calibration_end: np.datetime64 | str,
    horizon: float,
    period: str | int = "week",
    evaluate: bool = False,
    penalty: float = 1e-3,
) -> ChurnResult:
    """Train on (C - h, C], score at C; with ``evaluate`` compare with (C, C + h].

    ``evaluate`` needs the log to cover (C, C + h]: purchases there are the
    outcomes.
    """
    end = as_day(calibration_end)
    period_length = period_days(period)
    days = int(round(horizon * period_length))
    if days <= 0:
        raise ValueError("horizon must be at least one day")
    cutoff = end - np.timedelta64(days, "D")
    train = summarize(customer, date, amount, calibration_end=cutoff, holdout_end=end, period=period)
    if len(train) < 2:
        raise ValueError(f"too few customers with a purchase by {cutoff} to train on")
    assert train.holdout_purchases is not None
    train_label = (train.holdout_purchases == 0).astype(np.float64)
    train_fit = fit_bgnbd(train.frequency, train.recency, train.T)
    model = fit_logistic(churn_features(train, train_fit.params, horizon), train_label, penalty=penalty)

    holdout_end = end + np.timedelta64(days, "D") if evaluate else None
    now = summarize(customer, date, amount, calibration_end=end, holdout_end=holdout_end, period=period)
    now_fit = fit_bgnbd(now.frequency, now.recency, now.T)
    features = churn_features(now, now_fit.params, horizon)
    probability = model.predict(features)
    x, t_x, T = now.frequency, now.recency, now.T
    p_alive = bgnbd_p_alive(now_fit.params, x, t_x, T)
    quiet = bgnbd_p_no_purchase(now_fit.params, horizon, x, t_x, T)
    churned = None
    metrics = None
    if evaluate:
        assert now.holdout_purchases is not None
        churned = now.holdout_purchases == 0
        metrics = evaluation(churned, probability, p_alive, quiet)
    return ChurnResult(
        summary=now,
        probability=probability,
        p_alive=p_alive,
        p_no_purchase_bgnbd=quiet,
        model=model,
        bgnbd_params=now_fit.params,
        training_customers=len(train),
        training_churn_rate=float(train_label.mean()),
        churned=churned,
        metrics=metrics,
        training_fit=train_fit,
        scoring_fit=now_fit,
    )


def evaluation(
    churned: np.ndarray, probability: np.ndarray, p_alive: np.ndarray, p_quiet: np.ndarray
) -> dict[str, float]:
    """AUCs of the model and of the BG/NBD scores alone, Brier score, calibration."""
    y = np.asarray(churned, dtype=bool)
    return {
        "customers": float(y.size),
        "churn_rate": float(y.mean()) if y.size else float("nan"),
        "mean_probability": float(probability.mean()) if y.size else float("nan"),
        "auc_model": roc_auc(probability, y),
        "auc_p_alive": roc_auc(1.0 - p_alive, y),
        "auc_bgnbd_p_no_purchase": roc_auc(p_quiet, y),
        "brier_model": float(np.mean((probability - y) ** 2)),
        "brier_bgnbd_p_no_purchase": float(np.mean((p_quiet - y) ** 2)),
    }


def roc_auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties 1/2.

    Computed from ranks (Mann-Whitney U). NaN when a class is empty.
    """
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(score, dtype=np.float64))
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def calibration_table(probability: np.ndarray, outcome: np.ndarray, groups: int = 10) -> list[tuple[int, float, float]]:
    """(customers, mean predicted, observed rate) per predicted-probability decile."""
    order = np.argsort(probability, kind="stable")
    table = []
    for chunk in np.array_split(order, groups):
        if chunk.size:
            table.append((int(chunk.size), float(probability[chunk].mean()), float(np.mean(outcome[chunk]))))
    return table
