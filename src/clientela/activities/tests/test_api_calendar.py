"""The calendar API (/api/v1/calendar): a window of the caller's meetings and tasks due, in their
time zone when the moments carry no offset; a manager's look at a team member's; another team's
calendar is not found; a window is at most 62 days; a new secret ICS feed address."""

from __future__ import annotations

import pytest

from clientela.activities import actions
from clientela.activities.models import CalendarFeed
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def _week(cast):
    """A meeting, a meeting of the week before, a task due and a cancelled one, of sales_north."""
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    meeting = actions.activity_create(
        actor=cast.sales_north,
        values={"channel": "meeting", "contact": anna.public_id, "occurred_at": "2026-12-08T10:00:00+01:00",
                "ends_at": "2026-12-08T11:00:00+01:00", "place": "Szeged"},
    )  # fmt: skip
    actions.activity_create(
        actor=cast.sales_north,
        values={"channel": "meeting", "contact": anna.public_id, "occurred_at": "2026-12-01T10:00:00+01:00"},
    )
    actions.activity_create(  # a call is no calendar entry
        actor=cast.sales_north,
        values={"channel": "call", "contact": anna.public_id, "occurred_at": "2026-12-08T12:00:00+01:00"},
    )
    task = actions.task_create(actor=cast.sales_north, values={"title": "Offer", "due_at": "2026-12-09T09:00:00Z"})
    actions.task_create(
        actor=cast.sales_north, values={"title": "Dropped", "due_at": "2026-12-09T09:00:00Z", "status": "cancelled"}
    )
    return meeting, task


def test_the_calendar_holds_the_callers_meetings_and_tasks_due_in_the_window(cast):
    meeting, task = _week(cast)
    api = ApiClient(cast.sales_north)
    response = api.get("/calendar", {"start": "2026-12-07T00:00:00+01:00", "end": "2026-12-14T00:00:00+01:00"})
    assert response.status_code == 200, response.content
    week = response.json()
    assert [m["id"] for m in week["meetings"]] == [str(meeting.public_id)]
    assert week["meetings"][0]["place"] == "Szeged"
    assert [t["id"] for t in week["tasks"]] == [str(task.public_id)]
    assert week["user"]["username"] == "sales_north" and week["start"] == "2026-12-06T23:00:00Z"


def test_a_window_without_offsets_is_read_in_the_callers_time_zone(cast):
    _meeting, task = _week(cast)
    cast.sales_north.time_zone = "Asia/Tokyo"  # 2026-12-09 09:00 UTC is 18:00 there
    cast.sales_north.save(update_fields=["time_zone"])
    api = ApiClient(cast.sales_north)
    evening = api.get("/calendar", {"start": "2026-12-09T17:00", "end": "2026-12-09T19:00"}).json()
    assert [t["id"] for t in evening["tasks"]] == [str(task.public_id)]
    assert evening["start"] == "2026-12-09T08:00:00Z"
    morning = api.get("/calendar", {"start": "2026-12-09T08:00", "end": "2026-12-09T10:00"}).json()
    assert morning["tasks"] == []


def test_a_manager_sees_a_team_members_calendar_but_not_another_teams(cast):
    meeting, _task = _week(cast)
    window = {"start": "2026-12-07T00:00:00Z", "end": "2026-12-14T00:00:00Z"}
    theirs = ApiClient(cast.manager_north).get("/calendar", {**window, "user": str(cast.sales_north.public_id)})
    assert theirs.status_code == 200 and [m["id"] for m in theirs.json()["meetings"]] == [str(meeting.public_id)]
    assert theirs.json()["user"]["username"] == "sales_north"
    other = ApiClient(cast.manager_south).get("/calendar", {**window, "user": str(cast.sales_north.public_id)})
    assert other.status_code == 404
    mine = ApiClient(cast.manager_north).get("/calendar", window).json()
    assert mine["meetings"] == [] and mine["tasks"] == []


def test_a_window_is_after_its_start_and_at_most_62_days_long(cast):
    api = ApiClient(cast.sales_north)
    long = api.get("/calendar", {"start": "2026-12-01T00:00:00Z", "end": "2027-02-02T00:00:01Z"})
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "end"
    backwards = api.get("/calendar", {"start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "end"
    bad = api.get("/calendar", {"start": "soon", "end": "2026-12-01T00:00:00Z"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "start"
    missing = api.get("/calendar", {"start": "2026-12-01T00:00:00Z"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "end"
    assert api.get("/calendar", {"start": "2026-12-01T00:00:00Z", "end": "2027-02-01T00:00:00Z"}).status_code == 200


def test_a_new_feed_address_is_shown_once_and_replaces_the_old_one(cast, settings):
    settings.CLIENTELA_SITE_URL = "https://crm.example.test"
    api = ApiClient(cast.sales_north)
    first = api.post("/calendar/feed")
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    url = first.json()["url"]
    assert url.startswith("https://crm.example.test/calendar/feed/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get(user=cast.sales_north).token_hash == CalendarFeed.hash_token(token)
    second = api.post("/calendar/feed").json()["url"]
    assert second != url and CalendarFeed.objects.filter(user=cast.sales_north).count() == 1
