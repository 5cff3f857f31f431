"""Custom field definitions through the API: administrators write, everyone reads."""

from __future__ import annotations

import pytest

from clientela.parties.models import CustomField
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


SEGMENT = {"entity": "contact", "key": "segment", "label": "Segment", "type": "choice", "choices": ["gold", "silver"]}


def test_admin_defines_a_field_that_contacts_then_carry_and_validate(cast):
    admin = ApiClient(cast.admin)
    created = admin.post("/custom-fields", SEGMENT)
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"'
    sales = ApiClient(cast.sales_north)
    assert [f["key"] for f in sales.get("/custom-fields", {"entity": "contact"}).json()["items"]] == ["segment"]
    assert sales.get("/custom-fields", {"entity": "organization"}).json()["items"] == []
    ok = sales.post("/contacts", {"last_name": "A", "custom": {"segment": "gold"}})
    assert ok.status_code == 201 and ok.json()["custom"] == {"segment": "gold"}
    bad = sales.post("/contacts", {"last_name": "B", "custom": {"segment": "bronze", "nope": 1}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"custom.segment", "custom.nope"}


def test_non_admins_read_definitions_but_cannot_change_them(cast):
    definition = ApiClient(cast.admin).post("/custom-fields", SEGMENT).json()
    for user in (cast.sales_north, cast.manager_north, cast.analyst, cast.readonly_north):
        api = ApiClient(user)
        assert api.get(f"/custom-fields/{definition['id']}").status_code == 200
        assert api.post("/custom-fields", {**SEGMENT, "key": "other"}).status_code == 403
        path = f"/custom-fields/{definition['id']}"
        assert api.patch(path, {"label": "X"}, headers={"If-Match": '"1"'}).status_code == 403
        assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 403
    assert CustomField.objects.get().label == "Segment"


def test_admin_changes_and_removes_a_definition_with_if_match(cast):
    admin = ApiClient(cast.admin)
    definition = admin.post("/custom-fields", SEGMENT).json()
    path = f"/custom-fields/{definition['id']}"
    assert admin.patch(path, {"label": "Tier"}).status_code == 428
    changed = admin.patch(path, {"label": "Tier", "choices": ["gold", "silver", "bronze"]}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert admin.patch(path, {"label": "Again"}, headers={"If-Match": '"1"'}).status_code == 412
    assert admin.delete(path, headers={"If-Match": '"1"'}).status_code == 412
    assert admin.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    assert admin.get(path).status_code == 404


def test_a_duplicate_key_is_a_409_conflict(cast):
    admin = ApiClient(cast.admin)
    assert admin.post("/custom-fields", SEGMENT).status_code == 201
    again = admin.post("/custom-fields", SEGMENT)
    assert again.status_code == 409
    assert again.json()["errors"][0] == {
        "field": "key",
        "code": "duplicate",
        "message": "a custom field with this key exists for this entity",
    }


def test_choices_are_required_for_choice_fields_and_refused_for_others(cast):
    admin = ApiClient(cast.admin)
    assert admin.post("/custom-fields", {**SEGMENT, "choices": []}).status_code == 422
    plain = {"entity": "contact", "key": "note", "label": "Note", "type": "text", "choices": ["x"]}
    assert admin.post("/custom-fields", plain).status_code == 422
    assert admin.post("/custom-fields", {**plain, "choices": []}).status_code == 201


def test_a_required_field_must_be_given_when_creating(cast):
    ApiClient(cast.admin).post("/custom-fields", {**SEGMENT, "required": True})
    response = ApiClient(cast.sales_north).post("/contacts", {"last_name": "A"})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "custom.segment", "code": "required", "message": "is required"}
    factories.contact(cast.sales_north, custom={"segment": "gold"})
