"""`clientela analytics product-matrix`: margin of each product in each customer tier."""

from __future__ import annotations

import argparse

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    parse_date,
    write_csv,
)
from clientela.analytics.commands.opportunity import add_tier_arguments, tier_rule
from clientela.analytics.profitability import product_matrix


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--start", metavar="DATE", help="first day of the window (default: all history)")
    parser.add_argument("--end", metavar="DATE", help="last day of the window (default: all history)")
    add_tier_arguments(parser)
    add_output_argument(parser)


def run(args: argparse.Namespace) -> int:
    start = parse_date(args.start, "--start") if args.start else None
    end = parse_date(args.end, "--end") if args.end else None
    rule = tier_rule(args)
    transactions = load(args)
    missing = [name for name in ("product_id", "cost") if getattr(transactions, name) is None]
    if missing:
        raise CommandError(f"{args.input}: the product matrix needs the column(s) {', '.join(missing)}")
    matrix = product_matrix(transactions, start=start, end=end, rule=rule)
    write_csv(
        args.output,
        {
            "product_id": matrix.product_id,
            "tier": matrix.tier,
            "customers": matrix.customers,
            "revenue": np.round(matrix.revenue, 6),
            "cost": np.round(matrix.cost, 6),
            "margin": np.round(matrix.margin, 6),
            "margin_rate": np.round(matrix.margin_rate, 6),
            "grade": matrix.grade,
        },
    )
    return 0
