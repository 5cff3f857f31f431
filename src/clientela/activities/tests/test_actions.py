"""Activities, tasks and projects through their actions: what is linked, what is refused,
recurrence and reminders delivered once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.activities import actions, queries
from clientela.activities.models import Channel, Direction, Notification, Task, TaskStatus
from clientela.core.errors import ValidationFailed
from clientela.core.models import Event
from clientela.testing import factories

pytestmark = pytest.mark.django_db


def test_a_call_is_logged_on_a_contact_with_one_event(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = actions.activity_create(
        actor=cast.sales_north,
        values={
            "channel": "call",
            "contact": str(anna.public_id),
            "direction": "outbound",
            "duration_seconds": 120,
            "purpose": "Follow up the quote",
            "outcome": "answered",
        },
    )
    assert call.owner == cast.sales_north and call.team == cast.north and call.occurred_at is not None
    assert Event.objects.filter(record_id=call.public_id, action="activity.create").count() == 1
    assert [a.pk for a in queries.activities_of(cast.sales_north, anna)] == [call.pk]


def test_a_note_is_internal_and_needs_a_linked_record(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    note = actions.activity_create(actor=cast.sales_north, values={"channel": "note", "contact": anna.public_id})
    assert note.direction == Direction.INTERNAL
    with pytest.raises(ValidationFailed) as refused:
        actions.activity_create(actor=cast.sales_north, values={"channel": "note"})
    assert [e.field for e in refused.value.errors] == ["contact"]


def test_an_activity_cannot_name_a_contact_its_writer_cannot_see(cast):
    southern = factories.contact(cast.sales_south, last_name="Yılmaz")
    with pytest.raises(ValidationFailed) as refused:
        actions.activity_create(actor=cast.sales_north, values={"channel": "call", "contact": southern.public_id})
    assert refused.value.errors[0].field == "contact"
    assert refused.value.errors[0].code == "not_found"


def test_every_bad_field_is_named_at_once(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    with pytest.raises(ValidationFailed) as refused:
        actions.activity_create(
            actor=cast.sales_north,
            values={
                "channel": "pigeon",
                "contact": anna.public_id,
                "occurred_at": "yesterday-ish",
                "duration_seconds": -5,
            },
        )
    assert {e.field for e in refused.value.errors} == {"channel", "occurred_at", "duration_seconds"}


def test_a_meeting_has_participants_and_guests(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    bela = factories.contact(cast.sales_north, last_name="Nagy")
    start = timezone.now() + dt.timedelta(days=1)
    meeting = actions.activity_create(
        actor=cast.sales_north,
        values={
            "channel": Channel.MEETING,
            "contact": anna.public_id,
            "attendees": [str(bela.public_id)],
            "guests": [{"name": "Eva", "email": "eva@example.test"}],
            "occurred_at": start,
            "ends_at": start + dt.timedelta(hours=1),
            "place": "Budapest office",
        },
    )
    assert list(meeting.attendees.all()) == [bela]
    assert [a.pk for a in queries.activities_of(cast.sales_north, bela)] == [meeting.pk]


def test_a_timeline_pages_through_activities_and_changes_without_repeats(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    base = timezone.now() - dt.timedelta(days=30)
    for n in range(30):
        actions.activity_create(
            actor=cast.sales_north,
            values={"channel": "call", "contact": anna.public_id, "occurred_at": base + dt.timedelta(hours=n)},
        )
    seen, cursor = [], None
    while True:
        page, cursor = queries.timeline(cast.sales_north, anna, cursor=cursor, limit=7)
        seen += [e.cursor for e in page]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 31  # 30 calls and the contact's creation
    moments = [s.split("|")[0] for s in seen]
    assert moments == sorted(moments, reverse=True)


def test_a_task_assigned_to_a_colleague_joins_their_team(cast):
    task = actions.task_create(actor=cast.manager_north, values={"title": "Call back", "assignee": "sales_north"})
    assert task.owner == cast.sales_north and task.team == cast.north


def test_a_sales_rep_cannot_assign_a_task_to_another_team(cast):
    with pytest.raises(ValidationFailed) as refused:
        actions.task_create(actor=cast.sales_north, values={"title": "Call", "assignee": "sales_south"})
    assert refused.value.errors[0].field == "owner"


def test_a_recurring_task_done_is_followed_once_by_its_next_occurrence(cast):
    due = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
    task = actions.task_create(
        actor=cast.sales_north,
        values={
            "title": "Monthly report",
            "due_at": due,
            "recurrence": "monthly",
            "remind_at": due - dt.timedelta(hours=1),
        },
    )
    actions.task_complete(actor=cast.sales_north, task=task)
    following = Task.objects.get(follows=task)
    assert following.due_at == dt.datetime(2026, 2, 28, 9, 0, tzinfo=dt.UTC)
    assert following.remind_at == following.due_at - dt.timedelta(hours=1)
    assert following.status == TaskStatus.OPEN
    task.refresh_from_db()
    with pytest.raises(Exception):  # noqa: B017 - done already
        actions.task_complete(actor=cast.sales_north, task=task)
    assert Task.objects.filter(follows=task).count() == 1


def test_a_reminder_is_claimed_once(cast):
    task = actions.task_create(
        actor=cast.sales_north, values={"title": "Call Anna", "remind_at": timezone.now() - dt.timedelta(minutes=1)}
    )
    first = actions.reminder_claim(task_id=task.pk)
    second = actions.reminder_claim(task_id=task.pk)
    assert first is not None and second is None
    assert Notification.objects.filter(task=task).count() == 1
