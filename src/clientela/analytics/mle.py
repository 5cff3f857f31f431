"""Maximum-likelihood fitting shared by the customer-base models.

Every model here has strictly positive parameters, so the optimiser works on
their logarithms (unconstrained) and minimises the *mean* negative
log-likelihood per customer (so tolerances do not depend on the sample size).
L-BFGS-B runs first (with the model's analytic gradient when it has one),
then Nelder-Mead polishes the optimum in log space, which removes the last
digits of error that a finite-difference gradient leaves.

Standard errors are the square roots of the diagonal of the inverse of the
observed information, i.e. the Hessian of the total negative log-likelihood at
the optimum, taken numerically (central differences) in the natural
parameters. The log-likelihood reported is the papers' sum over customers.
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


@dataclass(frozen=True)
class FitResult:
    """A fitted model: parameters, their standard errors and the log-likelihood."""

    model: str
    n: int
    params: dict[str, float]
    stderr: dict[str, float]
    log_likelihood: float
    converged: bool = True
    extra: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape printed by ``clientela analytics fit --json``."""
        return {
            "model": self.model,
            "n": self.n,
            "params": dict(self.params),
            "stderr": dict(self.stderr),
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
    gradient: Gradient | None = None,
    polish: bool = True,
) -> FitResult:
    """Maximise ``log_likelihood`` over strictly positive parameters.

    ``weight_total`` is the number of customers the likelihood sums over (the
    sum of the weights), used to scale the objective. ``gradient``, when given,
    returns d LL / d params in natural units.
    """
    scale = 1.0 / max(weight_total, 1.0)

    def objective(theta: np.ndarray) -> float:
        value = log_likelihood(np.exp(theta))
        return -value * scale if np.isfinite(value) else np.inf

    jac: Callable[[np.ndarray], np.ndarray] | None = None
    if gradient is not None:
        grad = gradient

        def jac(theta: np.ndarray) -> np.ndarray:
            params = np.exp(theta)
            return -grad(params) * params * scale

    theta0 = np.log(np.asarray(start, dtype=np.float64))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        first = minimize(
            objective,
            theta0,
            jac=jac,
            method="L-BFGS-B",
            bounds=[(-25.0, 25.0)] * len(theta0),
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
        )
        best = first
        if polish:
            second = minimize(
                objective,
                first.x,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000, "maxfev": 8000},
            )
            if second.fun <= first.fun:
                best = second
    params = np.exp(best.x)
    ll = float(log_likelihood(params))
    if not np.isfinite(ll):
        raise FloatingPointError(f"{model}: the likelihood is not finite at the optimum")
    stderr = standard_errors(log_likelihood, params)
    return FitResult(
        model=model,
        n=n,
        params={name: float(value) for name, value in zip(names, params, strict=True)},
        stderr={name: float(value) for name, value in zip(names, stderr, strict=True)},
        log_likelihood=ll,
        converged=bool(first.success or best is not first),
    )


def standard_errors(log_likelihood: LogLikelihood, params: np.ndarray) -> np.ndarray:
    """Square roots of the diagonal of the inverse negative Hessian of the LL.

    NaN where the information matrix is not positive definite (a parameter at
    a boundary, or a flat likelihood).
    """
    with np.errstate(all="ignore"):
        hessian = numerical_hessian(log_likelihood, params)
        try:
            covariance = np.linalg.inv(-hessian)
        except np.linalg.LinAlgError:
            return np.full(params.shape, np.nan)
        variances = np.diag(covariance)
    return np.where(variances > 0, np.sqrt(np.abs(variances)), np.nan)


def numerical_hessian(
    function: LogLikelihood, x: np.ndarray, relative_step: float = 1e-4
) -> np.ndarray:
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
            value = (
                function(x + ei + ej)
                - function(x + ei - ej)
                - function(x - ei + ej)
                + function(x - ei - ej)
            ) / (4.0 * h[i] * h[j])
            hessian[i, j] = hessian[j, i] = value
    return hessian


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
