"""`clientela analytics opportunity`: the profit opportunity matrix between two periods."""

from __future__ import annotations

import argparse

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    parse_date,
    write_csv,
    write_json,
)
from clientela.analytics.profitability import TIERS, TierRule, opportunity_matrix

KINDS = ("new", "retained", "lost", "total")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    for name in ("earlier-start", "earlier-end", "later-start", "later-end"):
        parser.add_argument(f"--{name}", required=True, metavar="DATE")
    add_tier_arguments(parser)
    add_output_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the matrix as JSON instead of CSV")


def add_tier_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tier-thresholds",
        metavar="HIGH,MEDIUM",
        help="margin from which a customer is high / medium tier (default: top 20%% high, next 30%% medium)",
    )


def tier_rule(args: argparse.Namespace) -> TierRule | None:
    if not args.tier_thresholds:
        return None
    try:
        high, medium = (float(part) for part in args.tier_thresholds.split(","))
    except ValueError:
        raise CommandError("--tier-thresholds: expected two numbers, HIGH,MEDIUM") from None
    if medium > high:
        raise CommandError("--tier-thresholds: the medium threshold is above the high one")
    return TierRule(high_min=high, medium_min=medium)


def run(args: argparse.Namespace) -> int:
    earlier = (parse_date(args.earlier_start, "--earlier-start"), parse_date(args.earlier_end, "--earlier-end"))
    later = (parse_date(args.later_start, "--later-start"), parse_date(args.later_end, "--later-end"))
    for start, end, name in ((*earlier, "earlier"), (*later, "later")):
        if end < start:
            raise CommandError(f"the {name} period ends before it starts")
    rule = tier_rule(args)
    transactions = load(args)
    matrix = opportunity_matrix(transactions, earlier=earlier, later=later, rule=rule)
    if matrix.earlier_revenue <= 0:
        raise CommandError("the earlier period has no revenue: shares of it are undefined")
    if args.json:
        write_json(
            {
                "earlier_revenue": matrix.earlier_revenue,
                "later_revenue": matrix.later_revenue,
                "tier_thresholds": {"high": matrix.rule.high_min, "medium": matrix.rule.medium_min},
                "percent_of_earlier_revenue": {
                    tier: {kind: round(value, 6) for kind, value in cells.items()}
                    for tier, cells in matrix.cells.items()
                },
                "customers": matrix.counts,
            }
        )
        return 0
    tiers = [*TIERS, "total"]
    columns: dict[str, object] = {"tier": tiers}
    for kind in KINDS:
        columns[f"{kind}_percent"] = [round(matrix.cells[tier][kind], 6) for tier in tiers]
    for kind in KINDS:
        columns[f"{kind}_customers"] = [matrix.counts[tier][kind] for tier in tiers]
    write_csv(args.output, columns)
    return 0
