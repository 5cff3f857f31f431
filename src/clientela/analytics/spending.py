"""The spending-strategy what-if: retention spend per segment -> LTV [PL 59].

The seed's table gives, for five segments, the LTV without spend (A), with 15
per customer everywhere (B) and with 40/20/10/5/0 (C), but not the response
function behind it. We use a simple concave response, relative to the
segment's base LTV,

    LTV(s) = LTV0 x (1 + scale x s ** exponent)

and fit its two parameters by least squares on relative errors to the nine
table points with a positive spend. The fit gives scale = 0.08629 and
exponent = 0.5373 (see `fit_response`); the table's remaining point (segment
5, strategy C: spend 0, LTV 21 against 18 without spend) cannot be reproduced
by any response that is zero at zero spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

RESPONSE_SCALE = 0.08629
RESPONSE_EXPONENT = 0.5373

# DOMAIN.md's worked example [PL 59]: segment, LTV A, LTV B (spend 15), spend C, LTV C.
SEED_BASE_LTV = np.array([774.0, 502.0, 274.0, 96.0, 18.0])
SEED_SPEND_B = np.full(5, 15.0)
SEED_LTV_B = np.array([1055.0, 684.0, 374.0, 131.0, 24.0])
SEED_SPEND_C = np.array([40.0, 20.0, 10.0, 5.0, 0.0])
SEED_LTV_C = np.array([1285.0, 713.0, 357.0, 120.0, 21.0])


def ltv_with_spend(
    base_ltv: np.ndarray,
    spend: np.ndarray,
    *,
    scale: float = RESPONSE_SCALE,
    exponent: float = RESPONSE_EXPONENT,
) -> np.ndarray:
    """LTV per segment after a retention spend per customer (spend >= 0)."""
    spend = np.asarray(spend, dtype=np.float64)
    if np.any(spend < 0):
        raise ValueError("spend must not be negative")
    return np.asarray(base_ltv, dtype=np.float64) * (1 + scale * spend**exponent)


@dataclass(frozen=True)
class ResponseFit:
    scale: float
    exponent: float
    relative_errors: np.ndarray  # (predicted - observed) / observed at the fitted points


def fit_response(base_ltv: np.ndarray, spend: np.ndarray, ltv: np.ndarray) -> ResponseFit:
    """Fit scale and exponent to observed (base LTV, spend, LTV) points with spend > 0."""
    base_ltv, spend, ltv = (np.asarray(v, dtype=np.float64) for v in (base_ltv, spend, ltv))
    used = spend > 0
    if used.sum() < 2:
        raise ValueError("need at least two points with a positive spend")

    def residuals(params: np.ndarray) -> np.ndarray:
        predicted = ltv_with_spend(base_ltv[used], spend[used], scale=params[0], exponent=params[1])
        return (predicted - ltv[used]) / ltv[used]

    result = least_squares(residuals, x0=[0.1, 0.5], bounds=([0.0, 0.0], [np.inf, 1.0]))
    return ResponseFit(scale=float(result.x[0]), exponent=float(result.x[1]), relative_errors=residuals(result.x))


def optimal_allocation(
    base_ltv: np.ndarray,
    customers: np.ndarray,
    budget_per_customer: float,
    *,
    exponent: float = RESPONSE_EXPONENT,
) -> np.ndarray:
    """The spend per customer in each segment that maximises total LTV for the budget.

    With LTV0 x (1 + scale x s^b) and b < 1 the marginal return is equal across
    segments when s_i is proportional to LTV0_i ** (1 / (1 - b)); the
    constant is set so that the customer-weighted mean spend is the budget.
    Segments with a non-positive base LTV get nothing.
    """
    if not 0 < exponent < 1:
        raise ValueError("the optimal allocation needs a concave response (0 < exponent < 1)")
    if budget_per_customer < 0:
        raise ValueError("the budget must not be negative")
    base = np.clip(np.asarray(base_ltv, dtype=np.float64), 0, None)
    customers = np.asarray(customers, dtype=np.float64)
    weight = base ** (1 / (1 - exponent))
    total = float((customers * weight).sum())
    if total == 0:
        return np.zeros_like(base)
    return weight * budget_per_customer * customers.sum() / total
