"""The 360° timeline on the contact, organization and deal pages: activities merged with the
change log, filtered by channel, paged by htmx without repeats, bounded in queries; quick
logging of activities and tasks from those pages, with errors beside their fields."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.activities import actions, panels
from clientela.activities.models import Activity, Task, TaskStatus
from clientela.parties import actions as parties_actions
from clientela.sales import actions as sales_actions
from clientela.testing import factories
from clientela.testing.cast import PASSWORD

HTMX = {"HX-Request": "true"}


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _log(actor, contact, *, channel="call", minutes_ago=0, subject="", **values):
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return actions.activity_create(
        actor=actor,
        values={"channel": channel, "contact": contact.public_id, "occurred_at": when, "subject": subject, **values},
    )


def _entries(html: str) -> list[str]:
    return re.findall(r'data-entry="([^"]+)"', html)


def _older_url(html: str) -> str | None:
    found = re.search(r'<li class="tl-more"><a [^>]*href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_contact_page_shows_the_timeline_panel_in_place_of_its_placeholders(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    _log(cast.sales_north, anna, subject="Asked about the boiler", purpose="Follow up", outcome="answered")
    page = _client(cast.sales_north).get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()
    assert 'data-testid="activities-panel"' in page
    assert "Asked about the boiler" in page and "Follow up" in page and "Answered" in page
    assert "Arrives with the activities module" not in page  # the placeholder is replaced
    assert "Arrive with the documents of the sales module" not in page  # and so is the documents one
    assert 'id="history"' in page  # the record's history section stays


def test_a_call_logged_through_the_quick_form_shows_on_the_refreshed_timeline(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    client = _client(cast.sales_north)
    answer = client.post(
        reverse("activities:quick_log", args=["contact", anna.public_id]),
        {
            "channel": "call", "direction": "outbound", "occurred_at": "2026-03-02T10:30", "duration_minutes": "4",
            "subject": "Quote follow-up", "purpose": "Close the quote", "outcome": "answered", "body": "Wants a visit",
        },
        headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 200
    call = Activity.objects.get(contact=anna)
    assert (call.channel, call.direction, call.duration_seconds, call.owner) == (
        "call", "outbound", 240, cast.sales_north,
    )  # fmt: skip
    assert call.subject == "Quote follow-up" and call.purpose == "Close the quote"
    html = answer.content.decode()
    assert html.startswith("<section") or 'data-testid="activities-panel"' in html
    assert "Quote follow-up" in html and "Activity logged." in html
    assert f'data-entry="{call.occurred_at.isoformat()}|activity|{call.pk}"' in html


def test_a_call_logged_at_the_moment_the_form_showed_is_logged_at_the_moment_it_is_sent(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    client = _client(cast.sales_north)
    page = client.get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()
    shown = re.findall(r'name="occurred_at__shown" value="([^"]+)"', page)[0]
    before = timezone.now()
    client.post(
        reverse("activities:quick_log", args=["contact", anna.public_id]),
        {"channel": "call", "direction": "outbound", "occurred_at": shown, "occurred_at__shown": shown},
        headers=HTMX,
    )
    call = Activity.objects.get(contact=anna)
    assert call.occurred_at >= before  # to the second, so it is the newest entry of the timeline


def test_a_quick_log_with_a_bad_field_names_it_beside_the_input_and_writes_nothing(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    client = _client(cast.sales_north)
    answer = client.post(
        reverse("activities:quick_log", args=["contact", anna.public_id]),
        {"channel": "pigeon", "direction": "outbound", "occurred_at": "yesterday-ish", "duration_minutes": "lots",
         "subject": "Kept as typed"},
        headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 422
    assert not Activity.all_objects.filter(contact=anna).exists()
    html = answer.content.decode()
    for name in ("channel", "occurred_at", "duration_minutes"):
        assert f'id="log-{name}-err"' in html, name
        assert f'aria-describedby="log-{name}-err"' in html, name
    assert 'value="Kept as typed"' in html and 'value="yesterday-ish"' in html
    assert '<details class="quickform" open' in html


def test_the_timeline_pages_through_load_older_without_repeats_or_gaps(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    logged = {_log(cast.sales_north, anna, minutes_ago=n, subject=f"Call {n}").pk for n in range(60)}
    parties_actions.contact_update(
        actor=cast.sales_north, contact=anna, values={"title": "Buyer"}, expected_version=anna.version
    )
    client = _client(cast.sales_north)
    first = client.get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()
    seen = _entries(first)
    url = _older_url(first)
    assert len(seen) == panels.queries.TIMELINE_PAGE and url is not None
    assert 'hx-trigger="intersect once"' in first  # the last entry fetches the next page when scrolled to
    pages = 1
    while url:
        html = client.get(url, headers=HTMX).content.decode()
        assert "<ol" not in html  # only entries to append, and the next "Load older"
        seen += _entries(html)
        url = _older_url(html)
        pages += 1
    assert len(seen) == len(set(seen)) and pages == 3
    activities = {int(e.split("|")[2]) for e in seen if "|activity|" in e}
    changes = [e for e in seen if "|change|" in e]
    assert activities == logged and len(changes) == 2  # created and the title changed


def test_the_timeline_filters_by_channel_and_the_filter_keeps_paging(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    _log(cast.sales_north, anna, channel="call", subject="A call")
    _log(cast.sales_north, anna, channel="meeting", subject="A meeting", minutes_ago=5)
    _log(cast.sales_north, anna, channel="note", subject="A note", minutes_ago=9)
    client = _client(cast.sales_north)
    url = reverse("activities:timeline", args=["contact", anna.public_id])
    calls = client.get(url, {"channel": "call"}, headers=HTMX).content.decode()
    assert "A call" in calls and "A meeting" not in calls and "A note" not in calls
    assert "|change|" not in calls and 'aria-current="true" data-channel="call"' in calls
    only = client.get(url, {"channel": "activities"}, headers=HTMX).content.decode()
    assert len(_entries(only)) == 3 and "|change|" not in only
    everything = client.get(url, headers=HTMX).content.decode()
    assert len(_entries(everything)) == 4  # the three and the contact's creation
    unknown = client.get(url, {"channel": "pigeon"}, headers=HTMX).content.decode()
    assert len(_entries(unknown)) == 4
    page = client.get(url, {"channel": "meeting"})  # without JavaScript: a page of its own
    assert page.status_code == 200 and "A meeting" in page.content.decode() and "<html" in page.content.decode()


def test_an_entry_shows_its_channel_direction_who_when_and_deal(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    deal = sales_actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "contact": anna.public_id})
    _log(cast.sales_north, anna, subject="Visit", channel="meeting", direction="inbound", deal=deal.public_id,
         duration_seconds=3900)  # fmt: skip
    html = _client(cast.sales_north).get(reverse("activities:timeline", args=["contact", anna.public_id]),
                                         headers=HTMX).content.decode()  # fmt: skip
    assert "Meeting" in html and "(inbound)" in html and cast.sales_north.display_name in html
    assert "1 h 5 min" in html and "<time datetime=" in html
    assert reverse("sales:deal_detail", args=[deal.public_id]) in html and "Boiler" in html


def test_a_change_entry_shows_the_fields_it_changed(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    parties_actions.contact_update(
        actor=cast.sales_north, contact=anna, values={"title": "Head buyer"}, expected_version=anna.version
    )
    html = _client(cast.sales_north).get(reverse("activities:timeline", args=["contact", anna.public_id]),
                                         headers=HTMX).content.decode()  # fmt: skip
    assert 'class="fname">Title</td>' in html and "Head buyer" in html


def test_a_contact_timeline_has_the_changes_of_the_records_merged_into_it(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács", first_name="Anna")
    twin = factories.contact(cast.sales_north, last_name="Kovács", first_name="Anna", title="Twin title")
    parties_actions.contact_merge(actor=cast.sales_north, survivor=anna, duplicates=[twin])
    html = _client(cast.sales_north).get(reverse("activities:timeline", args=["contact", anna.public_id]),
                                         headers=HTMX).content.decode()  # fmt: skip
    assert "on a record since merged into this one" in html and "Twin title" in html


def test_the_first_page_of_a_timeline_reads_a_bounded_number_of_queries(cast, django_assert_max_num_queries):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    deal = sales_actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "contact": anna.public_id})
    for n in range(40):
        _log(cast.sales_north, anna, minutes_ago=n, deal=deal.public_id, subject=f"Call {n}")
        parties_actions.contact_update(actor=cast.sales_north, contact=anna, values={"title": f"T{n}"})
    client = _client(cast.sales_north)
    url = reverse("activities:timeline", args=["contact", anna.public_id])
    # session and user, the contact, its merges, a page of activities, one of events, the names the
    # events refer to, the custom fields' labels; and the session's save (three statements)
    with django_assert_max_num_queries(12):
        first = client.get(url, headers=HTMX)
    assert len(_entries(first.content.decode())) == panels.queries.TIMELINE_PAGE
    with django_assert_max_num_queries(12):
        older = client.get(_older_url(first.content.decode()), headers=HTMX)
    assert len(_entries(older.content.decode())) == panels.queries.TIMELINE_PAGE


def test_a_task_added_through_the_quick_form_is_on_the_panel_with_a_done_button(cast):
    acme = factories.organization(cast.sales_north, name="Acme")
    client = _client(cast.sales_north)
    answer = client.post(
        reverse("activities:quick_task", args=["organization", acme.public_id]),
        {"title": "Send the price list", "due_at": "2030-05-02T09:00", "priority": "high",
         "assignee": str(cast.sales_north_2.public_id), "remind_at": "2030-05-02T08:30"},
        headers=HTMX,
    )  # fmt: skip
    assert answer.status_code == 200
    task = Task.objects.get(organization=acme)
    assert task.owner == cast.sales_north_2 and task.priority == "high" and task.remind_at is not None
    html = answer.content.decode()
    assert "Send the price list" in html and reverse("activities:task_complete", args=[task.public_id]) in html
    done = client.post(reverse("activities:task_complete", args=[task.public_id]) + "?as=item", headers=HTMX)
    assert done.status_code == 200 and "taskdone" in done.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_a_quick_task_may_not_be_assigned_to_another_team(cast):
    acme = factories.organization(cast.sales_north, name="Acme")
    answer = _client(cast.sales_north).post(
        reverse("activities:quick_task", args=["organization", acme.public_id]),
        {"title": "Not mine to give", "priority": "normal", "assignee": str(cast.sales_south.public_id)},
        headers=HTMX,
    )
    assert answer.status_code == 422 and 'id="task-assignee-err"' in answer.content.decode()
    assert not Task.objects.filter(organization=acme).exists()


def test_the_deal_page_has_the_timeline_and_logs_on_the_deal_with_its_customer(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    deal = sales_actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "contact": anna.public_id})
    client = _client(cast.sales_north)
    page = client.get(reverse("sales:deal_detail", args=[deal.public_id])).content.decode()
    assert 'data-testid="activities-panel"' in page and 'data-testid="quick-log-form"' in page
    client.post(
        reverse("activities:quick_log", args=["deal", deal.public_id]),
        {"channel": "email", "direction": "inbound", "subject": "They said yes"},
        headers=HTMX,
    )
    mail = Activity.objects.get(deal=deal)
    assert mail.contact == anna  # the deal brings its customer
    assert "They said yes" in client.get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()


def test_a_reader_sees_the_timeline_without_forms_and_may_not_post(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    _log(cast.sales_north, anna, subject="Visible to readers")
    client = _client(cast.readonly_north)
    page = client.get(reverse("parties:contact_detail", args=[anna.public_id])).content.decode()
    assert "Visible to readers" in page
    assert 'data-testid="quick-log-form"' not in page and 'data-testid="quick-task-form"' not in page
    assert client.post(reverse("activities:quick_log", args=["contact", anna.public_id]),
                       {"channel": "call"}).status_code == 403  # fmt: skip
    assert client.post(reverse("activities:quick_task", args=["contact", anna.public_id]),
                       {"title": "x"}).status_code == 403  # fmt: skip
    assert not Activity.objects.filter(contact=anna, channel="call").exclude(subject="Visible to readers").exists()


def test_another_teams_timeline_and_quick_forms_are_not_found(cast):
    southern = factories.contact(cast.sales_south, last_name="Yılmaz")
    client = _client(cast.sales_north)
    assert client.get(reverse("activities:timeline", args=["contact", southern.public_id])).status_code == 404
    assert client.post(reverse("activities:quick_log", args=["contact", southern.public_id]),
                       {"channel": "call"}).status_code == 404  # fmt: skip
    assert client.get(reverse("activities:timeline", args=["ticket", southern.public_id])).status_code == 404


def test_an_activity_on_another_teams_deal_does_not_name_the_deal(cast):
    anna = factories.contact(cast.admin, last_name="Kovács", team=cast.north.name)
    secret = sales_actions.deal_create(actor=cast.sales_south, values={"name": "South secret"})
    _log(cast.admin, anna, subject="Shared call", deal=secret.public_id, owner=cast.sales_north.username)
    html = _client(cast.sales_north).get(reverse("activities:timeline", args=["contact", anna.public_id]),
                                         headers=HTMX).content.decode()  # fmt: skip
    assert "Shared call" in html and "South secret" not in html


@pytest.mark.parametrize("kind", ["contact", "organization"])
def test_a_party_without_activities_says_so(cast, kind):
    record = (factories.contact if kind == "contact" else factories.organization)(cast.sales_north, **(
        {"last_name": "Kovács"} if kind == "contact" else {"name": "Acme"}))  # fmt: skip
    html = _client(cast.sales_north).get(reverse("activities:timeline", args=[kind, record.public_id]),
                                         {"channel": "sms"}, headers=HTMX).content.decode()  # fmt: skip
    assert "Nothing of this kind yet." in html
