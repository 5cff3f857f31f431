"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005,
"RFM and CLV: using iso-value curves for customer base analysis"; Colombo &
Jiang 1999).

A customer's transaction values are Gamma(p, nu) with the customer's nu ~
Gamma(q, gamma); the mean m of their x transactions is then Gamma(px, nu x),
and marginally

    f(m | p, q, gamma, x) = G(px+q) / (G(px) G(q)) * gamma^q m^(px-1) x^(px)
                            / (gamma + m x)^(px+q).

It is fitted on repeat buyers only (x > 0) with m the mean spend of their
repeat purchase days (see ``clientela.analytics.summary``), and assumes spend
is independent of the purchase process. The expected mean spend of a customer
(eq. 3) is the weighted average of the population mean and their own mean:

    E[M | p, q, gamma, m, x] = (gamma + m x) p / (p x + q - 1)
        = (q-1)/(px+q-1) * gamma p/(q-1) + px/(px+q-1) * m,

which for a customer without repeat purchases (x = 0) is the population mean
gamma p / (q - 1) (finite only when q > 1).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import gammaln, psi

from clientela.analytics.mle import FitResult, distinct, dot, fit_positive, warm_start_sample

NAMES: tuple[str, ...] = ("p", "q", "gamma")


def _unpack(params: Mapping[str, float]) -> tuple[float, float, float]:
    return float(params["p"]), float(params["q"]), float(params["gamma"])


def _terms(theta: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, g = (float(v) for v in theta)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )


def log_likelihood_terms(params: Mapping[str, float], x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Each repeat buyer's log-density ln f(m | p, q, gamma, x)."""
    x, m = (np.asarray(v, dtype=np.float64) for v in (x, m))
    return _terms(np.array(_unpack(params)), x, m)


def fit_gamma_gamma(
    frequency: np.ndarray,
    monetary: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    start: Mapping[str, float] | None = None,
) -> FitResult:
    """Maximum-likelihood Gamma-Gamma fit on the customers with x > 0 and m > 0.

    Customers without repeat purchases carry no information on spend and are
    left out (so are repeat buyers whose repeat purchases were all worth 0);
    ``n`` in the result is the number of customers fitted. The special
    functions are evaluated once per distinct x.
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary, dtype=np.float64)
    if x.shape != m.shape:
        raise ValueError("frequency and monetary must have the same length")
    if not (np.isfinite(x).all() and np.isfinite(m).all()):
        raise ValueError("frequency and monetary must be finite")
    used = (x > 0) & (m > 0)
    if not used.any():
        raise ValueError("no repeat buyers with positive spend to fit")
    x, m = x[used], m[used]
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=np.float64)[used]
    n = float(w.sum())
    ux, ix = distinct(x)
    count_u = np.bincount(ix, weights=w, minlength=ux.size)
    wx = w * x
    # Terms that do not depend on the parameters' values, only multiply them.
    sum_log_m = dot(w, np.log(m))
    sum_x_log_xm = dot(wx, np.log(x) + np.log(m))
    mx = m * x

    def evaluate(theta: np.ndarray, gradient: bool) -> tuple[float, np.ndarray | None]:
        p, q, g = (float(v) for v in theta)
        log_gmx = np.log(g + mx)
        per_x = gammaln(p * ux + q) - gammaln(p * ux)
        value = (
            dot(count_u, per_x)
            - n * gammaln(q)
            + n * q * np.log(g)
            + p * sum_x_log_xm
            - sum_log_m
            - dot(p * wx + q * w, log_gmx)
        )
        if not gradient:
            return value, None
        psi_total = psi(p * ux + q)
        d_p = dot(count_u * ux, psi_total - psi(p * ux)) + sum_x_log_xm - dot(wx, log_gmx)
        d_q = dot(count_u, psi_total) - n * psi(q) + n * np.log(g) - dot(w, log_gmx)
        d_g = n * q / g - dot(p * wx + q * w, 1.0 / (g + mx))
        return value, np.array([d_p, d_q, d_g])

    def ll(theta: np.ndarray) -> float:
        return evaluate(theta, False)[0]

    def both(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = evaluate(theta, True)
        assert gradient is not None
        return value, gradient

    sample = warm_start_sample(x.size) if start is None else None
    warm = None
    if sample is not None:
        warm = fit_gamma_gamma(x[sample], m[sample], weights=None if weights is None else w[sample])
        start = warm.params
    reference = [1.0, 2.0, float(np.average(m, weights=w))]
    start_values = reference if start is None else [float(start[name]) for name in NAMES]
    return fit_positive(
        "gammagamma",
        NAMES,
        ll,
        start_values,
        n=int(round(n)),
        weight_total=n,
        value_and_gradient=both,
        warm=warm,
        reference=reference,
    )


def gamma_gamma_expected_spend(params: Mapping[str, float], x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[mean spend per purchase | x, m]: (gamma + m x) p / (p x + q - 1).

    For x = 0 this is the population mean gamma p / (q - 1); it needs q > 1
    (otherwise the population mean is infinite and a ValueError is raised).
    """
    p, q, g = _unpack(params)
    x, m = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, m)))
    if q <= 1.0 and (x == 0).any():
        raise ValueError("q <= 1: the population mean spend is infinite")
    m = np.where(x > 0, m, 0.0)
    return (g + m * x) * p / (p * x + q - 1.0)


def gamma_gamma_population_mean(params: Mapping[str, float]) -> float:
    """gamma p / (q - 1): the mean spend per purchase across the population."""
    p, q, g = _unpack(params)
    if q <= 1.0:
        raise ValueError("q <= 1: the population mean spend is infinite")
    return g * p / (q - 1.0)
