"""`clientela analytics profitability`: margins and the five-level hierarchy per customer."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    load_table,
    parse_date,
    write_csv,
)
from clientela.analytics.profitability import (
    LEVEL_NAMES,
    customer_margins,
    profitability_levels,
    projected_margin,
    trailing_window,
)
from clientela.analytics.tables import align
from clientela.analytics.transactions import Transactions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--as-of", required=True, metavar="DATE", help="today = the 12 months up to this date")
    add_costs_argument(parser)
    parser.add_argument(
        "--predicted",
        metavar="FILE",
        help="customer_id, predicted_margin (e.g. from a CLV model); default: a two-year linear projection",
    )
    parser.add_argument("--band", type=float, default=0.0, help="margins within +-BAND count as break-even (default 0)")
    add_output_argument(parser)


def add_costs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--costs", metavar="FILE", help="customer_id, service_cost, marketing_cost per customer (optional)"
    )


def customer_costs(args: argparse.Namespace, transactions: Transactions) -> tuple[np.ndarray, np.ndarray]:
    """Service and marketing cost per customer from --costs (0 where not given)."""
    n = transactions.n_customers
    if not args.costs:
        return np.zeros(n), np.zeros(n)
    table = load_table(
        args.costs,
        required={"customer_id": "label"},
        optional={"service_cost": "number", "marketing_cost": "number"},
        unique="customer_id",
        skip_bad_rows=args.skip_bad_rows,
    )
    at = align(table["customer_id"], transactions.customer_ids)
    _warn_unknown(table["customer_id"], transactions, args.costs)
    result = []
    for name in ("service_cost", "marketing_cost"):
        values = table[name] if name in table else np.zeros(len(table))
        per_customer = np.where(at >= 0, values[np.maximum(at, 0)] if len(table) else 0.0, 0.0)
        result.append(np.nan_to_num(per_customer, nan=0.0))
    return result[0], result[1]


def _warn_unknown(labels: np.ndarray, transactions: Transactions, path: str) -> None:
    unknown = int((~np.isin(labels.astype(str), transactions.customer_ids.astype(str))).sum())
    if unknown:
        print(f"warning: {unknown} customer(s) in {path} have no transactions and are ignored", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of")
    if args.band < 0:
        raise CommandError("--band must not be negative")
    transactions = load(args)
    service, marketing = customer_costs(args, transactions)
    start, end = trailing_window(as_of)
    today = customer_margins(transactions, start=start, end=end, service_cost=service, marketing_cost=marketing)
    if args.predicted:
        table = load_table(
            args.predicted,
            required={"customer_id": "label", "predicted_margin": "number"},
            unique="customer_id",
            skip_bad_rows=args.skip_bad_rows,
        )
        _warn_unknown(table["customer_id"], transactions, args.predicted)
        at = align(table["customer_id"], transactions.customer_ids)
        future = np.full(transactions.n_customers, np.nan)
        future[at >= 0] = table["predicted_margin"][at[at >= 0]]
        source = np.where(at >= 0, "predicted", "unknown").astype(object)
    else:
        future = projected_margin(transactions, as_of)
        source = np.full(transactions.n_customers, "projected", dtype=object)
    levels = profitability_levels(today.margin, future, band=args.band)
    write_csv(
        args.output,
        {
            "customer_id": transactions.customer_ids,
            "revenue": np.round(today.revenue, 6),
            "cost_of_goods": np.round(today.cost_of_goods, 6),
            "service_cost": np.round(today.service_cost, 6),
            "marketing_cost": np.round(today.marketing_cost, 6),
            "margin": np.round(today.margin, 6),
            "future_margin": np.round(future, 6),
            "future_source": source,
            "level": levels,
            "level_name": np.array([LEVEL_NAMES[level] for level in range(1, 6)], dtype=object)[levels - 1],
        },
    )
    return 0
