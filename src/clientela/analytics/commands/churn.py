"""`clientela analytics churn`: probability of no purchase over the next horizon.

Writes ``customer_id, frequency, recency, T, monetary, p_alive,
p_no_purchase_bgnbd, churn_probability`` per customer with a calibration
purchase (plus ``churned``, the actual outcome, with ``--holdout-end``). With
``--holdout-end`` on or after calibration end + horizon the scores are
evaluated on (calibration end, calibration end + horizon]: AUC of the model,
of 1 - P(alive) and of the BG/NBD P(no purchase) alone, Brier scores, and a
calibration table -- on stderr, or as JSON on stdout with ``--json``.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from clientela.analytics.churn import FEATURES, ChurnResult, calibration_table, churn_risk
from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import (
    add_input_arguments,
    add_output_argument,
    load,
    parse_date,
    write_csv,
    write_json,
)
from clientela.analytics.commands.clv import check_horizon
from clientela.analytics.commands.fit import add_calibration_arguments, json_safe, warn_fit
from clientela.analytics.summary import period_days


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    add_calibration_arguments(parser, holdout=True)
    parser.add_argument("--horizon", type=float, required=True, metavar="N", help="horizon in periods")
    add_output_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the training and evaluation report as JSON")


def run(args: argparse.Namespace) -> int:
    check_horizon(args.horizon, args.period)
    if args.json and args.output == "-":
        raise CommandError("--json prints the report on stdout: give --output a file")
    calibration_end = parse_date(args.calibration_end, "--calibration-end")
    days = int(round(args.horizon * period_days(args.period)))
    evaluate = False
    if args.holdout_end:
        holdout_end = parse_date(args.holdout_end, "--holdout-end")
        if holdout_end < calibration_end + np.timedelta64(days, "D"):
            raise CommandError(
                "--holdout-end must be at least one horizon after --calibration-end "
                f"({calibration_end + np.timedelta64(days, 'D')})"
            )
        evaluate = True
    transactions = load(args)
    try:
        result = churn_risk(
            transactions.customer,
            transactions.date,
            transactions.amount,
            calibration_end=calibration_end,
            horizon=args.horizon,
            period=args.period,
            evaluate=evaluate,
        )
    except ValueError as error:
        raise CommandError(str(error)) from error
    if result.training_fit is not None:
        warn_fit("bgnbd (training window)", result.training_fit)
    if result.scoring_fit is not None:
        warn_fit("bgnbd", result.scoring_fit, result.summary)
    summary = result.summary
    columns: dict[str, object] = {
        "customer_id": transactions.customer_ids[summary.customer],
        "frequency": summary.frequency,
        "recency": summary.recency,
        "T": summary.T,
        "monetary": summary.monetary,
        "p_alive": result.p_alive,
        "p_no_purchase_bgnbd": result.p_no_purchase_bgnbd,
        "churn_probability": result.probability,
    }
    if result.churned is not None:
        columns["churned"] = result.churned.astype(np.int64)
    write_csv(args.output, columns)
    report = _report(result, args.horizon)
    if args.json:
        write_json(json_safe(report))
    else:
        _print_report(report)
    return 0


def _report(result: ChurnResult, horizon: float) -> dict[str, object]:
    report: dict[str, object] = {
        "horizon": horizon,
        "training": {
            "customers": result.training_customers,
            "churn_rate": result.training_churn_rate,
            "coefficients": dict(zip(("intercept", *FEATURES), result.model.coef.tolist(), strict=True)),
        },
    }
    if result.metrics is not None and result.churned is not None:
        report["evaluation"] = dict(result.metrics)
        report["calibration"] = [
            {"customers": n, "mean_predicted": p, "observed": o}
            for n, p, o in calibration_table(result.probability, result.churned)
        ]
    return report


def _print_report(report: dict[str, object]) -> None:
    training = report["training"]
    assert isinstance(training, dict)
    lines = [
        f"trained on {training['customers']} customers "
        f"(churn rate {training['churn_rate']:.3f} over {report['horizon']:g} periods)"
    ]
    evaluation = report.get("evaluation")
    if isinstance(evaluation, dict):
        lines.append(
            f"holdout: {int(evaluation['customers'])} customers, churn rate "
            f"{evaluation['churn_rate']:.3f}, mean predicted {evaluation['mean_probability']:.3f}"
        )
        if np.isfinite(evaluation["auc_model"]):
            lines.append(
                f"AUC model {evaluation['auc_model']:.4f} | 1 - P(alive) "
                f"{evaluation['auc_p_alive']:.4f} | BG/NBD P(no purchase) "
                f"{evaluation['auc_bgnbd_p_no_purchase']:.4f}"
            )
        else:
            lines.append("AUC undefined: in the holdout every customer churned, or none did")
        lines.append(f"Brier model {evaluation['brier_model']:.4f}")
    print("\n".join(lines), file=sys.stderr)
