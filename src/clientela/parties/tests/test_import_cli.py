"""`clientela import`: synchronous, progress on stderr, errors and a summary, exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clientela.core.models import Event
from clientela.parties.models import Contact

from .importing_files import good_row, write_csv


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_imports_with_a_summary_and_progress(cast, tmp_path):
    path = write_csv(tmp_path / "c.csv", [good_row(n) for n in range(25)])
    progress = io.StringIO()
    sys_stderr, sys.stderr = sys.stderr, progress
    try:
        out, _err = _run("contacts", str(path), "--as", "sales_north", "--batch-size", "10")
    finally:
        sys.stderr = sys_stderr
    assert "25 rows: create 25, update 0" in out
    assert "25 / 25 rows (100%)" in progress.getvalue()
    assert Contact.objects.count() == 25


def test_errors_are_printed_per_row_and_all_or_nothing_fails(cast, tmp_path):
    rows = [good_row(n) for n in range(5)]
    rows[2][2] = "broken"
    path = write_csv(tmp_path / "c.csv", rows)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 rows have errors; nothing was written"):
        call_command("import", "contacts", str(path), "--as", "sales_north", stdout=out, stderr=io.StringIO())
    assert "row 4, column E-mail: 'broken' is not a valid e-mail address" in out.getvalue()
    assert Contact.objects.count() == 0 and Event.objects.count() == 0


def test_valid_rows_only_and_dry_run(cast, tmp_path):
    rows = [good_row(n) for n in range(5)]
    rows[2][2] = "broken"
    path = write_csv(tmp_path / "c.csv", rows)
    out, _err = _run("contacts", str(path), "--as", "sales_north", "--dry-run")
    assert "would create 4" in out and "dry run" in out
    assert Contact.objects.count() == 0
    out, _err = _run("contacts", str(path), "--as", "sales_north", "--mode", "valid-rows-only")
    assert "create 4" in out and "errors in 1 rows" in out
    assert Contact.objects.count() == 4


def test_a_mapping_given_as_json_or_as_a_file(cast, tmp_path):
    path = write_csv(tmp_path / "c.csv", [["Anna", "Kovács", "x"]], header=["Given", "Family", "Junk"])
    mapping = {"Given": "first_name", "Family": "last_name", "Junk": ""}
    _run("contacts", str(path), "--as", "sales_north", "--mapping", json.dumps(mapping))
    assert Contact.objects.get().first_name == "Anna"
    mapping_file = tmp_path / "m.json"
    mapping_file.write_text(json.dumps(mapping))
    out, _err = _run("contacts", str(path), "--as", "sales_north", "--mapping", str(mapping_file), "--match", "skip")
    assert "skip 0" in out  # no e-mail, so nothing to match: a second Anna is created
    assert Contact.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contacts", "/nonexistent.csv", "--as", "sales_north"], "no such file: /nonexistent.csv"),
        (["contacts", "{file}", "--as", "ghost"], "no user named 'ghost'"),
        (["contacts", "{file}", "--as", "sales_north", "--mode", "sometimes"], "--mode must be one of"),
        (["contacts", "{file}", "--as", "sales_north", "--match", "merge"], "--match must be one of"),
        (["contacts", "{file}", "--as", "sales_north", "--mapping", "{bad"], "--mapping is not valid JSON"),
        (["contacts", "{file}", "--as", "sales_north", "--mapping", '{"Nope": "x"}'], "does not have: Nope"),
        (["contacts", "{file}", "--as", "readonly_north"], "readonly_north: your role may not change records"),
    ],
)
def test_bad_invocations_fail_with_one_clear_line(cast, tmp_path, args, message):
    path = write_csv(tmp_path / "c.csv", [good_row(1)])
    args = [a.replace("{file}", str(path)) for a in args]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("{", r"\{")):
        call_command("import", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_a_file_that_is_not_csv_or_xlsx_is_one_clear_line(cast, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfeL\x00a\x00")
    with pytest.raises(CommandError, match="UTF-16"):
        call_command("import", "contacts", str(path), "--as", "sales_north", stdout=io.StringIO())


def test_the_clientela_command_exits_non_zero_with_one_line_on_stderr(tmp_path):
    env = {**os.environ, "CLIENTELA_SQLITE_PATH": str(tmp_path / "db.sqlite3"), "CLIENTELA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "clientela.cli"]
    result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [*cli, "import", "contacts", str(tmp_path / "missing.csv"), "--as", "x"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[4],
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == f"CommandError: no such file: {tmp_path / 'missing.csv'}"
