"""RFM: the seeds' point scheme at every boundary, quintile scores and segments, the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.analytics.cli import main
from clientela.analytics.rfm import (
    QUINTILE_SEGMENTS,
    quintile_scores,
    quintile_segment,
    rfm_quintile,
    rfm_seed,
)
from clientela.analytics.transactions import transactions_from_columns


def seed_row(rows: list[tuple[str, float]], as_of: str, customer: str = "c") -> dict[str, object]:
    """The seed-scheme result of one customer whose rows are (date, amount)."""
    tx = transactions_from_columns([customer] * len(rows), [date for date, _ in rows], [amount for _, amount in rows])
    table = rfm_seed(tx, as_of)
    i = list(table.customer_ids).index(customer)
    return {
        name: getattr(table, name)[i]
        for name in ("recency_days", "frequency", "monetary", "r", "f", "m", "score", "segment")
    }


@pytest.mark.parametrize(
    ("last_purchase", "as_of", "points"),
    [
        # 31 May minus 3/6/9/12 months: 29 Feb (leap year), 30 Nov, 31 Aug, 31 May.
        ("2024-05-31", "2024-05-31", 24),
        ("2024-02-29", "2024-05-31", 24),
        ("2024-02-28", "2024-05-31", 12),
        ("2023-11-30", "2024-05-31", 12),
        ("2023-11-29", "2024-05-31", 6),
        ("2023-08-31", "2024-05-31", 6),
        ("2023-08-30", "2024-05-31", 3),
        ("2023-05-31", "2024-05-31", 3),
        ("2023-05-30", "2024-05-31", 0),
        # Not a leap year: 31 May minus 3 months is 28 February.
        ("2023-02-28", "2023-05-31", 24),
        ("2023-02-27", "2023-05-31", 12),
        # Mid-month: exactly 3 months, one day inside, one day outside.
        ("2023-12-16", "2024-03-15", 24),
        ("2023-12-15", "2024-03-15", 24),
        ("2023-12-14", "2024-03-15", 12),
        # As of a leap day: minus 12 months is 28 February of the year before.
        ("2023-02-28", "2024-02-29", 3),
        ("2023-02-27", "2024-02-29", 0),
        # As of 31 March: minus 1..12 months clamps 30 Nov / 30 Sep etc.
        ("2023-12-31", "2024-03-31", 24),
        ("2023-12-30", "2024-03-31", 12),
        ("2023-09-30", "2024-03-31", 12),
        ("2023-09-29", "2024-03-31", 6),
    ],
)
def test_recency_points_at_every_calendar_boundary(last_purchase: str, as_of: str, points: int) -> None:
    assert seed_row([(last_purchase, 20.0)], as_of)["r"] == points


def test_a_purchase_exactly_twelve_months_back_counts_for_frequency_and_monetary() -> None:
    row = seed_row([("2023-05-31", 20.0), ("2023-05-30", 50.0)], "2024-05-31")
    assert (row["f"], row["m"], row["frequency"], row["monetary"]) == (4, 2.0, 1, 20.0)


def test_purchases_on_one_day_count_separately() -> None:
    row = seed_row([("2024-05-01", 10.0), ("2024-05-01", 10.0), ("2024-05-01", 30.0)], "2024-05-31")
    assert (row["r"], row["f"], row["m"], row["score"]) == (24, 12, 5.0, 41.0)


def test_monetary_points_are_ten_percent_capped_at_nine_per_purchase() -> None:
    row = seed_row(
        [
            ("2024-05-01", 90.0),
            ("2024-05-02", 90.01),
            ("2024-05-03", 1000.0),
            ("2024-05-04", 89.99),
        ],
        "2024-05-31",
    )
    assert row["m"] == pytest.approx(9 + 9 + 9 + 8.999, abs=1e-12)
    assert row["score"] == pytest.approx(24 + 16 + 35.999, abs=1e-12)


def test_decimal_amounts_give_exact_points() -> None:
    row = seed_row([("2024-05-01", 12.5), ("2024-05-02", 0.1), ("2024-05-03", 0.2)], "2024-05-31")
    assert row["m"] == 1.28
    assert row["monetary"] == 12.8


def test_returns_earn_nothing_and_do_not_refresh_recency() -> None:
    row = seed_row([("2023-10-01", 50.0), ("2024-05-20", -50.0), ("2024-05-21", 0.0)], "2024-05-31")
    assert (row["r"], row["f"], row["m"], row["score"]) == (6, 4, 5.0, 15.0)
    assert row["recency_days"] == 243


def test_rows_after_the_as_of_date_are_ignored() -> None:
    row = seed_row([("2024-01-10", 40.0), ("2024-06-01", 500.0)], "2024-05-31")
    assert (row["r"], row["f"], row["m"], row["frequency"], row["monetary"]) == (
        12,
        4,
        4.0,
        1,
        40.0,
    )


def test_a_customer_without_purchases_gets_zeros_and_no_recency() -> None:
    tx = transactions_from_columns(
        ["buyer", "returner", "late"],
        ["2024-05-01", "2024-05-01", "2024-06-01"],
        [10.0, -10.0, 10.0],
    )
    table = rfm_seed(tx, "2024-05-31")
    assert list(table.customer_ids) == ["buyer", "late", "returner"]
    assert np.isnan(table.recency_days[1:]).all()
    assert table.score[1:].tolist() == [0.0, 0.0]
    assert table.segment.tolist() == ["medium", "no purchases", "no purchases"]


def test_seed_segments_band_the_score() -> None:
    lapsed = seed_row([("2022-01-01", 10.0)], "2024-05-31")
    medium = seed_row([("2024-05-01", 10.0)], "2024-05-31")  # 24 + 4 + 1 = 29
    top = seed_row([("2024-05-01", 90.0)] * 8, "2024-05-31")  # 24 + 32 + 72 = 128
    assert (lapsed["score"], lapsed["segment"]) == (0.0, "lapsed")
    assert (medium["score"], medium["segment"]) == (29.0, "medium")
    assert (top["score"], top["segment"]) == (128.0, "top")


def test_quintile_scores_cut_distinct_values_into_fifths() -> None:
    assert quintile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(np.array([30, 10, 20])).tolist() == [5, 1, 3]


def test_quintile_scores_give_ties_equal_scores_at_their_middle() -> None:
    assert quintile_scores(np.array([7, 7, 7, 7])).tolist() == [3, 3, 3, 3]
    # Six ones occupy positions 0-5 of 10 (middle 2.5 -> score 2); the 3s share 7-8 (7.5 -> 5).
    scores = quintile_scores(np.array([1, 1, 1, 1, 1, 1, 2, 3, 3, 9]))
    assert scores.tolist() == [2, 2, 2, 2, 2, 2, 4, 5, 5, 5]


def test_every_grid_cell_has_one_of_the_eleven_named_segments() -> None:
    names = {name for row in QUINTILE_SEGMENTS.values() for name in row}
    assert names == {
        "champions",
        "loyal customers",
        "potential loyalists",
        "new customers",
        "promising",
        "need attention",
        "about to sleep",
        "at risk",
        "can't lose them",
        "hibernating",
        "lost",
    }
    assert quintile_segment(np.array([5, 1, 1]), np.array([5, 1, 5]), np.array([4, 1, 5])).tolist() == [
        "champions",
        "lost",
        "can't lose them",
    ]


def test_quintile_rfm_scores_recent_frequent_big_spenders_highest() -> None:
    customers = ["a", "b", "c", "d", "e"]
    dates = ["2024-05-30", "2024-04-01", "2024-01-01", "2023-06-01", "2022-01-01"]
    tx = transactions_from_columns(
        customers + ["a", "a", "b"],
        dates + ["2024-05-01", "2024-05-02", "2024-03-01"],
        [500.0, 400.0, 300.0, 200.0, 100.0, 1.0, 1.0, 1.0],
    )
    table = rfm_quintile(tx, "2024-05-31")
    assert table.r.tolist() == [5, 4, 3, 2, 1]
    assert table.f.tolist() == [5, 4, 2, 2, 2]
    assert table.m.tolist() == [5, 4, 3, 2, 1]
    assert table.score.tolist() == ["555", "444", "323", "222", "121"]
    assert table.segment[0] == "champions" and table.segment[4] == "hibernating"


transaction_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(min_value=0, max_value=900),
        st.integers(min_value=-5000, max_value=20000).map(lambda cents: cents / 100),
    ),
    min_size=1,
    max_size=30,
)
START = np.datetime64("2022-06-01")
AS_OF = "2024-08-31"


def build(rows: list[tuple[str, int, float]]):
    return transactions_from_columns([c for c, _, _ in rows], [START + d for _, d, _ in rows], [a for _, _, a in rows])


@settings(max_examples=60, deadline=None)
@given(
    rows=transaction_rows,
    customer=st.sampled_from(["a", "b", "c", "d"]),
    day=st.integers(0, 900),
    cents=st.integers(1, 20000),
)
def test_adding_a_purchase_never_lowers_seed_points(
    rows: list[tuple[str, int, float]], customer: str, day: int, cents: int
) -> None:
    extended = rows + [(customer, day, cents / 100)]
    before, after = rfm_seed(build(rows), AS_OF), rfm_seed(build(extended), AS_OF)
    i_after = list(after.customer_ids).index(customer)
    if customer in list(before.customer_ids):
        i = list(before.customer_ids).index(customer)
        for name in ("r", "f", "m", "score"):
            assert getattr(after, name)[i_after] >= getattr(before, name)[i]
    # Other customers are unaffected.
    for j, other in enumerate(before.customer_ids):
        if other != customer:
            k = list(after.customer_ids).index(other)
            assert after.score[k] == before.score[j]


@settings(max_examples=60, deadline=None)
@given(rows=transaction_rows, seed=st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_row_order(rows: list[tuple[str, int, float]], seed: int) -> None:
    shuffled = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))]
    for scheme in (rfm_seed, rfm_quintile):
        a, b = scheme(build(rows), AS_OF), scheme(build(shuffled), AS_OF)
        for name in ("customer_ids", "frequency", "monetary", "r", "f", "m", "score", "segment"):
            assert getattr(a, name).tolist() == getattr(b, name).tolist()
        np.testing.assert_array_equal(a.recency_days, b.recency_days)


def write_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "tx.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_writes_the_documented_columns(tmp_path: Path) -> None:
    source = write_file(
        tmp_path,
        "customer_id,date,amount\na,2024-02-29,12.50\na,2024-05-31,100\nb,2024-05-01,-4\n",
    )
    out = tmp_path / "rfm.csv"
    assert main(["rfm", "--input", source, "--as-of", "2024-05-31", "--output", str(out)]) == 0
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns == [
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "r",
        "f",
        "m",
        "score",
        "segment",
    ]
    assert frame.row(0) == ("a", "0", "2", "112.5", "24", "8", "10.25", "42.25", "medium")
    assert frame.row(1) == ("b", None, "0", "0.0", "0", "0", "0.0", "0.0", "no purchases")


def test_cli_quintile_scheme_writes_three_digit_scores(tmp_path: Path) -> None:
    source = write_file(tmp_path, "customer_id,date,amount\na,2024-05-01,10\n")
    out = tmp_path / "rfm.csv"
    args = ["rfm", "--input", source, "--as-of", "2024-05-31", "--scheme", "quintile"]
    assert main([*args, "--output", str(out)]) == 0
    assert pl.read_csv(out, infer_schema=False).row(0) == (
        "a",
        "30",
        "1",
        "10.0",
        "3",
        "3",
        "3",
        "333",
        "need attention",
    )


def test_cli_stops_on_bad_rows_naming_row_column_and_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_file(tmp_path, "customer_id,date,amount\na,2024-05-01,10\nb,2024-13-01,x\n")
    out = tmp_path / "rfm.csv"
    assert main(["rfm", "--input", source, "--as-of", "2024-05-31", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "row 3, column date: not a date: '2024-13-01'" in err
    assert "row 3, column amount: not a number: 'x'" in err
    assert "--skip-bad-rows" in err
    assert not out.exists()


def test_cli_skip_bad_rows_reports_them_and_continues(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_file(tmp_path, "customer_id,date,amount\na,2024-05-01,10\nb,2024-05-01,x\n")
    out = tmp_path / "rfm.csv"
    argv = ["rfm", "--input", source, "--as-of", "2024-05-31", "--output", str(out)]
    assert main([*argv, "--skip-bad-rows"]) == 0
    err = capsys.readouterr().err
    assert "skipped row 3, column amount: not a number: 'x'" in err
    assert "skipped 1 bad row" in err
    assert pl.read_csv(out, infer_schema=False)["customer_id"].to_list() == ["a"]


def test_cli_rejects_a_bad_as_of_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_file(tmp_path, "customer_id,date,amount\na,2024-05-01,10\n")
    assert main(["rfm", "--input", source, "--as-of", "31/05/2024"]) == 2
    assert "--as-of: not a date" in capsys.readouterr().err


def test_cli_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rfm", "--input", str(tmp_path / "nope.csv"), "--as-of", "2024-05-31"]) == 2
    assert "no such file" in capsys.readouterr().err
