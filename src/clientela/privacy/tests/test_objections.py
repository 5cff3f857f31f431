"""No job processes a contact for a purpose they did not consent to or objected to: e-mails are
refused when queued and again by the worker right before they go (through a real SMTP server),
whatever consents and objections a set of people has, and whatever changes in between."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientela.channels import actions as channel_actions
from clientela.channels import tasks as channel_tasks
from clientela.channels.models import Email
from clientela.channels.tests.smtp_kit import smtp_server  # noqa: F401 - the `smtp` fixture
from clientela.core.errors import ValidationFailed
from clientela.privacy import actions, queries
from clientela.testing import factories

pytestmark = pytest.mark.django_db

CONSENTS = st.sampled_from(["none", "granted", "withdrawn", "refused", "pending"])
OBJECTIONS = st.sampled_from(["none", "email", "sms", "purpose", "profiling"])
PERSON = st.tuples(CONSENTS, OBJECTIONS, OBJECTIONS)  # consent, objection before queueing, objection after


def _purposes(cast):
    newsletter = actions.purpose_create(
        actor=cast.admin,
        values={"code": "newsletter", "name": "Newsletter", "kind": "marketing", "legal_basis": "consent",
                "channel": "email", "double_opt_in": True},
    )  # fmt: skip
    follow_up = actions.purpose_create(
        actor=cast.admin,
        values={"code": "follow-up", "name": "Sales follow-up", "kind": "sales", "legal_basis": "legitimate_interests"},
    )
    service = actions.purpose_create(
        actor=cast.admin, values={"code": "service", "name": "Service", "kind": "service", "legal_basis": "contract"}
    )
    return {"newsletter": newsletter, "follow-up": follow_up, "service": service}


def _object(cast, contact, objection: str, purpose) -> None:
    if objection == "none" or (objection == "purpose" and purpose is None):
        return
    values = {"kind": "channel", "channel": objection} if objection in ("email", "sms") else {"kind": objection}
    actions.restriction_create(
        actor=cast.sales_north, contact=contact, values=values, purpose=purpose if objection == "purpose" else None
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(PERSON, min_size=1, max_size=5), purpose_code=st.sampled_from(["newsletter", "follow-up",
                                                                                        "service", ""]))  # fmt: skip
def test_no_e_mail_goes_to_a_contact_who_objected_or_did_not_consent(cast, smtp, people, purpose_code):
    with transaction.atomic():
        purposes = _purposes(cast)
        purpose = purposes.get(purpose_code)
        already = len(smtp.messages)
        queued: list[tuple[Email, Any]] = []
        contacts = []
        for n, (consent, before, _after) in enumerate(people):
            contact = factories.contact(cast.sales_north, last_name=f"Person{n}", emails=[f"p{n}@objection.example"])
            contacts.append(contact)
            if consent != "none":
                actions.consent_record(
                    actor=cast.sales_north, contact=contact, purpose=purposes["newsletter"],
                    values={"status": "granted" if consent == "pending" else consent},
                )  # fmt: skip
            _object(cast, contact, before, purpose)
            allowed_now = queries.may_process(contact.pk, purpose=purpose, channel="email").allowed
            values = {"contact": str(contact.public_id), "subject": "News", "body_text": "Hello",
                      "purpose": purpose_code}  # fmt: skip
            try:
                email = channel_actions.email_queue(actor=cast.sales_north, values=values)
            except ValidationFailed as refused:
                assert not allowed_now, refused.errors  # refused only when the person may not be reached
                assert refused.errors[0].code == "no_consent"
                continue
            assert allowed_now  # queued only when the person may be reached
            queued.append((email, contact))
        for (_consent, _before, after), contact in zip(people, contacts, strict=True):
            _object(cast, contact, after, purpose)
        for email, _contact in queued:
            channel_tasks.send_email.call(str(email.public_id), 1)
        received = {address for message in smtp.messages[already:] for address in message.recipients}
        for email, contact in queued:
            decision = queries.may_process(contact.pk, purpose=purpose, channel="email")
            address = email.to[0]
            assert (address in received) == decision.allowed, (address, decision)
            if not decision.allowed:
                email.refresh_from_db()
                assert email.status == "failed" and email.error
        for n, (consent, before, after) in enumerate(people):
            objected = {before, after}
            if purpose_code != "service" and ("email" in objected or ("purpose" in objected and purpose)):
                assert f"p{n}@objection.example" not in received
            if purpose_code == "newsletter" and consent != "granted":
                assert f"p{n}@objection.example" not in received
        transaction.set_rollback(True)


def test_a_pending_consent_counts_only_once_confirmed(cast):
    purposes = _purposes(cast)
    contact = factories.contact(cast.sales_north, emails=["pending@objection.example"])
    consent = actions.consent_record(
        actor=cast.sales_north, contact=contact, purpose=purposes["newsletter"], values={"status": "granted"}
    )
    assert consent.status == "pending"
    assert not queries.may_process(contact.pk, purpose=purposes["newsletter"], channel="email").allowed
    actions.consent_confirm(consent=consent, evidence="link opened")
    assert queries.may_process(contact.pk, purpose=purposes["newsletter"], channel="email").allowed


def test_an_objection_to_profiling_leaves_the_contact_out_of_scoring(cast):
    scored = [factories.contact(cast.sales_north) for _n in range(3)]
    actions.restriction_create(actor=cast.sales_north, contact=scored[1], values={"kind": "profiling"})
    assert queries.profiling_refused(c.pk for c in scored) == {scored[1].pk}


def test_an_objection_to_e_mail_still_lets_service_mail_through(cast):
    purposes = _purposes(cast)
    contact = factories.contact(cast.sales_north, emails=["service@objection.example"])
    actions.restriction_create(actor=cast.sales_north, contact=contact, values={"kind": "channel", "channel": "email"})
    assert queries.may_process(contact.pk, purpose=purposes["service"], channel="email").allowed
    assert not queries.may_process(contact.pk, purpose=purposes["follow-up"], channel="email").allowed
    assert not queries.may_process(contact.pk, purpose=None, channel="email").allowed
    assert queries.may_process(contact.pk, purpose=None, channel="sms").allowed


def test_an_objection_needs_what_it_objects_to(cast):
    contact = factories.contact(cast.sales_north)
    with pytest.raises(ValidationFailed) as failed:
        actions.restriction_create(actor=cast.sales_north, contact=contact, values={"kind": "channel"})
    assert failed.value.errors[0].field == "channel"
    with pytest.raises(ValidationFailed) as failed:
        actions.restriction_create(
            actor=cast.sales_north, contact=contact, values={"kind": "fields", "fields": ["ssn"]}
        )
    assert failed.value.errors[0].field == "fields"


def test_the_transactions_for_scoring_leave_out_contacts_who_objected_to_profiling(cast, tmp_path, data_dir):
    import csv as csv_module
    import subprocess
    import sys

    from django.core.management import call_command

    from clientela.privacy.tests.people import make_person

    person = make_person(cast)  # a contact with an invoice
    path = tmp_path / "transactions.csv"

    def scored() -> str:
        done = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "clientela.cli", "analytics", "rfm", "--input", str(path), "--as-of", "2026-12-31",
             "--output", "-"], capture_output=True, check=False,
        )  # fmt: skip
        return done.stdout.decode() + done.stderr.decode()

    call_command("export_transactions", str(path))
    customers = {row["customer_id"] for row in csv_module.DictReader(path.open())}
    assert str(person.contact.public_id) in customers
    assert str(person.contact.public_id) in scored()  # the analysts' tool scores them from the file
    actions.restriction_create(actor=cast.sales_north, contact=person.contact, values={"kind": "profiling"})
    call_command("export_transactions", str(path))
    assert str(person.contact.public_id) not in {row["customer_id"] for row in csv_module.DictReader(path.open())}
    assert str(person.contact.public_id) not in scored()
