"""`clientela analytics survey-indices`: loyalty and satisfaction indices from survey answers."""

from __future__ import annotations

import argparse

import numpy as np

from clientela.analytics.cli import CommandError
from clientela.analytics.commands._common import add_output_argument, stopped, warn_skipped, write_csv, write_json
from clientela.analytics.parsing import DataFileError
from clientela.analytics.surveys import SurveyError, loyalty_index, read_survey_answers, satisfaction_index


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input", required=True, metavar="FILE", help="survey answers: customer_id, question, answer[, weight]"
    )
    parser.add_argument("--skip-bad-rows", action="store_true", help="skip bad answers (reported on stderr)")
    parser.add_argument("--target", type=float, default=10.0, help="target satisfaction level (default 10)")
    add_output_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of CSV")


def run(args: argparse.Namespace) -> int:
    if not args.target > 0:
        raise CommandError("--target must be positive")
    try:
        answers, skipped = read_survey_answers(args.input, skip_bad_rows=args.skip_bad_rows)
    except DataFileError as error:
        raise stopped(error) from error
    warn_skipped(skipped, args.input)
    result: dict[str, object] = {}
    if answers.loyalty_answers.size:
        loyalty = loyalty_index(answers.loyalty_answers)
        result["loyalty"] = {
            "surveyed": loyalty.surveyed,
            "unconditional": loyalty.unconditional,
            "conditional": loyalty.conditional,
            "loyalty_index": loyalty.index,
            "strengthened_loyalty_index_percent": loyalty.strengthened_percent,
        }
    if answers.points.size:
        try:
            satisfaction = satisfaction_index(
                answers.categories,
                answers.points,
                respondents=answers.respondents,
                weights=answers.weights,
                target=args.target,
            )
        except SurveyError as error:
            raise CommandError(str(error)) from error
        result["satisfaction"] = {
            "respondents": satisfaction.respondents,
            "categories": {
                name: {"points": float(points), "weight": float(weight)}
                for name, points, weight in zip(
                    satisfaction.categories,
                    satisfaction.category_points,
                    satisfaction.category_weights,
                    strict=True,
                )
            },
            "satisfaction_index": satisfaction.index,
            "weighted_satisfaction_index": satisfaction.weighted_index,
            "target": satisfaction.target,
            "satisfaction_index_percent": satisfaction.index_percent,
            "weighted_satisfaction_index_percent": satisfaction.weighted_index_percent,
        }
    if not result:
        raise CommandError(f"{args.input}: no survey answers")
    if args.json:
        write_json(result)
        return 0
    measures: list[str] = []
    values: list[float] = []
    for group in result.values():
        assert isinstance(group, dict)
        for name, value in group.items():
            if isinstance(value, dict):
                for category, detail in value.items():
                    measures.append(f"category:{category}:points")
                    values.append(detail["points"])
                    measures.append(f"category:{category}:weight")
                    values.append(detail["weight"])
            else:
                measures.append(name)
                values.append(float(value))
    write_csv(args.output, {"measure": measures, "value": np.round(np.array(values, dtype=float), 6)})
    return 0
