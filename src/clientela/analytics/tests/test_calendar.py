"""Calendar-month arithmetic clamps to month ends, element by element."""

from __future__ import annotations

import numpy as np
import pytest

from clientela.analytics.calendar import add_months, period_index, period_label, subtract_months


@pytest.mark.parametrize(
    ("date", "months", "expected"),
    [
        ("2024-05-31", 3, "2024-02-29"),
        ("2023-05-31", 3, "2023-02-28"),
        ("2024-05-31", 6, "2023-11-30"),
        ("2024-05-31", 12, "2023-05-31"),
        ("2024-02-29", 12, "2023-02-28"),
        ("2024-03-15", 3, "2023-12-15"),
        ("2024-01-01", 1, "2023-12-01"),
    ],
)
def test_subtracting_months_clamps_to_the_last_day_of_the_month(date: str, months: int, expected: str) -> None:
    assert str(subtract_months(date, months)) == expected


def test_month_arithmetic_is_vectorised() -> None:
    dates = np.array(["2024-03-31", "2024-01-31", "2023-12-31"], dtype="datetime64[D]")
    assert [str(d) for d in add_months(dates, 1)] == ["2024-04-30", "2024-02-29", "2024-01-31"]


def test_periods_have_consecutive_indices_and_readable_labels() -> None:
    dates = np.array(["2023-12-31", "2024-01-01", "2024-04-01"], dtype="datetime64[D]")
    assert np.diff(period_index(dates, "quarter")).tolist() == [1, 1]
    assert period_label(period_index(dates, "quarter"), "quarter") == ["2023-Q4", "2024-Q1", "2024-Q2"]
    assert period_label(period_index(dates, "month"), "month") == ["2023-12", "2024-01", "2024-04"]
    assert period_label(period_index(dates, "year"), "year") == ["2023", "2024", "2024"]
