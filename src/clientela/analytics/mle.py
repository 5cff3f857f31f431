"""Maximum-likelihood fitting shared by the customer-base models.

Every model here has strictly positive parameters, so the optimiser works on
their logarithms (unconstrained) and minimises the *mean* negative
log-likelihood per customer (so tolerances do not depend on the sample size).
L-BFGS-B runs first, with the model's analytic gradient when it has one.
Without one, scipy's finite-difference gradient leaves the optimum a few
digits short, so Nelder-Mead then polishes it in log space.

Standard errors are the square roots of the diagonal of the inverse of the
observed information, i.e. the Hessian of the total negative log-likelihood at
the optimum, taken numerically in the natural parameters: forward differences
of the analytic gradient when there is one, else central second differences
of the log-likelihood. The log-likelihood reported is the papers' sum over customers.

Bounds. Each parameter is searched within a factor ``BOUND_FACTOR`` (1e6)
either side of a reference value from the data: 1 for the dimensionless shape
parameters (r, a, b, s, p, q), the data's own time or money scale for the
scale parameters (alpha, beta, gamma). On healthy data the optimum lies far
inside (CDNOW: every parameter within a factor 20 of its reference). On
degenerate data (a handful of customers, no or one repeat buyer, everyone
buying on one day) the likelihood keeps rising towards a limit of the model
(a mixing distribution collapsing to a point, e.g. a -> inf, b -> 0: "every
customer drops out after their next purchase"); the box stops the search
there, so the optimiser always terminates and every prediction stays finite.
Such a fit is flagged (``FitResult.warnings``): a parameter within a factor
``NEAR_BOUND`` (100) of its bound, a singular or indefinite information matrix (standard
errors NaN, JSON null), or no convergence.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

# Returns the total log-likelihood (and optionally its gradient in the natural
# parameters) for a parameter vector in natural units.
LogLikelihood = Callable[[np.ndarray], float]
Gradient = Callable[[np.ndarray], np.ndarray]
ValueAndGradient = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class FitResult:
    """A fitted model: parameters, their standard errors and the log-likelihood."""

    model: str
    n: int
    params: dict[str, float]
    stderr: dict[str, float]
    log_likelihood: float
    converged: bool = True
    # Why the estimate should not be trusted (empty for a regular fit).
    warnings: tuple[str, ...] = ()
    # Hessian of the total log-likelihood at the optimum (natural parameters).
    hessian: np.ndarray | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape printed by ``clientela analytics fit --json``."""
        return {
            "model": self.model,
            "n": self.n,
            "params": dict(self.params),
            # NaN (information matrix not positive definite) is JSON null.
            "stderr": {k: (v if np.isfinite(v) else None) for k, v in self.stderr.items()},
            "log_likelihood": self.log_likelihood,
        }


def fit_positive(
    model: str,
    names: Sequence[str],
    log_likelihood: LogLikelihood,
    start: Sequence[float],
    *,
    n: int,
    weight_total: float,
    value_and_gradient: ValueAndGradient | None = None,
    warm: FitResult | None = None,
    reference: Sequence[float] | None = None,
) -> FitResult:
    """Maximise ``log_likelihood`` over strictly positive parameters.

    ``weight_total`` is the number of customers the likelihood sums over (the
    sum of the weights), used to scale the objective. ``value_and_gradient``,
    when given, returns the LL and d LL / d params (natural units) in one pass.
    ``warm`` is a fit of the same model on a sample of the customers: its
    estimate is the start, and its Hessian, scaled to the full sample, the
    curvature for Newton steps, which then converge in a handful of passes.
    ``reference`` (default ``start``) centres the search box: each parameter
    stays within a factor ``BOUND_FACTOR`` of its reference value.
    """
    scale = 1.0 / max(weight_total, 1.0)

    def objective(theta: np.ndarray) -> float:
        value = log_likelihood(np.exp(theta))
        return -value * scale if np.isfinite(value) else np.inf

    def objective_and_jac(theta: np.ndarray) -> tuple[float, np.ndarray]:
        assert value_and_gradient is not None
        params = np.exp(theta)
        value, grad = value_and_gradient(params)
        if not (np.isfinite(value) and np.isfinite(grad).all()):
            return np.inf, np.zeros_like(theta)
        return -value * scale, -grad * params * scale

    centre = np.log(np.asarray(start if reference is None else reference, dtype=np.float64))
    bounds = np.column_stack([centre - LOG_BOUND, centre + LOG_BOUND])
    theta = np.clip(np.log(np.asarray(start, dtype=np.float64)), bounds[:, 0], bounds[:, 1])
    analytic = value_and_gradient is not None
    converged = False
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if analytic and warm is not None and warm.hessian is not None:
            theta, converged = _newton(objective_and_jac, warm, theta, scale)
            converged = converged and bool(np.all((theta > bounds[:, 0]) & (theta < bounds[:, 1])))
        if not converged:
            theta, converged = _quasi_newton(objective_and_jac if analytic else objective, theta, analytic, bounds)
    params = np.exp(theta)
    ll = float(log_likelihood(params))
    if not np.isfinite(ll):
        raise FloatingPointError(f"{model}: the likelihood is not finite at the optimum")
    gradient = None if value_and_gradient is None else (lambda p: value_and_gradient(p)[1])
    hessian = total_hessian(log_likelihood, params, gradient)
    errors = standard_errors(hessian)
    return FitResult(
        model=model,
        n=n,
        params={name: float(value) for name, value in zip(names, params, strict=True)},
        stderr={name: float(value) for name, value in zip(names, errors, strict=True)},
        log_likelihood=ll,
        converged=converged,
        warnings=_diagnose(names, theta, bounds, errors, converged),
        hessian=hessian,
    )


BOUND_FACTOR = 1e6
LOG_BOUND = float(np.log(BOUND_FACTOR))
# A parameter within this factor of its bound is reported as at (or near) the bound.
NEAR_BOUND = 100.0


def _diagnose(
    names: Sequence[str], theta: np.ndarray, bounds: np.ndarray, errors: np.ndarray, converged: bool
) -> tuple[str, ...]:
    """Why a fit is degenerate, one sentence per problem (empty when it is regular)."""
    found = []
    near = np.log(NEAR_BOUND)
    low = [name for name, t, lo in zip(names, theta, bounds[:, 0], strict=True) if t - lo < near]
    high = [name for name, t, hi in zip(names, theta, bounds[:, 1], strict=True) if hi - t < near]
    if low or high:
        parts = [f"{', '.join(low)} at the lower bound"] if low else []
        parts += [f"{', '.join(high)} at the upper bound"] if high else []
        found.append(
            "parameters at or near the search bounds (" + "; ".join(parts) + "): the likelihood has no interior "
            "maximum on these data, the estimate is a degenerate limit of the model"
        )
    singular = [name for name, e in zip(names, errors, strict=True) if not np.isfinite(e)]
    if singular:
        found.append(
            f"information matrix singular or not positive definite: no standard error for {', '.join(singular)} "
            "(the data do not identify these parameters)"
        )
    if not converged:
        found.append("the optimiser did not report convergence")
    return tuple(found)


def _quasi_newton(
    objective: Callable[[np.ndarray], object], theta: np.ndarray, analytic: bool, bounds: np.ndarray
) -> tuple[np.ndarray, bool]:
    """L-BFGS-B, then (without an analytic gradient) a Nelder-Mead polish, both within ``bounds``."""
    box = [(float(lo), float(hi)) for lo, hi in bounds]
    first = minimize(
        objective,
        theta,
        jac=analytic,
        method="L-BFGS-B",
        bounds=box,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if analytic:
        return first.x, bool(first.success)
    second = minimize(
        objective,
        first.x,
        method="Nelder-Mead",
        bounds=box,
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000, "maxfev": 8000},
    )
    if second.fun <= first.fun:
        return second.x, True
    return first.x, bool(first.success)


def _newton(
    objective_and_jac: Callable[[np.ndarray], tuple[float, np.ndarray]],
    warm: FitResult,
    theta: np.ndarray,
    scale: float,
    max_steps: int = 12,
) -> tuple[np.ndarray, bool]:
    """Newton steps in log-parameters with the warm fit's curvature (a chord method).

    The sample Hessian of the mean negative LL, mapped to log-parameters
    (d2/dtheta2 = P H P at an optimum, P = diag(params)), is within sampling
    error of the full-data one, so each step shrinks the error by about that
    relative error. Steps are halved until the objective does not increase.
    Converged when the largest gradient component is below 1e-9 (the mean LL
    per customer per unit of log-parameter).
    """
    assert warm.hessian is not None
    p = np.exp(theta)
    curvature = -(warm.hessian / max(warm.n, 1)) * np.outer(p, p)
    try:
        np.linalg.cholesky(curvature)
    except np.linalg.LinAlgError:
        return theta, False
    value, grad = objective_and_jac(theta)
    for _ in range(max_steps):
        if np.max(np.abs(grad)) < 1e-9:
            return theta, True
        step = -np.linalg.solve(curvature, grad)
        length = 1.0
        while length > 1e-3:
            trial = theta + length * step
            trial_value, trial_grad = objective_and_jac(trial)
            # Near the optimum the objective changes by less than its rounding
            # noise, so "no worse, to 1e-12 relative" counts as a decrease.
            if trial_value <= value + 1e-12 * max(1.0, abs(value)):
                break
            length /= 2
        else:
            return theta, False
        theta, value, grad = trial, trial_value, trial_grad
    return theta, bool(np.max(np.abs(grad)) < 1e-9)


def total_hessian(log_likelihood: LogLikelihood, params: np.ndarray, gradient: Gradient | None = None) -> np.ndarray:
    """Hessian of the total LL in natural parameters: from the gradient when there is one."""
    with np.errstate(all="ignore"):
        if gradient is None:
            return numerical_hessian(log_likelihood, params)
        return gradient_hessian(gradient, params)


def standard_errors(hessian: np.ndarray) -> np.ndarray:
    """Square roots of the diagonal of the inverse observed information (-Hessian).

    NaN where the information matrix is not positive definite (a parameter at
    a boundary, or a flat likelihood).
    """
    with np.errstate(all="ignore"):
        try:
            covariance = np.linalg.inv(-hessian)
        except np.linalg.LinAlgError:
            return np.full(hessian.shape[0], np.nan)
        variances = np.diag(covariance)
    return np.where(variances > 0, np.sqrt(np.abs(variances)), np.nan)


def gradient_hessian(gradient: Gradient, x: np.ndarray, relative_step: float = 1e-6) -> np.ndarray:
    """Hessian as forward differences of an analytic gradient, symmetrised.

    k + 1 gradient passes for k parameters; the truncation error is of the
    order of the step (1e-6 relative), far below what standard errors need.
    """
    x = np.asarray(x, dtype=np.float64)
    h = relative_step * np.maximum(np.abs(x), 1e-8)
    base = gradient(x)
    columns = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h[i]
        columns.append((gradient(x + step) - base) / h[i])
    hessian = np.column_stack(columns)
    return 0.5 * (hessian + hessian.T)


def numerical_hessian(function: LogLikelihood, x: np.ndarray, relative_step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function at ``x``.

    Steps are relative to each coordinate (all parameters here are positive
    and of very different magnitudes), so the second derivative is taken in
    natural units with an error of O(step^2).
    """
    x = np.asarray(x, dtype=np.float64)
    k = x.size
    h = relative_step * np.maximum(np.abs(x), 1e-8)
    hessian = np.empty((k, k))
    f0 = function(x)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        hessian[i, i] = (function(x + ei) - 2.0 * f0 + function(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h[j]
            value = (function(x + ei + ej) - function(x + ei - ej) - function(x - ei + ej) + function(x - ei - ej)) / (
                4.0 * h[i] * h[j]
            )
            hessian[i, j] = hessian[j, i] = value
    return hessian


WARM_START_ROWS = 50_000


def warm_start_sample(size: int) -> np.ndarray | None:
    """Every k-th row, about ``WARM_START_ROWS`` of them, when ``size`` is large.

    A fit on this sample is a start close to the full-data optimum, so the
    full-data optimiser, whose every step costs a pass over all customers,
    needs only a few steps. The final estimate is the full-data MLE either way.
    """
    if size <= 4 * WARM_START_ROWS:
        return None
    return np.arange(0, size, size // WARM_START_ROWS)


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index into them (int32 when it fits).

    Faster than ``np.unique(..., return_inverse=True)`` when there are few
    distinct values (as for whole numbers of days or purchases): one sort for
    the values, then a binary search per row in a small table.
    """
    values = np.asarray(values, dtype=np.float64)
    table = np.unique(values)
    index = np.searchsorted(table, values)
    return table, index.astype(np.int32 if table.size < 2**31 else np.int64)


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b over one axis, without BLAS.

    A BLAS dot may hand a long vector to several threads, which costs more
    than it saves when the cores are busy; these sums run once per likelihood
    evaluation over every customer, so they use numpy's own loop.
    """
    return float(np.einsum("i,i->", a, b))


def group_rows(
    *columns: np.ndarray, weights: np.ndarray | None = None
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Identical rows collapsed: the distinct rows' columns, their weights, and inverse.

    Customers with the same (x, t_x, T) contribute identical likelihood terms,
    so each distinct row is evaluated once and weighted by how many customers
    (or how much weight) it stands for. ``inverse`` maps every input row to its
    distinct row.
    """
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    size = arrays[0].shape[0]
    w = np.ones(size) if weights is None else np.asarray(weights, dtype=np.float64)
    if size == 0:
        return arrays, w, np.empty(0, np.int64)
    order = np.lexsort(arrays[::-1])
    changed = np.zeros(size, dtype=bool)
    changed[0] = True
    for array in arrays:
        ordered = array[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(changed)
    group_of_sorted = np.cumsum(changed) - 1
    inverse = np.empty(size, dtype=np.int64)
    inverse[order] = group_of_sorted
    distinct = [array[order[starts]] for array in arrays]
    return distinct, np.bincount(inverse, weights=w, minlength=starts.size), inverse
