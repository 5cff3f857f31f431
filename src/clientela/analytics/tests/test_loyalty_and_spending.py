"""The loyalty matrix and the spending-strategy what-if."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clientela.analytics.cli import main
from clientela.analytics.loyalty import loyalty_matrix, purchase_regularity
from clientela.analytics.spending import (
    RESPONSE_EXPONENT,
    RESPONSE_SCALE,
    SEED_BASE_LTV,
    SEED_LTV_B,
    SEED_LTV_C,
    SEED_SPEND_B,
    SEED_SPEND_C,
    fit_response,
    ltv_with_spend,
    optimal_allocation,
)
from clientela.analytics.transactions import transactions_from_columns


def test_regularity_is_the_share_of_the_twelve_months_with_a_purchase() -> None:
    monthly = [f"2024-{m:02d}-15" for m in range(1, 13)]
    tx = transactions_from_columns(
        ["monthly"] * 12 + ["twice", "twice", "twice", "edge", "edge"],
        monthly + ["2024-12-01", "2024-12-02", "2024-06-30", "2023-12-31", "2024-01-01"],
        [10.0] * 17,
    )
    # Slices end on the as-of date: (2023-12-31, 2024-01-31], ..., (2024-11-30, 2024-12-31].
    # Customers sort as edge, monthly, twice; 2023-12-31 is just outside the first slice.
    assert purchase_regularity(tx, "2024-12-31").tolist() == [1 / 12, 1.0, 2 / 12]


def test_quadrants_cross_profitability_and_loyalty() -> None:
    matrix = loyalty_matrix(
        np.array([10.0, 10.0, 1.0, 1.0, 10.0]),
        np.array([0.9, 0.1, 0.9, 0.1, np.nan]),
        profit_threshold=5.0,
    )
    assert matrix.quadrant.tolist() == ["true friends", "butterflies", "barnacles", "strangers", None]


def test_cli_loyalty_matrix_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [("loyal", f"2024-{m:02d}-10", 50.0) for m in range(1, 13)] + [("once", "2024-06-10", 5.0)]
    source = tmp_path / "tx.csv"
    pl.DataFrame(rows, schema=["customer_id", "date", "amount"], orient="row").write_csv(source)
    argv = ["loyalty-matrix", "--input", str(source), "--as-of", "2024-12-31", "--profit-threshold", "100"]
    assert main([*argv, "--json"]) == 0
    quadrants = json.loads(capsys.readouterr().out)["quadrants"]
    assert quadrants["true friends"]["customers"] == 1
    assert quadrants["strangers"]["customers"] == 1
    out = tmp_path / "matrix.csv"
    assert main([*argv, "--output", str(out)]) == 0
    assert pl.read_csv(out)["quadrant"].to_list() == ["true friends", "strangers"]


def test_the_fitted_response_reproduces_its_published_constants() -> None:
    fit = fit_response(
        np.r_[SEED_BASE_LTV, SEED_BASE_LTV], np.r_[SEED_SPEND_B, SEED_SPEND_C], np.r_[SEED_LTV_B, SEED_LTV_C]
    )
    assert fit.scale == pytest.approx(RESPONSE_SCALE, abs=5e-5)
    assert fit.exponent == pytest.approx(RESPONSE_EXPONENT, abs=5e-4)


def test_the_seed_table_is_reproduced_within_four_percent_where_spend_is_positive() -> None:
    for spend, table in ((SEED_SPEND_B, SEED_LTV_B), (SEED_SPEND_C, SEED_LTV_C)):
        ltv = ltv_with_spend(SEED_BASE_LTV, spend)
        positive = spend > 0
        assert np.all(np.abs(ltv[positive] / table[positive] - 1) < 0.04)
    # No spend, no change: the table's 21 for segment 5 under C cannot be reproduced.
    assert ltv_with_spend(SEED_BASE_LTV, SEED_SPEND_C)[4] == 18.0
    assert ltv_with_spend(SEED_BASE_LTV, np.zeros(5)).tolist() == SEED_BASE_LTV.tolist()


def test_the_optimal_allocation_spends_the_budget_and_beats_the_seed_strategies() -> None:
    spend = optimal_allocation(SEED_BASE_LTV, np.ones(5), 15.0)
    assert spend.mean() == pytest.approx(15.0)
    best = ltv_with_spend(SEED_BASE_LTV, spend).mean()
    for other in (SEED_SPEND_B, SEED_SPEND_C):
        assert best >= ltv_with_spend(SEED_BASE_LTV, other).mean()


def test_cli_spend_whatif_defaults_to_the_seed_strategies(tmp_path: Path) -> None:
    out = tmp_path / "whatif.csv"
    assert main(["spend-whatif", "--output", str(out)]) == 0
    frame = pl.read_csv(out, schema_overrides={"segment": pl.String})
    assert frame["strategy"].unique(maintain_order=True).to_list() == ["A", "B", "C"]
    mean_a = frame.filter((pl.col("strategy") == "A") & (pl.col("segment") == "mean"))
    assert mean_a["ltv"].item() == pytest.approx(332.8)


def test_cli_spend_whatif_with_a_segments_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    segments = tmp_path / "segments.csv"
    segments.write_text("segment,base_ltv,customers\ngold,1000,10\nrest,100,90\n", encoding="utf-8")
    out = tmp_path / "whatif.csv"
    argv = ["spend-whatif", "--segments", str(segments), "--strategy", "flat=10,10", "--optimal", "10"]
    assert main([*argv, "--output", str(out)]) == 0
    frame = pl.read_csv(out)
    flat_mean = frame.filter((pl.col("strategy") == "flat") & (pl.col("segment") == "mean"))
    assert flat_mean["spend"].item() == 10.0
    optimal_mean = frame.filter((pl.col("strategy") == "optimal") & (pl.col("segment") == "mean"))
    assert optimal_mean["spend"].item() == pytest.approx(10.0)
    assert optimal_mean["ltv"].item() >= flat_mean["ltv"].item()
    assert main(["spend-whatif", "--segments", str(segments), "--strategy", "bad=1"]) == 2
    assert "expected a name and 2 spends" in capsys.readouterr().err
