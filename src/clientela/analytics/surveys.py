"""Loyalty and satisfaction indices from survey answers [PL 65-67].

Survey answers file, one answer per row: `customer_id`, `question`, `answer`,
optional `weight`.

- `question` = `loyalty`: `answer` is `unconditional` (would choose us despite
  some inconvenience), `conditional` (would choose us if the competitor's offer
  is comparable) or `none`. One loyalty answer per customer.
- any other `question` is a satisfaction category; `answer` is the points
  given, 1 to 10; `weight` is the category's weight (default 1, the same on
  every row of a category).

Loyalty index = (unconditional + conditional) / surveyed (a share, 0-1);
strengthened loyalty index = unconditional / surveyed x 100 (%).
Satisfaction index = sum over categories of the points / number of categories,
the points of a category being the mean of its respondents' points; weighted
satisfaction index = sum of points x category weight / number of categories
(so weights averaging 1 keep it on the 1-10 scale). Both are also given as a
percentage of a target level (default 10, the top of the scale).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import polars as pl

from clientela.analytics.parsing import DataFileError, RowError
from clientela.analytics.tables import read_table

LOYALTY_QUESTION = "loyalty"
LOYALTY_ANSWERS: tuple[str, ...] = ("unconditional", "conditional", "none")
POINTS_RANGE: tuple[float, float] = (1.0, 10.0)


class SurveyError(ValueError):
    """The answers do not follow the documented format."""


@dataclass(frozen=True)
class LoyaltyIndex:
    surveyed: int
    unconditional: int
    conditional: int
    index: float  # (unconditional + conditional) / surveyed
    strengthened_percent: float  # unconditional / surveyed x 100


@dataclass(frozen=True)
class SatisfactionIndex:
    categories: list[str]
    category_points: np.ndarray  # mean points per category
    category_weights: np.ndarray
    respondents: int
    index: float
    weighted_index: float
    target: float
    index_percent: float
    weighted_index_percent: float


def loyalty_index(answers: np.ndarray) -> LoyaltyIndex:
    """The loyalty indices from one answer per surveyed customer."""
    answers = np.char.lower(np.asarray(answers, dtype=str))
    unknown = sorted(set(answers.tolist()) - set(LOYALTY_ANSWERS))
    if unknown:
        raise SurveyError(f"unknown loyalty answers {unknown} (expected {', '.join(LOYALTY_ANSWERS)})")
    surveyed = int(answers.size)
    unconditional = int(np.sum(answers == "unconditional"))
    conditional = int(np.sum(answers == "conditional"))
    return LoyaltyIndex(
        surveyed=surveyed,
        unconditional=unconditional,
        conditional=conditional,
        index=(unconditional + conditional) / surveyed if surveyed else float("nan"),
        strengthened_percent=100.0 * unconditional / surveyed if surveyed else float("nan"),
    )


def satisfaction_index(
    categories: np.ndarray,
    points: np.ndarray,
    *,
    respondents: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    target: float = 10.0,
) -> SatisfactionIndex:
    """Simple and weighted satisfaction indices from (category, points, weight) answers."""
    if target <= 0:
        raise SurveyError("the target level must be positive")
    categories = np.asarray(categories, dtype=str)
    points = np.asarray(points, dtype=np.float64)
    low, high = POINTS_RANGE
    if np.any((points < low) | (points > high)):
        raise SurveyError(f"satisfaction points must be between {low:g} and {high:g}")
    weights = np.ones(points.shape) if weights is None else np.asarray(weights, dtype=np.float64)
    weights = np.where(np.isnan(weights), 1.0, weights)
    names, code = np.unique(categories, return_inverse=True)
    k = names.size
    if k == 0:
        raise SurveyError("no satisfaction answers")
    counts = np.bincount(code, minlength=k)
    mean_points = np.bincount(code, weights=points, minlength=k) / counts
    category_weights = np.bincount(code, weights=weights, minlength=k) / counts
    lowest_weight = np.full(k, np.inf)
    np.minimum.at(lowest_weight, code, weights)
    inconsistent = ~np.isclose(lowest_weight, category_weights)
    if inconsistent.any():
        raise SurveyError(f"category {names[inconsistent][0]!r} has different weights on different rows")
    index = float(mean_points.sum() / k)
    weighted = float((mean_points * category_weights).sum() / k)
    respondent_count = int(np.unique(np.asarray(respondents, dtype=str)).size) if respondents is not None else 0
    return SatisfactionIndex(
        categories=names.tolist(),
        category_points=mean_points,
        category_weights=category_weights,
        respondents=respondent_count,
        index=index,
        weighted_index=weighted,
        target=float(target),
        index_percent=100.0 * index / target,
        weighted_index_percent=100.0 * weighted / target,
    )


@dataclass(frozen=True)
class SurveyAnswers:
    loyalty_customers: np.ndarray
    loyalty_answers: np.ndarray
    respondents: np.ndarray  # customer per satisfaction answer
    categories: np.ndarray
    points: np.ndarray
    weights: np.ndarray


def read_survey_answers(
    path: str | os.PathLike[str], *, skip_bad_rows: bool = False
) -> tuple[SurveyAnswers, list[RowError]]:
    """Read and check a survey answers file (format in the module docstring)."""
    table, errors = read_table(
        path,
        required={"customer_id": "label", "question": "label", "answer": "label"},
        optional={"weight": "number"},
        skip_bad_rows=skip_bad_rows,
    )
    question = np.char.lower(table["question"].astype(str))
    answer = np.char.lower(table["answer"].astype(str))
    customer = table["customer_id"].astype(str)
    is_loyalty = question == LOYALTY_QUESTION
    low, high = POINTS_RANGE
    points = np.full(len(table), np.nan)
    satisfaction = ~is_loyalty
    points[satisfaction] = pl.Series(answer[satisfaction]).cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy()

    found: list[RowError] = []
    bad = np.zeros(len(table), dtype=bool)
    unknown_loyalty = is_loyalty & ~np.isin(answer, LOYALTY_ANSWERS)
    out_of_range = satisfaction & ~((points >= low) & (points <= high))
    _, first = np.unique(customer[is_loyalty], return_index=True)
    repeated = np.zeros(len(table), dtype=bool)
    loyalty_rows = np.flatnonzero(is_loyalty)
    repeated[loyalty_rows] = True
    repeated[loyalty_rows[first]] = False
    for mask, reason in (
        (unknown_loyalty, f"not a loyalty answer ({', '.join(LOYALTY_ANSWERS)})"),
        (out_of_range, f"not points from {low:g} to {high:g}"),
        (repeated, "second loyalty answer of this customer"),
    ):
        for position in np.flatnonzero(mask & ~bad).tolist():
            found.append(RowError(int(table.rows[position]), "answer", f"{reason}: {table['answer'][position]!r}"))
        bad |= mask
    found.sort(key=lambda error: error.row)
    if found and not skip_bad_rows:
        raise DataFileError(f"{path}: {len(found)} bad row{'s' if len(found) != 1 else ''}", found)
    keep = ~bad
    weights = table["weight"] if "weight" in table else np.ones(len(table))
    answers = SurveyAnswers(
        loyalty_customers=customer[is_loyalty & keep],
        loyalty_answers=answer[is_loyalty & keep],
        respondents=customer[satisfaction & keep],
        categories=table["question"].astype(str)[satisfaction & keep],
        points=points[satisfaction & keep],
        weights=np.where(np.isnan(weights), 1.0, weights)[satisfaction & keep],
    )
    return answers, sorted(errors + found, key=lambda error: error.row)
