"""Erasure: no trace of the person in any column, the change log, the idempotency store or the
data directory's files; invoices keep their legal content; another person with the same first
name keeps it; only the privacy permission erases, once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from clientela.core.errors import PermissionDenied
from clientela.core.models import Event, IdempotencyKey
from clientela.parties.models import Contact
from clientela.privacy import actions
from clientela.privacy.models import Erasure, RequestStatus
from clientela.privacy.tests.people import EMAIL, FIRST, LAST, Person, erase, make_person
from clientela.sales.models import Invoice

pytestmark = pytest.mark.django_db


def every_value_in_the_database() -> str:
    """Every value of every row of every table, as text (JSON written both ways)."""
    pieces = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", "replace")
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    pieces.append(str(value))
    text = "\n".join(pieces)
    return text + "\n" + text.encode("ascii", "backslashreplace").decode()


def every_file_under(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file())


def traces_in(text: str) -> list[str]:
    lowered = text.lower()
    escaped = [json.dumps(t)[1:-1].lower() for t in Person.traces()]
    return [t for t, e in zip(Person.traces(), escaped, strict=True) if t.lower() in lowered or e in lowered]


def test_before_erasure_the_person_is_everywhere(cast, data_dir):
    make_person(cast)
    assert set(traces_in(every_value_in_the_database())) >= {f"{FIRST} {LAST}", LAST, EMAIL}
    assert "secret-attachment-bytes" in every_file_under(data_dir)


def test_after_erasure_no_column_and_no_file_names_the_person(cast, data_dir):
    person = make_person(cast)
    done = erase(cast, person)
    assert done.status == RequestStatus.DONE and "Erased" in done.outcome
    assert traces_in(every_value_in_the_database()) == []
    assert traces_in(every_file_under(data_dir)) == []
    assert not IdempotencyKey.objects.filter(key="note-about-zsofia").exists()
    assert Erasure.objects.filter(record_id=person.contact.public_id).exists()
    assert Event.objects.filter(record_id=person.contact.public_id, kind="erased").count() == 1


def test_the_invoice_keeps_its_number_lines_and_amounts(cast, data_dir):
    person = make_person(cast)
    erase(cast, person)
    invoice = Invoice.objects.get(number=person.invoice_number)
    assert invoice.gross_total == Decimal(person.invoice_total)
    assert invoice.lines.count() == 1 and invoice.organization.name == "Bükkalja Vendéglő Kft."
    assert invoice.contact_id == person.contact.pk  # the (now anonymous) contact stays linked


def test_another_person_with_the_same_first_name_keeps_it(cast, data_dir):
    person = make_person(cast)
    erase(cast, person)
    neighbour = Contact.objects.get(pk=person.neighbour.pk)
    assert (neighbour.first_name, neighbour.last_name) == (FIRST, "Szabó")
    assert neighbour.primary_email == "zsofia.szabo@keep.example"
    created = Event.objects.get(record_id=neighbour.public_id, action="contact.create")
    assert created.changes["first_name"] == [None, FIRST] and created.record_label == f"{FIRST} Szabó"


def test_the_erased_contact_stays_as_an_anonymous_record(cast, data_dir):
    person = make_person(cast)
    erase(cast, person)
    contact = Contact.all_objects.get(pk=person.contact.pk)
    assert (contact.first_name, contact.last_name, contact.birth_date, contact.notes) == ("", "[erased]", None, "")
    assert not contact.points.exists()
    assert [a.country for a in contact.addresses.all()] == ["HU"]


def test_only_the_privacy_permission_erases_and_only_once(cast, data_dir):
    person = make_person(cast)
    request = actions.privacy_request_create(actor=cast.sales_north, contact=person.contact, values={"type": "erasure"})
    with pytest.raises(PermissionDenied):
        actions.privacy_request_fulfil(actor=cast.manager_north, request=request, verification="seen ID")
    actions.privacy_request_fulfil(actor=cast.admin, request=request, verification="seen ID")
    with pytest.raises(actions.RequestClosed):
        actions.privacy_request_fulfil(actor=cast.admin, request=request)


def test_an_erasure_needs_the_identity_verified_first(cast, data_dir):
    person = make_person(cast)
    request = actions.privacy_request_create(actor=cast.sales_north, contact=person.contact, values={"type": "erasure"})
    from clientela.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as failed:
        actions.privacy_request_fulfil(actor=cast.admin, request=request)
    assert failed.value.errors[0].field == "verification"
    assert Contact.objects.get(pk=person.contact.pk).last_name == LAST


def test_erasures_are_made_again_after_a_backup_from_before_them_is_restored(cast, data_dir, settings, tmp_path):
    from django.core.management import call_command

    from clientela.testing import factories

    settings.CLIENTELA_ERASURE_LOG = str(tmp_path / "erasures.log")
    person = make_person(cast)
    erased_id = str(person.contact.public_id)
    Path(settings.CLIENTELA_ERASURE_LOG).write_text(f"2026-12-01T10:00:00+00:00 parties.contact {erased_id}\n")
    # The "restored backup": the person is still there, as before the erasure.
    other = factories.contact(cast.sales_north, last_name="Untouched")
    call_command("reapply_erasures")
    assert Contact.all_objects.get(pk=person.contact.pk).last_name == "[erased]"
    assert Contact.objects.get(pk=other.pk).last_name == "Untouched"
    call_command("reapply_erasures")  # twice is once
    assert Erasure.objects.filter(record_id=person.contact.public_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_each_erasure_appends_the_id_never_the_name_to_the_erasure_log(cast, data_dir, settings, tmp_path):
    settings.CLIENTELA_ERASURE_LOG = str(tmp_path / "log" / "erasures.log")
    person = make_person(cast)
    erase(cast, person)
    text = Path(settings.CLIENTELA_ERASURE_LOG).read_text()
    assert str(person.contact.public_id) in text and LAST not in text and EMAIL not in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_worker_vacuums_the_tables_an_erasure_wrote(cast, data_dir, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django_tasks_db.models import DBTaskResult

    from clientela.privacy import tasks

    settings.CLIENTELA_ERASURE_LOG = str(tmp_path / "erasures.log")
    person = make_person(cast)
    erase(cast, person)
    [job] = DBTaskResult.objects.filter(task_path="clientela.privacy.tasks.reclaim_space")
    tables = job.args_kwargs["args"][0]
    assert "core_event" in tables and "parties_contact" in tables
    assert tasks.reclaim_space.call(tables).startswith("vacuumed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'parties_contact'")
        assert cursor.fetchone()[0] == 0
