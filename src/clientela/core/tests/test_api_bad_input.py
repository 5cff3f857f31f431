"""Bad input through the API is a clear 4xx naming what is wrong, never a 500."""

from __future__ import annotations

import pytest

from clientela.parties.models import Contact
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    return ApiClient(cast.sales_north)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"{", "truncated"),
        (b'{"last_name": "A",}', "trailing comma"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"last_name": NaN}', "NaN"),
        (b'{"last_name": "\\ud800"}', "lone surrogate"),
        (b'{"last_name": ' + b"1" * 5000 + b"}", "huge number"),
    ],
)
def test_malformed_json_is_400_naming_the_body(api, raw, why):
    response = api.post("/contacts", raw=raw)
    assert response.status_code == 400, why
    assert response.json()["errors"] == [
        {"field": "body", "code": "malformed_json", "message": "the request body is not valid JSON"}
    ]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "A\x00B"}, "last_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": "Only"}, "last_name"),
        ({"last_name": "A", "notes": "n" * 20_001}, "notes"),
        ({"last_name": "A", "emails": [{"value": "not-an-email"}]}, "emails[0].value"),
        ({"last_name": "A", "emails": [{"value": "a@b.c", "label": "weird"}]}, "emails[0].label"),
        ({"last_name": "A", "phones": [{"value": "call me"}]}, "phones[0].value"),
        ({"last_name": "A", "birth_date": "1980-02-30"}, "birth_date"),
        ({"last_name": "A", "birth_date": "yesterday"}, "birth_date"),
        ({"last_name": "A", "children": -1}, "children"),
        ({"last_name": "A", "lifecycle_stage": "vip"}, "lifecycle_stage"),
        ({"last_name": "A", "owner": "not-a-uuid"}, "owner"),
        ({"last_name": "A", "owner": "00000000-0000-0000-0000-000000000000"}, "owner"),
        ({"last_name": "A", "addresses": [{"country": "Hungary"}]}, "addresses[0].country"),
        ({"last_name": "A", "tags": ["x" * 61]}, "tags[0]"),
        ({"last_name": "A", "emails": [{"value": f"a{n}@b.test"} for n in range(21)]}, "emails"),
        ({"last_name": "A", "custom": {"nope": 1}}, "custom.nope"),
        ({"last_name": "A", "unknown": 1}, "unknown"),
        (["not", "an", "object"], "body"),
    ],
)
def test_invalid_fields_are_422_naming_the_field_and_write_nothing(api, body, field):
    response = api.post("/contacts", body)
    assert response.status_code == 422, response.json()
    assert field in fields(response), response.json()
    assert all(set(e) == {"field", "code", "message"} for e in response.json()["errors"])
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "10000"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"q": "x" * 201},
        {"q": "a\x00b"},
        {"cursor": "!!!"},
        {"cursor": "eyJzIjoibGFzdF9uYW1lLGZpcnN0X25hbWUsaWQiLCJ2IjpbMSwyLDNdfQ"},
        {"sort": "password"},
        {"team": "not-a-uuid"},
        {"owner": "someone"},
        {"created_after": "last tuesday"},
        {"created_after": "0.5"},
        {"updated_before": "2024-01-01"},
        {"updated_before": "2024-01-01T10:00:00"},
        {"lifecycle_stage": "vip"},
        {"tag": "a\x00"},
        {"custom.x\x00": "1"},
        {"trash": "maybe"},
    ],
)
def test_bad_list_parameters_are_422_not_500(api, params):
    response = api.get("/contacts", params)
    assert response.status_code == 422, (params, response.content)
    assert response.json()["errors"]


@pytest.mark.parametrize("path", ["/contacts/not-a-uuid", "/contacts/123", "/organizations/%00"])
def test_bad_ids_in_the_path_are_4xx(api, path):
    assert 400 <= api.get(path).status_code < 500


def test_dates_with_any_valid_offset_are_accepted(api):
    for value in (
        "5606-04-22T11:54:21.1+18:28",
        "2024-02-29T23:59:59-23:59",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+05:00",
    ):
        assert api.get("/contacts", {"updated_before": value, "created_after": value}).status_code == 200, value


def test_an_unknown_but_well_formed_id_is_404(api):
    response = api.get("/contacts/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_patch_with_bad_values_is_422_and_keeps_the_record(cast, api):
    contact = factories.contact(cast.sales_north, last_name="Keep")
    response = api.patch(
        f"/contacts/{contact.public_id}", {"last_name": "", "emails": [{"value": "bad"}]}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    contact.refresh_from_db()
    assert (contact.last_name, contact.version) == ("Keep", 1)


def test_an_unsupported_method_is_405_with_allow(api):
    response = api.send("PUT", "/contacts", {})
    assert response.status_code == 405
    assert "GET" in response["Allow"] and "POST" in response["Allow"]
