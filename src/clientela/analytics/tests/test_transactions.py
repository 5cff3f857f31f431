"""Reading transaction files: formats, parsing and errors that name row and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clientela.analytics.transactions import (
    RowError,
    TransactionFileError,
    read_transactions,
    transactions_from_columns,
)


def write(tmp_path: Path, text: str, name: str = "tx.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_a_plain_csv_reads_into_typed_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id,date,amount\nb,2024-03-01,12.50\na,2024-03-02,-3\n")
    tx, errors = read_transactions(path)
    assert errors == []
    assert list(tx.customer_ids) == ["a", "b"]
    assert tx.customer.tolist() == [1, 0]
    assert tx.date.dtype == np.dtype("datetime64[D]")
    assert tx.date.tolist() == [
        np.datetime64("2024-03-01").item(),
        np.datetime64("2024-03-02").item(),
    ]
    assert tx.amount.tolist() == [12.5, -3.0]
    assert tx.row.tolist() == [2, 3]
    assert tx.quantity is None and tx.product_id is None and tx.promotion is None
    assert len(tx) == 2


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_detected_from_the_header(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["customer_id", "date", "amount"]) + "\n"
    text += delimiter.join(["c1", "2024-01-05", "7.25"]) + "\n"
    tx, _ = read_transactions(write(tmp_path, text))
    assert tx.amount.tolist() == [7.25]


def test_a_byte_order_mark_and_header_case_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "Customer_ID, Date ,AMOUNT\nx,2024-01-01,1\n", bom=True)
    tx, _ = read_transactions(path)
    assert list(tx.customer_ids) == ["x"]


def test_datetimes_are_truncated_to_the_date_as_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "customer_id,date,amount\n"
        "a,2024-03-01T10:00:00,1\n"
        "a,2024-03-02 23:59:59,1\n"
        "a,2024-03-03T23:30:00+05:00,1\n"
        "a,2024-03-04T00:10:00Z,1\n"
        "a,2024-03-05 08:00,1\n",
    )
    tx, _ = read_transactions(path)
    assert [str(d) for d in tx.date] == [
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
        "2024-03-04",
        "2024-03-05",
    ]


def test_optional_columns_are_parsed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "customer_id,date,amount,quantity,product_id,cost,channel,promotion\n"
        "a,2024-01-01,10,2,P1,6.5,web,yes\n"
        "a,2024-01-02,10,,P2,,,No\n"
        "b,2024-01-03,10,1, ,1,shop,\n",
    )
    tx, _ = read_transactions(path)
    assert tx.quantity is not None and tx.product_id is not None and tx.cost is not None
    assert tx.channel is not None and tx.promotion is not None
    assert np.isnan(tx.quantity[1]) and tx.quantity[0] == 2
    assert tx.product_id.tolist() == ["P1", "P2", None]
    assert tx.cost[0] == 6.5 and np.isnan(tx.cost[1])
    assert tx.channel.tolist() == ["web", None, "shop"]
    assert tx.promotion.tolist() == [True, False, False]


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id,date\na,2024-01-01\n")
    with pytest.raises(TransactionFileError, match="missing required column: amount"):
        read_transactions(path)


def test_every_bad_value_is_reported_with_row_column_and_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "customer_id,date,amount,promotion\n"
        "a,2024-01-01,1,yes\n"
        ",2024-01-01,1,no\n"
        "b,2024-02-30,abc,maybe\n"
        "c,01/02/2024,nan,1\n"
        "d,2024-01-01,inf,\n",
    )
    with pytest.raises(TransactionFileError) as raised:
        read_transactions(path)
    assert raised.value.errors == [
        RowError(3, "customer_id", "empty"),
        RowError(4, "date", "not a date: '2024-02-30'"),
        RowError(4, "amount", "not a number: 'abc'"),
        RowError(4, "promotion", "not a boolean: 'maybe'"),
        RowError(5, "date", "not a date: '01/02/2024'"),
        RowError(5, "amount", "not a finite number: 'nan'"),
        RowError(6, "amount", "not a finite number: 'inf'"),
    ]
    assert "4 bad rows" in str(raised.value)
    assert str(raised.value.errors[2]) == "row 4, column amount: not a number: 'abc'"


def test_skip_bad_rows_keeps_the_good_rows_and_returns_the_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id,date,amount\na,2024-01-01,1\nb,2024-01-01,x\nc,2024-01-02,2\n")
    tx, errors = read_transactions(path, skip_bad_rows=True)
    assert errors == [RowError(3, "amount", "not a number: 'x'")]
    assert tx.row.tolist() == [2, 4]
    assert list(tx.customer_ids) == ["a", "c"]


def test_blank_lines_are_not_transactions_and_keep_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "customer_id,date,amount\na,2024-01-01,1\n\nb,2024-01-01,x\n")
    with pytest.raises(TransactionFileError) as raised:
        read_transactions(path)
    assert raised.value.errors == [RowError(4, "amount", "not a number: 'x'")]


def test_parquet_files_with_native_types_are_read(tmp_path: Path) -> None:
    path = tmp_path / "tx.parquet"
    pl.DataFrame(
        {
            "customer_id": [2, 1],
            "date": [dt.datetime(2024, 1, 1, 22), dt.datetime(2024, 1, 2, 1)],
            "amount": [1.5, 2.0],
            "promotion": [True, None],
        }
    ).write_parquet(path)
    tx, _ = read_transactions(path)
    assert list(tx.customer_ids) == ["1", "2"]
    assert [str(d) for d in tx.date] == ["2024-01-01", "2024-01-02"]
    assert tx.promotion is not None
    assert tx.promotion.tolist() == [True, False]


def test_parquet_string_columns_are_validated_like_csv(tmp_path: Path) -> None:
    path = tmp_path / "tx.pq"
    pl.DataFrame({"customer_id": ["a", "b"], "date": ["2024-01-01", "x"], "amount": ["1", "2"]}).write_parquet(path)
    with pytest.raises(TransactionFileError) as raised:
        read_transactions(path)
    assert raised.value.errors == [RowError(3, "date", "not a date: 'x'")]


def test_in_memory_columns_are_validated_the_same_way() -> None:
    tx = transactions_from_columns(
        ["a", "b"], np.array(["2024-01-01T10:00", "2024-01-02"], dtype="datetime64[m]"), [1, 2.5]
    )
    assert [str(d) for d in tx.date] == ["2024-01-01", "2024-01-02"]
    with pytest.raises(TransactionFileError) as raised:
        transactions_from_columns(["a", ""], ["2024-01-01", "2024-01-02"], [1, 2])
    assert raised.value.errors == [RowError(3, "customer_id", "empty")]


def test_filter_keeps_every_customer_label() -> None:
    tx = transactions_from_columns(["a", "b"], ["2024-01-01", "2024-01-02"], [1, 2])
    only_b = tx.filter(tx.amount > 1)
    assert len(only_b) == 1
    assert list(only_b.customer_ids) == ["a", "b"]
    assert only_b.customer.tolist() == [1]


def test_an_empty_file_with_a_header_has_no_transactions(tmp_path: Path) -> None:
    tx, _ = read_transactions(write(tmp_path, "customer_id,date,amount\n"))
    assert len(tx) == 0 and tx.customer_ids.size == 0
