"""`clientela analytics loyalty-matrix`: profitability (low/high) x loyalty (low/high) per customer."""

from __future__ import annotations

import argparse

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    parse_date,
    stopped,
    warn_skipped,
    write_csv,
    write_json,
)
from clientela.analytics.commands.profitability import add_costs_argument, customer_costs
from clientela.analytics.loyalty import DEFAULT_LOYALTY_THRESHOLD, QUADRANTS, loyalty_matrix, purchase_regularity
from clientela.analytics.parsing import DataFileError
from clientela.analytics.profitability import customer_margins, trailing_window
from clientela.analytics.surveys import read_survey_answers
from clientela.analytics.tables import align

SURVEY_LOYALTY = {"unconditional": 1.0, "conditional": 1.0, "none": 0.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--as-of", required=True, metavar="DATE", help="margin and regularity over 12 months to it")
    add_costs_argument(parser)
    parser.add_argument(
        "--survey",
        metavar="FILE",
        help="survey answers: loyalty from the 'loyalty' question instead of purchase regularity",
    )
    parser.add_argument(
        "--profit-threshold",
        type=float,
        help="margin from which profitability is high (default: median margin of customers who bought)",
    )
    parser.add_argument(
        "--loyalty-threshold",
        type=float,
        default=DEFAULT_LOYALTY_THRESHOLD,
        help="regularity (0-1) from which loyalty is high (default 0.5)",
    )
    add_output_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the 2x2 counts and margins as JSON")


def run(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of")
    transactions = load(args)
    service, marketing = customer_costs(args, transactions)
    start, end = trailing_window(as_of)
    margins = customer_margins(transactions, start=start, end=end, service_cost=service, marketing_cost=marketing)
    if args.survey:
        try:
            answers, skipped = read_survey_answers(args.survey, skip_bad_rows=args.skip_bad_rows)
        except DataFileError as error:
            raise stopped(error) from error
        warn_skipped(skipped, args.survey)
        loyalty = np.full(transactions.n_customers, np.nan)
        at = align(answers.loyalty_customers, transactions.customer_ids)
        scores = np.array([SURVEY_LOYALTY[a] for a in answers.loyalty_answers.tolist()], dtype=np.float64)
        loyalty[at >= 0] = scores[at[at >= 0]]
        source = "survey"
        threshold = 0.5
    else:
        loyalty = purchase_regularity(transactions, as_of)
        source = "regularity"
        threshold = args.loyalty_threshold
    if args.profit_threshold is not None:
        profit_threshold = args.profit_threshold
    else:
        bought = margins.active
        if not bought.any():
            raise CommandError("no transactions in the 12 months before --as-of")
        profit_threshold = float(np.median(margins.margin[bought]))
    matrix = loyalty_matrix(margins.margin, loyalty, profit_threshold=profit_threshold, loyalty_threshold=threshold)
    if args.json:
        summary = {}
        for (profit, loyal), name in QUADRANTS.items():
            members = matrix.quadrant == name
            summary[name] = {
                "profitability": "high" if profit else "low",
                "loyalty": "high" if loyal else "low",
                "customers": int(members.sum()),
                "margin": round(float(margins.margin[members].sum()), 6),
            }
        write_json(
            {
                "profit_threshold": profit_threshold,
                "loyalty_source": source,
                "loyalty_threshold": threshold,
                "unknown_loyalty": int((~matrix.known).sum()),
                "quadrants": summary,
            }
        )
        return 0
    write_csv(
        args.output,
        {
            "customer_id": transactions.customer_ids,
            "margin": np.round(margins.margin, 6),
            "profitability": np.where(matrix.high_profit, "high", "low").astype(object),
            "loyalty_score": np.round(loyalty, 6),
            "loyalty": np.where(matrix.known, np.where(matrix.high_loyalty, "high", "low"), None).astype(object),  # type: ignore[call-overload]
            "quadrant": matrix.quadrant,
        },
    )
    return 0
