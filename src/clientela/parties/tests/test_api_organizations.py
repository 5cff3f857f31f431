"""The organizations API: the same contract as contacts, checked on what differs."""

from __future__ import annotations

import pytest

from clientela.parties.models import Organization
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    return {item["id"] for item in response.json()["items"]}


def test_creating_an_organization_with_a_parent_and_reading_its_contacts(cast):
    api = ApiClient(cast.sales_north)
    parent = api.post("/organizations", {"name": "Holding Zrt", "tax_id": "HU-1234 5678"}).json()
    created = api.post(
        "/organizations",
        {
            "name": "Acme Kft",
            "parent": parent["id"],
            "website": "https://acme.example.com",
            "size": "10-49",
            "emails": [{"value": "info@acme.test"}],
            "tags": ["supplier"],
        },
        headers={"Idempotency-Key": "acme"},
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["parent"], data["size"], data["tags"]) == (parent["id"], "10-49", ["supplier"])
    org = Organization.objects.get(public_id=data["id"])
    factories.contact(cast.sales_north, first_name="Ada", last_name="Worker", organizations=[{"organization": org}])
    read = api.get(f"/organizations/{data['id']}")
    assert read["ETag"].startswith('"1.')
    assert [c["name"] for c in read.json()["contacts"]] == ["Ada Worker"]


def test_search_finds_an_organization_by_tax_id_and_email(cast):
    match = factories.organization(cast.sales_north, name="Tax Payer Bt", tax_id="HU 9876-5432", emails=["hq@tax.test"])
    factories.organization(cast.sales_north, name="Someone Else")
    api = ApiClient(cast.sales_north)
    for q in ("hu 9876-5432", "hq@tax", "payer"):
        assert ids(api.get("/organizations", {"q": q})) == {str(match.public_id)}, q


def test_sales_rep_of_one_team_cannot_reach_another_teams_organization(cast):
    south = factories.organization(cast.sales_south, name="Southern Ltd")
    api = ApiClient(cast.sales_north)
    path = f"/organizations/{south.public_id}"
    assert ids(api.get("/organizations")) == set()
    assert ids(api.get("/organizations", {"q": "southern"})) == set()
    assert api.get(path).status_code == 404
    assert api.patch(path, {"name": "Mine"}, headers={"If-Match": '"1"'}).status_code == 404
    assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 404
    assert api.post(f"{path}/restore").status_code == 404
    assert api.post("/organizations", {"name": "Child", "parent": str(south.public_id)}).status_code == 422
    south.refresh_from_db()
    assert (south.name, south.version) == ("Southern Ltd", 1)


def test_patch_delete_and_restore_follow_the_version(cast):
    org = factories.organization(cast.sales_north, name="Old Name")
    api = ApiClient(cast.sales_north)
    path = f"/organizations/{org.public_id}"
    assert api.patch(path, {"name": "New Name"}).status_code == 428
    renamed = api.patch(path, {"name": "New Name"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed["ETag"] == '"2"'
    stale = api.delete(path, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["conflict"]["their_changes"] == {"name": ["Old Name", "New Name"]}
    assert api.delete(path, headers={"If-Match": '"2"'}).status_code == 200
    assert api.get(path).status_code == 404
    assert api.post(f"{path}/restore").json()["name"] == "New Name"


def test_an_organization_cannot_become_its_own_parent(cast):
    org = factories.organization(cast.sales_north)
    response = ApiClient(cast.sales_north).patch(
        f"/organizations/{org.public_id}", {"parent": str(org.public_id)}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parent"


def test_read_only_and_analyst_cannot_write_organizations(cast):
    org = factories.organization(cast.sales_north)
    for user in (cast.readonly_north, cast.analyst):
        api = ApiClient(user)
        assert api.get(f"/organizations/{org.public_id}").status_code == 200
        assert api.post("/organizations", {"name": "X"}).status_code == 403
        assert (
            api.patch(f"/organizations/{org.public_id}", {"name": "X"}, headers={"If-Match": '"1"'}).status_code == 403
        )


def test_organizations_page_by_cursor_without_gaps(cast):
    for n in range(12):
        factories.organization(cast.sales_north, name=f"Org {n % 3}")
    api = ApiClient(cast.sales_north)
    seen, cursor = [], None
    while True:
        response = api.get("/organizations", {"limit": 5, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in response["items"]]
        cursor = response["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 12


def test_organization_list_and_detail_queries_do_not_grow_with_data(cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parent = factories.organization(cast.sales_north, name="Parent")
    for _ in range(5):
        org = factories.organization(cast.sales_north, parent=parent, tags=["x"], emails=["a@b.test"])
        factories.contact(cast.sales_north, organizations=[{"organization": org}])
    api = ApiClient(cast.sales_north)
    api.get("/organizations")
    with CaptureQueriesContext(connection) as small_list:
        api.get("/organizations", {"limit": 100})
    with CaptureQueriesContext(connection) as small_detail:
        api.get(f"/organizations/{parent.public_id}")
    for _ in range(45):
        org = factories.organization(cast.sales_north, parent=parent, tags=["y"], emails=["c@d.test"])
        factories.contact(cast.sales_north, organizations=[{"organization": org}, {"organization": parent}])
    with django_assert_max_num_queries(len(small_list)):
        assert len(api.get("/organizations", {"limit": 100}).json()["items"]) == 51
    with django_assert_max_num_queries(len(small_detail)):
        assert len(api.get(f"/organizations/{parent.public_id}").json()["contacts"]) == 45
