"""The contacts API: CRUD, visibility per role, ETag/If-Match, idempotency, lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientela.core.models import Event
from clientela.parties.models import Contact
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def south_contact(cast):
    return factories.contact(cast.sales_south, first_name="Sofia", last_name="Southern", emails=["sofia@south.test"])


@pytest.fixture
def north_contact(cast):
    return factories.contact(cast.sales_north, first_name="Nils", last_name="Northern", emails=["nils@north.test"])


def ids(response) -> set[str]:
    return {item["id"] for item in response.json()["items"]}


# --- create / read / update / delete / restore ---------------------------------------------------


def test_sales_rep_creates_a_contact_with_collections_and_reads_it_back(cast):
    org = factories.organization(cast.sales_north, name="Acme Kft")
    api = ApiClient(cast.sales_north)
    body = {
        "first_name": "Anna",
        "last_name": "Kovács",
        "birth_date": "1980-02-29",
        "emails": [{"value": "anna@acme.test", "label": "work"}, {"value": "anna@home.test", "label": "home"}],
        "phones": [{"value": "+36 1 234 5678"}],
        "addresses": [{"city": "Budapest", "country": "hu"}],
        "tags": ["vip", "newsletter"],
        "organizations": [{"organization": str(org.public_id), "role": "CFO"}],
    }
    created = api.post("/contacts", body)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert created["ETag"] == '"1"'
    assert created["Location"] == f"/api/v1/contacts/{data['id']}"
    assert data["email"] == "anna@acme.test"
    assert [e["value"] for e in data["emails"]] == ["anna@acme.test", "anna@home.test"]
    assert data["addresses"][0]["country"] == "HU"
    assert data["tags"] == ["newsletter", "vip"]
    assert data["organizations"][0]["name"] == "Acme Kft"
    assert data["owner"]["username"] == "sales_north"
    read = api.get(f"/contacts/{data['id']}")
    assert read.status_code == 200
    assert read.json() == data
    event = Event.objects.get(record_id=data["id"], action="contact.create")
    assert event.source == "api"


def test_patch_changes_only_the_fields_sent_and_returns_a_new_etag(cast, north_contact):
    api = ApiClient(cast.sales_north)
    response = api.patch(
        f"/contacts/{north_contact.public_id}", {"title": "CEO", "tags": ["key"]}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    data = response.json()
    assert (data["title"], data["first_name"], data["tags"], data["version"]) == ("CEO", "Nils", ["key"], 2)
    event = Event.objects.filter(record_id=north_contact.public_id).order_by("-id").first()
    assert event.action == "contact.update" and event.source == "api"
    assert event.changes["title"] == ["", "CEO"]


def test_patch_accepts_the_weak_form_of_the_etag(cast, north_contact):
    api = ApiClient(cast.sales_north)
    response = api.patch(f"/contacts/{north_contact.public_id}", {"title": "CTO"}, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200


def test_patch_without_if_match_is_428_and_changes_nothing(cast, north_contact):
    api = ApiClient(cast.sales_north)
    response = api.patch(f"/contacts/{north_contact.public_id}", {"title": "CEO"})
    assert response.status_code == 428
    assert response.json()["errors"][0]["code"] == "precondition_required"
    assert Contact.objects.get(pk=north_contact.pk).title == ""


def test_stale_if_match_is_412_with_what_the_other_person_changed(cast, north_contact):
    first = ApiClient(cast.sales_north)
    second = ApiClient(cast.sales_north_2)
    assert (
        first.patch(f"/contacts/{north_contact.public_id}", {"title": "CEO"}, headers={"If-Match": '"1"'}).status_code
        == 200
    )
    stale = second.patch(f"/contacts/{north_contact.public_id}", {"title": "CFO"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale["ETag"] == '"2"'
    body = stale.json()
    assert body["errors"][0]["code"] == "version_conflict"
    assert body["conflict"]["their_changes"] == {"title": ["", "CEO"]}
    assert body["conflict"]["their_actors"] == ["Sales North"]
    assert body["conflict"]["current_version"] == 2
    assert Contact.objects.get(pk=north_contact.pk).title == "CEO"


def test_a_syntactically_broken_if_match_is_400_with_the_expected_form(cast, north_contact):
    api = ApiClient(cast.sales_north)
    for broken in ("1", '"1', "W/1", '"1" "2"'):
        response = api.patch(f"/contacts/{north_contact.public_id}", {"title": "X"}, headers={"If-Match": broken})
        assert response.status_code == 400, broken
        error = response.json()["errors"][0]
        assert error["field"] == "If-Match" and '"3"' in error["message"]
    assert Contact.objects.get(pk=north_contact.pk).version == 1


def test_a_well_formed_etag_that_is_not_current_is_412(cast, north_contact):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    for foreign in ('"stale-version"', 'W/"1.abc"', '"2"', '"0"'):
        response = api.patch(path, {"title": "X"}, headers={"If-Match": foreign})
        assert response.status_code == 412, foreign
        assert response.json()["conflict"]["current_version"] == 1
    assert Contact.objects.get(pk=north_contact.pk).version == 1


def test_if_match_lists_any_current_tag(cast, north_contact):
    api = ApiClient(cast.sales_north)
    response = api.patch(f"/contacts/{north_contact.public_id}", {"title": "X"}, headers={"If-Match": '"7", "1"'})
    assert response.status_code == 200


def test_if_match_star_overwrites_whatever_is_current_and_the_log_says_so(cast, north_contact):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    assert api.patch(path, {"title": "CEO"}, headers={"If-Match": '"1"'}).status_code == 200
    response = api.patch(path, {"title": "CTO"}, headers={"If-Match": "*"})
    assert response.status_code == 200
    assert response["ETag"] == '"3"'
    events = Event.objects.filter(record_id=north_contact.public_id, kind=Event.Kind.UPDATED).order_by("id")
    assert [e.data.get("overwrite", False) for e in events] == [False, True]


def test_a_record_you_may_not_see_is_404_before_if_match_is_judged(cast, north_contact):
    api = ApiClient(cast.sales_south)
    path = f"/contacts/{north_contact.public_id}"
    for header in ({}, {"If-Match": "broken"}, {"If-Match": '"9"'}, {"If-Match": "*"}):
        assert api.patch(path, {"title": "X"}, headers=header).status_code == 404, header
        assert api.delete(path, headers=header).status_code == 404, header


def test_delete_moves_to_trash_and_restore_brings_it_back(cast, north_contact):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{north_contact.public_id}"
    assert api.delete(path).status_code == 428
    assert api.delete(path, headers={"If-Match": '"7"'}).status_code == 412
    deleted = api.delete(path, headers={"If-Match": '"1"'})
    assert deleted.status_code == 200
    assert deleted.json()["deleted_at"] is not None
    assert api.get(path).status_code == 404
    assert str(north_contact.public_id) not in ids(api.get("/contacts"))
    assert str(north_contact.public_id) in ids(api.get("/contacts", {"trash": "true"}))
    restored = api.post(f"{path}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert api.get(path).status_code == 200


# --- visibility by role -------------------------------------------------------------------------------


def test_sales_rep_of_one_team_cannot_reach_another_teams_contact_through_any_endpoint(cast, south_contact):
    api = ApiClient(cast.sales_north)
    path = f"/contacts/{south_contact.public_id}"
    assert str(south_contact.public_id) not in ids(api.get("/contacts"))
    assert ids(api.get("/contacts", {"q": "sofia"})) == set()
    assert ids(api.get("/contacts", {"q": "south.test"})) == set()
    assert ids(api.get("/contacts", {"trash": "true"})) == set()
    assert api.get(path).status_code == 404
    assert api.patch(path, {"title": "Hacked"}, headers={"If-Match": '"1"'}).status_code == 404
    assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 404
    assert api.post(f"{path}/restore").status_code == 404
    south_contact.refresh_from_db()
    assert (south_contact.title, south_contact.deleted_at, south_contact.version) == ("", None, 1)


def test_sales_rep_cannot_restore_another_teams_trashed_contact(cast, south_contact):
    owner = ApiClient(cast.sales_south)
    assert owner.delete(f"/contacts/{south_contact.public_id}", headers={"If-Match": '"1"'}).status_code == 200
    other = ApiClient(cast.sales_north)
    assert other.post(f"/contacts/{south_contact.public_id}/restore").status_code == 404
    assert Contact.all_objects.get(pk=south_contact.pk).deleted_at is not None


def test_team_mates_and_their_manager_see_the_teams_contacts(cast, north_contact, south_contact):
    for user in (cast.sales_north_2, cast.manager_north, cast.readonly_north, cast.service_north):
        assert ids(ApiClient(user).get("/contacts")) == {str(north_contact.public_id)}, user.username


def test_read_only_user_reads_but_cannot_write(cast, north_contact):
    api = ApiClient(cast.readonly_north)
    path = f"/contacts/{north_contact.public_id}"
    assert api.get(path).status_code == 200
    assert api.post("/contacts", {"last_name": "Nope"}).status_code == 403
    assert api.patch(path, {"title": "X"}, headers={"If-Match": '"1"'}).status_code == 403
    assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 403
    assert Contact.objects.count() == 1


def test_analyst_reads_every_teams_contacts_and_writes_nothing(cast, north_contact, south_contact):
    api = ApiClient(cast.analyst)
    assert ids(api.get("/contacts")) == {str(north_contact.public_id), str(south_contact.public_id)}
    assert api.get(f"/contacts/{south_contact.public_id}").status_code == 200
    assert api.post("/contacts", {"last_name": "Nope"}).status_code == 403
    response = api.patch(f"/contacts/{south_contact.public_id}", {"title": "X"}, headers={"If-Match": '"1"'})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "forbidden"
    assert api.delete(f"/contacts/{south_contact.public_id}", headers={"If-Match": '"1"'}).status_code == 403


def test_service_user_may_edit_but_not_delete(cast, north_contact):
    api = ApiClient(cast.service_north)
    path = f"/contacts/{north_contact.public_id}"
    assert api.patch(path, {"title": "X"}, headers={"If-Match": '"1"'}).status_code == 200
    assert api.delete(path, headers={"If-Match": '"2"'}).status_code == 403


def test_sales_rep_cannot_hand_a_contact_to_another_team(cast, north_contact):
    api = ApiClient(cast.sales_north)
    response = api.patch(
        f"/contacts/{north_contact.public_id}", {"team": str(cast.south.public_id)}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "team"


def test_an_organization_of_another_team_is_not_shown_on_a_contact(cast):
    hidden = factories.organization(cast.sales_south, name="Southern Secret Ltd")
    contact = factories.contact(
        cast.admin, team=cast.north, owner=cast.sales_north, organizations=[{"organization": hidden}]
    )
    data = ApiClient(cast.sales_north).get(f"/contacts/{contact.public_id}").json()
    assert data["organizations"] == []
    assert ApiClient(cast.admin).get(f"/contacts/{contact.public_id}").json()["organizations"][0]["name"] == (
        "Southern Secret Ltd"
    )


def test_linking_an_organization_the_caller_cannot_see_is_refused(cast):
    hidden = factories.organization(cast.sales_south, name="Southern Secret Ltd")
    response = ApiClient(cast.sales_north).post(
        "/contacts", {"last_name": "X", "organizations": [{"organization": str(hidden.public_id)}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "organizations[0].organization"


# --- idempotency --------------------------------------------------------------------------------------


def test_a_replayed_create_returns_the_first_result_and_creates_once(cast):
    api = ApiClient(cast.sales_north)
    headers = {"Idempotency-Key": "create-anna-1"}
    first = api.post("/contacts", {"last_name": "Anna"}, headers=headers)
    again = api.post("/contacts", {"last_name": "Anna"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert Contact.objects.filter(last_name="Anna").count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(cast):
    api = ApiClient(cast.sales_north)
    headers = {"Idempotency-Key": "create-anna-2"}
    assert api.post("/contacts", {"last_name": "Anna"}, headers=headers).status_code == 201
    other = api.post("/contacts", {"last_name": "Bella"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["errors"][0] == {
        "field": "Idempotency-Key",
        "code": "idempotency_key_reused",
        "message": "this Idempotency-Key was used for a different request; use a new key",
    }
    assert not Contact.objects.filter(last_name="Bella").exists()


def test_idempotency_keys_belong_to_one_user(cast):
    headers = {"Idempotency-Key": "shared-key"}
    assert ApiClient(cast.sales_north).post("/contacts", {"last_name": "A"}, headers=headers).status_code == 201
    assert ApiClient(cast.sales_south).post("/contacts", {"last_name": "B"}, headers=headers).status_code == 201
    assert Contact.objects.count() == 2


def test_a_failed_create_is_not_remembered_so_the_key_can_be_retried(cast):
    api = ApiClient(cast.sales_north)
    headers = {"Idempotency-Key": "retry-me"}
    assert api.post("/contacts", {"last_name": "A", "emails": ["bad"]}, headers=headers).status_code == 422
    assert api.post("/contacts", {"last_name": "A"}, headers=headers).status_code == 201


# --- lists: filters, search, sort, pagination ----------------------------------------------------------


def test_search_finds_names_emails_and_phones_ignoring_accents(cast):
    match = factories.contact(
        cast.sales_north, first_name="Zoltán", last_name="Kovács", emails=["zk@firm.test"], phones=["+36 30 123 4567"]
    )
    factories.contact(cast.sales_north, first_name="Other", last_name="Person")
    api = ApiClient(cast.sales_north)
    for q in ("kovacs", "zoltan kov", "zk@firm", "+36 30 123 4567", "30 123"):
        assert ids(api.get("/contacts", {"q": q})) == {str(match.public_id)}, q


def test_filters_by_stage_owner_team_tags_and_dates(cast):
    mine = factories.contact(cast.sales_north, lifecycle_stage="customer", tags=["vip", "b2b"])
    other = factories.contact(cast.sales_north_2, lifecycle_stage="prospect", tags=["vip"])
    api = ApiClient(cast.manager_north)
    assert ids(api.get("/contacts", {"lifecycle_stage": "customer"})) == {str(mine.public_id)}
    assert ids(api.get("/contacts", {"owner": str(cast.sales_north_2.public_id)})) == {str(other.public_id)}
    assert ids(ApiClient(cast.sales_north).get("/contacts", {"owner": "me"})) == {str(mine.public_id)}
    assert ids(api.get("/contacts", {"team": str(cast.north.public_id)})) == {str(mine.public_id), str(other.public_id)}
    assert ids(api.get("/contacts", {"tag": ["vip", "b2b"]})) == {str(mine.public_id)}
    assert ids(api.get("/contacts", {"tag": "vip"})) == {str(mine.public_id), str(other.public_id)}
    assert ids(api.get("/contacts", {"created_after": "2000-01-01T00:00:00Z"})) == {
        str(mine.public_id),
        str(other.public_id),
    }
    assert ids(api.get("/contacts", {"updated_before": "2000-01-01T00:00:00+01:00"})) == set()


def test_custom_field_filters_match_by_the_fields_type(cast):
    from clientela.parties import actions

    actions.custom_field_create(
        actor=cast.admin,
        values={
            "entity": "contact",
            "key": "segment",
            "label": "Segment",
            "type": "choice",
            "choices": ["gold", "silver"],
        },
    )
    actions.custom_field_create(
        actor=cast.admin, values={"entity": "contact", "key": "score", "label": "Score", "type": "number"}
    )
    actions.custom_field_create(
        actor=cast.admin,
        values={
            "entity": "contact",
            "key": "langs",
            "label": "Languages",
            "type": "multi_choice",
            "choices": ["en", "hu", "pl"],
        },
    )
    gold = factories.contact(cast.sales_north, custom={"segment": "gold", "score": 5, "langs": ["en", "hu"]})
    silver = factories.contact(cast.sales_north, custom={"segment": "silver", "score": 7, "langs": ["pl"]})
    api = ApiClient(cast.sales_north)
    assert ids(api.get("/contacts", {"custom.segment": "gold"})) == {str(gold.public_id)}
    assert ids(api.get("/contacts", {"custom.score": "7"})) == {str(silver.public_id)}
    assert ids(api.get("/contacts", {"custom.langs": "hu"})) == {str(gold.public_id)}
    assert ids(api.get("/contacts", {"custom.segment": "gold", "custom.score": "7"})) == set()
    bad = api.get("/contacts", {"custom.segment": "bronze"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "custom.segment"
    unknown = api.get("/contacts", {"custom.nope": "1"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "unknown_field"


@pytest.mark.parametrize(
    "sort", [[], ["-last_name"], ["first_name", "-created_at"], ["lifecycle_stage"], ["-updated_at"]]
)
def test_cursor_pages_cover_every_contact_once_in_sort_order(cast, sort):
    stages = ["target", "prospect", "customer", "lost"]
    for n in range(23):
        factories.contact(
            cast.sales_north, first_name=f"F{n % 4}", last_name=f"L{n % 5}", lifecycle_stage=stages[n % 4]
        )
    api = ApiClient(cast.sales_north)
    seen: list[dict] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, "sort": sort}
        if cursor:
            params["cursor"] = cursor
        response = api.get("/contacts", params)
        assert response.status_code == 200, response.json()
        seen += response.json()["items"]
        cursor = response.json()["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert pages == 5
    assert len(seen) == len({item["id"] for item in seen}) == 23
    full = api.get("/contacts", {"limit": 100, "sort": sort}).json()["items"]
    assert [i["id"] for i in seen] == [i["id"] for i in full]
    keys = sort or ["last_name", "first_name"]
    for field in reversed(keys):
        name = field.lstrip("-")
        assert (
            all(
                (a[name] <= b[name]) if not field.startswith("-") else (a[name] >= b[name])
                for a, b in zip(full, full[1:], strict=False)
            )
            or len(keys) > 1
        )


def test_a_cursor_from_another_sort_or_a_forged_one_is_refused(cast):
    for _ in range(3):
        factories.contact(cast.sales_north)
    api = ApiClient(cast.sales_north)
    cursor = api.get("/contacts", {"limit": 1}).json()["next_cursor"]
    assert api.get("/contacts", {"limit": 1, "cursor": cursor}).status_code == 200
    for bad in (cursor, "garbage", "eyJzIjoxfQ", "e30"):
        params = {"limit": 1, "cursor": bad, "sort": "-created_at"}
        response = api.get("/contacts", params)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0] == {
            "field": "cursor",
            "code": "invalid_cursor",
            "message": "the cursor is not one this list gave out",
        }


def test_unknown_sort_fields_and_oversized_pages_are_422(cast):
    api = ApiClient(cast.sales_north)
    assert api.get("/contacts", {"sort": "notes"}).status_code == 422
    response = api.get("/contacts", {"limit": 10_000})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
    assert api.get("/contacts", {"limit": 0}).status_code == 422


def test_list_and_detail_run_the_same_number_of_queries_for_5_or_50_contacts(cast, django_assert_max_num_queries):
    org = factories.organization(cast.sales_north)
    for _ in range(5):
        factories.contact(
            cast.sales_north, tags=["a", "b"], phones=["+36 1 111 1111"], organizations=[{"organization": org}]
        )
    api = ApiClient(cast.sales_north)
    one = Contact.objects.first()
    api.get("/contacts")  # the token's first use writes last_used_at once
    with CaptureQueriesContext(connection) as small_list:
        assert api.get("/contacts", {"limit": 100}).status_code == 200
    with CaptureQueriesContext(connection) as small_detail:
        assert api.get(f"/contacts/{one.public_id}").status_code == 200
    for _ in range(45):
        factories.contact(
            cast.sales_north, tags=["a", "c"], phones=["+36 1 111 1111"], organizations=[{"organization": org}]
        )
    with django_assert_max_num_queries(len(small_list)):
        assert len(api.get("/contacts", {"limit": 100}).json()["items"]) == 50
    with django_assert_max_num_queries(len(small_detail)):
        assert api.get(f"/contacts/{one.public_id}").status_code == 200


def test_search_results_page_by_cursor_without_gaps(cast):
    for n in range(14):
        factories.contact(cast.sales_north, first_name=f"Match{n % 3}", last_name=f"Searchable{n % 4}")
    factories.contact(cast.sales_north, first_name="Not", last_name="Found")
    api = ApiClient(cast.sales_north)
    seen, cursor = [], None
    while True:
        params = {"q": "searchable", "limit": 4, "sort": ["-last_name", "first_name"]}
        page = api.get("/contacts", {**params, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    everything = api.get("/contacts", {"q": "searchable", "limit": 50, "sort": ["-last_name", "first_name"]}).json()
    assert seen == [item["id"] for item in everything["items"]]
    assert len(set(seen)) == 14


def test_creating_a_look_alike_is_refused_with_the_candidates_unless_allowed(cast, north_contact, south_contact):
    api = ApiClient(cast.sales_north)
    look_alike = {"first_name": "Nils", "last_name": "Northern", "emails": [{"value": "NILS@north.test"}]}
    refused = api.post("/contacts", look_alike)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "possible_duplicate"
    assert [d["id"] for d in refused.json()["duplicates"]] == [str(north_contact.public_id)]
    assert Contact.objects.filter(last_name="Northern").count() == 1
    allowed = api.post("/contacts?allow_duplicates=true", look_alike)
    assert allowed.status_code == 201


def test_a_look_alike_in_another_team_is_not_revealed(cast, south_contact):
    api = ApiClient(cast.sales_north)
    created = api.post(
        "/contacts", {"first_name": "Sofia", "last_name": "Southern", "emails": [{"value": "sofia@south.test"}]}
    )
    assert created.status_code == 201


def test_a_list_row_carries_its_tags_owner_and_team_read_in_the_rows_own_query(cast, django_assert_max_num_queries):
    factories.contact(cast.sales_north, first_name="Tagged", last_name="Twice", tags=["vip", "b2b"])
    factories.contact(cast.sales_north, first_name="Not", last_name="Tagged")
    api = ApiClient(cast.sales_north)
    api.get("/contacts")  # the token's first use writes last_used_at once
    # the token, the page with its people and tags, and the fields their people restricted (privacy)
    with django_assert_max_num_queries(3):
        items = api.get("/contacts", {"sort": "last_name"}).json()["items"]
    assert [(c["full_name"], c["tags"]) for c in items] == [("Not Tagged", []), ("Tagged Twice", ["b2b", "vip"])]
    north = cast.sales_north
    assert items[0]["owner"] == {"id": str(north.public_id), "username": north.username,
                                 "display_name": north.display_name}  # fmt: skip
    assert items[0]["team"] == {"id": str(north.team.public_id), "name": north.team.name}
