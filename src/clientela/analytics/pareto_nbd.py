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
import numpy.typing as npt
from scipy.special import expit, gammaln, hyp2f1

from clientela.analytics.mle import FitResult, dot, fit_positive, group_rows, warm_start_sample
from clientela.analytics.summary import check_rft

NAMES: tuple[str, ...] = ("r", "alpha", "s", "beta")


def _unpack(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return float(params["r"]), float(params["alpha"]), float(params["s"]), float(params["beta"])


class _Pairs:
    """The distinct (x, t_x) and (x, T) pairs: each 2F1 term depends on one of them only."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
        (self.x1, self.u1), _, self.i1 = group_rows(x, t_x)
        (self.x2, self.u2), _, self.i2 = group_rows(x, T)


def _log_f(r: float, alpha: float, s: float, beta: float, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """ln of F(m, k, u) = 2F1(r+s+x, k; r+s+x+1; |alpha-beta|/(m+u)) / (m+u)^(r+s+x)."""
    c = r + s + x + 1.0  # the 2F1's c; its first parameter is c - 1 = r+s+x
    if alpha >= beta:
        m, k = alpha, np.full_like(x, s + 1.0)
    else:
        m, k = beta, r + x
    gap = abs(alpha - beta)
    # z = gap/(m+u), 1-z = (m+u-gap)/(m+u) = min(alpha, beta)+u over m+u.
    log_one_minus_z = np.log(m + u - gap) - np.log(m + u)
    w = -gap / (m + u - gap)  # z/(z-1)
    return -k * log_one_minus_z + np.log(hyp2f1_unit(k, c, w)) - (c - 1.0) * np.log(m + u)


def _log_a0(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    pairs: _Pairs | None = None,
) -> np.ndarray:
    """ln A0 (-inf where t_x = T, where A0 = 0)."""
    if pairs is None:
        shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))
        x, t_x, T = (np.broadcast_to(np.asarray(v, dtype=np.float64), shape).ravel() for v in (x, t_x, T))
        return _log_a0(r, alpha, s, beta, x, t_x, T, pairs=_Pairs(x, t_x, T)).reshape(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = _log_f(r, alpha, s, beta, pairs.x1, pairs.u1)[pairs.i1]
        second = _log_f(r, alpha, s, beta, pairs.x2, pairs.u2)[pairs.i2]
        result = first + np.log1p(-np.exp(np.minimum(second - first, 0.0)))
    unresolved = np.isnan(result) & (t_x < T)
    if unresolved.any():
        result = np.array(result, dtype=np.float64)
        result[unresolved] = [
            _log_a0_by_quadrature(r, alpha, s, beta, xi, ti, Ti)
            for xi, ti, Ti in zip(x[unresolved], t_x[unresolved], T[unresolved], strict=True)
        ]
    return result


def hyp2f1_unit(k: np.ndarray, c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """2F1(1, k; c; w) for w <= 0 and c > k > 0; its value lies in (0, 1].

    scipy's ``hyp2f1`` is accurate here when it returns a number, but it
    returns NaN once k or c - k reaches the hundreds with w below about -3
    (customers with hundreds of purchase days). Those entries are summed from
    the series after Pfaff's transformation, v = w/(w-1) in [0, 1):
    ``2F1(1, k; c; w) = (1-v) sum_n (c-k)_n/(c)_n v^n``, whose terms are
    positive and fall at least like v^n (and like n^-k), with the tail bounded
    by the last term times v/(1-v). Entries that would need more than
    ``_SERIES_TERMS`` terms are left NaN for the caller's quadrature.
    """
    k, c, w = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (k, c, w)))
    with np.errstate(all="ignore"):
        value = np.array(hyp2f1(1.0, k, c, w), dtype=np.float64)
    bad = ~(np.isfinite(value) & (value > 0.0) & (value <= 1.0 + 1e-12))
    if bad.any():
        value[bad] = _unit_series(k[bad], c[bad], w[bad])
    return value


_SERIES_TERMS = 20_000
_SERIES_CHUNK = 512


def _unit_series(k: np.ndarray, c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The series of ``hyp2f1_unit``, summed ``_SERIES_CHUNK`` terms at a time.

    Each chunk's terms are a cumulative product of the term ratios and its
    partial sums a cumulative sum (whole numpy passes, not one Python step per
    term); an entry stops at the first term whose bounded tail is below 1e-16
    of the sum, exactly where a term-by-term loop would stop.
    """
    v = w / (w - 1.0)
    b = c - k
    headroom = v / (1.0 - v)
    total = np.ones_like(v)
    term = np.ones_like(v)
    done = np.zeros(v.shape, dtype=bool)
    for first in range(0, _SERIES_TERMS, _SERIES_CHUNK):
        active = np.flatnonzero(~done)
        if active.size == 0:
            break
        n = np.arange(first, first + _SERIES_CHUNK, dtype=np.float64)
        ratios = (b[active, None] + n) / (c[active, None] + n) * v[active, None]
        terms = term[active, None] * np.cumprod(ratios, axis=1)
        partial = total[active, None] + np.cumsum(terms, axis=1)
        small = terms * headroom[active, None] <= 1e-16 * partial
        stops = small.any(axis=1)
        at = np.where(stops, np.argmax(small, axis=1), _SERIES_CHUNK - 1)
        rows = np.arange(active.size)
        total[active] = partial[rows, at]
        term[active] = terms[rows, at]
        done[active[stops]] = True
    return np.where(done, total * (1.0 - v), np.nan)


def _log_a0_by_quadrature(r: float, alpha: float, s: float, beta: float, x: float, t_x: float, T: float) -> float:
    """ln A0 from its integral, A0 = (r+s+x) int_{t_x}^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du.

    The integrand is scaled by its value at t_x (its maximum) so nothing
    underflows; its decay length at t_x is given to the adaptive rule.
    """
    # A fallback for the few customers the series cannot serve: scipy.integrate is imported only then.
    from scipy.integrate import quad

    p, q = r + x, s + 1.0

    def log_g(u: float) -> float:
        return -p * np.log(alpha + u) - q * np.log(beta + u)

    peak = log_g(t_x)
    length = 1.0 / (p / (alpha + t_x) + q / (beta + t_x))
    points = [t_x + length * f for f in (1.0, 10.0, 100.0) if t_x + length * f < T]
    value, _ = quad(lambda u: np.exp(log_g(u) - peak), t_x, T, points=points or None, limit=400, epsrel=1e-12)
    return float(np.log(r + s + x) + peak + np.log(value))


def log_likelihood_terms(params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood contribution ln L_i."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return _terms(np.array(_unpack(params)), x, t_x, T)


def _terms(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, pairs: _Pairs | None = None) -> np.ndarray:
    r, alpha, s, beta = (float(v) for v in theta)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive_all_along = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, T, pairs)
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
    pairs = _Pairs(gx, gt, gT)

    def ll(theta: np.ndarray) -> float:
        return dot(counts, _terms(theta, gx, gt, gT, pairs))

    sample = warm_start_sample(x.size) if start is None else None
    warm = None
    if sample is not None:
        warm = fit_pareto_nbd(
            x[sample], t_x[sample], t_cal[sample], weights=None if weights is None else np.asarray(weights)[sample]
        )
        start = warm.params
    rate = float(np.average(gx / np.maximum(gT, 1e-9), weights=counts)) or 1.0
    mean_T = float(np.average(gT, weights=counts)) or 1.0
    reference = [1.0, 1.0 / max(rate, 1e-6), 1.0, mean_T]
    start_values = reference if start is None else [float(start[name]) for name in NAMES]
    return fit_positive(
        "pareto", NAMES, ll, start_values, n=int(round(n)), weight_total=n, warm=warm, reference=reference
    )


def pareto_nbd_p_alive(
    params: Mapping[str, float], x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
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
    params: Mapping[str, float], t: float | np.ndarray, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T]."""
    x, t_x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, t)))
    return pareto_nbd_expected_purchases_if_alive(params, t, x, T) * pareto_nbd_p_alive(params, x, t_x, T)


def pareto_nbd_expected_purchases_if_alive(
    params: Mapping[str, float], t: float | np.ndarray, x: npt.ArrayLike, T: npt.ArrayLike
) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T, x, T].

    (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)].
    """
    r, alpha, s, beta = _unpack(params)
    x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, T, t)))
    log_ratio = np.log(beta + T + t) - np.log(beta + T)
    # [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1), and its limit at s = 1.
    near_one = abs(s - 1.0) < 1e-9
    horizon = log_ratio if near_one else -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
    return (r + x) * (beta + T) / (alpha + T) * horizon


def pareto_nbd_expected_purchases_new(params: Mapping[str, float], t: float | np.ndarray) -> np.ndarray:
    """E[X(t)] for a customer acquired at 0: r beta/(alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]."""
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return pareto_nbd_expected_purchases(params, t, zero, zero, zero)
