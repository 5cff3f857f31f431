"""Profitability: margins, the five-level hierarchy, the opportunity and product matrices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clientela.analytics.cli import main
from clientela.analytics.profitability import (
    TierRule,
    customer_margins,
    grade,
    opportunity_matrix,
    product_matrix,
    profitability_levels,
    projected_margin,
    tier_rule_from_shares,
)
from clientela.analytics.transactions import transactions_from_columns


def test_margin_is_revenue_less_goods_service_and_marketing_costs() -> None:
    tx = transactions_from_columns(
        ["a", "a", "a", "b"],
        ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01"],
        [100.0, -20.0, 50.0, 10.0],
        cost=[60.0, -12.0, np.nan, 4.0],
    )
    margins = customer_margins(
        tx, start="2024-01-01", end="2024-02-15", service_cost=np.array([5.0, 0.0]), marketing_cost=np.array([1.0, 2.0])
    )
    assert margins.revenue.tolist() == [80.0, 10.0]
    assert margins.cost_of_goods.tolist() == [48.0, 4.0]
    assert margins.margin.tolist() == [26.0, 4.0]


@pytest.mark.parametrize(
    ("today", "future", "level"),
    [
        (10.0, 10.0, 1),
        (10.0, 0.0, 2),
        (10.0, np.nan, 2),
        (10.0, -10.0, 2),
        (-10.0, 10.0, 3),
        (0.0, 10.0, 3),
        (-10.0, 0.0, 4),
        (-10.0, np.nan, 4),
        (0.0, 0.0, 4),
        (-10.0, -10.0, 5),
        (0.0, -10.0, 5),
    ],
)
def test_the_five_levels_follow_the_decision_table(today: float, future: float, level: int) -> None:
    assert profitability_levels(np.array([today]), np.array([future]))[0] == level


def test_margins_within_the_neutral_band_are_break_even() -> None:
    levels = profitability_levels(np.array([5.0, 5.0, 6.0]), np.array([-5.0, 6.0, -6.0]), band=5.0)
    assert levels.tolist() == [4, 3, 2]


def test_the_projection_extends_the_two_year_trend_and_keeps_new_customers_flat() -> None:
    tx = transactions_from_columns(
        ["grow", "grow", "new"], ["2023-03-01", "2024-03-01", "2024-03-01"], [10.0, 30.0, 30.0]
    )
    assert projected_margin(tx, "2024-12-31").tolist() == [50.0, 30.0]


def opportunity_rows() -> list[tuple[str, str, float]]:
    """A dataset built to give DOMAIN.md's example matrix (earlier revenue 100)."""
    earlier, later = "2023-06-01", "2024-06-01"
    rows = [
        ("high lost", earlier, 18.0),
        ("high kept", earlier, 20.0),
        ("high kept", later, 15.0),
        ("high new", later, 11.0),
        ("medium lost 1", earlier, 6.0),
        ("medium lost 2", earlier, 6.0),
        ("medium kept", earlier, 8.0),
        ("medium kept", later, 8.0),
        ("medium new", later, 8.0),
        ("low lost 1", earlier, 3.0),
        ("low lost 2", earlier, 2.0),
        ("low new", later, 3.0),
    ]
    for i in range(10):
        rows += [(f"low kept {i}", earlier, 3.7), (f"low kept {i}", later, 3.7)]
    return rows


EXPECTED = {
    "high": {"new": 11, "retained": -5, "lost": -18, "total": -12},
    "medium": {"new": 8, "retained": 0, "lost": -12, "total": -4},
    "low": {"new": 3, "retained": 0, "lost": -5, "total": -2},
    "total": {"new": 22, "retained": -5, "lost": -35, "total": -18},
}


def test_the_opportunity_matrix_reproduces_the_seed_example() -> None:
    tx = transactions_from_columns(*zip(*opportunity_rows(), strict=True))
    matrix = opportunity_matrix(
        tx, earlier=("2023-01-01", "2023-12-31"), later=("2024-01-01", "2024-12-31"), rule=TierRule(10, 4)
    )
    assert matrix.earlier_revenue == pytest.approx(100.0)
    for tier, cells in EXPECTED.items():
        for kind, value in cells.items():
            assert matrix.cells[tier][kind] == pytest.approx(value, abs=1e-9), (tier, kind)
    assert matrix.counts["total"] == {"new": 3, "retained": 12, "lost": 5, "total": 20}


def test_cli_opportunity_matrix_as_csv_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "tx.csv"
    pl.DataFrame(opportunity_rows(), schema=["customer_id", "date", "amount"], orient="row").write_csv(source)
    argv = [
        "opportunity",
        "--input",
        str(source),
        "--earlier-start",
        "2023-01-01",
        "--earlier-end",
        "2023-12-31",
        "--later-start",
        "2024-01-01",
        "--later-end",
        "2024-12-31",
        "--tier-thresholds",
        "10,4",
    ]
    out = tmp_path / "matrix.csv"
    assert main([*argv, "--output", str(out)]) == 0
    frame = pl.read_csv(out)
    assert frame["tier"].to_list() == ["high", "medium", "low", "total"]
    assert frame["new_percent"].to_list() == [11.0, 8.0, 3.0, 22.0]
    assert frame["lost_percent"].to_list() == [-18.0, -12.0, -5.0, -35.0]
    assert frame["total_percent"].to_list() == [-12.0, -4.0, -2.0, -18.0]
    assert main([*argv, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["percent_of_earlier_revenue"]["total"]["retained"] == -5.0


def test_default_tiers_put_the_top_fifth_high_and_the_next_three_tenths_medium() -> None:
    rule = tier_rule_from_shares(np.arange(1.0, 11.0))
    assert (rule.high_min, rule.medium_min) == (9.0, 6.0)
    assert rule.assign(np.array([10.0, 6.0, 5.9])).tolist() == ["high", "medium", "low"]


def test_product_cells_are_graded_by_margin_rate() -> None:
    assert grade(
        np.array([30.0, 29.0, 10.0, 0.0, -1.0, 0.0]), np.array([100.0, 100.0, 100.0, 100.0, 100.0, 0.0])
    ).tolist() == [
        "highly profitable",
        "profitable",
        "profitable",
        "moderately profitable",
        "unprofitable",
        "moderately profitable",
    ]


def test_product_matrix_sums_margin_per_product_and_customer_tier() -> None:
    tx = transactions_from_columns(
        ["big", "big", "small", "small"],
        ["2024-01-01"] * 4,
        [100.0, 50.0, 10.0, 10.0],
        product_id=["P1", "P2", "P1", "P2"],
        cost=[50.0, 45.0, 9.0, 12.0],
    )
    matrix = product_matrix(tx, rule=TierRule(20.0, 5.0))
    cells = {
        (p, t): (c, m, g)
        for p, t, c, m, g in zip(
            matrix.product_id, matrix.tier, matrix.customers, matrix.margin, matrix.grade, strict=True
        )
    }
    assert cells == {
        ("P1", "high"): (1, 50.0, "highly profitable"),
        ("P2", "high"): (1, 5.0, "profitable"),
        ("P1", "low"): (1, 1.0, "profitable"),
        ("P2", "low"): (1, -2.0, "unprofitable"),
    }


def test_cli_product_matrix_needs_product_and_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "tx.csv"
    source.write_text("customer_id,date,amount\na,2024-01-01,10\n", encoding="utf-8")
    assert main(["product-matrix", "--input", str(source)]) == 2
    assert "product_id, cost" in capsys.readouterr().err


def test_cli_profitability_with_costs_and_predictions(tmp_path: Path) -> None:
    source = tmp_path / "tx.csv"
    source.write_text(
        "customer_id,date,amount,cost\na,2024-03-01,100,40\nb,2024-03-01,50,45\nc,2022-01-01,10,5\n",
        encoding="utf-8",
    )
    costs = tmp_path / "costs.csv"
    costs.write_text("customer_id,service_cost,marketing_cost\nb,10,0\n", encoding="utf-8")
    predicted = tmp_path / "predicted.csv"
    predicted.write_text("customer_id,predicted_margin\na,80\nb,20\n", encoding="utf-8")
    out = tmp_path / "profit.csv"
    argv = ["profitability", "--input", str(source), "--as-of", "2024-06-30", "--costs", str(costs)]
    assert main([*argv, "--predicted", str(predicted), "--output", str(out)]) == 0
    frame = pl.read_csv(out)
    assert frame["margin"].to_list() == [60.0, -5.0, 0.0]
    assert frame["future_source"].to_list() == ["predicted", "predicted", "unknown"]
    assert frame["level"].to_list() == [1, 3, 4]
    assert frame["level_name"][0] == "profitable today and in future"


def test_cli_profitability_refuses_duplicate_customers_in_the_costs_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "tx.csv"
    source.write_text("customer_id,date,amount\na,2024-03-01,100\n", encoding="utf-8")
    costs = tmp_path / "costs.csv"
    costs.write_text("customer_id,service_cost\na,1\na,2\n", encoding="utf-8")
    assert main(["profitability", "--input", str(source), "--as-of", "2024-06-30", "--costs", str(costs)]) == 2
    assert "row 3, column customer_id: appears more than once" in capsys.readouterr().err
