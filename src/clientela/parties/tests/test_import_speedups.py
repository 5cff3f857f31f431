"""What makes the import fast changes nothing it writes: COPY text per column, orjson,
the garbage collector's settings, the PostgreSQL settings of the writing transaction."""

from __future__ import annotations

import datetime as dt
import gc
import json
import uuid
from typing import Any

import pytest
from django.db import connection, transaction

from clientela.core.models import Event
from clientela.parties import import_jobs
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.rows import VALID_ROWS_ONLY
from clientela.parties.importing.sinks import (
    BULK_SETTINGS,
    copy_column,
    copy_text,
    settle_search_indexes,
    tune_bulk_transaction,
)
from clientela.parties.models import Contact

from .importing_files import write_csv

TRICKY = ["plain", "", "tab\there", "line\nbreak", "back\\slash", "Ünïcödé ő", 'quote "q"', "cr\rx"]


def _copy_unescape(text: str) -> str | None:
    if text == "\\N":
        return None
    marker = "\x01"
    text = text.replace("\\\\", marker).replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
    return text.replace(marker, "\\")


def test_a_column_formatted_at_once_reads_back_as_each_value_formatted_alone():
    columns: list[list[Any]] = [
        TRICKY,
        [None, 1, 2, None, 5, 6, 7, 8],
        [True, False] * 4,
        [dt.date(2020, 1, 2), None, dt.datetime(2021, 3, 4, 5, 6, tzinfo=dt.UTC), "x", 1, None, "y", uuid.UUID(int=7)],
    ]
    for column in columns:
        assert list(copy_column(column)) == [copy_text(v) for v in column]


def test_json_columns_read_back_as_the_same_values():
    values = [{"name": [None, text], "n": [1, 2.5]} for text in TRICKY] + [[], {}, ["a\\b", None]]
    for formatted, value in zip(copy_column(values), values, strict=True):
        assert "\t" not in formatted and "\n" not in formatted
        unescaped = _copy_unescape(formatted)
        assert unescaped is not None
        assert json.loads(unescaped) == value


def test_an_import_restores_the_garbage_collector_settings_even_when_it_fails(cast, tmp_path):
    before = gc.get_threshold()
    path = write_csv(tmp_path / "c.csv", [["Anna", "Kovács"]], header=["First name", "Last name"])
    run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), import_jobs._fewer_collections():
        assert gc.get_threshold()[0] == import_jobs.GC_THRESHOLD
        raise RuntimeError
    assert gc.get_threshold() == before


@pytest.mark.django_db(transaction=True)
def test_the_bulk_settings_last_only_for_the_writing_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
        with transaction.atomic():
            tune_bulk_transaction()
            for name, value in BULK_SETTINGS.items():
                cursor.execute(f"SHOW {name}")
                assert cursor.fetchone()[0] == value
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == before


def test_settling_the_search_index_keeps_imported_contacts_findable(cast, tmp_path):
    path = write_csv(
        tmp_path / "c.csv", [["Zsófia", "Fehérvári", "zs@example.com"]], header=["First name", "Last name", "E-mail"]
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert report.created == 1
    settle_search_indexes(Contact)  # again: nothing pending, nothing to do
    assert Contact.objects.filter(search_text__contains="fehervari").count() == 1
    assert Event.objects.filter(action="contact.create", source="import").count() == 1
