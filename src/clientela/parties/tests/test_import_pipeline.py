"""On PostgreSQL a large import validates in one thread while writer threads write: same result as one thread."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clientela.core.models import Event
from clientela.parties import actions, import_jobs
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.rows import ALL_OR_NOTHING, VALID_ROWS_ONLY
from clientela.parties.models import Contact
from clientela.testing import factories

from .importing_files import good_row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the import pipelines its writes on PostgreSQL only")


@pytest.fixture
def writer_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that wrote each batch."""
    names: list[str] = []
    write = actions.records_import_write

    def recording(**kwargs):
        names.append(threading.current_thread().name)
        return write(**kwargs)

    monkeypatch.setattr(actions, "records_import_write", recording)
    return names


def test_writer_threads_write_every_valid_row_once_and_report_rows_in_order(cast, tmp_path, writer_threads):
    existing = [factories.contact(cast.sales_north, first_name="Old", last_name=f"Timer{n}",
                                  emails=[f"person{n}@example.test"]) for n in (3, 250, 580)]  # fmt: skip
    rows = [good_row(n) for n in range(600)]
    bad = {10, 77, 301, 599}  # data rows (0-based) with an e-mail no one can send to
    for n in bad:
        rows[n][2] = "not-an-address"
    path = write_csv(tmp_path / "c.csv", rows)
    before = Event.objects.count()

    report = run_import(path, actor=cast.sales_north,
                        options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY, batch_size=40))  # fmt: skip

    assert import_jobs.WRITERS > 1
    assert len(writer_threads) == 15 and all(name.startswith("import-writer-") for name in writer_threads)
    assert (report.created, report.updated, report.failed, report.rows_done) == (593, 3, 4, 600)
    assert [e.row for e in report.errors] == sorted(n + 2 for n in bad)
    assert [p.row for p in report.preview] == list(range(2, 2 + import_jobs.PREVIEW_ROWS))
    assert Contact.objects.count() == 596
    assert Event.objects.count() - before == 596
    for contact in existing:
        contact.refresh_from_db()
        assert contact.version == 2 and contact.first_name.startswith("First")


def test_an_all_or_nothing_import_with_a_bad_row_in_its_last_batch_writes_nothing(cast, tmp_path, writer_threads):
    rows = [good_row(n) for n in range(300)]
    rows[295][1] = ""  # a contact needs a name
    path = write_csv(tmp_path / "c.csv", rows)

    report = run_import(path, actor=cast.sales_north,
                        options=ImportOptions(entity="contact", mode=ALL_OR_NOTHING, batch_size=50))  # fmt: skip

    assert set(writer_threads) == {"import-writer-0"}  # one transaction, one writer
    assert not report.written and report.failed == 1
    assert Contact.objects.count() == 0 and Event.objects.count() == 0


def test_a_writer_that_fails_stops_the_import_with_its_error(cast, tmp_path, monkeypatch):
    write = actions.records_import_write
    calls = []

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return write(**kwargs)

    monkeypatch.setattr(actions, "records_import_write", failing)
    path = write_csv(tmp_path / "c.csv", [good_row(n) for n in range(400)])

    with pytest.raises(RuntimeError, match="the disk is full"):
        run_import(path, actor=cast.sales_north,
                   options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY, batch_size=20))  # fmt: skip

    written = Contact.objects.count()
    assert written % 20 == 0 and written < 400  # whole batches, committed before the failure
