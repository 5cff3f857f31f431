"""The access export: a ZIP with every row linked to the person (checked by walking the foreign
keys of every model independently of the export), as JSON and CSV, their change log and files;
through the API, only for the privacy permission."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.db import models

from clientela.parties.models import Contact
from clientela.privacy.tests.people import ATTACHMENT, EMAIL, make_person
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def rows_pointing_at(contact: Contact) -> dict[str, set]:
    """Every row of every model with a foreign key or a many-to-many link to the contact, by model."""
    found: dict[str, set] = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Contact:
                pks = set(model._base_manager.filter(**{field.name: contact}).values_list("pk", flat=True))
                if pks:
                    found.setdefault(model._meta.label_lower, set()).update(pks)
        for field in model._meta.local_many_to_many:
            if field.related_model is Contact:
                pks = set(model._base_manager.filter(**{field.name: contact}).values_list("pk", flat=True))
                if pks:
                    found.setdefault(model._meta.label_lower, set()).update(pks)
    return found


def _fulfilled_access(cast, contact) -> tuple[ApiClient, dict]:
    api = ApiClient(cast.admin)
    made = api.post("/privacy-requests", {"contact": str(contact.public_id), "type": "access", "channel": "letter"})
    assert made.status_code == 201, made.content
    request = made.json()
    assert request["status"] == "open" and request["due_on"] and request["export"] is None
    done = api.post(f"/privacy-requests/{request['id']}/fulfil", {"verification": "Signed letter, ID card seen"})
    assert done.status_code == 200, done.content
    return api, done.json()


def test_the_access_export_holds_every_row_linked_to_the_person(cast, data_dir):
    person = make_person(cast)
    api, request = _fulfilled_access(cast, person.contact)
    assert request["status"] == "done" and request["export"].endswith(f"/privacy-requests/{request['id']}/export")
    download = api.get(f"/privacy-requests/{request['id']}/export")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = set(archive.namelist())
    expected = rows_pointing_at(person.contact)
    assert {"sales.invoice", "activities.activity", "channels.email", "privacy.privacyrequest"} <= set(expected)
    for label, pks in expected.items():
        exported = json.loads(archive.read(f"{label}.json"))
        assert pks <= {row["id"] for row in exported}, label
        assert f"{label}.csv" in names
    contact = json.loads(archive.read("contact.json"))
    assert contact["last_name"] == "Quarkwhistle"
    points = json.loads(archive.read("parties.contactpoint.json"))
    assert EMAIL in {p["value"] for p in points}
    events = json.loads(archive.read("events.json"))
    assert {"contact.create", "contact.update", "deal.create"} <= {e["action"] for e in events}
    assert [n for n in names if n.startswith("files/")] and ATTACHMENT in {
        archive.read(n) for n in names if n.startswith("files/")
    }
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["contact"] == str(person.contact.public_id) and manifest["contents"]["core.event"] == len(events)
    rows = list(csv.DictReader(io.StringIO(archive.read("activities.activity.csv").decode("utf-8-sig"))))
    assert len(rows) == len(json.loads(archive.read("activities.activity.json")))


def test_only_the_privacy_permission_fulfils_and_downloads(cast, data_dir):
    person = make_person(cast)
    sales = ApiClient(cast.sales_north)
    made = sales.post("/privacy-requests", {"contact": str(person.contact.public_id), "type": "access"})
    assert made.status_code == 201
    request_id = made.json()["id"]
    refused = sales.post(f"/privacy-requests/{request_id}/fulfil", {"verification": "ID seen"})
    assert refused.status_code == 403
    ApiClient(cast.admin).post(f"/privacy-requests/{request_id}/fulfil", {"verification": "ID seen"})
    assert sales.get(f"/privacy-requests/{request_id}/export").status_code == 403
    assert ApiClient(cast.admin).post(f"/privacy-requests/{request_id}/fulfil", {}).status_code == 409


def test_another_team_cannot_log_or_see_a_request_for_a_contact_it_cannot_see(cast, data_dir):
    person = make_person(cast)
    south = ApiClient(cast.sales_south)
    refused = south.post("/privacy-requests", {"contact": str(person.contact.public_id), "type": "erasure"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "contact"
    made = ApiClient(cast.sales_north).post("/privacy-requests", {"contact": str(person.contact.public_id),
                                                                   "type": "erasure"})  # fmt: skip
    assert south.get(f"/privacy-requests/{made.json()['id']}").status_code == 404
    assert south.get("/privacy-requests").json()["items"] == []
    assert len(ApiClient(cast.admin).get("/privacy-requests", {"status": "pending"}).json()["items"]) == 1


def test_a_request_is_due_one_month_after_it_was_received(cast, data_dir):
    contact = make_person(cast).contact
    api = ApiClient(cast.sales_north)
    made = api.post("/privacy-requests", {"contact": str(contact.public_id), "type": "access",
                                          "received_at": "2026-01-31T10:00:00Z"}).json()  # fmt: skip
    assert made["due_on"] == "2026-02-28" and made["overdue"] is True


def test_an_objection_request_puts_the_objection_in_force_when_fulfilled(cast, data_dir):
    contact = make_person(cast).contact
    admin = ApiClient(cast.admin)
    made = admin.post("/privacy-requests", {"contact": str(contact.public_id), "type": "objection",
                                            "payload": {"kind": "channel", "channel": "sms"}}).json()  # fmt: skip
    done = admin.post(f"/privacy-requests/{made['id']}/fulfil", {}).json()
    assert done["status"] == "done"
    [objection] = admin.get("/restrictions", {"contact": str(contact.public_id)}).json()["items"]
    assert (objection["kind"], objection["channel"], objection["lifted_at"]) == ("channel", "sms", None)


def test_a_rectification_request_corrects_the_contact_through_its_action(cast, data_dir):
    contact = make_person(cast).contact
    admin = ApiClient(cast.admin)
    bad = admin.post("/privacy-requests", {"contact": str(contact.public_id), "type": "rectification",
                                           "payload": {"values": {"shoe_size": 42}}})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "payload.values"
    made = admin.post("/privacy-requests", {"contact": str(contact.public_id), "type": "rectification",
                                            "payload": {"values": {"title": "Chef"}}}).json()  # fmt: skip
    admin.post(f"/privacy-requests/{made['id']}/fulfil", {})
    assert Contact.objects.get(pk=contact.pk).title == "Chef"
