"""`clientela analytics segment`: behavioural types, requirement groups and strategies per customer."""

from __future__ import annotations

import argparse

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    load_table,
    parse_date,
    stopped,
    warn_skipped,
    write_csv,
)
from clientela.analytics.parsing import DataFileError
from clientela.analytics.segmentation import (
    RuleError,
    RuleSet,
    emotional_bond,
    load_rules,
    segment,
    transaction_signals,
)
from clientela.analytics.surveys import read_survey_answers
from clientela.analytics.tables import Kind, align
from clientela.analytics.transactions import Transactions

SIGNAL_COLUMNS: dict[str, Kind] = {
    "satisfaction": "number",
    "nps": "number",
    "complaints": "number",
    "share_of_wallet": "number",
    "no_alternative": "boolean",
    "bad_payer": "boolean",
    "payment_delay_days": "number",
    "predicted_value": "number",
    "requirements": "label",
    "requirements_over_time": "label",
}
LOYALTY_BOND = {"unconditional": 1.0, "conditional": 0.5, "none": -0.5}
OUTPUT_SIGNALS: tuple[str, ...] = (
    "consistency",
    "bond",
    "promotion_share",
    "satisfaction",
    "nps",
    "complaints",
    "margin",
    "growth",
    "tenure_years",
    "predicted_value",
    "popular_share",
    "spend_cv",
    "bad_payer",
    "payment_delay_days",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--as-of", required=True, metavar="DATE", help="signals over the 12 months to this date")
    parser.add_argument(
        "--signals",
        metavar="FILE",
        help="customer_id and any of: " + ", ".join(SIGNAL_COLUMNS),
    )
    parser.add_argument("--survey", metavar="FILE", help="survey answers (satisfaction points, loyalty question)")
    parser.add_argument("--rules", metavar="FILE", help="JSON or TOML rules replacing the default lists")
    add_output_argument(parser)


def run(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of")
    try:
        rules = load_rules(args.rules) if args.rules else RuleSet()
    except RuleError as error:
        raise CommandError(str(error)) from error
    transactions = load(args)
    n = transactions.n_customers
    given = _signals_file(args, transactions)
    survey_satisfaction, survey_loyalty = _survey(args, transactions)

    signals = transaction_signals(transactions, as_of, predicted_value=given.get("predicted_value"))
    if "share_of_wallet" in given:
        wallet = given["share_of_wallet"]
        signals["consistency"] = np.where(np.isnan(wallet), signals["consistency"], wallet)
    satisfaction = given.get("satisfaction", np.full(n, np.nan))
    satisfaction = np.where(np.isnan(satisfaction), survey_satisfaction, satisfaction)
    for name in ("nps", "complaints", "no_alternative", "bad_payer", "payment_delay_days"):
        signals[name] = given.get(name, np.full(n, np.nan))
    signals["satisfaction"] = satisfaction
    signals["bond"] = emotional_bond(
        satisfaction=satisfaction,
        nps=signals["nps"],
        loyalty_answer=survey_loyalty,
        complaints=signals["complaints"],
        size=n,
    )
    signals["requirements_specific"] = given.get("requirements_specific", np.full(n, np.nan))
    signals["requirements_non_uniform"] = given.get("requirements_non_uniform", np.full(n, np.nan))
    try:
        result = segment(signals, rules, n)
    except RuleError as error:
        raise CommandError(str(error)) from error
    columns: dict[str, object] = {
        "customer_id": transactions.customer_ids,
        "behaviour_type": result.behaviour_type,
        "requirement_group": result.requirement_group,
        "strategy": result.strategy,
    }
    for name in OUTPUT_SIGNALS:
        columns[name] = np.round(np.asarray(signals[name], dtype=np.float64), 6)
    write_csv(args.output, columns)
    return 0


def _signals_file(args: argparse.Namespace, transactions: Transactions) -> dict[str, np.ndarray]:
    if not args.signals:
        return {}
    table = load_table(
        args.signals,
        required={"customer_id": "label"},
        optional=SIGNAL_COLUMNS,
        unique="customer_id",
        skip_bad_rows=args.skip_bad_rows,
    )
    at = align(table["customer_id"], transactions.customer_ids)
    found = at >= 0
    result: dict[str, np.ndarray] = {}
    for name, kind in SIGNAL_COLUMNS.items():
        if name not in table:
            continue
        values = table[name]
        if kind == "label":
            words = np.char.lower(np.where(np.equal(values, None), "", values).astype(str))  # type: ignore[call-overload]
            target, positive, negative = {
                "requirements": ("requirements_specific", "specific", "general"),
                "requirements_over_time": ("requirements_non_uniform", "non-uniform", "uniform"),
            }[name]
            wrong = sorted(set(words.tolist()) - {positive, negative, ""})
            if wrong:
                raise CommandError(
                    f"{args.signals}: column {name}: expected {negative} or {positive}, got {wrong[0]!r}"
                )
            numeric = np.select([words == positive, words == negative], [1.0, 0.0], default=np.nan)
            name = target
        else:
            numeric = values.astype(np.float64)
        per_customer = np.full(transactions.n_customers, np.nan)
        per_customer[found] = numeric[at[found]]
        result[name] = per_customer
    return result


def _survey(args: argparse.Namespace, transactions: Transactions) -> tuple[np.ndarray, np.ndarray]:
    """Mean satisfaction points and the loyalty answer's bond value per customer (NaN if none)."""
    n = transactions.n_customers
    satisfaction = np.full(n, np.nan)
    loyalty = np.full(n, np.nan)
    if not args.survey:
        return satisfaction, loyalty
    try:
        answers, skipped = read_survey_answers(args.survey, skip_bad_rows=args.skip_bad_rows)
    except DataFileError as error:
        raise stopped(error) from error
    warn_skipped(skipped, args.survey)
    if answers.points.size:
        respondents, code = np.unique(answers.respondents, return_inverse=True)
        mean_points = np.bincount(code, weights=answers.points) / np.bincount(code)
        at = align(respondents, transactions.customer_ids)
        satisfaction[at >= 0] = mean_points[at[at >= 0]]
    at = align(answers.loyalty_customers, transactions.customer_ids)
    values = np.array([LOYALTY_BOND[a] for a in answers.loyalty_answers.tolist()], dtype=np.float64)
    loyalty[at >= 0] = values[at[at >= 0]]
    return satisfaction, loyalty
