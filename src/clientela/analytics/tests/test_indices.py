"""Customer-base indices per period and survey indices: hand-computed cases and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.analytics.cli import main
from clientela.analytics.indices import period_indices
from clientela.analytics.surveys import SurveyError, loyalty_index, satisfaction_index
from clientela.analytics.transactions import transactions_from_columns

ROWS = [
    ("old", "2023-12-20", 50.0),  # bought before the range: not new in January
    ("old", "2024-01-02", 10.0),
    ("a", "2024-01-05", 10.0),
    ("a", "2024-01-05", 10.0),  # same first day: not a repeat purchase
    ("b", "2024-01-10", 10.0),
    ("a", "2024-02-01", 10.0),
    ("c", "2024-02-03", 10.0),
    ("b", "2024-03-01", 10.0),
    ("c", "2024-03-01", -10.0),  # a return is not a purchase
    ("c", "2024-03-02", 10.0),
]


def transactions():
    return transactions_from_columns(*zip(*ROWS, strict=True))


def test_new_retained_lost_and_rates_per_month() -> None:
    result = period_indices(transactions(), period="month", start="2024-01-01", end="2024-03-31")
    assert result.labels == ["2024-01", "2024-02", "2024-03"]
    assert result.active.tolist() == [3, 2, 2]
    assert result.previous_active.tolist() == [1, 3, 2]
    assert result.new.tolist() == [2, 1, 0]
    assert result.retained.tolist() == [1, 1, 1]
    assert result.lost.tolist() == [0, 2, 1]
    assert result.customers_to_date.tolist() == [3, 4, 4]
    assert result.retention_rate.tolist() == [100.0, pytest.approx(100 / 3), 50.0]
    # churn = lost / ((previous active + active) / 2) x 100
    assert result.churn_rate.tolist() == [0.0, pytest.approx(100 * 2 / 2.5), 50.0]


def test_repeat_purchases_are_those_after_the_first_purchase_day() -> None:
    result = period_indices(transactions(), period="month", start="2024-01-01", end="2024-03-31")
    assert result.purchases.tolist() == [4, 2, 2]
    assert result.repeat_purchases.tolist() == [1, 1, 2]
    assert result.repeat_purchase_share.tolist() == [25.0, 50.0, 100.0]
    assert result.revenue.tolist() == [40.0, 20.0, 20.0]
    assert result.repeat_revenue.tolist() == [10.0, 10.0, 20.0]


def test_a_period_with_no_previous_customers_has_no_retention_rate() -> None:
    result = period_indices(transactions(), period="month", start="2023-12-01", end="2023-12-31")
    assert np.isnan(result.retention_rate[0])
    assert result.churn_rate[0] == 0.0


def test_quarters_and_years_use_calendar_boundaries() -> None:
    result = period_indices(transactions(), period="quarter", start="2023-11-01", end="2024-02-01")
    assert result.labels == ["2023-Q4", "2024-Q1"]
    assert [str(d) for d in result.end] == ["2023-12-31", "2024-03-31"]
    assert result.retained.tolist() == [0, 1]


def test_cli_writes_one_row_per_period(tmp_path: Path) -> None:
    source = tmp_path / "tx.csv"
    pl.DataFrame(ROWS, schema=["customer_id", "date", "amount"], orient="row").write_csv(source)
    out = tmp_path / "indices.csv"
    argv = ["indices", "--input", str(source), "--period", "month", "--start", "2024-01-01", "--end", "2024-03-31"]
    assert main([*argv, "--output", str(out)]) == 0
    frame = pl.read_csv(out)
    assert frame["period"].to_list() == ["2024-01", "2024-02", "2024-03"]
    assert frame["churn_rate"].to_list() == [0.0, 80.0, 50.0]


def test_cli_json_lists_the_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "tx.csv"
    pl.DataFrame(ROWS, schema=["customer_id", "date", "amount"], orient="row").write_csv(source)
    assert main(["indices", "--input", str(source), "--period", "year", "--json"]) == 0
    years = json.loads(capsys.readouterr().out)
    assert [year["period"] for year in years] == ["2023", "2024"]
    assert years[1]["retained"] == 1 and years[1]["new"] == 3


def test_loyalty_indices_follow_the_seed_formulas() -> None:
    result = loyalty_index(np.array(["unconditional", "conditional", "none", "Unconditional"]))
    assert (result.surveyed, result.unconditional, result.conditional) == (4, 2, 1)
    assert result.index == 0.75
    assert result.strengthened_percent == 50.0


def test_satisfaction_index_is_points_per_category_and_weighted() -> None:
    result = satisfaction_index(
        np.array(["quality", "quality", "price", "delivery"]),
        np.array([8.0, 6.0, 5.0, 7.0]),
        weights=np.array([1.5, 1.5, 0.5, 1.0]),
        target=10,
    )
    assert result.categories == ["delivery", "price", "quality"]
    assert result.index == pytest.approx((7 + 5 + 7) / 3)
    assert result.weighted_index == pytest.approx((7 * 1.0 + 5 * 0.5 + 7 * 1.5) / 3)
    assert result.index_percent == pytest.approx(100 * 19 / 30)


def test_satisfaction_points_outside_one_to_ten_are_refused() -> None:
    with pytest.raises(SurveyError):
        satisfaction_index(np.array(["quality"]), np.array([11.0]))


def test_cli_survey_indices_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "customer_id,question,answer,weight\n"
        "1,loyalty,unconditional,\n2,loyalty,conditional,\n3,loyalty,none,\n4,loyalty,unconditional,\n"
        "1,quality,8,1.5\n2,quality,6,1.5\n1,price,5,0.5\n2,delivery,7,1\n",
        encoding="utf-8",
    )
    assert main(["survey-indices", "--input", str(survey), "--target", "8", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["loyalty"]["loyalty_index"] == 0.75
    assert result["loyalty"]["strengthened_loyalty_index_percent"] == 50.0
    assert result["satisfaction"]["satisfaction_index"] == pytest.approx(19 / 3)
    assert result["satisfaction"]["satisfaction_index_percent"] == pytest.approx(100 * 19 / 3 / 8)


def test_cli_survey_bad_answers_name_the_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "customer_id,question,answer\n1,loyalty,maybe\n1,quality,11\n2,loyalty,none\n2,loyalty,none\n",
        encoding="utf-8",
    )
    assert main(["survey-indices", "--input", str(survey)]) == 2
    err = capsys.readouterr().err
    assert "row 2, column answer: not a loyalty answer" in err
    assert "row 3, column answer: not points from 1 to 10: '11'" in err
    assert "row 5, column answer: second loyalty answer of this customer" in err
    assert main(["survey-indices", "--input", str(survey), "--skip-bad-rows", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loyalty"]["surveyed"] == 1


period_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.integers(min_value=0, max_value=400),
        st.sampled_from([-5.0, 5.0, 12.5, 40.0]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=period_rows, seed=st.integers(0, 2**32 - 1), period=st.sampled_from(["month", "quarter"]))
def test_period_counts_add_up_and_do_not_depend_on_row_order(
    rows: list[tuple[str, int, float]], seed: int, period: str
) -> None:
    start = np.datetime64("2023-01-01")

    def build(ordered: list[tuple[str, int, float]]):
        return transactions_from_columns(
            [c for c, _, _ in ordered], [start + d for _, d, _ in ordered], [a for _, _, a in ordered]
        )

    shuffled = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))]
    a = period_indices(build(rows), period=period, start="2023-01-01", end="2024-02-01")
    b = period_indices(build(shuffled), period=period, start="2023-01-01", end="2024-02-01")
    for name in ("active", "new", "retained", "lost", "purchases", "repeat_purchases", "revenue"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist()
    assert (a.retained + a.lost == a.previous_active).all()
    assert (a.retained <= np.minimum(a.active, a.previous_active)).all()
    assert (a.previous_active[1:] == a.active[:-1]).all()
    assert (a.new <= a.active).all()
    assert (a.repeat_purchases <= a.purchases).all()
