"""The privacy pages through a signed-in client: the contact's privacy panel and its forms,
restricted fields hidden from roles without the privacy permission (and reads of sensitive
fields audited), the request queue with its deadline, carrying a request out, purposes and
retention with a preview and a log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.privacy import actions
from clientela.privacy.models import PrivacyRequest, Restriction, RetentionRun, SensitiveRead
from clientela.sales import actions as sales_actions
from clientela.sales.models import Lead
from clientela.testing import factories

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anna(cast):
    return factories.contact(
        cast.sales_north, first_name="Anna", last_name="Kovács", birth_date="1980-05-06", gender="female",
        emails=["anna@kovacs.example"],
    )  # fmt: skip


def _page(client: Client, contact) -> str:
    response = client.get(reverse("parties:contact_detail", args=[contact.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_contact_page_shows_consents_objections_and_requests(cast, anna):
    purpose = actions.purpose_create(actor=cast.admin, values={"code": "news", "name": "Newsletter",
                                                               "legal_basis": "consent"})  # fmt: skip
    page = _page(signed_in(cast.sales_north), anna)
    assert 'data-testid="privacy-panel"' in page and "No consent recorded." in page
    client = signed_in(cast.sales_north)
    saved = client.post(reverse("privacy:consent_new", args=[anna.public_id]),
                        {"purpose": str(purpose.public_id), "status": "granted",
                         "evidence": "phone call 3 Dec"})  # fmt: skip
    assert saved.status_code == 302
    client.post(reverse("privacy:restriction_new", args=[anna.public_id]), {"kind": "channel", "channel": "sms"})
    logged = client.post(
        reverse("privacy:request_new", args=[anna.public_id]), {"type": "access", "details": "by letter"}
    )
    assert logged.status_code == 302
    page = _page(client, anna)
    assert "Newsletter" in page and "Granted" in page and "A channel" in page and "Access and portability" in page


def test_a_bad_objection_from_the_page_names_the_field_and_writes_nothing(cast, anna):
    client = signed_in(cast.sales_north)
    response = client.post(reverse("privacy:restriction_new", args=[anna.public_id]), {"kind": "channel"}, follow=True)
    assert "channel: name the channel the person objects to" in response.content.decode()
    assert not Restriction.objects.exists()


def test_restricted_fields_are_hidden_from_other_roles_and_sensitive_reads_are_audited(cast, anna):
    actions.restriction_create(
        actor=cast.sales_north, contact=anna, values={"kind": "fields", "fields": ["birth_date"]}
    )
    sales_page = _page(signed_in(cast.sales_north), anna)
    assert "1980" not in sales_page and "restricted the processing of 1 field" in sales_page
    admin_page = _page(signed_in(cast.admin), anna)
    assert "1980" in admin_page
    from clientela.testing.api import ApiClient

    body = ApiClient(cast.sales_north).get(f"/contacts/{anna.public_id}").json()
    assert body["birth_date"] is None and body["gender"] == "female"
    reads = list(SensitiveRead.objects.order_by("id"))
    assert [(r.user_id, r.via) for r in reads] == [
        (cast.sales_north.pk, "page"), (cast.admin.pk, "page"), (cast.sales_north.pk, "api")
    ]  # fmt: skip
    assert reads[0].fields == ["gender"] and reads[1].fields == ["birth_date", "gender"]
    audit = signed_in(cast.admin).get(reverse("privacy:audit"))
    assert audit.status_code == 200 and "birth_date, gender" in audit.content.decode()
    assert signed_in(cast.sales_north).get(reverse("privacy:audit")).status_code == 403


def test_the_queue_shows_overdue_requests_and_the_admin_erases_from_the_request_page(cast, anna):
    request = actions.privacy_request_create(
        actor=cast.sales_north, contact=anna,
        values={"type": "erasure", "received_at": timezone.now() - dt.timedelta(days=40)},
    )  # fmt: skip
    admin = signed_in(cast.admin)
    queue = admin.get(reverse("privacy:request_list")).content.decode()
    assert "past its one-month deadline" in queue and "Anna" in queue
    page = reverse("privacy:request_detail", args=[request.public_id])
    refused = admin.post(page, {"operation": "fulfil"}, follow=True).content.decode()
    assert "verify the person" in refused
    done = admin.post(page, {"operation": "fulfil", "verification": "Called back on the number on file"}, follow=True)
    assert "Erased:" in done.content.decode()
    assert PrivacyRequest.objects.get(pk=request.pk).status == "done"
    assert "Anna" not in admin.get(reverse("privacy:request_list") + "?status=").content.decode()
    assert signed_in(cast.sales_north).post(page, {"operation": "fulfil", "verification": "x"}).status_code == 302


def test_purposes_and_policy_versions_are_kept_on_their_page(cast):
    admin = signed_in(cast.admin)
    saved = admin.post(reverse("privacy:purposes"), {"code": "profiling", "name": "Scoring", "kind": "profiling",
                                                     "legal_basis": "legitimate_interests"})  # fmt: skip
    assert saved.status_code == 302
    wrong = admin.post(reverse("privacy:purposes"), {"code": "x", "name": "X", "legal_basis": "contract",
                                                     "double_opt_in": "1"})  # fmt: skip
    assert wrong.status_code == 422 and "double_opt_in" in wrong.content.decode()
    admin.post(reverse("privacy:purposes"), {"form": "policy", "name": "2026-2", "effective_from": "2026-06-01"})
    page = admin.get(reverse("privacy:purposes")).content.decode()
    assert "Scoring" in page and "2026-2" in page
    assert signed_in(cast.manager_north).get(reverse("privacy:purposes")).status_code == 403


def test_a_retention_rule_previews_what_it_reaches_and_logs_what_it_did(cast):
    old = sales_actions.lead_create(actor=cast.sales_north, values={"last_name": "Old", "company": "Dust Kft."})
    Lead.all_objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=800))
    fresh = sales_actions.lead_create(actor=cast.sales_north, values={"last_name": "Fresh"})
    admin = signed_in(cast.admin)
    admin.post(reverse("privacy:retention"), {"name": "Stale leads", "record_type": "sales.lead", "months": "24",
                                              "action": "trash"})  # fmt: skip
    from clientela.privacy.models import RetentionRule

    made = RetentionRule.objects.get(name="Stale leads")
    preview = admin.get(reverse("privacy:retention") + f"?rule={made.public_id}").content.decode()
    assert 'data-testid="retention-found">1<' in preview and "Old" in preview
    run = actions.retention_apply(actor=cast.admin, rule=made)
    assert (run.found, run.done, run.records) == (1, 1, [str(old.public_id)])
    assert Lead.all_objects.get(pk=old.pk).deleted_at is not None and Lead.objects.filter(pk=fresh.pk).exists()
    assert RetentionRun.objects.filter(rule=made).count() == 1
    from clientela.core.models import Event

    assert Event.objects.filter(record_id=old.public_id, action="lead.trash").count() == 1  # the lead's own action
    wrong = admin.post(reverse("privacy:retention"), {"name": "X", "record_type": "sales.lead", "months": "0",
                                                      "action": "erase"})  # fmt: skip
    assert wrong.status_code == 422


def test_the_compose_page_refuses_a_purpose_the_contact_has_not_consented_to(cast, anna, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    newsletter = actions.purpose_create(
        actor=cast.admin, values={"code": "news", "name": "Newsletter", "legal_basis": "consent", "channel": "email"}
    )
    client = signed_in(cast.sales_north)
    page = client.get(reverse("channels:email_new"), {"contact": anna.public_id}).content.decode()
    assert 'id="f-purpose"' in page and "Newsletter" in page
    form = {"contact": anna.public_id, "subject": "News", "body_text": "Hello", "purpose": str(newsletter.public_id)}
    refused = client.post(reverse("channels:email_new"), form)
    assert refused.status_code == 422 and "has not consented to Newsletter" in refused.content.decode()
    actions.consent_record(actor=cast.sales_north, contact=anna, purpose=newsletter, values={"status": "granted"})
    assert client.post(reverse("channels:email_new"), form).status_code == 302


def test_an_export_leaves_restricted_fields_empty_for_other_roles_and_audits_the_sensitive_ones(cast, anna):
    from clientela.parties import exporting
    from clientela.parties.models import Contact

    actions.restriction_create(
        actor=cast.sales_north, contact=anna, values={"kind": "fields", "fields": ["birth_date"]}
    )
    header, *rows = list(exporting.rows(cast.sales_north, "contact", Contact.objects.all()))
    [row] = [r for r in rows if str(anna.public_id) in r]
    assert row[header.index("Birth date")] == "" and row[header.index("Last name")] == "Kovács"
    header, *rows = list(exporting.rows(cast.admin, "contact", Contact.objects.all()))
    [row] = [r for r in rows if str(anna.public_id) in r]
    assert str(row[header.index("Birth date")]).startswith("1980-05-06")
    assert SensitiveRead.objects.filter(via="export").count() == 2


def test_the_edit_form_hides_a_restricted_field_and_saving_it_keeps_the_value(cast, anna):
    restricted = {"kind": "fields", "fields": ["birth_date"]}
    actions.restriction_create(actor=cast.sales_north, contact=anna, values=restricted)
    client = signed_in(cast.sales_north)
    edit = reverse("parties:contact_edit", args=[anna.public_id])
    page = client.get(edit).content.decode()
    assert "1980-05-06" not in page
    from clientela.parties.models import Contact
    from clientela.parties.tests.test_views_forms import form_data

    form = form_data(page)
    form.update({"title": ["Chef"]})
    saved = client.post(edit, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    anna = Contact.objects.get(pk=anna.pk)
    assert (anna.title, str(anna.birth_date)) == ("Chef", "1980-05-06")


def test_lists_leave_out_a_restricted_title_and_phone_for_other_roles(cast):
    from clientela.testing.api import ApiClient

    bela = factories.contact(cast.sales_north, first_name="Béla", last_name="Listed", title="Chief Taster",
                             phones=["+36 20 555 0100"])  # fmt: skip
    actions.restriction_create(
        actor=cast.sales_north, contact=bela, values={"kind": "fields", "fields": ["title", "phones"]}
    )
    page = signed_in(cast.sales_north).get(reverse("parties:contact_list"), {"q": "Listed"}).content.decode()
    assert "Listed" in page and "Chief Taster" not in page and "555 0100" not in page
    assert (
        "Chief Taster" in signed_in(cast.admin).get(reverse("parties:contact_list"), {"q": "Listed"}).content.decode()
    )
    [item] = ApiClient(cast.sales_north).get("/contacts", {"q": "Listed"}).json()["items"]
    assert (item["title"], item["phone"]) == ("", "")
    [item] = ApiClient(cast.admin).get("/contacts", {"q": "Listed"}).json()["items"]
    assert item["title"] == "Chief Taster" and item["phone"]
