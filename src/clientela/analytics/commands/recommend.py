"""`clientela analytics recommend`: item-to-item next-product recommendations.

Writes ``customer_id, rank, product_id, score`` (k rows per customer, rank 1
first) from the purchases up to ``--calibration-end`` (all purchases when it
is not given). Needs a ``product_id`` column. With ``--holdout-end`` the
recommendations are evaluated on the purchases in (calibration end, holdout
end]: precision@k and hit rate of the model and of the popularity baseline,
on stderr, or as JSON on stdout with ``--json``.
"""

from __future__ import annotations

import argparse
import sys

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
from clientela.analytics.commands.fit import json_safe
from clientela.analytics.recommend import (
    MEASURES,
    factorise,
    incidence_matrix,
    item_similarity,
    popularity_recommendations,
    precision_at_k,
    recommend,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument(
        "--calibration-end",
        metavar="DATE",
        help="use purchases up to this date, inclusive (default: all)",
    )
    parser.add_argument("--holdout-end", metavar="DATE", help="evaluate on purchases after calibration, to this date")
    parser.add_argument("--k", type=int, default=10, help="recommendations per customer (default 10)")
    parser.add_argument("--similarity", choices=MEASURES, default="cosine", help="item similarity (default cosine)")
    parser.add_argument(
        "--min-support",
        type=int,
        default=1,
        metavar="N",
        help="ignore product pairs bought together by fewer than N customers (default 1)",
    )
    add_output_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the evaluation as JSON")


def run(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CommandError("--k must be >= 1")
    if args.min_support < 1:
        raise CommandError("--min-support must be >= 1")
    if args.json and args.output == "-":
        raise CommandError("--json prints the report on stdout: give --output a file")
    if args.holdout_end and not args.calibration_end:
        raise CommandError("--holdout-end needs --calibration-end")
    calibration_end = parse_date(args.calibration_end, "--calibration-end") if args.calibration_end else None
    holdout_end = parse_date(args.holdout_end, "--holdout-end") if args.holdout_end else None
    if holdout_end is not None and calibration_end is not None and holdout_end <= calibration_end:
        raise CommandError("--holdout-end must be after --calibration-end")
    transactions = load(args)
    if transactions.product_id is None:
        raise CommandError("recommendations need a product_id column")
    products, item = factorise(transactions.product_id)
    purchase = (transactions.amount >= 0) & (item >= 0)
    in_calibration = purchase.copy()
    if calibration_end is not None:
        in_calibration &= transactions.date <= calibration_end
    shape = (transactions.n_customers, products.size)
    bought = incidence_matrix(transactions.customer[in_calibration], item[in_calibration], *shape)
    if bought.nnz == 0:
        raise CommandError("no purchases with a product_id in the calibration period")
    similarity = item_similarity(bought, args.similarity, min_support=args.min_support)
    customers = np.flatnonzero(np.diff(bought.indptr) > 0)
    result = recommend(bought, similarity, args.k, customers=customers)

    ranks = np.tile(np.arange(1, args.k + 1), customers.size)
    flat_items = result.items.ravel()
    present = flat_items >= 0
    write_csv(
        args.output,
        {
            "customer_id": np.repeat(transactions.customer_ids[customers], args.k)[present],
            "rank": ranks[present],
            "product_id": products[flat_items[present]],
            "score": result.scores.ravel()[present],
        },
    )
    if holdout_end is None:
        return 0
    in_holdout = purchase & (transactions.date > calibration_end) & (transactions.date <= holdout_end)
    later = incidence_matrix(transactions.customer[in_holdout], item[in_holdout], *shape)
    baseline = popularity_recommendations(bought, args.k, customers=customers)
    report = {
        "k": args.k,
        "similarity": args.similarity,
        "model": precision_at_k(result, bought, later),
        "popularity": precision_at_k(baseline, bought, later),
    }
    if args.json:
        write_json(json_safe(report))
    else:
        model, popular = report["model"], report["popularity"]
        print(
            f"evaluated on {int(model['customers'])} customers with a new product in the holdout: "
            f"precision@{args.k} {model['precision']:.4f} (popularity {popular['precision']:.4f}), "
            f"hit rate {model['hit_rate']:.4f} (popularity {popular['hit_rate']:.4f})",
            file=sys.stderr,
        )
    return 0
