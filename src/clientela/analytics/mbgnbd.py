"""The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007).

As BG/NBD, but a customer may also drop out right after their *first*
purchase, so P(alive) < 1 even without repeat purchases, which makes it a
better ranking of customers who never came back. The likelihood is

    L = B(a, b+x+1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
      + B(a+1, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)),

P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), and

    E[Y(t) | x, t_x, T] = (a+b+x)/(a-1)
        [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)] P(alive),

z = t/(alpha+T+t): BG/NBD's expression with b+1 in place of b, evaluated the
same way (Euler's transformation, see ``clientela.analytics.bgnbd``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, expit, gammaln

from clientela.analytics.bgnbd import NAMES, _growth, _unpack
from clientela.analytics.mle import FitResult, dot, fit_positive, group_rows
from clientela.analytics.summary import check_rft

__all__ = [
    "NAMES",
    "fit_mbgnbd",
    "log_likelihood_terms",
    "mbgnbd_expected_purchases",
    "mbgnbd_expected_purchases_if_alive",
    "mbgnbd_p_alive",
]


def _terms(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = (float(v) for v in theta)
    base = betaln(a, b)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x + 1) - base - (r + x) * np.log(alpha + T)
    dropped = betaln(a + 1, b + x) - base - (r + x) * np.log(alpha + t_x)
    return head + np.logaddexp(alive, dropped)


def log_likelihood_terms(params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood contribution ln L_i."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return _terms(np.array(_unpack(params)), x, t_x, T)


def fit_mbgnbd(
    frequency: np.ndarray,
    recency: np.ndarray,
    T: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    start: Mapping[str, float] | None = None,
) -> FitResult:
    """Maximum-likelihood MBG/NBD fit on per-customer (x, t_x, T)."""
    x, t_x, t_cal = check_rft(frequency, recency, T)
    if x.size == 0:
        raise ValueError("no customers to fit")
    (gx, gt, gT), counts, _ = group_rows(x, t_x, t_cal, weights=weights)
    n = float(counts.sum())

    def ll(theta: np.ndarray) -> float:
        return dot(counts, _terms(theta, gx, gt, gT))

    rate = float(np.average(gx / np.maximum(gT, 1e-9), weights=counts)) or 1.0
    reference = [1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0]
    start_values = reference if start is None else [float(start[name]) for name in NAMES]
    return fit_positive("mbgnbd", NAMES, ll, start_values, n=int(round(n)), weight_total=n, reference=reference)


def mbgnbd_p_alive(params: Mapping[str, float], x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    r, alpha, a, b = _unpack(params)
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))
    log_odds_dead = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return expit(-log_odds_dead)


def mbgnbd_expected_purchases(
    params: Mapping[str, float], t: float | np.ndarray, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T]."""
    x, t_x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, t)))
    return mbgnbd_expected_purchases_if_alive(params, t, x, T) * mbgnbd_p_alive(params, x, t_x, T)


def mbgnbd_expected_purchases_if_alive(
    params: Mapping[str, float], t: float | np.ndarray, x: npt.ArrayLike, T: npt.ArrayLike
) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T, x, T]."""
    r, alpha, a, b = _unpack(params)
    x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, T, t)))
    return _growth(r, alpha, a, b + 1.0, t, x, T)
