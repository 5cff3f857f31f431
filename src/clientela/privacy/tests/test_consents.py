"""Consents: recorded from a page, the API, an import (with evidence) and the person's own forms;
a full history; double opt-in confirmed from the person's mailbox through a real SMTP server."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from clientela.channels.tests.smtp_kit import run_worker, smtp_server  # noqa: F401 - the `smtp` fixture
from clientela.core.errors import ValidationFailed
from clientela.core.models import Event
from clientela.privacy import actions
from clientela.privacy.links import preferences_token
from clientela.privacy.models import Consent
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter(cast):
    actions.policy_create(actor=cast.admin, values={"name": "2026-1", "effective_from": "2026-01-01"})
    return actions.purpose_create(
        actor=cast.admin,
        values={"code": "newsletter", "name": "Newsletter", "kind": "marketing", "legal_basis": "consent",
                "channel": "email", "double_opt_in": True},
    )  # fmt: skip


@pytest.fixture
def anna(cast):
    return factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"])


def test_a_consent_keeps_its_whole_history_one_event_per_change(cast, newsletter, anna):
    api = ApiClient(cast.sales_north)
    given = api.post("/consents", {"contact": str(anna.public_id), "purpose": "newsletter", "status": "granted",
                                   "evidence": "ticked the box at the fair"})  # fmt: skip
    assert given.status_code == 201, given.content
    body = given.json()
    assert (body["status"], body["policy_version"], body["channel"], body["in_force"]) == (
        "pending",
        "2026-1",
        "email",
        False,
    )
    withdrawn = api.post("/consents", {"contact": str(anna.public_id), "purpose": "newsletter", "status": "withdrawn"})
    assert withdrawn.json()["id"] == body["id"] and withdrawn.json()["status"] == "withdrawn"
    history = api.get(f"/consents/{body['id']}/history").json()
    assert [h["action"] for h in history] == ["consent.record", "consent.record"]
    assert history[1]["changes"]["status"] == ["pending", "withdrawn"]
    listed = api.get("/consents", {"contact": str(anna.public_id)}).json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]


def test_consents_of_a_contact_another_team_cannot_see_are_invisible_to_it(cast, newsletter, anna):
    actions.consent_record(actor=cast.sales_north, contact=anna, purpose=newsletter, values={"status": "refused"})
    south = ApiClient(cast.sales_south)
    assert south.get("/consents", {"contact": str(anna.public_id)}).json()["items"] == []
    refused = south.post("/consents", {"contact": str(anna.public_id), "purpose": "newsletter", "status": "granted"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "contact"


def test_an_imported_consent_needs_its_evidence_and_the_errors_name_the_row(cast, newsletter, anna):
    rows = [
        {"contact": str(anna.public_id), "purpose": "newsletter", "status": "granted", "evidence": "form #12"},
        {"contact": str(anna.public_id), "purpose": "newsletter", "status": "granted"},
        {"contact": str(anna.public_id), "purpose": "nonsense", "status": "granted", "evidence": "x"},
    ]
    with pytest.raises(ValidationFailed) as failed:
        actions.consents_import(actor=cast.sales_north, rows=rows)
    assert [e.field for e in failed.value.errors] == ["rows[2].evidence", "rows[3].purpose"]
    assert not Consent.objects.exists()  # nothing written
    [written] = actions.consents_import(actor=cast.sales_north, rows=rows[:1])
    assert (written.source, written.evidence) == ("import", "form #12")


@pytest.mark.django_db(transaction=True)
def test_double_opt_in_mails_a_link_that_confirms_only_when_the_person_presses_confirm(
    cast, newsletter, anna, smtp, keep_signals
):
    consent = actions.consent_record(
        actor=cast.sales_north, contact=anna, purpose=newsletter, values={"status": "granted", "source": "page"}
    )
    assert consent.status == "pending"
    run_worker()
    [mail] = smtp.messages
    assert mail.recipients == ["anna@kovacs.example"]
    found = re.search(r"https?://\S+/p/privacy/confirm/\S+/", mail.message.get_body(("plain",)).get_content())
    assert found is not None
    link = found.group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    assert browser.get("/" + path).status_code == 200  # a mail scanner following the link confirms nothing
    assert Consent.objects.get(pk=consent.pk).status == "pending"
    assert browser.post("/" + path).status_code == 200
    confirmed = Consent.objects.get(pk=consent.pk)
    assert confirmed.status == "granted" and confirmed.confirmed_at and "confirmed by link" in confirmed.evidence
    assert Event.objects.filter(record_id=consent.public_id, action="consent.confirm").count() == 1
    assert Client().get("/p/privacy/confirm/forged-token/").status_code == 404


def test_the_person_withdraws_on_their_preferences_page(cast, newsletter, anna):
    actions.consent_record(
        actor=cast.sales_north, contact=anna, purpose=newsletter,
        values={"status": "granted", "confirmed_at": "2026-11-01T10:00:00Z"},
    )  # fmt: skip
    page = reverse("privacy_public:preferences", args=[preferences_token(str(anna.public_id))])
    owner = Client()
    owner.force_login(cast.sales_north)
    panel = owner.get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()
    assert 'data-testid="preferences-link"' in panel  # where the company finds the person's link
    browser = Client()
    shown = browser.get(page)
    assert shown.status_code == 200 and b"Newsletter" in shown.content and b"checked" in shown.content
    saved = browser.post(page, {})  # every box left empty
    assert saved.status_code == 200 and b"Saved" in saved.content
    consent = Consent.objects.get(contact=anna)
    assert (consent.status, consent.source, consent.form) == ("withdrawn", "form", "preferences")
    assert "preferences page" in consent.evidence


def test_a_consent_for_an_inactive_purpose_or_with_an_end_before_its_start_is_refused(cast, newsletter, anna):
    with pytest.raises(ValidationFailed) as failed:
        actions.consent_record(
            actor=cast.sales_north, contact=anna, purpose=newsletter,
            values={"status": "granted", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
        )  # fmt: skip
    assert failed.value.errors[0].field == "valid_until"
    newsletter = actions.purpose_update(actor=cast.admin, purpose=newsletter, values={"active": False})
    with pytest.raises(ValidationFailed):
        actions.consent_record(actor=cast.sales_north, contact=anna, purpose=newsletter, values={"status": "granted"})


def test_only_the_privacy_permission_keeps_purposes(cast):
    api = ApiClient(cast.manager_north)
    refused = api.post("/purposes", {"code": "x", "name": "X", "legal_basis": "consent"})
    assert refused.status_code == 403
    made = ApiClient(cast.admin).post("/purposes", {"code": "x", "name": "X", "legal_basis": "consent"})
    assert made.status_code == 201 and made.json()["needs_consent"] is True
    assert [p["code"] for p in api.get("/purposes").json()] == ["x"]  # everyone reads them


def test_consents_are_imported_from_a_file_all_or_nothing(cast, newsletter, anna, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "consents.csv"
    path.write_text(
        "contact,purpose,status,captured_at,evidence\n"
        f"{anna.public_id},newsletter,granted,2026-03-01T10:00:00+01:00,Fair sheet row 4\n"
        f"{anna.public_id},newsletter,granted,2026-03-01T10:00:00+01:00,\n"
    )
    with pytest.raises(CommandError, match=r"rows\[2\]\.evidence"):
        call_command("import_consents", str(path), "--as", "sales_north")
    assert not Consent.objects.exists()
    path.write_text(
        "contact,purpose,status,captured_at,evidence\n"
        f"{anna.public_id},newsletter,granted,2026-03-01T10:00:00+01:00,Fair sheet row 4\n"
    )
    call_command("import_consents", str(path), "--as", "sales_north")
    consent = Consent.objects.get(contact=anna)
    assert (consent.source, consent.evidence, consent.policy_version.name) == ("import", "Fair sheet row 4", "2026-1")
