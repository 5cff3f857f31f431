"""Activities and tasks written with their history, each at its own moment in the past.

`activity_create` and `task_create` stamp "now". A history — the demo's three years of
calls, meetings and e-mails, or another CRM's timeline — needs each entry dated when it
happened. These batch actions take planned records and write them as the single-record path
would have at their moments: the row (created at its moment), one "activity.create" /
"task.create" event dated then (a task done later also its "task.complete" event), with the
changes `core.records.create_record` logs (references by public id).

Everything is checked before anything is written (the actor may write; channels, directions,
priorities and statuses are known; a meeting ends after it starts; each activity is linked to
a contact, organization or deal; owners are active users); a bad plan raises
`ValidationFailed` naming its index (`plans[3].channel`) and writes nothing. One transaction
per call, a few multi-row statements per table whatever the number of plans.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.activities.models import Activity, Channel, Direction, Priority, Task, TaskStatus
from clientela.core.changelog import bulk_append_events, event_fields, record_label
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.ids import uuid7
from clientela.core.models import Event
from clientela.core.records import logged_value
from clientela.core.visibility import require_write

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User
    from clientela.parties.models import Contact, Organization
    from clientela.sales.models import Deal

BATCH_SIZE = 1000
EMPTY: tuple[Any, ...] = (None, "", {}, [])


@dataclass
class ActivityPlan:
    channel: str
    occurred_at: dt.datetime
    owner: User
    team: Team | None
    direction: str = Direction.OUTBOUND
    subject: str = ""
    body: str = ""
    purpose: str = ""
    outcome: str = ""
    duration_seconds: int | None = None
    ends_at: dt.datetime | None = None
    place: str = ""
    contact: Contact | None = None
    organization: Organization | None = None
    deal: Deal | None = None
    attendees: list[Contact] = field(default_factory=list)
    public_id: Any = None


@dataclass
class TaskPlan:
    title: str
    created_at: dt.datetime
    owner: User
    team: Team | None
    due_at: dt.datetime | None = None
    priority: str = Priority.NORMAL
    status: str = TaskStatus.OPEN
    completed_at: dt.datetime | None = None
    remind_at: dt.datetime | None = None
    description: str = ""
    contact: Contact | None = None
    organization: Organization | None = None
    deal: Deal | None = None
    project: Any = None
    public_id: Any = None


ACTIVITY_VALUES = ("channel", "direction", "subject", "body", "purpose", "outcome", "occurred_at", "ends_at",
                   "duration_seconds", "place", "contact", "organization", "deal", "owner", "team")  # fmt: skip
TASK_VALUES = ("title", "description", "due_at", "priority", "status", "completed_at", "remind_at", "contact",
               "organization", "deal", "project", "owner", "team")  # fmt: skip


def _check_activities(plans: list[ActivityPlan]) -> None:
    errors: list[FieldError] = []
    for index, plan in enumerate(plans):
        where = f"plans[{index}]"
        if plan.channel not in Channel.values:
            errors.append(FieldError(f"{where}.channel", "invalid", _("is not a channel")))
        if plan.direction not in Direction.values:
            errors.append(FieldError(f"{where}.direction", "invalid", _("is not a direction")))
        if plan.ends_at is not None and plan.ends_at < plan.occurred_at:
            errors.append(FieldError(f"{where}.ends_at", "invalid", _("must not be before the start")))
        if plan.contact is None and plan.organization is None and plan.deal is None:
            errors.append(
                FieldError(f"{where}.contact", "required", _("link the activity to a contact, organization or deal"))
            )
        if plan.owner is None or not plan.owner.is_active:
            errors.append(FieldError(f"{where}.owner", "invalid", _("an active user")))
    if errors:
        raise ValidationFailed(errors)


def _changes(record: Any, names: tuple[str, ...]) -> dict[str, list[Any]]:
    changes = {}
    for name in names:
        value = logged_value(record, name, getattr(record, name))
        if value not in EMPTY:
            changes[name] = [None, value]
    return changes


def _event(actor: User, record: Any, action: str, kind: str, at: dt.datetime, changes: dict) -> Event:
    return Event(**event_fields(
        actor=actor, action=action, kind=kind, record_type=record._meta.label_lower, record_id=record.public_id,
        label=record_label(record), owner_id=record.owner_id, team_id=record.team_id, changes=changes,
        version=record.version, occurred_at=at,
    ))  # fmt: skip


def activities_load_history(
    *, actor: User, plans: list[ActivityPlan], now: dt.datetime | None = None
) -> list[Activity]:
    """Write `plans` as activities logged at their moments (see the module's docstring); returns
    the activities in the plans' order. A meeting planned after `now` (the moment of the load) is
    logged at `now`."""
    require_write(actor)
    _check_activities(plans)
    now = now or timezone.now()
    rows = []
    for plan in plans:
        values = {name: getattr(plan, name) for name in ACTIVITY_VALUES}
        rows.append(Activity(public_id=plan.public_id or uuid7(), created_by=actor, updated_by=actor, **values))
    with transaction.atomic():
        Activity.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        # created_at is auto_now_add: the history's moment replaces it, as the row was logged then
        # A meeting planned ahead was logged before it happens: now, at the latest.
        restamp_created(Activity, [(row.pk, min(plan.occurred_at, now)) for row, plan in zip(rows, plans, strict=True)])
        through = Activity.attendees.through
        links = [through(activity_id=row.pk, contact_id=c.pk) for row, plan in zip(rows, plans, strict=True)
                 for c in plan.attendees]  # fmt: skip
        through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        events = []
        for row, plan in zip(rows, plans, strict=True):
            changes = _changes(row, ACTIVITY_VALUES)
            if plan.attendees:
                from clientela.core.references import ref

                changes["attendees"] = [None, [ref(c) for c in plan.attendees]]
            events.append(
                _event(actor, row, "activity.create", Event.Kind.CREATED, min(plan.occurred_at, now), changes)
            )
        bulk_append_events(events)
    return rows


def tasks_load_history(*, actor: User, plans: list[TaskPlan], now: dt.datetime | None = None) -> list[Task]:
    """Write `plans` as tasks created at their moments, done ones completed at theirs. A reminder
    whose moment passed before `now` (the load) counts as delivered: nobody is reminded today of
    what the history already did; a later one waits for the worker."""
    now = now or timezone.now()
    require_write(actor)
    errors: list[FieldError] = []
    for index, plan in enumerate(plans):
        if not plan.title.strip():
            errors.append(FieldError(f"plans[{index}].title", "required", _("This field cannot be blank.")))
        if plan.status not in TaskStatus.values:
            errors.append(FieldError(f"plans[{index}].status", "invalid", _("is not a status")))
        if plan.priority not in Priority.values:
            errors.append(FieldError(f"plans[{index}].priority", "invalid", _("is not a priority")))
        if plan.status == TaskStatus.DONE and plan.completed_at is None:
            errors.append(FieldError(f"plans[{index}].completed_at", "required", _("a done task was completed")))
    if errors:
        raise ValidationFailed(errors)
    rows = []
    for plan in plans:
        values = {name: getattr(plan, name) for name in TASK_VALUES}
        reminded = plan.remind_at if plan.remind_at is not None and plan.remind_at <= now else None
        done = plan.status != TaskStatus.OPEN
        version = 2 if done else 1
        rows.append(Task(public_id=plan.public_id or uuid7(), created_by=actor, updated_by=actor,
                         version=version, reminded_at=reminded if not done else plan.remind_at, **values))  # fmt: skip
    with transaction.atomic():
        Task.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        restamp_created(Task, [(row.pk, plan.created_at) for row, plan in zip(rows, plans, strict=True)])
        events = []
        for row, plan in zip(rows, plans, strict=True):
            created = _changes(row, TASK_VALUES)
            if plan.status != TaskStatus.OPEN:
                created["status"] = [None, TaskStatus.OPEN]
                created.pop("completed_at", None)
            row.version = 1
            events.append(_event(actor, row, "task.create", Event.Kind.CREATED, plan.created_at, created))
            if plan.status != TaskStatus.OPEN:
                row.version = 2
                closed = {"status": [TaskStatus.OPEN, plan.status],
                          "completed_at": [None, logged_value(row, "completed_at", plan.completed_at)]}  # fmt: skip
                at = plan.completed_at or plan.created_at
                events.append(_event(actor, row, "task.complete", Event.Kind.UPDATED, at, closed))
        bulk_append_events(events)
    return rows


def restamp_created(model: Any, moments: list[tuple[int, dt.datetime]]) -> None:
    """Set created_at (and updated_at) of rows just inserted to their moments in the history."""
    from django.db.models import Case, DateTimeField, Value, When

    for start in range(0, len(moments), 500):
        chunk = moments[start : start + 500]
        moment = Case(*[When(pk=pk, then=Value(at)) for pk, at in chunk], output_field=DateTimeField())
        model.all_objects.filter(pk__in=[pk for pk, _at in chunk]).update(created_at=moment, updated_at=moment)
