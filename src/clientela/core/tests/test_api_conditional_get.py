"""Conditional reads: `If-None-Match` naming a record's current ETag gets 304 Not Modified
with no body; anything else gets the record as usual, and visibility still comes first."""

from __future__ import annotations

import pytest

from clientela.core.apikit.etag import matches_if_none_match
from clientela.core.models import Event
from clientela.testing import factories
from clientela.testing.api import ApiClient

SEGMENT = {"entity": "contact", "key": "segment", "label": "Segment", "type": "choice", "choices": ["gold", "silver"]}


# --- the header, parsed and compared (RFC 9110 §13.1.2) -------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        '"3"',
        'W/"3"',
        '"1", "3"',
        '"1",W/"3"',
        ' \t"1" , W/"3"\t',
        '"1",, "3",',
        ', ,"3"',
        '"a,b", "3"',
        "*",
        "  *  ",
    ],
)
def test_a_header_that_names_the_current_etag_matches(header):
    assert matches_if_none_match(header, '"3"')


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        " , ",
        '"4"',
        'W/"4"',
        '"1", "2", "33"',
        '"03"',
        "3",
        "W/3",
        'w/"3"',
        '"3',
        '"3" "4"',
        '"3"junk',
        '"3"; "4"',
        '*, "3"',
        '"*"',
        '"3", *',
        '"3\x7f"',
    ],
)
def test_a_header_that_does_not_name_it_or_is_malformed_matches_nothing(header):
    assert not matches_if_none_match(header, '"3"')


def test_a_weak_current_etag_matches_its_strong_form_too():
    assert matches_if_none_match('"3"', 'W/"3"')


def test_a_very_long_header_is_still_read_to_its_end():
    many = ", ".join(f'"{n}"' for n in range(5000))
    assert matches_if_none_match(many, '"4999"')
    assert not matches_if_none_match(" " * 20000 + "x", '"3"')
    assert not matches_if_none_match(many + ", junk", '"4999"')


# --- the endpoints ---------------------------------------------------------------------------------


@pytest.fixture
def north_contact(cast):
    return factories.contact(cast.sales_north, first_name="Nils", last_name="Northern")


@pytest.fixture
def north_organization(cast):
    return factories.organization(cast.sales_north, name="North Kft")


def _assert_not_modified(response, etag: str) -> None:
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""
    assert not response.has_header("Content-Type")


def _etag(api: ApiClient, path: str) -> str:
    response = api.get(path)
    assert response.status_code == 200
    return response["ETag"]


@pytest.mark.django_db
def test_a_read_etag_is_the_version_and_a_digest_of_what_was_shown(cast, north_contact):
    etag = _etag(ApiClient(cast.sales_north), f"/contacts/{north_contact.public_id}")
    version, digest = etag.strip('"').split(".")
    assert version == "1" and len(digest) == 16 and int(digest, 16) >= 0


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["{etag}", "W/{etag}", '"7", W/{etag}, "8"', "*"])
def test_reading_a_contact_with_its_current_etag_answers_304_without_a_body(cast, north_contact, form):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    etag = _etag(api, path)
    events_before = Event.objects.count()
    response = api.get(path, headers={"If-None-Match": form.format(etag=etag)})
    _assert_not_modified(response, etag)
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_reading_an_organization_with_its_current_etag_answers_304(cast, north_organization):
    api = ApiClient(cast.sales_north)
    path = f"/organizations/{north_organization.public_id}"
    etag = _etag(api, path)
    _assert_not_modified(api.get(path, headers={"If-None-Match": f"W/{etag}"}), etag)


@pytest.mark.django_db
def test_reading_a_custom_field_with_its_current_etag_answers_304(cast):
    definition = ApiClient(cast.admin).post("/custom-fields", SEGMENT).json()
    api = ApiClient(cast.sales_north)
    path = f"/custom-fields/{definition['id']}"
    etag = _etag(api, path)
    _assert_not_modified(api.get(path, headers={"If-None-Match": etag}), etag)


@pytest.mark.django_db
def test_the_version_alone_is_not_a_read_etag(cast, north_contact):
    response = ApiClient(cast.sales_north).get(f"/contacts/{north_contact.public_id}", headers={"If-None-Match": '"1"'})
    assert response.status_code == 200


@pytest.mark.django_db
def test_after_a_change_the_old_etag_gets_the_new_record_and_the_new_etag_gets_304(cast, north_contact):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    old = _etag(api, path)
    assert (
        api.patch(path, {"title": "CEO"}, headers={"If-Match": old}).status_code == 200
    )  # a read's ETag fits If-Match
    stale = api.get(path, headers={"If-None-Match": old})
    assert stale.status_code == 200
    assert stale["ETag"].startswith('"2.')
    assert stale.json()["title"] == "CEO"
    _assert_not_modified(api.get(path, headers={"If-None-Match": stale["ETag"]}), stale["ETag"])


@pytest.mark.django_db
def test_a_renamed_organization_changes_the_read_etag_of_its_contacts(cast, north_contact, north_organization):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    organizations = [{"organization": str(north_organization.public_id), "role": "CEO"}]
    assert api.patch(path, {"organizations": organizations}, headers={"If-Match": '"1"'}).status_code == 200
    before = _etag(api, path)
    assert api.patch(f"/organizations/{north_organization.public_id}", {"name": "North Steel Kft"},
                     headers={"If-Match": '"1"'}).status_code == 200  # fmt: skip
    again = api.get(path, headers={"If-None-Match": before})
    assert again.status_code == 200  # the contact's version did not change, what it shows did
    assert again.json()["organizations"][0]["name"] == "North Steel Kft"
    assert again["ETag"] != before and again["ETag"].startswith('"2.')


@pytest.mark.django_db
def test_a_changed_organization_or_custom_field_is_sent_again_for_its_old_etag(cast, north_organization):
    api = ApiClient(cast.sales_north)
    org_path = f"/organizations/{north_organization.public_id}"
    old = _etag(api, org_path)
    assert api.patch(org_path, {"industry": "Steel"}, headers={"If-Match": '"1"'}).status_code == 200
    org = api.get(org_path, headers={"If-None-Match": old})
    assert (org.status_code, org["ETag"][:3], org.json()["industry"]) == (200, '"2.', "Steel")

    admin = ApiClient(cast.admin)
    definition = admin.post("/custom-fields", SEGMENT).json()
    field_path = f"/custom-fields/{definition['id']}"
    old = _etag(admin, field_path)
    assert admin.patch(field_path, {"label": "Tier"}, headers={"If-Match": '"1"'}).status_code == 200
    field = admin.get(field_path, headers={"If-None-Match": old})
    assert (field.status_code, field["ETag"][:3], field.json()["label"]) == (200, '"2.', "Tier")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["1", '"1', "W/1", '"1" "2"', "not an etag", ""])
def test_a_malformed_header_is_ignored_and_the_record_is_sent(cast, north_contact, header):
    api = ApiClient(cast.sales_north)
    response = api.get(f"/contacts/{north_contact.public_id}", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert response["ETag"].startswith('"1.')
    assert response.json()["last_name"] == "Northern"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ['"1"', "*"])
def test_a_sales_rep_gets_404_not_304_for_another_teams_record_even_with_its_etag(
    cast, north_contact, north_organization, header
):
    api = ApiClient(cast.sales_south)
    for path in (f"/contacts/{north_contact.public_id}", f"/organizations/{north_organization.public_id}"):
        response = api.get(path, headers={"If-None-Match": header})
        assert response.status_code == 404
        assert not response.has_header("ETag")
        assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_a_trashed_record_is_404_for_a_conditional_read(cast, north_contact):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 200
    assert api.get(path, headers={"If-None-Match": "*"}).status_code == 404


@pytest.mark.django_db
def test_the_openapi_document_lists_304_and_the_if_none_match_header_on_single_record_reads(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, param in (
        ("/api/v1/contacts/{contact_id}", "contact_id"),
        ("/api/v1/organizations/{organization_id}", "organization_id"),
        ("/api/v1/custom-fields/{field_id}", "field_id"),
    ):
        operation = document["paths"][path]["get"]
        assert "304" in operation["responses"]
        assert "content" not in operation["responses"]["304"]
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["If-None-Match"]["required"] is False, param
