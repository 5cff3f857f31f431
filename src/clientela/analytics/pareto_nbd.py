"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha) and has
an exponential lifetime with rate mu ~ Gamma(s, beta). The likelihood of
(x, t_x, T) in the form of Fader & Hardie (2005), "A note on deriving the
Pareto/NBD model and related expressions", eq. 22:

    L = G(r+x) alpha^r beta^s / G(r)
        * [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A0 ]

    alpha >= beta:  A0 = F(alpha, s+1, t_x) - F(alpha, s+1, T)
    alpha <  beta:  A0 = F(beta, r+x, t_x) - F(beta, r+x, T)
    F(m, k, u) = 2F1(r+s+x, k; r+s+x+1; |alpha-beta|/(m+u)) / (m+u)^(r+s+x)

Everything is computed in logs. Each 2F1 is evaluated after Pfaff's
transformation (Abramowitz & Stegun 15.3.4),
``2F1(c-1, k; c; z) = (1-z)^(-k) 2F1(1, k; c; z/(z-1))``, whose right-hand
2F1 has a non-positive argument and lies in (0, 1]: it cannot overflow
however many purchases a customer has, and ``(1-z)^(-k)`` is taken as a log.
A0 >= 0 is the difference of two such terms and is formed as
``exp(l1) (1 - exp(l2 - l1))`` with ``log1p``.

P(alive) (note eq. 23): 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0).
E[Y(t) | x, t_x, T] (note eq. 24):
    (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive),
with the s -> 1 limit (r+x)(beta+T)/(alpha+T) ln((beta+T+t)/(beta+T)).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from clientela.analytics.mle import FitResult, fit_positive, group_rows
from clientela.analytics.summary import check_rft

NAMES: tuple[str, ...] = ("r", "alpha", "s", "beta")


def _unpack(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return float(params["r"]), float(params["alpha"]), float(params["s"]), float(params["beta"])


def _log_a0(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """ln A0 (-inf where t_x = T, where A0 = 0)."""
    c = r + s + x + 1.0  # the 2F1's c; its first parameter is c - 1 = r+s+x
    if alpha >= beta:
        m, k = alpha, s + 1.0
    else:
        m, k = beta, r + x
    gap = abs(alpha - beta)

    def log_f(u: np.ndarray) -> np.ndarray:
        # z = gap/(m+u), 1-z = (m+u-gap)/(m+u) = min(alpha, beta)+u over m+u.
        log_one_minus_z = np.log(m + u - gap) - np.log(m + u)
        w = -gap / (m + u - gap)  # z/(z-1)
        return -k * log_one_minus_z + np.log(hyp2f1(1.0, k, c, w)) - (c - 1.0) * np.log(m + u)

    first = log_f(t_x)
    second = log_f(T)
    with np.errstate(divide="ignore"):
        return first + np.log1p(-np.exp(np.minimum(second - first, 0.0)))


def log_likelihood_terms(
    params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Each customer's log-likelihood contribution ln L_i."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return _terms(np.array(_unpack(params)), x, t_x, T)


def _terms(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, s, beta = (float(v) for v in theta)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive_all_along = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, T)
    return head + np.logaddexp(alive_all_along, died)


def fit_pareto_nbd(
    frequency: np.ndarray,
    recency: np.ndarray,
    T: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    start: Mapping[str, float] | None = None,
) -> FitResult:
    """Maximum-likelihood Pareto/NBD fit on per-customer (x, t_x, T).

    The gradient is taken numerically by the optimiser (the derivatives of
    2F1 in its parameters have no cheap closed form); the Nelder-Mead polish
    that follows removes the finite-difference error.
    """
    x, t_x, t_cal = check_rft(frequency, recency, T)
    if x.size == 0:
        raise ValueError("no customers to fit")
    (gx, gt, gT), counts, _ = group_rows(x, t_x, t_cal, weights=weights)
    n = float(counts.sum())

    def ll(theta: np.ndarray) -> float:
        return float(counts @ _terms(theta, gx, gt, gT))

    if start is None:
        rate = float(np.average(gx / np.maximum(gT, 1e-9), weights=counts)) or 1.0
        mean_T = float(np.average(gT, weights=counts)) or 1.0
        start_values = [1.0, 1.0 / max(rate, 1e-6), 1.0, mean_T]
    else:
        start_values = [float(start[name]) for name in NAMES]
    return fit_positive("pareto", NAMES, ll, start_values, n=int(round(n)), weight_total=n)


def pareto_nbd_p_alive(
    params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    r, alpha, s, beta = _unpack(params)
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))
    log_odds_dead = (
        np.log(s)
        - np.log(r + s + x)
        + (r + x) * np.log(alpha + T)
        + s * np.log(beta + T)
        + _log_a0(r, alpha, s, beta, x, t_x, T)
    )
    return expit(-log_odds_dead)


def pareto_nbd_expected_purchases(
    params: Mapping[str, float],
    t: float | np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T]."""
    r, alpha, s, beta = _unpack(params)
    x, t_x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, t)))
    log_ratio = np.log(beta + T + t) - np.log(beta + T)
    # [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1), and its limit at s = 1.
    near_one = abs(s - 1.0) < 1e-9
    horizon = log_ratio if near_one else -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
    rate = (r + x) * (beta + T) / (alpha + T)
    return rate * horizon * pareto_nbd_p_alive(params, x, t_x, T)


def pareto_nbd_expected_purchases_new(
    params: Mapping[str, float], t: float | np.ndarray
) -> np.ndarray:
    """E[X(t)] for a customer acquired at 0: r beta/(alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]."""
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return pareto_nbd_expected_purchases(params, t, zero, zero, zero)
