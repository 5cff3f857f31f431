"""`clientela analytics fit`: maximum-likelihood fit of a customer-base model.

Prints the parameters, their standard errors and the log-likelihood, as a
table or (``--json``) as ``{"model", "n", "params", "stderr",
"log_likelihood"}``. ``n`` is the number of customers fitted: everyone with a
calibration purchase for the purchase models, the repeat buyers with positive
spend for Gamma-Gamma.

A degenerate fit still prints its (finite) estimate, with one ``warning:``
line on stderr per problem: fewer than ``MIN_CUSTOMERS`` customers or
``MIN_REPEAT_BUYERS`` repeat buyers, parameters at the search bounds, standard
errors that do not exist (printed as JSON null), no convergence.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    importing_meanwhile,
    load,
    parse_date,
    write_json,
)
from clientela.analytics.summary import PERIODS, CustomerSummary, summarize_transactions
from clientela.analytics.transactions import Transactions

if TYPE_CHECKING:
    from clientela.analytics.mle import FitResult

# The keys of `purchase_models.PURCHASE_MODELS` (a test keeps them equal). Named
# here so that building the parser does not import the models, and with them
# scipy (a third of a second): `load_summary` imports them while the file is read.
PURCHASE_MODEL_NAMES: tuple[str, ...] = ("bgnbd", "pareto", "mbgnbd")
MODELS = (*PURCHASE_MODEL_NAMES, "gammagamma")
MODEL_MODULES: tuple[str, ...] = ("clientela.analytics.purchase_models", "clientela.analytics.gamma_gamma")
# Below these counts a fit is reported with a warning (the estimates are too uncertain to lean on).
MIN_CUSTOMERS = 30
MIN_REPEAT_BUYERS = 10


def add_calibration_arguments(parser: argparse.ArgumentParser, *, holdout: bool) -> None:
    """--calibration-end, --period and (optionally) --holdout-end."""
    parser.add_argument(
        "--calibration-end",
        required=True,
        metavar="DATE",
        help="last day of the calibration period (YYYY-MM-DD), inclusive",
    )
    if holdout:
        parser.add_argument(
            "--holdout-end",
            metavar="DATE",
            help="last day of the holdout period (YYYY-MM-DD): adds actual purchases",
        )
    parser.add_argument(
        "--period",
        choices=tuple(PERIODS),
        default="week",
        help="unit of time for recency, T and horizons (week = 7 days; default week)",
    )


def load_summary(
    args: argparse.Namespace, *, meanwhile: Sequence[str] = MODEL_MODULES
) -> tuple[Transactions, CustomerSummary]:
    """Read the transactions and summarise them per customer (CommandError if empty).

    The modules named in `meanwhile` (by default the models) are imported in
    the background while the file is read and summarised.
    """
    calibration_end = parse_date(args.calibration_end, "--calibration-end")
    holdout_end = None
    if getattr(args, "holdout_end", None):
        holdout_end = parse_date(args.holdout_end, "--holdout-end")
        if holdout_end < calibration_end:
            raise CommandError("--holdout-end is before --calibration-end")
    with importing_meanwhile(meanwhile):
        transactions = load(args)
        summary = summarize_transactions(
            transactions,
            calibration_end=calibration_end,
            holdout_end=holdout_end,
            period=args.period,
        )
    if len(summary) == 0:
        raise CommandError(f"no purchases on or before the calibration end {calibration_end}")
    return transactions, summary


def fit_model(model: str, summary: CustomerSummary) -> FitResult:
    """Fit ``model`` on the summary; model errors become CommandError."""
    from clientela.analytics.gamma_gamma import fit_gamma_gamma
    from clientela.analytics.purchase_models import PURCHASE_MODELS

    try:
        if model == "gammagamma":
            return fit_gamma_gamma(summary.frequency, summary.monetary)
        return PURCHASE_MODELS[model].fit(summary.frequency, summary.recency, summary.T)
    except (ValueError, FloatingPointError) as error:
        raise CommandError(f"cannot fit {model}: {error}") from error


def fit_warnings(model: str, result: FitResult, summary: CustomerSummary | None = None) -> list[str]:
    """Why ``result`` should not be trusted: thin data first, then the optimiser's findings."""
    found: list[str] = []
    if model == "gammagamma":
        if result.n < MIN_REPEAT_BUYERS:
            found.append(
                f"only {result.n} repeat buyer{'s' if result.n != 1 else ''} with positive spend "
                f"(fewer than {MIN_REPEAT_BUYERS}): the spend model is barely identified"
            )
    elif summary is not None:
        repeat = int(np.count_nonzero(summary.frequency > 0))
        if len(summary) < MIN_CUSTOMERS:
            found.append(f"only {len(summary)} customer{'s' if len(summary) != 1 else ''} (fewer than {MIN_CUSTOMERS})")
        if repeat == 0:
            found.append(
                "no repeat buyers: nothing shows how customers drop out, so the dropout parameters are "
                "not identified and predictions rest on the purchase rate alone"
            )
        elif repeat < MIN_REPEAT_BUYERS:
            found.append(f"only {repeat} repeat buyer{'s' if repeat != 1 else ''} (fewer than {MIN_REPEAT_BUYERS})")
    found.extend(result.warnings)
    return found


def warn_fit(model: str, result: FitResult, summary: CustomerSummary | None = None) -> None:
    """Print ``fit_warnings`` on stderr, one line each, naming the model."""
    for text in fit_warnings(model, result, summary):
        print(f"warning: {model} fit is degenerate: {text}", file=sys.stderr)


def json_safe(value: object) -> object:
    """The value with NaN and infinities as None (JSON has no NaN), recursively."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--model", choices=MODELS, required=True, help="model to fit")
    add_calibration_arguments(parser, holdout=False)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    _, summary = load_summary(args)
    result = fit_model(args.model, summary)
    warn_fit(args.model, result, summary)
    if args.json:
        write_json(result.as_dict())
        return 0
    print(format_fit(result))
    return 0


def format_fit(result: FitResult) -> str:
    """A readable table of the estimates."""
    lines = [
        f"model: {result.model}   customers fitted: {result.n}",
        f"log-likelihood: {result.log_likelihood:.4f}",
        "",
        f"{'parameter':<10} {'estimate':>14} {'std. error':>14}",
    ]
    for name, value in result.params.items():
        error = result.stderr[name]
        shown = f"{error:>14.6f}" if np.isfinite(error) else f"{'-':>14}"
        lines.append(f"{name:<10} {value:>14.6f} {shown}")
    return "\n".join(lines)
