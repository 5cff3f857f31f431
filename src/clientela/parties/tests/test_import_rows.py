"""A 10,000-row file with bad rows: exact per-row errors, and what each mode writes."""

from __future__ import annotations

import pytest

from clientela.core.models import Event
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.reading import ImportFileError
from clientela.parties.importing.rows import ALL_OR_NOTHING, VALID_ROWS_ONLY
from clientela.parties.models import Contact, ContactPoint
from clientela.parties.tests.importing_files import good_row, write_csv

ROWS = 10_000
# data index -> (how the row is broken, the error it must produce); file row = index + 2
BAD: dict[int, tuple[dict[int, str], tuple[str, str]]] = {
    99: ({2: "not-an-email"}, ("E-mail", "'not-an-email' is not a valid e-mail address")),
    200: (
        {4: "1999-02-30"},
        ("Birth date", "“1999-02-30” value has the correct format (YYYY-MM-DD) but it is an invalid date."),
    ),
    1001: ({5: "robot"}, ("Gender", "Value 'robot' is not a valid choice.")),
    2402: ({0: "An\x00na"}, ("First name", "must not contain NUL characters")),
    5003: ({1: "X" * 150}, ("Last name", "Ensure this value has at most 100 characters (it has 150).")),
    7004: ({1: ""}, ("Last name", "is required")),
    9005: ({2: "PERSON0@example.test"}, ("E-mail", "the same e-mail address as row 2")),
    9500: ({3: "call me"}, ("Phone", "'call me' is not a valid phone number")),
}


@pytest.fixture
def bad_file(tmp_path):
    rows = [good_row(n) for n in range(ROWS)]
    for index, (changes, _error) in BAD.items():
        for column, value in changes.items():
            rows[index][column] = value
    return write_csv(tmp_path / "contacts.csv", rows)


def _expected_errors() -> list[tuple[int, str, str]]:
    return [(index + 2, column, message) for index, (_c, (column, message)) in sorted(BAD.items())]


def test_every_bad_row_is_reported_with_row_column_and_message(cast, bad_file):
    report = run_import(bad_file, actor=cast.sales_north, options=ImportOptions(entity="contact", dry_run=True))
    assert [(e.row, e.column, e.message) for e in report.errors] == _expected_errors()
    assert report.failed == len(BAD)
    assert report.created == ROWS - len(BAD)


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(cast, bad_file):
    contacts, events, points = Contact.all_objects.count(), Event.objects.count(), ContactPoint.objects.count()
    report = run_import(
        bad_file, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=ALL_OR_NOTHING, batch_size=1000)
    )
    assert not report.written
    assert [(e.row, e.column, e.message) for e in report.errors] == _expected_errors()
    assert (Contact.all_objects.count(), Event.objects.count(), ContactPoint.objects.count()) == (
        contacts,
        events,
        points,
    )


def test_valid_rows_only_writes_exactly_the_good_rows(cast, bad_file):
    report = run_import(
        bad_file,
        actor=cast.sales_north,
        options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY, batch_size=1500, job="job-1"),
    )
    assert report.written and report.created == ROWS - len(BAD) and report.failed == len(BAD)
    imported = set(Contact.objects.values_list("last_name", flat=True))
    expected = {f"Last{n}" for n in range(ROWS) if n not in BAD}
    assert imported == expected
    events = Event.objects.filter(action="contact.create")
    assert events.count() == ROWS - len(BAD)
    sample = events.filter(record_label="First7 Last7").get()
    assert sample.source == "import" and sample.data == {"import_job": "job-1"}
    assert sample.changes["emails"] == [[], ["person7@example.test"]]
    assert sample.changes["tags"] == [[], ["batch", "imported"]]
    assert sample.actor == cast.sales_north
    contact = Contact.objects.get(last_name="Last7")
    assert contact.owner == cast.sales_north and contact.team == cast.north
    assert contact.primary_email == "person7@example.test" and contact.primary_phone == "+36 1 0000007"


def test_all_or_nothing_writes_everything_when_every_row_is_good(cast, tmp_path):
    path = write_csv(tmp_path / "good.csv", [good_row(n) for n in range(300)])
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", batch_size=100))
    assert report.written and report.created == 300
    assert Contact.objects.count() == 300


@pytest.mark.django_db(transaction=True)
def test_valid_rows_only_outside_a_transaction_gives_the_same_result(cast, bad_file):
    """Outside a transaction on PostgreSQL, validation and writing run in two threads."""
    report = run_import(
        bad_file, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY, batch_size=700)
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == _expected_errors()
    assert report.created == ROWS - len(BAD)
    assert Contact.objects.count() == ROWS - len(BAD)
    assert Event.objects.filter(action="contact.create", source="import").count() == ROWS - len(BAD)


@pytest.mark.django_db(transaction=True)
def test_a_file_that_breaks_halfway_writes_nothing_in_all_or_nothing_mode(cast, tmp_path):
    path = write_csv(tmp_path / "broken.csv", [good_row(n) for n in range(2000)])
    path.write_bytes(path.read_bytes() + b"Bad,\xff\xfe,x@example.test\n")
    with pytest.raises(ImportFileError, match="Line 2002 is not UTF-8"):
        run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", batch_size=300))
    assert Contact.all_objects.count() == 0 and not Event.objects.filter(source="import").exists()
