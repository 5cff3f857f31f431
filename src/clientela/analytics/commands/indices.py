"""`clientela analytics indices`: new / retained / lost, retention, churn and repeat sales per period."""

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
    write_json,
)
from clientela.analytics.indices import PERIODS, PeriodIndices, period_indices


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--period", choices=PERIODS, default="month", help="length of a period (default month)")
    parser.add_argument("--start", metavar="DATE", help="a date in the first period (default: first purchase)")
    parser.add_argument("--end", metavar="DATE", help="a date in the last period (default: last purchase)")
    add_output_argument(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list of periods instead of CSV")


def run(args: argparse.Namespace) -> int:
    start = parse_date(args.start, "--start") if args.start else None
    end = parse_date(args.end, "--end") if args.end else None
    transactions = load(args)
    purchase_dates = transactions.date[transactions.amount > 0]
    if start is None or end is None:
        if purchase_dates.size == 0:
            raise CommandError("no purchases in the input: give --start and --end")
        start = purchase_dates.min() if start is None else start
        end = purchase_dates.max() if end is None else end
    if end < start:
        raise CommandError(f"--end {end} is before --start {start}")
    columns = index_columns(period_indices(transactions, period=args.period, start=start, end=end))
    if args.json:
        keys = list(columns)
        rows = zip(*(_json_values(values) for values in columns.values()), strict=True)
        write_json([dict(zip(keys, row, strict=True)) for row in rows])
    else:
        write_csv(args.output, columns)
    return 0


def index_columns(result: PeriodIndices) -> dict[str, object]:
    return {
        "period": result.labels,
        "start": result.start,
        "end": result.end,
        "active": result.active,
        "previous_active": result.previous_active,
        "new": result.new,
        "retained": result.retained,
        "lost": result.lost,
        "customers_to_date": result.customers_to_date,
        "retention_rate": np.round(result.retention_rate, 6),
        "churn_rate": np.round(result.churn_rate, 6),
        "purchases": result.purchases,
        "repeat_purchases": result.repeat_purchases,
        "repeat_purchase_share": np.round(result.repeat_purchase_share, 6),
        "revenue": np.round(result.revenue, 6),
        "repeat_revenue": np.round(result.repeat_revenue, 6),
    }


def _json_values(values: object) -> list[object]:
    array = np.asarray(values)
    if array.dtype.kind == "M":
        return [str(v) for v in array]
    if array.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in array.tolist()]
    return array.tolist()
