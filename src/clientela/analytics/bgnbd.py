"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after
each purchase they drop out for good with probability p ~ Beta(a, b). For a
customer with x repeat purchases, the last at t_x, observed until T (eq. 6):

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
      + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

P(alive) (eq. 11):  1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).

Expected purchases in (T, T+t] (eq. 10), with z = t/(alpha+T+t):

    E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1)
        * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] * P(alive)

which is evaluated in Euler's transformed form
``(1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)``
(Abramowitz & Stegun 15.3.3), so no power grows with x and nothing
overflows for heavy buyers. A newly acquired customer is the case
x = t_x = T = 0, which gives the paper's eq. 9 for E[X(t)].
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from clientela.analytics.mle import FitResult, fit_positive, group_rows
from clientela.analytics.summary import check_rft

NAMES: tuple[str, ...] = ("r", "alpha", "a", "b")


def _unpack(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return float(params["r"]), float(params["alpha"]), float(params["a"]), float(params["b"])


def log_likelihood_terms(
    params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Each customer's log-likelihood contribution ln L_i (eq. 6 in logs)."""
    r, alpha, a, b = _unpack(params)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return _terms(np.array([r, alpha, a, b]), x, t_x, T)[0]


def _terms(
    theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, gradient: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    r, alpha, a, b = theta
    repeat = x > 0
    base = betaln(a, b)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - base - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        a3 = np.where(
            repeat,
            betaln(a + 1, b + x - 1) - base - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    total = np.logaddexp(a2, a3)
    terms = a1 + total
    if not gradient:
        return terms, None
    w3 = np.exp(a3 - total)  # share of the "dropped out at t_x" branch
    w2 = 1.0 - w3
    psi_ab, psi_abx = psi(a + b), psi(a + b + x)
    d_r = psi(r + x) - psi(r) + np.log(alpha)
    d_r = d_r - w2 * np.log(alpha + T) - w3 * np.log(alpha + t_x)
    d_alpha = r / alpha - w2 * (r + x) / (alpha + T) - w3 * (r + x) / (alpha + t_x)
    d_a = w2 * (psi_ab - psi_abx) + w3 * (psi(a + 1) - psi(a) + psi_ab - psi_abx)
    with np.errstate(invalid="ignore"):
        d_b3 = np.where(repeat, psi(np.where(repeat, b + x - 1, 1.0)), 0.0)
    d_b = w2 * (psi(b + x) - psi_abx) + w3 * (d_b3 - psi_abx) - psi(b) + psi_ab
    return terms, np.stack([d_r, d_alpha, d_a, d_b])


def fit_bgnbd(
    frequency: np.ndarray,
    recency: np.ndarray,
    T: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    start: Mapping[str, float] | None = None,
) -> FitResult:
    """Maximum-likelihood BG/NBD fit on per-customer (x, t_x, T).

    ``weights`` counts how many customers each row stands for (default 1).
    Identical rows are grouped, so the cost grows with the number of distinct
    (x, t_x, T), not with the number of customers.
    """
    x, t_x, t_cal = check_rft(frequency, recency, T)
    if x.size == 0:
        raise ValueError("no customers to fit")
    # t_x does not enter the likelihood when x = 0; zero it so rows group.
    t_x = np.where(x > 0, t_x, 0.0)
    (gx, gt, gT), counts, _ = group_rows(x, t_x, t_cal, weights=weights)
    n = float(counts.sum())

    def ll(theta: np.ndarray) -> float:
        return float(counts @ _terms(theta, gx, gt, gT)[0])

    def grad(theta: np.ndarray) -> np.ndarray:
        gradient = _terms(theta, gx, gt, gT, gradient=True)[1]
        assert gradient is not None
        return gradient @ counts

    if start is None:
        rate = float(np.average(gx / np.maximum(gT, 1e-9), weights=counts)) or 1.0
        start_values = [1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0]
    else:
        start_values = [float(start[name]) for name in NAMES]
    return fit_positive(
        "bgnbd",
        NAMES,
        ll,
        start_values,
        n=int(round(n)),
        weight_total=n,
        gradient=grad,
    )


def bgnbd_p_alive(
    params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T) (eq. 11): exactly 1 when x = 0."""
    r, alpha, a, b = _unpack(params)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds_dead = (
            np.log(a)
            - np.log(np.where(repeat, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def bgnbd_expected_purchases(
    params: Mapping[str, float],
    t: float | np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] (eq. 10)."""
    r, alpha, a, b = _unpack(params)
    x, t_x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, t)))
    alive = bgnbd_p_alive(params, x, t_x, T)
    return _growth(r, alpha, a, b, t, x, T) * alive


def bgnbd_expected_purchases_new(params: Mapping[str, float], t: float | np.ndarray) -> np.ndarray:
    """E[X(t)]: repeat purchases in (0, t] of a customer acquired at 0 (eq. 9)."""
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return bgnbd_expected_purchases(params, t, zero, zero, zero)


def bgnbd_p_no_purchase(
    params: Mapping[str, float],
    t: float | np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> np.ndarray:
    """P(no purchase in (T, T+t] | x, t_x, T).

    Either the customer is already dead, or alive with rate lambda, whose
    posterior given the history is Gamma(r+x, alpha+T), and buys nothing:
    1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x). (An alive customer
    can only drop out right after a purchase, so "no purchase" needs no
    dropout term.)
    """
    r, alpha, _, _ = _unpack(params)
    x, t_x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, t)))
    alive = bgnbd_p_alive(params, x, t_x, T)
    quiet = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return 1.0 - alive + alive * quiet


def _growth(
    r: float, alpha: float, a: float, b: float, t: np.ndarray, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """(a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)], z = t/(alpha+T+t).

    At a = 1 the expression is 0/0; its limit is taken as the mean of the
    values just either side (the function is smooth in a).
    """
    if abs(a - 1.0) < 1e-7:
        return 0.5 * (
            _growth(r, alpha, 1.0 - 1e-6, b, t, x, T) + _growth(r, alpha, 1.0 + 1e-6, b, t, x, T)
        )
    z = t / (alpha + T + t)
    c = a + b + x - 1
    bracket = 1.0 - np.power(1.0 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
    return c / (a - 1) * bracket
