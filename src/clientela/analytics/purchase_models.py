"""The purchase-process models by name, with one calling convention.

Used by the ``fit``, ``clv`` and ``churn`` commands so that choosing a model is
one lookup. ``p_alive(params, x, t_x, T)``,
``expected_purchases(params, t, x, t_x, T)`` and
``expected_purchases_if_alive(params, t, x, T)`` follow the conditional forms
of each paper; in every model expected purchases = the if-alive expectation
x P(alive). See the model modules for the formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from clientela.analytics.bgnbd import (
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_if_alive,
    bgnbd_p_alive,
    fit_bgnbd,
)
from clientela.analytics.mbgnbd import (
    fit_mbgnbd,
    mbgnbd_expected_purchases,
    mbgnbd_expected_purchases_if_alive,
    mbgnbd_p_alive,
)
from clientela.analytics.mle import FitResult
from clientela.analytics.pareto_nbd import (
    fit_pareto_nbd,
    pareto_nbd_expected_purchases,
    pareto_nbd_expected_purchases_if_alive,
    pareto_nbd_p_alive,
)

Params = Mapping[str, float]


@dataclass(frozen=True)
class PurchaseModel:
    """A buy-till-you-die model: how to fit it and what it predicts."""

    name: str
    title: str
    fit: Callable[..., FitResult]
    p_alive: Callable[[Params, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    expected_purchases: Callable[..., np.ndarray]
    expected_purchases_if_alive: Callable[..., np.ndarray]


PURCHASE_MODELS: dict[str, PurchaseModel] = {
    "bgnbd": PurchaseModel(
        "bgnbd",
        "BG/NBD (Fader, Hardie & Lee 2005)",
        fit_bgnbd,
        bgnbd_p_alive,
        bgnbd_expected_purchases,
        bgnbd_expected_purchases_if_alive,
    ),
    "pareto": PurchaseModel(
        "pareto",
        "Pareto/NBD (Schmittlein, Morrison & Colombo 1987)",
        fit_pareto_nbd,
        pareto_nbd_p_alive,
        pareto_nbd_expected_purchases,
        pareto_nbd_expected_purchases_if_alive,
    ),
    "mbgnbd": PurchaseModel(
        "mbgnbd",
        "MBG/NBD (Batislam, Denizel & Filiztekin 2007)",
        fit_mbgnbd,
        mbgnbd_p_alive,
        mbgnbd_expected_purchases,
        mbgnbd_expected_purchases_if_alive,
    ),
}
