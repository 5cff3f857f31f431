"""`clientela analytics spend-whatif`: retention spend per segment -> LTV per segment."""

from __future__ import annotations

import argparse

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import add_output_argument, load_table, write_csv
from clientela.analytics.spending import (
    RESPONSE_EXPONENT,
    RESPONSE_SCALE,
    SEED_BASE_LTV,
    SEED_SPEND_B,
    SEED_SPEND_C,
    ltv_with_spend,
    optimal_allocation,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--segments",
        metavar="FILE",
        help="segment, base_ltv[, customers]; default: the five segments of the seed's example",
    )
    parser.add_argument(
        "--strategy",
        action="append",
        default=[],
        metavar="NAME=S1,S2,...",
        help="spend per customer for each segment, in file order (repeatable)",
    )
    parser.add_argument(
        "--optimal", type=float, metavar="BUDGET", help="add the allocation of BUDGET per customer maximising LTV"
    )
    parser.add_argument("--scale", type=float, default=RESPONSE_SCALE, help="response scale (default: fitted)")
    parser.add_argument("--exponent", type=float, default=RESPONSE_EXPONENT, help="response exponent (default: fitted)")
    parser.add_argument("--skip-bad-rows", action="store_true", help="skip bad rows of the segments file")
    add_output_argument(parser)


def run(args: argparse.Namespace) -> int:
    if args.scale < 0 or not 0 < args.exponent <= 1:
        raise CommandError("--scale must be >= 0 and --exponent in (0, 1]")
    if args.segments:
        table = load_table(
            args.segments,
            required={"segment": "label", "base_ltv": "number"},
            optional={"customers": "number"},
            unique="segment",
            skip_bad_rows=args.skip_bad_rows,
        )
        names = table["segment"].astype(str)
        base = table["base_ltv"]
        customers = np.nan_to_num(table["customers"], nan=1.0) if "customers" in table else np.ones(len(table))
        if np.any(customers < 0):
            raise CommandError(f"{args.segments}: customers must not be negative")
    else:
        names = np.array([str(i) for i in range(1, 6)])
        base = SEED_BASE_LTV
        customers = np.ones(5)
    strategies = [_parse_strategy(text, len(names)) for text in args.strategy]
    if not strategies and args.optimal is None:
        if args.segments:
            raise CommandError("give at least one --strategy or --optimal")
        strategies = [("A", np.zeros(5)), ("B", SEED_SPEND_B), ("C", SEED_SPEND_C)]
    if args.optimal is not None:
        if args.optimal < 0:
            raise CommandError("--optimal: the budget must not be negative")
        if args.exponent >= 1:
            raise CommandError("--optimal needs --exponent below 1")
        strategies.append(("optimal", optimal_allocation(base, customers, args.optimal, exponent=args.exponent)))

    rows: dict[str, list[object]] = {
        name: [] for name in ("strategy", "segment", "customers", "spend", "base_ltv", "ltv", "ltv_net_of_spend")
    }
    for strategy, spend in strategies:
        ltv = ltv_with_spend(base, spend, scale=args.scale, exponent=args.exponent)
        weight = customers / customers.sum() if customers.sum() > 0 else np.full(len(names), 1 / len(names))
        for segment, count, s, b, value in zip(names, customers, spend, base, ltv, strict=True):
            _append(rows, strategy, segment, count, s, b, value)
        _append(
            rows,
            strategy,
            "mean",
            customers.sum(),
            float(weight @ spend),
            float(weight @ base),
            float(weight @ ltv),
        )
    write_csv(args.output, rows)
    return 0


def _append(
    rows: dict[str, list[object]], strategy: str, segment: str, count: float, spend: float, base: float, ltv: float
) -> None:
    rows["strategy"].append(strategy)
    rows["segment"].append(segment)
    rows["customers"].append(float(count))
    rows["spend"].append(round(float(spend), 6))
    rows["base_ltv"].append(round(float(base), 6))
    rows["ltv"].append(round(float(ltv), 6))
    rows["ltv_net_of_spend"].append(round(float(ltv - spend), 6))


def _parse_strategy(text: str, segments: int) -> tuple[str, np.ndarray]:
    name, _, values = text.partition("=")
    try:
        spend = np.array([float(part) for part in values.split(",")], dtype=np.float64)
    except ValueError:
        raise CommandError(f"--strategy {text!r}: expected NAME=S1,S2,... with numbers") from None
    if not name.strip() or spend.size != segments:
        raise CommandError(f"--strategy {text!r}: expected a name and {segments} spends, one per segment")
    if np.any(spend < 0) or not np.all(np.isfinite(spend)):
        raise CommandError(f"--strategy {text!r}: spends must be finite and not negative")
    return name.strip(), spend
