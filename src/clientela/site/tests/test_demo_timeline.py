"""The demo's timeline: every channel on the deals' and contacts' timelines, e-mails threaded
as conversations, tasks open, overdue and done, meetings planned for the calendar, projects
part done — each logged once in the change log, dated when it happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from clientela.activities.models import Activity, Channel, Project, Task, TaskStatus
from clientela.channels.models import Email, EmailDirection
from clientela.core.models import Event
from clientela.site.demo.load import load

SMALL = 0.05


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(empty_database: None, now: dt.datetime) -> None:
    load(seed=2024, scale=SMALL, seeded_ids=True, now=now)


def test_the_demo_timeline_has_every_kind_of_contact_with_customers(demo, now):
    channels = set(Activity.objects.values_list("channel", flat=True))
    assert {Channel.CALL, Channel.EMAIL, Channel.MEETING, Channel.NOTE} <= channels
    assert channels & {Channel.WEB, Channel.CHAT}
    assert not Activity.objects.filter(contact__isnull=True, organization__isnull=True, deal__isnull=True).exists()
    # Meetings are planned ahead for the calendar; nothing else happens in the future.
    assert Activity.objects.filter(channel=Channel.MEETING, occurred_at__gt=now).exists()
    assert (
        not Activity.objects.exclude(channel=Channel.MEETING)
        .filter(occurred_at__gt=now + dt.timedelta(days=8))
        .exists()
    )


def test_each_demo_activity_and_task_is_logged_once_at_its_moment(demo, now):
    logged = dict(Event.objects.filter(action="activity.create").values_list("record_id", "occurred_at"))
    activities = list(Activity.objects.values_list("public_id", "occurred_at", "created_at"))
    assert len(logged) == len(activities)
    for public_id, occurred_at, created_at in activities:
        assert logged[public_id] == min(occurred_at, now) == created_at
    assert Event.objects.filter(action="task.create").count() == Task.objects.count()
    assert Event.objects.filter(action="task.complete").count() == Task.objects.filter(status=TaskStatus.DONE).count()


def test_demo_emails_are_conversations_with_replies_threaded(demo):
    emails = Email.objects.all()
    assert (
        emails.filter(direction=EmailDirection.OUTBOUND).exists()
        and emails.filter(direction=EmailDirection.INBOUND).exists()
    )
    replies = emails.exclude(in_reply_to="")
    assert replies.exists()
    for reply in replies.select_related("thread"):
        original = Email.objects.get(message_id=reply.in_reply_to)
        assert reply.thread_id == original.thread_id
        assert reply.references.split()[-1] == original.message_id
    assert emails.filter(activity__isnull=True).count() == 0
    assert len(set(emails.values_list("message_id", flat=True))) == emails.count()


def test_demo_sales_people_have_open_overdue_and_done_tasks_and_projects_show_progress(demo, now):
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN)
    assert open_tasks.filter(due_at__lt=now).exists() and open_tasks.filter(due_at__gt=now).exists()
    assert Task.objects.filter(status=TaskStatus.DONE, completed_at__isnull=False).exists()
    projects = Project.objects.annotate(n=Count("tasks")).order_by("pk")
    assert projects and all(p.n >= 4 for p in projects)
    # Reminders whose moment passed before the load count as delivered; the later ones wait.
    assert not Task.objects.filter(remind_at__lte=now, reminded_at__isnull=True).exists()
    assert Task.objects.filter(remind_at__gt=now, reminded_at__isnull=True, status=TaskStatus.OPEN).exists()
