"""The change log through the API: scoped like the records, and a sync feed by id."""

from __future__ import annotations

import pytest

from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def record_ids(response) -> set[str]:
    return {item["record_id"] for item in response.json()["items"]}


def test_sales_rep_sees_events_of_the_teams_records_only(cast):
    north = factories.contact(cast.sales_north)
    south = factories.contact(cast.sales_south)
    api = ApiClient(cast.sales_north)
    assert record_ids(api.get("/events", {"record_type": "parties.contact"})) == {str(north.public_id)}
    history = api.get("/events", {"record_type": "parties.contact", "record_id": str(south.public_id)})
    assert history.status_code == 200 and history.json()["items"] == []
    everything = ApiClient(cast.analyst).get("/events", {"record_type": "parties.contact"})
    assert record_ids(everything) == {str(north.public_id), str(south.public_id)}


def test_account_events_are_for_administrators_only(cast):
    ApiClient(cast.sales_north)  # issuing the token logs an api_token event
    assert ApiClient(cast.analyst).get("/events", {"record_type": "accounts.apitoken"}).json()["items"] == []
    assert ApiClient(cast.admin).get("/events", {"record_type": "accounts.apitoken"}).json()["items"] != []


def test_a_record_moved_to_my_team_shows_its_whole_history(cast):
    contact = factories.contact(cast.sales_south, first_name="Moved")
    from clientela.parties import actions

    actions.record_assign(actor=cast.admin, record=contact, owner=cast.sales_north, team=cast.north)
    api = ApiClient(cast.sales_north)
    history = api.get("/events", {"record_type": "parties.contact", "record_id": str(contact.public_id)}).json()
    assert [e["action"] for e in history["items"]] == ["contact.update", "contact.create"]


def test_the_sync_feed_returns_events_after_a_cursor_oldest_first_without_gaps(cast):
    for _ in range(7):
        factories.contact(cast.sales_north)
    api = ApiClient(cast.sales_north)
    newest_first = [e["id"] for e in api.get("/events", {"record_type": "parties.contact"}).json()["items"]]
    assert newest_first == sorted(newest_first, reverse=True)
    seen: list[int] = []
    since = 0
    while True:
        page = api.get("/events", {"record_type": "parties.contact", "since": since, "limit": 3}).json()
        seen += [e["id"] for e in page["items"]]
        if not page["items"]:
            break
        since = page["items"][-1]["id"]
    assert seen == sorted(newest_first)
    factories.contact(cast.sales_north, first_name="Later")
    later = api.get("/events", {"record_type": "parties.contact", "since": since}).json()["items"]
    assert [e["action"] for e in later] == ["contact.create"]
    assert later[0]["changes"]["first_name"] == [None, "Later"]


def test_events_page_with_a_cursor(cast):
    for _ in range(5):
        factories.contact(cast.sales_north)
    api = ApiClient(cast.admin)
    first = api.get("/events", {"record_type": "parties.contact", "limit": 2}).json()
    second = api.get("/events", {"record_type": "parties.contact", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [e["id"] for e in first["items"]][-1] > [e["id"] for e in second["items"]][0]
    assert api.get("/events", {"cursor": "nonsense"}).status_code == 422


def test_the_event_list_runs_the_same_number_of_queries_for_5_or_50_records(cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        factories.contact(cast.sales_north)
    api = ApiClient(cast.sales_north)
    api.get("/events")  # the token's first use writes last_used_at once
    with CaptureQueriesContext(connection) as small:
        assert api.get("/events", {"limit": 200}).status_code == 200
    for _ in range(45):
        factories.contact(cast.sales_north)
    with django_assert_max_num_queries(len(small)):
        assert len(api.get("/events", {"limit": 200}).json()["items"]) >= 50
