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

import warnings
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from clientela.analytics.mle import FitResult, distinct, dot, fit_positive, warm_start_sample
from clientela.analytics.summary import check_rft

NAMES: tuple[str, ...] = ("r", "alpha", "a", "b")


def _unpack(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return float(params["r"]), float(params["alpha"]), float(params["a"]), float(params["b"])


def log_likelihood_terms(params: Mapping[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood contribution ln L_i (eq. 6 in logs)."""
    r, alpha, a, b = _unpack(params)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return _terms(np.array([r, alpha, a, b]), x, t_x, T)


class _Design:
    """The data arranged so that a likelihood evaluation touches each customer once, cheaply.

    With d = ln(dropped-out branch) - ln(alive branch) (zero weight when x = 0),

        ln L_i = head(x) + B2(x) - (r+x) ln(alpha+T) + [x > 0] ln(1 + e^d),
        d = B3(x) - B2(x) - (r+x) (ln(alpha+t_x) - ln(alpha+T)),

    head(x) = ln G(r+x) - ln G(r) + r ln alpha, B2(x) = ln B(a, b+x) - ln B(a, b),
    B3(x) = ln B(a+1, b+x-1) - ln B(a, b). Everything but the last term sums over
    tables of distinct x and distinct T (whole days: few values however many
    customers), so only customers with repeat purchases need per-customer work:
    a few gathers, one softplus and (for the gradient) one logistic.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray) -> None:
        self.n = float(weights.sum())
        self.ux, ix = distinct(x)
        self.uT, iT = distinct(T)
        self.n_x = np.bincount(ix, weights=weights, minlength=self.ux.size)
        self.n_T = np.bincount(iT, weights=weights, minlength=self.uT.size)
        self.x_T = np.bincount(iT, weights=weights * x, minlength=self.uT.size)
        repeat = x > 0
        self.ut, self.it = distinct(t_x[repeat])
        self.x = x[repeat]
        self.w = weights[repeat]
        self.ix = ix[repeat]
        self.iT = iT[repeat]
        self.repeat_u = self.ux > 0

    def evaluate(self, theta: np.ndarray, gradient: bool = False) -> tuple[float, np.ndarray | None]:
        r, alpha, a, b = (float(v) for v in theta)
        ux, rep = self.ux, self.repeat_u
        base = betaln(a, b)
        b2 = betaln(a, b + ux) - base
        with np.errstate(invalid="ignore", divide="ignore"):
            b3 = np.where(rep, betaln(a + 1, b + np.maximum(ux, 1) - 1) - base, 0.0)
        head = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
        log_T = np.log(alpha + self.uT)
        log_t = np.log(alpha + self.ut)
        rx = r + self.x
        gap = log_t[self.it] - log_T[self.iT]
        d = (b3 - b2)[self.ix] - rx * gap
        value = dot(self.n_x, head + b2) - dot(r * self.n_T + self.x_T, log_T)
        value += dot(self.w, np.logaddexp(0.0, d))
        if not gradient:
            return value, None
        ws = self.w * expit(d)  # weight x share of the "dropped out at t_x" branch
        s_x = np.bincount(self.ix, weights=ws, minlength=ux.size)
        psi_ab = psi(a + b)
        psi_abx = psi(a + b + ux)
        b2_a = psi_ab - psi_abx
        b3_a = psi(a + 1) - psi(a) + psi_ab - psi_abx
        b2_b = psi(b + ux) - psi_abx - psi(b) + psi_ab
        b3_b = np.where(rep, psi(b + np.maximum(ux, 1) - 1), 0.0) - psi_abx - psi(b) + psi_ab
        inv_gap = (1.0 / (alpha + self.ut))[self.it] - (1.0 / (alpha + self.uT))[self.iT]
        d_r = dot(self.n_x, psi(r + ux) - psi(r) + np.log(alpha)) - dot(self.n_T, log_T) - dot(ws, gap)
        d_alpha = self.n * r / alpha - dot(r * self.n_T + self.x_T, 1.0 / (alpha + self.uT)) - dot(ws * rx, inv_gap)
        d_a = dot(self.n_x, b2_a) + dot(s_x, np.where(rep, b3_a - b2_a, 0.0))
        d_b = dot(self.n_x, b2_b) + dot(s_x, np.where(rep, b3_b - b2_b, 0.0))
        return value, np.array([d_r, d_alpha, d_a, d_b])


def _terms(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = (float(v) for v in theta)
    repeat = x > 0
    base = betaln(a, b)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x) - base - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        dropped = np.where(
            repeat, betaln(a + 1, b + np.maximum(x, 1) - 1) - base - (r + x) * np.log(alpha + t_x), -np.inf
        )
    return head + np.logaddexp(alive, dropped)


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
    Uses the analytic gradient; the work per likelihood evaluation is a few
    array operations per customer, special functions run per distinct value.
    """
    x, t_x, t_cal = check_rft(frequency, recency, T)
    if x.size == 0:
        raise ValueError("no customers to fit")
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=np.float64)
    # t_x does not enter the likelihood when x = 0.
    design = _Design(x, np.where(x > 0, t_x, 0.0), t_cal, w)

    def ll(theta: np.ndarray) -> float:
        return design.evaluate(theta)[0]

    def both(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = design.evaluate(theta, gradient=True)
        assert gradient is not None
        return value, gradient

    sample = warm_start_sample(x.size) if start is None else None
    warm = None
    if sample is not None:
        warm = fit_bgnbd(x[sample], t_x[sample], t_cal[sample], weights=None if weights is None else w[sample])
        start = warm.params
    rate = float(np.average(x / np.maximum(t_cal, 1e-9), weights=w)) or 1.0
    reference = [1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0]
    start_values = reference if start is None else [float(start[name]) for name in NAMES]
    return fit_positive(
        "bgnbd",
        NAMES,
        ll,
        start_values,
        n=int(round(design.n)),
        weight_total=design.n,
        value_and_gradient=both,
        warm=warm,
        reference=reference,
    )


def bgnbd_p_alive(params: Mapping[str, float], x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> np.ndarray:
    """P(alive at T | x, t_x, T) (eq. 11): exactly 1 when x = 0."""
    r, alpha, a, b = _unpack(params)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds_dead = (
            np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def bgnbd_expected_purchases(
    params: Mapping[str, float], t: float | np.ndarray, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] (eq. 10)."""
    x, t_x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, t)))
    return bgnbd_expected_purchases_if_alive(params, t, x, T) * bgnbd_p_alive(params, x, t_x, T)


def bgnbd_expected_purchases_if_alive(
    params: Mapping[str, float], t: float | np.ndarray, x: npt.ArrayLike, T: npt.ArrayLike
) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T, x, T]: eq. 10 without its P(alive) factor."""
    r, alpha, a, b = _unpack(params)
    x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, T, t)))
    return _growth(r, alpha, a, b, t, x, T)


def bgnbd_expected_purchases_new(params: Mapping[str, float], t: float | np.ndarray) -> np.ndarray:
    """E[X(t)]: repeat purchases in (0, t] of a customer acquired at 0 (eq. 9)."""
    t = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(t)
    return bgnbd_expected_purchases(params, t, zero, zero, zero)


def bgnbd_p_no_purchase(
    params: Mapping[str, float],
    t: float | np.ndarray,
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
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


def _growth(r: float, alpha: float, a: float, b: float, t: np.ndarray, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T] = (a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)].

    z = t/(alpha+T+t). At a = 1 the expression is 0/0; its limit is taken as
    the mean of the values just either side (the function is smooth in a).

    The result is E_p[g(p)] with g(p) = (1 - (1 + p kappa)^-(r+x)) / p,
    kappa = t/(alpha+T), p ~ Beta(a, b+x) (see ``_growth_by_quadrature``);
    g falls from g(0) = (r+x) kappa to g(1) = 1 - (1+kappa)^-(r+x), so the
    value must lie between those two. Where scipy's 2F1 fails or the closed
    form loses that bracket to cancellation (extreme parameters, e.g. a fit
    on a handful of customers running to a = 1e5, b = 1e-5; an integer
    c-a-b with z near 1; c <= 0), the value comes from the integral instead.
    """
    if abs(a - 1.0) < 1e-7:
        return 0.5 * (_growth(r, alpha, 1.0 - 1e-6, b, t, x, T) + _growth(r, alpha, 1.0 + 1e-6, b, t, x, T))
    x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, T, t)))
    z = t / (alpha + T + t)
    c = a + b + x - 1
    with np.errstate(all="ignore"):
        bracket = 1.0 - np.power(1.0 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        value = np.array(c / (a - 1) * bracket, dtype=np.float64)
        low, high = _growth_bracket(r, alpha, t, x, T)
    slack = 1e-9 * high + 1e-300
    bad = ~(np.isfinite(value) & (value >= low - slack) & (value <= high + slack))
    if bad.any():
        value[bad] = [
            _growth_by_quadrature(r, alpha, a, b, ti, xi, Ti) for ti, xi, Ti in zip(t[bad], x[bad], T[bad], strict=True)
        ]
    return np.clip(value, low, high)


def _growth_bracket(
    r: float, alpha: float, t: np.ndarray | float, x: np.ndarray | float, T: np.ndarray | float
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """g(1) and g(0): the if-alive expectation when every customer surely / never drops out."""
    rx = r + x
    log_k = np.log1p(t / (alpha + T))
    return -np.expm1(-rx * log_k), rx * t / (alpha + T)


def _growth_by_quadrature(r: float, alpha: float, a: float, b: float, t: float, x: float, T: float) -> float:
    """The same expectation from its definition (Fader, Hardie & Lee 2005, eq. 7).

    An alive customer with rate lambda and dropout p makes (1 - e^(-lambda p t))/p
    purchases in t on average; given the history, lambda ~ Gamma(r+x, alpha+T)
    and p ~ Beta(a, b+x) independently, and averaging over lambda leaves
    E_p[g(p)], g(p) = (1 - (1 + p kappa)^-(r+x)) / p, kappa = t/(alpha+T): one
    integral over p whose Beta weight is handled exactly by QUADPACK's
    algebraic-weight rule. When that rule fails (a or b+x in the thousands
    or near 0, where the Beta weight is a spike or nearly all its mass sits
    at an end), ``_growth_logit`` evaluates the same expectation another way.
    """
    # A fallback for extreme parameters: scipy.integrate is imported only when it runs.
    from scipy.integrate import IntegrationWarning, quad

    kappa = t / (alpha + T)
    low, high = _growth_bracket(r, alpha, np.float64(t), np.float64(x), np.float64(T))

    def mean_purchases(p: float) -> float:
        if p == 0.0:
            return (r + x) * kappa
        return float(-np.expm1(-(r + x) * np.log1p(p * kappa)) / p)

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", IntegrationWarning)
        integral, _ = quad(mean_purchases, 0.0, 1.0, weight="alg", wvar=(a - 1.0, b + x - 1.0), limit=200)
        value = float(integral / np.exp(betaln(a, b + x)))
    if np.isfinite(value) and low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
        return value
    return _growth_logit(r, a, b + x, kappa, x)


def _growth_logit(r: float, a: float, B: float, kappa: float, x: float) -> float:
    """E_p[g(p)] for p ~ Beta(a, B), robust for any a, B > 0.

    Write g(p) = g(0) (1-p) + g(1) p + h(p), with h(0) = h(1) = 0, so that
    E[g] = g(0) B/(a+B) + g(1) a/(a+B) + E[h(p)] exactly, and integrate the
    small remainder over y = logit(p), where the Beta law has the log-concave
    density exp(a ln expit(y) + B ln expit(-y) - ln B(a, B)): its mode is
    ln(a/B), and h vanishes linearly at both ends, so the integrand decays
    exponentially either side of the mode whatever a and B are (no spike at
    an end of [0, 1], no underflowing normaliser).
    """
    from scipy.integrate import IntegrationWarning, quad

    rx = r + x
    g0 = rx * kappa
    g1 = float(-np.expm1(-rx * np.log1p(kappa)))
    log_norm = float(betaln(a, B))

    def h(y: float) -> float:
        p = float(expit(y))
        g = g0 if p == 0.0 else float(-np.expm1(-rx * np.log1p(p * kappa)) / p)
        log_density = -a * np.logaddexp(0.0, -y) - B * np.logaddexp(0.0, y) - log_norm
        return (g - g0 * (1.0 - p) - g1 * p) * float(np.exp(log_density))

    mode = float(np.log(a) - np.log(B))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", IntegrationWarning)
        left, _ = quad(h, -np.inf, mode, limit=200)
        right, _ = quad(h, mode, np.inf, limit=200)
    share_one = a / (a + B)
    value = g0 * (1.0 - share_one) + g1 * share_one + left + right
    return float(np.clip(value, g1, g0)) if np.isfinite(value) else float(g0 * (1.0 - share_one) + g1 * share_one)
