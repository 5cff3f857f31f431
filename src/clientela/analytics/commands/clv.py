"""`clientela analytics clv`: P(alive), expected purchases and lifetime value per customer.

Fits the chosen purchase model and Gamma-Gamma on the calibration period,
then writes one row per customer with a calibration purchase:
``customer_id, frequency, recency, T, monetary, p_alive, expected_purchases,
expected_avg_spend, clv`` (times in periods; ``expected_purchases`` over the
horizon, undiscounted; ``clv`` discounted per period), plus
``actual_purchases`` (purchase days in the holdout) with ``--holdout-end`` and
``margin_ratio`` when a margin applies (``--margin`` or a ``cost`` column).

When the data cannot support a Gamma-Gamma fit (no repeat buyers with
positive spend, or an estimate with q <= 1), spend falls back to what was
observed, with a warning: a repeat buyer's own mean spend per repeat purchase
day, and for the others the mean spend per purchase day of all customers (or
of their stratum's repeat buyers).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import add_input_arguments, add_output_argument, write_csv
from clientela.analytics.commands.fit import (
    MODEL_MODULES,
    PURCHASE_MODEL_NAMES,
    add_calibration_arguments,
    fit_model,
    load_summary,
    warn_fit,
)
from clientela.analytics.summary import PERIODS, CustomerSummary
from clientela.analytics.transactions import Transactions

if TYPE_CHECKING:
    from clientela.analytics.mle import FitResult

# The models and the value formulas import scipy: they load while the file is read (see `run`).
VALUE_MODULES = (*MODEL_MODULES, "clientela.analytics.clv")

NEW_CUSTOMER_RULES = ("first-value", "channel", "population")
MAX_HORIZON_DAYS = 36_525  # 100 years


def check_horizon(horizon: float, period: str) -> None:
    """--horizon must be a positive, finite number of periods of at most 100 years."""
    if not (np.isfinite(horizon) and horizon > 0):
        raise CommandError(f"--horizon must be a number of periods > 0, got {horizon:g}")
    if horizon * PERIODS[period] > MAX_HORIZON_DAYS:
        raise CommandError(
            f"--horizon {horizon:g} {period}s is more than 100 years "
            f"(at most {MAX_HORIZON_DAYS // PERIODS[period]} {period}s)"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    add_calibration_arguments(parser, holdout=True)
    parser.add_argument("--model", choices=PURCHASE_MODEL_NAMES, default="bgnbd", help="purchase model")
    parser.add_argument("--horizon", type=float, required=True, metavar="N", help="horizon in periods")
    parser.add_argument(
        "--discount-rate",
        type=float,
        default=0.0,
        metavar="D",
        help="discount rate per period (e.g. 0.002 per week); default 0",
    )
    parser.add_argument(
        "--margin",
        type=float,
        metavar="RATIO",
        help="margin ratio for every customer (overrides the cost column)",
    )
    parser.add_argument(
        "--new-customers",
        choices=NEW_CUSTOMER_RULES,
        default="first-value",
        help=(
            "spend of customers without repeat purchases: mean of repeat buyers with a "
            "similar first purchase value (quintile), of the same acquisition channel, "
            "or the population mean (default first-value)"
        ),
    )
    add_output_argument(parser)


def run(args: argparse.Namespace) -> int:
    check_horizon(args.horizon, args.period)
    if not (np.isfinite(args.discount_rate) and 0 <= args.discount_rate < 1):
        raise CommandError(
            f"--discount-rate must be at least 0 and below 1 (a fraction per {args.period}: "
            f"10% a year is about {0.1 / 52 if args.period == 'week' else 0.1 / 365:.2g}), got {args.discount_rate:g}"
        )
    if args.margin is not None and not (np.isfinite(args.margin) and args.margin <= 1):
        raise CommandError(f"--margin must be a ratio of at most 1 (e.g. 0.3 for 30%), got {args.margin:g}")
    transactions, summary = load_summary(args, meanwhile=VALUE_MODULES)
    # Loaded by now (VALUE_MODULES): these imports only bind the names.
    from clientela.analytics.clv import discounted_purchases, expected_spend, new_customer_value, observed_spend
    from clientela.analytics.purchase_models import PURCHASE_MODELS

    model = PURCHASE_MODELS[args.model]
    fit = fit_model(args.model, summary)
    warn_fit(args.model, fit, summary)
    x, t_x, T = summary.frequency, summary.recency, summary.T
    strata = _strata(args.new_customers, transactions, summary)
    spend_fit = _spend_model(summary)
    if spend_fit is None:
        spend = observed_spend(x, summary.monetary, summary.total_amount, strata=strata)
    else:
        spend = expected_spend(spend_fit.params, x, summary.monetary, strata=strata)
    margin = _margin(args, transactions, summary)
    alive = model.p_alive(fit.params, x, t_x, T)
    discounted, purchases = discounted_purchases(
        model, fit.params, x, t_x, T, horizon=args.horizon, discount_rate=args.discount_rate, alive=alive
    )
    columns: dict[str, object] = {
        "customer_id": transactions.labels.gather(summary.customer),
        "frequency": x,
        "recency": summary.recency,
        "T": T,
        "monetary": summary.monetary,
        "p_alive": alive,
        "expected_purchases": purchases,
        "expected_avg_spend": spend,
        "clv": discounted * spend * (1.0 if margin is None else margin),
    }
    if summary.holdout_purchases is not None:
        columns["actual_purchases"] = summary.holdout_purchases
    if margin is not None:
        columns["margin_ratio"] = margin
    for name in ("p_alive", "expected_purchases", "expected_avg_spend", "clv"):
        values = np.asarray(columns[name], dtype=np.float64)
        if not np.isfinite(values).all():
            # Never write NaN/inf where a number is promised: stop instead (a bug to report).
            raise CommandError(
                f"{name} is not finite for {int((~np.isfinite(values)).sum())} customers ({args.model} fit "
                f"{_params(fit.params)}); please report this with the input"
            )
    write_csv(args.output, columns)
    if spend_fit is None:
        print(f"{args.model}: {_params(fit.params)}; {len(summary)} customers", file=sys.stderr)
        return 0
    newcomer = new_customer_value(
        model,
        fit.params,
        spend_fit.params,
        horizon=args.horizon,
        discount_rate=args.discount_rate,
    )
    print(
        f"{args.model}: {_params(fit.params)}; gamma-gamma: {_params(spend_fit.params)}; "
        f"{len(summary)} customers; a customer acquired now is worth {newcomer:.2f}",
        file=sys.stderr,
    )
    return 0


def _spend_model(summary: CustomerSummary) -> FitResult | None:
    """The Gamma-Gamma fit, or None (with a warning) when the data cannot support one."""
    from clientela.analytics.gamma_gamma import fit_gamma_gamma

    try:
        result = fit_gamma_gamma(summary.frequency, summary.monetary)
    except (ValueError, FloatingPointError) as error:
        reason = str(error)
        if not (summary.frequency > 0).any():
            reason = "there are no repeat buyers, and Gamma-Gamma is fitted on repeat purchases only"
    else:
        if result.params["q"] > 1:
            warn_fit("gammagamma", result)
            return result
        reason = "q <= 1, so the population mean spend would be infinite"
    print(
        f"warning: no Gamma-Gamma spend model (it cannot be fitted: {reason}); "
        "using the observed mean spend per purchase day instead",
        file=sys.stderr,
    )
    return None


def _params(params: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:.4g}" for name, value in params.items())


def _strata(rule: str, transactions: Transactions, summary: CustomerSummary) -> np.ndarray | None:
    from clientela.analytics.clv import first_labels, label_strata, value_strata

    if rule == "population":
        return None
    if rule == "first-value":
        return value_strata(summary.first_amount)
    if transactions.channel is None:
        raise CommandError("--new-customers channel needs a channel column")
    purchases = (transactions.amount >= 0) & (transactions.date <= summary.calibration_end)
    labels = first_labels(
        transactions.customer[purchases],
        transactions.date[purchases],
        transactions.channel[purchases],
        summary.customer,
    )
    return label_strata(labels)


def _margin(args: argparse.Namespace, transactions: Transactions, summary: CustomerSummary) -> np.ndarray | None:
    if args.margin is not None:
        return np.full(len(summary), float(args.margin))
    if transactions.cost is None:
        return None
    from clientela.analytics.clv import margin_ratio

    return margin_ratio(
        transactions.customer,
        transactions.amount,
        transactions.cost,
        summary.customer,
        date=transactions.date,
        until=summary.calibration_end,
    )
