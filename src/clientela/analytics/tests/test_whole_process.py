"""What makes a command fast as a whole process: lazy imports, one read, polars' writer.

The figures are in bench/analytics/whole_process.py; these tests keep the
properties the figures rest on, and the behaviour they must not change.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clientela.analytics.cli import main
from clientela.analytics.commands._common import importing_meanwhile, write_csv
from clientela.analytics.commands.fit import MODEL_MODULES, PURCHASE_MODEL_NAMES
from clientela.analytics.purchase_models import PURCHASE_MODELS
from clientela.analytics.tables import read_table
from clientela.analytics.transactions import RowError, TransactionFileError, read_transactions

HEADER = "customer_id,date,amount\n"


def test_the_parser_lists_every_purchase_model() -> None:
    assert tuple(PURCHASE_MODELS) == PURCHASE_MODEL_NAMES


@pytest.mark.parametrize("command", ["clv", "fit"])
def test_building_a_model_command_imports_no_scipy(command: str) -> None:
    # scipy loads in the background while the file is read, not before.
    code = (
        "import sys, importlib\n"
        f"importlib.import_module('clientela.analytics.commands.{command}')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'scipy'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "[]"


def test_importing_meanwhile_has_loaded_the_modules_on_exit() -> None:
    with importing_meanwhile(MODEL_MODULES):
        pass
    assert all(name in sys.modules for name in MODEL_MODULES)


def test_a_module_that_cannot_be_imported_in_the_background_is_not_an_error_there() -> None:
    with importing_meanwhile(["clientela.analytics.no_such_module"]):
        pass
    assert "clientela.analytics.no_such_module" not in sys.modules


def test_the_garbage_collector_is_as_it_was_after_a_command(tmp_path: Path, capsys) -> None:
    source = tmp_path / "tx.csv"
    source.write_text(HEADER + "a,2024-01-01,1\n", encoding="utf-8")
    argv = ["rfm", "--input", str(source), "--as-of", "2024-06-30"]
    assert gc.isenabled()
    assert main(argv) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert main(argv) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_messages_quote_the_cell_as_written(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(HEADER + "a,2024-01-01,1\nb, 2024-02-30 , x \n", encoding="utf-8")
    with pytest.raises(TransactionFileError) as raised:
        read_transactions(path)
    assert raised.value.errors == [
        RowError(3, "date", "not a date: ' 2024-02-30 '"),
        RowError(3, "amount", "not a number: ' x '"),
    ]


def test_unknown_columns_are_not_read(tmp_path: Path) -> None:
    # An unknown column may hold anything, even text that no reader would accept as a number.
    path = tmp_path / "tx.csv"
    path.write_text('note,customer_id,date,amount\n"a, b",x,2024-01-01,2\n', encoding="utf-8")
    tx, errors = read_transactions(path)
    assert errors == [] and list(tx.customer_ids) == ["x"] and tx.amount.tolist() == [2.0]


def test_skipped_bad_rows_leave_the_customers_of_the_good_rows_only(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(HEADER + "c,2024-01-01,1\nb,2024-01-01,x\na,2024-01-02,2\nc,2024-01-03,3\n", encoding="utf-8")
    tx, errors = read_transactions(path, skip_bad_rows=True)
    assert [str(error) for error in errors] == ["row 3, column amount: not a number: 'x'"]
    assert list(tx.customer_ids) == ["a", "c"]
    assert tx.customer.tolist() == [1, 0, 1]
    assert tx.row.tolist() == [2, 4, 5]


def test_a_file_that_is_not_utf8_is_one_read_error(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_bytes(HEADER.encode() + "Zoë,2024-01-01,1\n".encode("latin-1"))
    with pytest.raises(TransactionFileError, match="cannot read as CSV"):
        read_transactions(path)


def test_a_side_file_repeating_a_unique_value_names_the_later_rows(tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    path.write_text("customer_id,service_cost\na,1\nb,x\na,2\nb,3\n", encoding="utf-8")
    table, errors = read_table(
        path,
        required={"customer_id": "label"},
        optional={"service_cost": "number"},
        unique="customer_id",
        skip_bad_rows=True,
    )
    assert [str(error) for error in errors] == [
        "row 3, column service_cost: not a number: 'x'",
        "row 4, column customer_id: appears more than once: 'a'",
        "row 5, column customer_id: appears more than once: 'b'",
    ]
    assert table.rows.tolist() == [2]


def test_a_csv_file_holds_exactly_what_standard_output_gets(tmp_path: Path, capsys) -> None:
    columns = {
        "customer_id": np.array(["b", None, "a, c"], dtype=object),
        "count": np.array([1, 2, 3]),
        "value": np.array([0.1, np.nan, 1e-300]),
        "day": np.array(["2024-01-01", "NaT", "2024-12-31"], dtype="datetime64[D]"),
        "tag": np.array([7, "x", None], dtype=object),
    }
    path = tmp_path / "out.csv"
    write_csv(str(path), columns)
    write_csv("-", columns)
    assert path.read_text(encoding="utf-8") == capsys.readouterr().out
    table = pl.read_csv(path, infer_schema=False)
    assert table["customer_id"].to_list() == ["b", None, "a, c"]
    assert table["tag"].to_list() == ["7", "x", None]
    assert float(table["value"][2]) == 1e-300


def test_clv_writes_its_file_with_polars_writer(tmp_path: Path, capsys) -> None:
    source = tmp_path / "tx.csv"
    lines = [f"c{i % 40},2024-{1 + i % 12:02d}-{1 + i % 27:02d},{10 + i % 7}.5" for i in range(400)]
    source.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "clv.csv"
    argv = ["clv", "--input", str(source), "--calibration-end", "2024-12-31", "--horizon", "52"]
    assert main([*argv, "--output", str(output)]) == 0
    assert main(argv) == 0
    assert output.read_text(encoding="utf-8") == capsys.readouterr().out
