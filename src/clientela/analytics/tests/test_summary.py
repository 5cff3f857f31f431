"""The customer summary: hand-computed cases, CDNOW, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.analytics.summary import check_rft, period_days, summarize
from clientela.analytics.tests import _cdnow

D = np.datetime64


def log(rows: list[tuple[int, str, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    customer = np.array([r[0] for r in rows], dtype=np.int64)
    date = np.array([r[1] for r in rows], dtype="datetime64[D]")
    amount = np.array([r[2] for r in rows], dtype=np.float64)
    return customer, date, amount


def test_purchases_on_one_day_are_one_purchase_and_spend_is_the_mean_of_repeat_days() -> None:
    customer, date, amount = log(
        [
            (0, "2024-01-01", 10.0),  # first purchase day: 10 + 5
            (0, "2024-01-01", 5.0),
            (0, "2024-01-15", 20.0),  # repeat day 1: 20 + 4
            (0, "2024-01-15", 4.0),
            (0, "2024-01-29", 36.0),  # repeat day 2: 36
            (0, "2024-02-10", 99.0),  # after calibration: holdout
        ]
    )
    s = summarize(customer, date, amount, calibration_end="2024-01-31", holdout_end="2024-03-01")
    assert s.customer.tolist() == [0]
    assert s.frequency.tolist() == [2]
    assert s.recency.tolist() == [28 / 7]
    assert s.T.tolist() == [30 / 7]
    assert s.monetary.tolist() == [30.0]  # (24 + 36) / 2
    assert s.first_amount.tolist() == [15.0]
    assert s.total_amount.tolist() == [75.0]
    assert s.holdout_purchases is not None and s.holdout_purchases.tolist() == [1]
    assert s.first_purchase.tolist() == [D("2024-01-01").astype(object)]


def test_days_are_periods_of_one_day() -> None:
    customer, date, amount = log([(3, "2024-01-01", 1.0), (3, "2024-01-11", 1.0)])
    s = summarize(customer, date, amount, calibration_end="2024-01-21", period="day")
    assert (s.frequency[0], s.recency[0], s.T[0]) == (1, 10.0, 20.0)
    assert s.customer.tolist() == [3]


def test_returns_are_not_purchases_but_free_items_are() -> None:
    customer, date, amount = log(
        [
            (0, "2024-01-01", 0.0),  # a free item makes the customer
            (0, "2024-01-08", -30.0),  # a return is not a purchase
            (0, "2024-01-15", 12.0),
            (1, "2024-01-02", -5.0),  # only a return: not a customer
        ]
    )
    s = summarize(customer, date, amount, calibration_end="2024-01-31")
    assert s.customer.tolist() == [0]
    assert s.frequency.tolist() == [1]
    assert s.recency.tolist() == [2.0]
    assert s.monetary.tolist() == [12.0]


def test_customers_who_first_buy_after_calibration_are_not_in_the_summary() -> None:
    customer, date, amount = log([(0, "2024-01-01", 5.0), (1, "2024-02-05", 5.0)])
    s = summarize(customer, date, amount, calibration_end="2024-01-31", holdout_end="2024-03-01")
    assert s.customer.tolist() == [0]
    assert s.holdout_purchases is not None and s.holdout_purchases.tolist() == [0]


def test_a_purchase_on_the_calibration_end_counts_in_calibration() -> None:
    customer, date, amount = log([(0, "2024-01-01", 5.0), (0, "2024-01-31", 5.0), (1, "2024-01-31", 1.0)])
    s = summarize(customer, date, amount, calibration_end="2024-01-31", holdout_end="2024-02-29")
    assert s.frequency.tolist() == [1, 0]
    assert s.T.tolist() == [30 / 7, 0.0]
    assert s.holdout_purchases is not None and s.holdout_purchases.tolist() == [0, 0]


def test_empty_log_gives_an_empty_summary() -> None:
    s = summarize(np.empty(0, np.int64), np.empty(0, "datetime64[D]"), np.empty(0), calibration_end="2024-01-01")
    assert len(s) == 0


def test_sparse_customer_codes_give_the_same_result() -> None:
    customer, date, amount = log([(0, "2024-01-01", 1.0), (0, "2024-01-05", 2.0), (1, "2024-01-03", 3.0)])
    small = summarize(customer, date, amount, calibration_end="2024-02-01")
    sparse = summarize(customer + 2**40, date, amount, calibration_end="2024-02-01")
    assert (sparse.customer - 2**40).tolist() == small.customer.tolist()
    for name in ("frequency", "recency", "T", "monetary"):
        assert getattr(sparse, name).tolist() == getattr(small, name).tolist()


def test_keys_too_wide_for_32_bits_are_sorted_as_64_bit() -> None:
    # 1000 customers' worth of code bits and ~8000 years of days: more than 31 bits.
    customer, date, amount = log([(1000, "2024-01-01", 1.0), (1000, "0100-01-01", 2.0), (7, "9000-01-01", 4.0)])
    s = summarize(customer, date, amount, calibration_end="9999-01-01", period="day")
    assert s.customer.tolist() == [7, 1000]
    assert s.frequency.tolist() == [0, 1]
    span = (D("2024-01-01") - D("0100-01-01")).astype(np.int64)
    assert s.recency.tolist() == [0.0, float(span)]
    assert s.monetary.tolist() == [0.0, 1.0]


def test_bad_arguments_are_refused() -> None:
    customer, date, amount = log([(0, "2024-01-01", 1.0)])
    with pytest.raises(ValueError, match="holdout end"):
        summarize(customer, date, amount, calibration_end="2024-02-01", holdout_end="2024-01-01")
    with pytest.raises(TypeError):
        summarize(customer.astype(float), date, amount, calibration_end="2024-02-01")
    with pytest.raises(ValueError, match="period"):
        period_days("month")
    with pytest.raises(ValueError, match="recency must not exceed T"):
        check_rft(np.array([1]), np.array([5.0]), np.array([4.0]))


def test_cdnow_summary_matches_the_published_one() -> None:
    tx = _cdnow.transactions()
    published = _cdnow.published_summary()
    s = summarize(tx["customer"], tx["date"], tx["amount"], calibration_end=_cdnow.CALIBRATION_END, period="week")
    assert len(s) == 2357
    assert (s.frequency > 0).sum() == 946
    row = published[s.customer]
    assert np.array_equal(s.frequency, row[:, 1])
    assert np.allclose(s.recency, row[:, 2], atol=0.005 + 1e-9)
    assert np.allclose(s.T, row[:, 3], atol=0.005 + 1e-9)
    # The published mean spend of repeat purchase days, rounded to cents.
    assert np.allclose(s.monetary, row[:, 4], atol=0.005 + 1e-9)


transactions = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 90),
        st.sampled_from([-5.0, 0.0, 0.01, 1.5, 10.0, 99.99, 1234.56]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=transactions, cut=st.integers(0, 90), seed=st.integers(0, 2**16))
def test_recency_is_within_T_and_row_order_does_not_matter(
    rows: list[tuple[int, int, float]], cut: int, seed: int
) -> None:
    customer = np.array([r[0] for r in rows], dtype=np.int64)
    date = D("2024-01-01") + np.array([r[1] for r in rows]).astype("timedelta64[D]")
    amount = np.array([r[2] for r in rows])
    end = D("2024-01-01") + np.timedelta64(cut, "D")
    holdout = end + np.timedelta64(30, "D")
    s = summarize(customer, date, amount, calibration_end=end, holdout_end=holdout)
    assert np.all(s.recency >= 0) and np.all(s.recency <= s.T)
    assert np.all(s.frequency >= 0) and np.all(s.monetary >= 0)
    order = np.random.default_rng(seed).permutation(len(rows))
    shuffled = summarize(customer[order], date[order], amount[order], calibration_end=end, holdout_end=holdout)
    for name in (
        "customer",
        "frequency",
        "recency",
        "T",
        "monetary",
        "first_amount",
        "total_amount",
        "holdout_purchases",
    ):
        assert np.array_equal(getattr(s, name), getattr(shuffled, name)), name
