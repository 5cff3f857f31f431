"""`clientela analytics rfm`: RFM scores per customer as CSV."""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl

from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    parse_date,
    write_csv,
)
from clientela.analytics.rfm import RfmTable, rfm_quintile, rfm_seed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--as-of", required=True, metavar="DATE", help="as-of date, YYYY-MM-DD")
    parser.add_argument(
        "--scheme",
        choices=("seed", "quintile"),
        default="seed",
        help="seed: the point scheme of the source documents; quintile: scores 1-5 with segments",
    )
    add_output_argument(parser)


def run(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of")
    transactions = load(args)
    table = rfm_seed(transactions, as_of) if args.scheme == "seed" else rfm_quintile(transactions, as_of)
    write_csv(args.output, rfm_columns(table))
    return 0


def rfm_columns(table: RfmTable) -> dict[str, object]:
    """customer_id, recency_days, frequency, monetary, r, f, m, score, segment."""
    return {
        "customer_id": table.customer_ids,
        "recency_days": pl.Series(table.recency_days, nan_to_null=True).cast(pl.Int64),
        "frequency": table.frequency,
        "monetary": np.round(table.monetary, 6),
        "r": table.r,
        "f": table.f,
        "m": table.m,
        "score": table.score,
        "segment": table.segment,
    }
