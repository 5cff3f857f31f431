"""The calendar's pages (a week or a day of meetings by hour and tasks due, in the user's time
zone; a manager's look at a team member's), the secret ICS feed (RFC 5545: folded, escaped, in
UTC), the bell and the notifications page, and the time zone a user picks on their profile."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.activities import actions, calendar_ics
from clientela.activities.models import Notification
from clientela.testing import factories

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _meeting(actor, contact, start: str, end: str, **values):
    return actions.activity_create(
        actor=actor,
        values={"channel": "meeting", "contact": contact.public_id, "occurred_at": start, "ends_at": end, **values},
    )


@pytest.fixture
def week(cast):
    """sales_north's week of 2026-12-07: a meeting on Tuesday at 10:00 Budapest time, a task due
    on Wednesday, and a meeting of the week after."""
    cast.sales_north.time_zone = "Europe/Budapest"
    cast.sales_north.save(update_fields=["time_zone"])
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"])
    meeting = _meeting(cast.sales_north, anna, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z",
                       subject="Boiler survey", place="Szeged, Kossuth u. 1")  # fmt: skip
    offer = {"title": "Send the offer", "due_at": "2026-12-09T14:00Z"}
    task = actions.task_create(actor=cast.sales_north, values=offer)
    later = _meeting(cast.sales_north, anna, "2026-12-15T09:00:00Z", "2026-12-15T10:00:00Z", subject="Follow-up")
    return {"anna": anna, "meeting": meeting, "task": task, "later": later}


def test_the_week_shows_meetings_by_hour_in_the_users_time_zone_and_tasks_due(cast, week):
    page = _client(cast.sales_north).get(reverse("activities:calendar"), {"view": "week", "date": "2026-12-09"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Boiler survey" in html and "Send the offer" in html and "Follow-up" not in html
    # 09:00 UTC is 10:00 in Budapest: in the 10:00 row, Tuesday's column (the second).
    row = re.search(r"<tr><th class=\"hour\" scope=\"row\">10:00</th>(.*?)</tr>", html, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert len(cells) == 7 and ["Boiler survey" in cell for cell in cells] == [False, True] + [False] * 5
    assert "Times in Europe/Budapest" in html
    assert (
        'href="/calendar/?view=week&amp;date=2026-12-02"' in html
        and 'href="/calendar/?view=week&amp;date=2026-12-16"' in html
    )
    following = _client(cast.sales_north).get(reverse("activities:calendar"), {"date": "2026-12-16"})
    assert "Follow-up" in following.content.decode() and "Boiler survey" not in following.content.decode()


def test_the_day_view_shows_one_day(cast, week):
    client = _client(cast.sales_north)
    tuesday = client.get(reverse("activities:calendar"), {"view": "day", "date": "2026-12-08"}).content.decode()
    assert "Boiler survey" in tuesday and "Send the offer" not in tuesday
    assert 'href="/calendar/?view=day&amp;date=2026-12-07"' in tuesday
    assert 'href="/calendar/?view=day&amp;date=2026-12-09"' in tuesday
    wednesday = client.get(reverse("activities:calendar"), {"view": "day", "date": "2026-12-09"}).content.decode()
    assert "Send the offer" in wednesday and "Boiler survey" not in wednesday
    assert client.get(reverse("activities:calendar"), {"date": "not-a-day"}).status_code == 200  # today's week


def test_a_manager_picks_a_team_member_but_nobody_sees_another_teams_calendar(cast, week):
    params = {"date": "2026-12-08", "user": str(cast.sales_north.public_id)}
    managed = _client(cast.manager_north).get(reverse("activities:calendar"), params)
    assert managed.status_code == 200 and "Boiler survey" in managed.content.decode()
    assert "sales_north" in managed.content.decode() or "Sales North" in managed.content.decode()
    assert _client(cast.manager_south).get(reverse("activities:calendar"), params).status_code == 404
    assert _client(cast.sales_south).get(reverse("activities:calendar"), params).status_code == 404
    own = _client(cast.manager_north).get(reverse("activities:calendar"), {"date": "2026-12-08"})
    assert "Boiler survey" not in own.content.decode()
    assert 'name="user"' in own.content.decode()  # the picker of the team's calendars
    assert Client().get(reverse("activities:calendar")).status_code == 302  # signed in only


def test_the_calendar_page_costs_the_same_few_queries_however_full(cast, week, django_assert_max_num_queries):
    client = _client(cast.sales_north)
    client.get(reverse("activities:calendar"), {"date": "2026-12-08"})
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("activities:calendar"), {"date": "2026-12-08"})
    for hour in range(8, 18):
        _meeting(cast.sales_north, week["anna"], f"2026-12-10T{hour:02d}:00:00Z", f"2026-12-10T{hour:02d}:30:00Z",
                 attendees=[str(week["anna"].public_id)])  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("activities:calendar"), {"date": "2026-12-08"})


# --- the ICS feed ---------------------------------------------------------------------------------


def _feed_url(client: Client) -> str:
    page = client.post(reverse("activities:calendar_feed_rotate"))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert 'rel="next" href="/calendar/?view=week&amp;date=' in page.content.decode()
    found = re.search(r'<code class="feedurl" id="feed-url">([^<]+)</code>', page.content.decode())
    assert found is not None
    return found.group(1)


def _feed_on(path: str, now: dt.datetime):
    """The feed as read at `now` (it holds two months back to a year ahead of its reading)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: now)
        return Client().get(path)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_feed_address_is_made_on_the_page_and_serves_the_calendar_without_sign_in(cast, week, settings):
    settings.CLIENTELA_SITE_URL = "https://crm.example.test"
    week["task"].description = ""
    url = _feed_url(_client(cast.sales_north))
    assert url.startswith("https://crm.example.test/calendar/feed/cal_") and url.endswith(".ics")
    again = _client(cast.sales_north).get(reverse("activities:calendar")).content.decode()
    assert url not in again and "You have an address already" in again  # shown once
    response = _feed_on(url.removeprefix("https://crm.example.test"), dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = _unfold(text)
    meeting = str(week["meeting"].public_id)
    assert f"UID:{meeting}@crm.example.test" in lines
    assert "DTSTART:20261208T090000Z" in lines and "DTEND:20261208T100000Z" in lines
    assert "SUMMARY:Boiler survey" in lines and "LOCATION:Szeged\\, Kossuth u. 1" in lines
    assert 'ATTENDEE;ROLE=REQ-PARTICIPANT;CN="Anna Kovács":mailto:anna@kovacs.example' in lines
    assert f"UID:{week['task'].public_id}@crm.example.test" in lines and "SUMMARY:Task: Send the offer" in lines
    assert "DTSTART:20261209T140000Z" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 3


def test_a_new_feed_address_revokes_the_old_one_and_an_unknown_one_is_not_found(cast, week):
    client = _client(cast.sales_north)
    old = _feed_url(client).split("/calendar/", 1)[1]
    new = _feed_url(client).split("/calendar/", 1)[1]
    assert Client().get(f"/calendar/{old}").status_code == 404
    assert Client().get(f"/calendar/{new}").status_code == 200
    assert Client().get("/calendar/feed/cal_nonsense.ics").status_code == 404
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(cast.sales_north)
    assert csrf.post(reverse("activities:calendar_feed_rotate")).status_code == 403
    assert Client().get(f"/calendar/{new}").status_code == 200  # the refused request changed nothing


def test_a_feed_shows_only_its_owners_calendar(cast, week):
    southern = factories.contact(cast.sales_south, last_name="Yılmaz")
    _meeting(cast.sales_south, southern, "2026-12-08T12:00:00Z", "2026-12-08T13:00:00Z", subject="Southern secret")
    token = actions.calendar_feed_rotate(actor=cast.sales_north)
    text = _feed_on(reverse("activities:calendar_feed", args=[token]), dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    text = text.content.decode()
    assert "Boiler survey" in text and "Southern secret" not in text


def test_ics_text_is_escaped_and_folded_at_75_octets_without_splitting_a_character():
    assert calendar_ics.escape_text("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    assert calendar_ics.quote_parameter('Ann "the boss"\nX') == "\"Ann 'the boss' X\""
    line = "DESCRIPTION:" + "árvíztűrő tükörfúrógép " * 12
    folded = calendar_ics.fold(line)
    parts = folded.split("\r\n")[:-1]
    assert all(len(part.encode()) <= 75 for part in parts) and len(parts) > 3
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert calendar_ics.utc(dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == (
        "20261208T090000Z"
    )


# --- notifications and the bell ----------------------------------------------------------------


def _reminded(cast, title: str, user=None) -> Notification:
    task = actions.task_create(
        actor=user or cast.sales_north,
        values={"title": title, "remind_at": timezone.now() - dt.timedelta(minutes=1)},
    )
    notification = actions.reminder_claim(task_id=task.pk, link=f"/tasks/{task.public_id}/")
    assert notification is not None
    return notification


def test_the_bell_counts_unread_notifications_and_the_page_marks_them_read(cast):
    first = _reminded(cast, "Call Anna")
    _reminded(cast, "Send the offer")
    theirs = _reminded(cast, "Their own", cast.sales_north_2)
    client = _client(cast.sales_north)
    home = client.get(reverse("site:home")).content.decode()
    bell_url = reverse("activities:notifications") + "?part=bell"
    assert f'hx-get="{bell_url}" hx-trigger="load"' in home  # the header asks for the count

    def bell() -> str:
        return client.get(bell_url, headers={"HX-Request": "true"}).content.decode()

    assert '<span class="bellcount" data-testid="bell-count">2</span>' in bell()
    listing = client.get(reverse("activities:notifications")).content.decode()
    assert "Reminder: Call Anna" in listing and "Reminder: Send the offer" in listing and "Their own" not in listing
    read = client.post(reverse("activities:notification_read", args=[first.pk]), {"next": "/tasks/"})
    assert read.status_code == 302 and read["Location"] == "/tasks/"
    assert 'data-testid="bell-count">1<' in bell()
    away = client.post(reverse("activities:notification_read", args=[first.pk]), {"next": "https://evil.example/"})
    assert away["Location"] == reverse("activities:notifications")
    client.post(reverse("activities:notification_read", args=[theirs.pk]))
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # not theirs to mark
    assert client.post(reverse("activities:notifications_read_all")).status_code == 302
    assert "bellcount" not in bell()
    assert "Mark all read" not in client.get(reverse("activities:notifications")).content.decode()
    assert Client().get(bell_url, headers={"HX-Request": "true"}).status_code == 204  # signed out: nothing to swap
    assert Notification.objects.filter(user=cast.sales_north, read_at=None).count() == 0
    assert client.get(reverse("activities:notification_read", args=[first.pk])).status_code == 405


# --- the user's time zone -----------------------------------------------------------------------


def test_a_user_picks_their_time_zone_on_their_profile_and_the_calendar_follows(cast, week):
    client = _client(cast.sales_north)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="America/New_York">America/New York</option>' in profile
    saved = client.post(reverse("accounts:profile_update"), {"time_zone": "America/New_York", "language": ""})
    assert saved.status_code == 302
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.time_zone == "America/New_York"
    html = client.get(reverse("activities:calendar"), {"date": "2026-12-08"}).content.decode()
    row = re.search(r"<tr><th class=\"hour\" scope=\"row\">04:00</th>(.*?)</tr>", html, re.S)
    assert row is not None and "Boiler survey" in row.group(1)  # 09:00 UTC is 04:00 in New York
    refused = client.post(reverse("accounts:profile_update"), {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 400
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.time_zone == "America/New_York"
    blank = client.post(reverse("accounts:profile_update"), {"time_zone": ""})
    assert blank.status_code == 302
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.time_zone == ""


def test_the_time_zone_action_refuses_unknown_zones(cast):
    from clientela.accounts import actions as account_actions
    from clientela.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        account_actions.user_update(actor=cast.sales_north, user=cast.sales_north, values={"time_zone": "../etc"})
    assert [e.field for e in refused.value.errors] == ["time_zone"]
    updated = account_actions.user_update(actor=cast.admin, user=cast.sales_north, values={"time_zone": "Asia/Tokyo"})
    assert updated.time_zone == "Asia/Tokyo"
