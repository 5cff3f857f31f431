"""The activities API (/api/v1/activities) with the foundation's guarantees: scoped reads (another
team's activity is not found, its contact cannot be linked), If-Match, Idempotency-Key, errors
naming the field, the trash, moments in the caller's time zone and bounded list queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from clientela.activities import actions
from clientela.activities.models import Activity
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def _call(api: ApiClient, contact: Any, **values: Any) -> Any:
    body = {
        "channel": "call",
        "contact": str(contact.public_id),
        "direction": "outbound",
        "duration_seconds": 120,
        "purpose": "Follow up the quote",
        "outcome": "answered",
        **values,
    }
    return api.post("/activities", body)


def test_a_call_is_logged_as_the_contract_says_and_listed_on_its_contact(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    response = _call(api, anna)
    assert response.status_code == 201, response.content
    call = response.json()
    assert response["ETag"] == '"1"' and response["Location"] == f"/api/v1/activities/{call['id']}"
    assert (call["channel"], call["direction"], call["duration_seconds"]) == ("call", "outbound", 120)
    assert (call["purpose"], call["outcome"], call["contact"]) == (
        "Follow up the quote",
        "answered",
        str(anna.public_id),
    )
    assert call["owner"]["username"] == "sales_north" and call["team"]["name"] == "North"
    assert call["email"] is None and call["attendees"] == [] and call["guests"] == []
    assert call["occurred_at"].endswith("Z") and call["version"] == 1
    listed = api.get("/activities", {"contact": str(anna.public_id)}).json()["items"]
    assert [item["id"] for item in listed] == [call["id"]]
    assert api.get(f"/activities/{call['id']}").json() == call


def test_a_contacts_list_holds_the_meetings_it_took_part_in(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    bela = factories.contact(cast.sales_north, last_name="Nagy")
    start = "2026-12-07T10:00:00+01:00"
    meeting = api.post(
        "/activities",
        {
            "channel": "meeting",
            "contact": str(anna.public_id),
            "attendees": [str(bela.public_id)],
            "guests": [{"name": "Éva", "email": "eva@example.test"}],
            "occurred_at": start,
            "ends_at": "2026-12-07T11:30:00+01:00",
            "place": "Szeged, office",
        },
    ).json()
    _call(api, anna)
    assert meeting["attendees"] == [str(bela.public_id)]
    assert meeting["guests"] == [{"name": "Éva", "email": "eva@example.test"}]
    assert (meeting["occurred_at"], meeting["ends_at"]) == ("2026-12-07T09:00:00Z", "2026-12-07T10:30:00Z")
    of_bela = api.get("/activities", {"contact": str(bela.public_id)}).json()["items"]
    assert [item["id"] for item in of_bela] == [meeting["id"]]
    assert len(api.get("/activities", {"contact": str(anna.public_id)}).json()["items"]) == 2
    meetings = api.get("/activities", {"contact": str(anna.public_id), "channel": "meeting"}).json()["items"]
    assert [item["id"] for item in meetings] == [meeting["id"]]


def test_another_teams_activity_is_not_found_and_its_contact_cannot_be_linked(cast):
    north = ApiClient(cast.sales_north)
    south = ApiClient(cast.sales_south)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = _call(north, anna).json()
    assert south.get(f"/activities/{call['id']}").status_code == 404
    assert south.patch(f"/activities/{call['id']}", {"subject": "x"}, headers={"If-Match": '"1"'}).status_code == 404
    assert south.delete(f"/activities/{call['id']}", headers={"If-Match": '"1"'}).status_code == 404
    assert south.get("/activities").json()["items"] == []
    assert south.get("/activities", {"contact": str(anna.public_id)}).json()["items"] == []
    refused = _call(south, anna)
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("contact", "not_found")]
    manager = ApiClient(cast.manager_north)
    assert manager.get(f"/activities/{call['id']}").status_code == 200
    assert [item["id"] for item in ApiClient(cast.admin).get("/activities").json()["items"]] == [call["id"]]


def test_a_linked_record_the_reader_cannot_see_shows_as_null(cast):
    southern = factories.contact(cast.sales_south, last_name="Yılmaz")
    northern = factories.contact(cast.sales_north, last_name="Kovács")
    meeting = actions.activity_create(
        actor=cast.admin,
        values={"channel": "meeting", "contact": northern.public_id, "attendees": [str(southern.public_id)],
                "owner": str(cast.sales_north.public_id), "team": str(cast.north.public_id)},
    )  # fmt: skip
    body = ApiClient(cast.sales_north).get(f"/activities/{meeting.public_id}").json()
    assert body["contact"] == str(northern.public_id) and body["attendees"] == []


def test_a_change_needs_if_match_and_a_stale_one_is_refused(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    created = _call(api, anna)
    call, etag = created.json(), created["ETag"]
    missing = api.patch(f"/activities/{call['id']}", {"outcome": "voicemail"})
    assert missing.status_code == 428 and missing.json()["errors"][0]["field"] == "If-Match"
    changed = api.patch(f"/activities/{call['id']}", {"outcome": "voicemail"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json()["outcome"] == "voicemail" and changed["ETag"] == '"2"'
    stale = api.patch(f"/activities/{call['id']}", {"outcome": "busy"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["conflict"]["current_version"] == 2
    assert api.get(f"/activities/{call['id']}").json()["outcome"] == "voicemail"
    assert api.delete(f"/activities/{call['id']}", headers={"If-Match": etag}).status_code == 412


def test_an_activity_goes_to_the_trash_and_comes_back(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    created = _call(api, anna)
    call = created.json()
    trashed = api.delete(f"/activities/{call['id']}", headers={"If-Match": created["ETag"]})
    assert trashed.status_code == 200 and trashed.json()["deleted_at"] is not None
    assert api.get(f"/activities/{call['id']}").status_code == 404
    assert api.get("/activities").json()["items"] == []
    assert [item["id"] for item in api.get("/activities", {"trash": "true"}).json()["items"]] == [call["id"]]
    assert ApiClient(cast.readonly_north).post(f"/activities/{call['id']}/restore").status_code == 403
    restored = api.post(f"/activities/{call['id']}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert api.get(f"/activities/{call['id']}").status_code == 200


def test_a_create_with_an_idempotency_key_happens_once(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    body = {"channel": "note", "contact": str(anna.public_id), "body": "Prefers mornings"}
    first = api.post("/activities", body, headers={"Idempotency-Key": "note-1"})
    again = api.post("/activities", body, headers={"Idempotency-Key": "note-1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert first.json()["direction"] == "internal"  # a note is internal unless told otherwise
    other = api.post("/activities", {**body, "body": "Evenings"}, headers={"Idempotency-Key": "note-1"})
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Activity.objects.filter(contact=anna).count() == 1


def test_bad_input_names_each_field_and_writes_nothing(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    shape = api.post(
        "/activities",
        {"channel": "pigeon", "contact": str(anna.public_id), "occurred_at": "yesterday", "duration_seconds": -1,
         "colour": "red"},
    )  # fmt: skip
    assert shape.status_code == 422
    assert {e["field"] for e in shape.json()["errors"]} == {"channel", "occurred_at", "duration_seconds", "colour"}
    unlinked = api.post("/activities", {"channel": "call"})
    assert unlinked.status_code == 422 and unlinked.json()["errors"][0]["field"] == "contact"
    backwards = _call(api, anna, occurred_at="2026-12-07T10:00:00Z", ends_at="2026-12-07T09:00:00Z")
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "ends_at"
    no_such_day = _call(api, anna, occurred_at="2026-02-30T10:00")
    assert no_such_day.status_code == 422 and no_such_day.json()["errors"][0]["field"] == "occurred_at"
    stranger = _call(api, anna, attendees=["00000000-0000-4000-8000-000000000000"])
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "attendees[0]"
    assert not Activity.objects.exists()


def test_a_reader_may_not_log_activities(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    refused = _call(ApiClient(cast.readonly_north), anna)
    assert refused.status_code == 403 and not Activity.objects.exists()


def test_a_moment_without_an_offset_is_read_in_the_callers_time_zone(cast):
    cast.sales_north.time_zone = "America/New_York"
    cast.sales_north.save(update_fields=["time_zone"])
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = _call(api, anna, occurred_at="2026-12-07T09:30").json()
    assert call["occurred_at"] == "2026-12-07T14:30:00Z"
    with_offset = _call(api, anna, occurred_at="2026-12-07T09:30:00+01:00").json()
    assert with_offset["occurred_at"] == "2026-12-07T08:30:00Z"


def test_the_list_filters_by_organization_deal_channel_owner_and_moment(cast):
    api = ApiClient(cast.sales_north)
    colleague = ApiClient(cast.sales_north_2)
    org = factories.organization(cast.sales_north, name="Kovács Kft.")
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    deal = api.post("/deals", {"name": "Boiler", "organization": str(org.public_id)}).json()
    on_deal = api.post("/activities", {"channel": "email", "deal": deal["id"], "occurred_at": "2026-11-01T10:00Z"})
    assert on_deal.status_code == 201 and on_deal.json()["organization"] == str(org.public_id)  # the deal's customer
    early = _call(api, anna, occurred_at="2026-10-01T10:00:00Z").json()
    theirs = _call(colleague, anna, occurred_at="2026-12-01T10:00:00Z").json()

    def ids(**params: str) -> list[str]:
        return [item["id"] for item in api.get("/activities", params).json()["items"]]

    assert ids(deal=deal["id"]) == ids(organization=str(org.public_id)) == [on_deal.json()["id"]]
    assert ids(channel="call") == [theirs["id"], early["id"]]
    assert ids(owner="me") == [on_deal.json()["id"], early["id"]]
    assert ids(owner=str(cast.sales_north_2.public_id)) == [theirs["id"]]
    assert ids(since="2026-10-15T00:00:00Z", until="2026-12-01T10:00:00Z") == [on_deal.json()["id"]]
    assert ids(sort="occurred_at") == [early["id"], on_deal.json()["id"], theirs["id"]]
    bad = api.get("/activities", {"owner": "someone"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "owner"


def test_the_list_pages_with_a_cursor_without_repeats(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    made = {_call(api, anna, occurred_at=f"2026-12-0{day}T10:00:00Z").json()["id"] for day in range(1, 6)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.get("/activities", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and set(seen) == made


def test_an_email_activity_names_its_email(cast):
    from clientela.channels.models import Email

    anna = factories.contact(cast.sales_north, last_name="Kovács")
    activity = actions.activity_create(actor=cast.sales_north, values={"channel": "email", "contact": anna.public_id})
    email = Email.objects.create(
        direction="outbound", status="queued", activity=activity, contact=anna, from_address="me@example.test",
        owner=cast.sales_north, team=cast.north,
    )  # fmt: skip
    api = ApiClient(cast.sales_north)
    assert api.get(f"/activities/{activity.public_id}").json()["email"] == str(email.public_id)
    assert api.get("/activities").json()["items"][0]["email"] == str(email.public_id)


def test_a_list_costs_the_same_few_queries_however_many_activities(cast, django_assert_max_num_queries):
    api = ApiClient(cast.sales_north)
    people = [factories.contact(cast.sales_north, last_name=f"Person {n}") for n in range(3)]
    org = factories.organization(cast.sales_north, name="Kovács Kft.")

    def log(count: int) -> None:
        for n in range(count):
            actions.activity_create(
                actor=cast.sales_north,
                values={"channel": "meeting", "contact": people[0].public_id, "organization": org.public_id,
                        "attendees": [str(p.public_id) for p in people[1:]], "occurred_at": timezone.now()
                        - dt.timedelta(hours=n)},
            )  # fmt: skip

    log(2)
    api.get("/activities")  # the token's first use is written once
    with django_assert_max_num_queries(6) as few:
        assert len(api.get("/activities").json()["items"]) == 2
    log(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/activities").json()["items"]) == 22
