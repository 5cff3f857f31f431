"""What the activities API routers share: list filters, bodies as the caller may see them (a
linked record of another team shows as null, exactly as a missing one), action input from a
request body, and pages of lists sorted by a field that may be empty (a task's due moment, a
project's due day: those without one come last)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.activities import queries
from clientela.activities.models import Activity, Project, Task, TaskStatus
from clientela.core.apikit.bodies import team_ref, user_ref
from clientela.core.errors import ApiError, FieldError, ValidationFailed
from clientela.core.visibility import can_see

if TYPE_CHECKING:
    from clientela.accounts.models import User

PEOPLE_NAMES = ("owner", "team", "assignee")


def action_values(data: dict[str, Any]) -> dict[str, Any]:
    """A validated body as action values: ids as strings (the action resolves them, among the
    records the caller may see); people left null are left out (the action's default: the caller
    and their team)."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in PEOPLE_NAMES and value is None:
            continue
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, list):
            value = [str(v) if isinstance(v, uuid.UUID) else v for v in value]
        values[name] = value
    return values


@contextlib.contextmanager
def naming_assignee() -> Iterator[None]:
    """A task's errors about its owner name the field the API calls `assignee`."""
    try:
        yield
    except ValidationFailed as failed:
        raise ValidationFailed(
            [FieldError("assignee", e.code, e.message) if e.field == "owner" else e for e in failed.errors]
        ) from None


def _owner_filter(user: User, owner: str, field: str, name: str) -> Q:
    if owner == "me":
        return Q(**{f"{field}_id": user.pk})
    try:
        return Q(**{f"{field}__public_id": uuid.UUID(owner)})
    except ValueError:
        raise ApiError.single(422, name, "invalid", _("must be `me` or a user id")) from None


# --- list filters ---------------------------------------------------------------------------------


def activities_filtered(queryset: QuerySet[Activity], params: Any, *, user: User) -> QuerySet[Activity]:
    for kind in ("contact", "organization", "deal"):
        public_id = getattr(params, kind)
        if public_id is not None:
            queryset = queryset.filter(queries.linked_to(kind, public_id))
    if params.channel:
        queryset = queryset.filter(channel=params.channel)
    if params.owner:
        queryset = queryset.filter(_owner_filter(user, params.owner, "owner", "owner"))
    if params.since is not None:
        queryset = queryset.filter(occurred_at__gte=params.since)
    if params.until is not None:
        queryset = queryset.filter(occurred_at__lt=params.until)
    return queryset


def tasks_filtered(queryset: QuerySet[Task], params: Any, *, user: User) -> QuerySet[Task]:
    exact = {
        "status": params.status,
        "priority": params.priority,
        "due_at__lt": params.due_before,
        "due_at__gte": params.due_after,
        "contact__public_id": params.contact,
        "organization__public_id": params.organization,
        "deal__public_id": params.deal,
        "project__public_id": params.project,
    }
    for lookup, value in exact.items():
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    if params.assignee:
        queryset = queryset.filter(_owner_filter(user, params.assignee, "owner", "assignee"))
    if params.overdue is True:
        queryset = queryset.filter(status=TaskStatus.OPEN, due_at__lt=timezone.now())
    elif params.overdue is False:
        queryset = queryset.exclude(status=TaskStatus.OPEN, due_at__lt=timezone.now())
    return queryset


def projects_filtered(queryset: QuerySet[Project], params: Any, *, user: User) -> QuerySet[Project]:
    for word in (params.q or "").split()[:8]:
        queryset = queryset.filter(name__icontains=word)
    exact = {"status": params.status, "organization__public_id": params.organization, "deal__public_id": params.deal}
    for lookup, value in exact.items():
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    if params.owner:
        queryset = queryset.filter(_owner_filter(user, params.owner, "owner", "owner"))
    return queryset


# --- pages sorted by a field that may be empty ---------------------------------------------------


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(tag: str, value: Any, pk: int) -> str:
    written = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    raw = json.dumps({"s": tag, "v": [written, pk]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, tag: str, kind: type) -> tuple[Any, int]:
    invalid = ApiError.single(422, "cursor", "invalid_cursor", _("the cursor is not one this list gave out"))
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        value, pk = data["v"]
        if data["s"] != tag or not isinstance(pk, int) or isinstance(pk, bool):
            raise invalid
        if value is None:
            return None, pk
        if not isinstance(value, str):
            raise invalid
        if kind is dt.datetime:
            moment = dt.datetime.fromisoformat(value)
            if timezone.is_naive(moment):
                raise invalid
            return moment, pk
        if kind is dt.date:
            return dt.date.fromisoformat(value), pk
        return value, pk
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise invalid from None


def paginate_by(queryset: QuerySet[Any], sort: str, *, cursor: str | None, limit: int) -> Page:
    """One page of `queryset` sorted by `sort` (a field, `-` for descending), the id breaking ties;
    rows whose field is empty come last in either direction. One query (plus prefetches)."""
    field = sort.removeprefix("-")
    descending = sort.startswith("-")
    model_field = queryset.model._meta.get_field(field)
    kind: type = {"DateTimeField": dt.datetime, "DateField": dt.date}.get(model_field.get_internal_type(), str)
    tag = f"{queryset.model._meta.model_name}:{sort}"
    step = "lt" if descending else "gt"
    if cursor:
        value, pk = _decode(cursor, tag, kind)
        if value is None:
            queryset = queryset.filter(**{f"{field}__isnull": True}, **{f"pk__{step}": pk})
        else:
            queryset = queryset.filter(
                Q(**{f"{field}__{step}": value})
                | Q(**{field: value, f"pk__{step}": pk})
                | Q(**{f"{field}__isnull": True})
            )
    key = queryset.model._meta.pk.name
    order = [
        F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True),
        f"-{key}" if descending else key,
    ]
    rows = list(queryset.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return Page(rows, _encode(tag, getattr(last, field), last.pk) if more and last is not None else None)


# --- bodies ---------------------------------------------------------------------------------------


def _id(user: User, record: Any) -> Any:
    """A linked record's public id, when the caller may see it and it is not in the trash."""
    if record is None or record.deleted_at is not None or not can_see(user, record):
        return None
    return record.public_id


def _record(record: Any) -> dict[str, Any]:
    return {
        "id": record.public_id,
        "version": record.version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "deleted_at": record.deleted_at,
    }


ACTIVITY_VALUES = ("channel", "direction", "subject", "body", "purpose", "outcome", "occurred_at", "ends_at",
                   "duration_seconds", "place")  # fmt: skip
TASK_VALUES = ("title", "description", "due_at", "priority", "status", "recurrence", "recurrence_interval",
               "recurrence_until", "remind_at", "completed_at")  # fmt: skip
PROJECT_VALUES = ("name", "description", "status", "starts_on", "due_on")


def activity_body(user: User, activity: Activity) -> dict[str, Any]:
    """An activity as the caller sees it (attendees prefetched; `email_public_id` annotated by
    `queries.with_email_id`)."""
    return {
        **_record(activity),
        **{name: getattr(activity, name) for name in ACTIVITY_VALUES},
        "owner": user_ref(activity.owner),
        "team": team_ref(activity.team),
        "contact": _id(user, activity.contact),
        "organization": _id(user, activity.organization),
        "deal": _id(user, activity.deal),
        "attendees": [c.public_id for c in activity.attendees.all() if c.deleted_at is None and can_see(user, c)],
        "guests": [{"name": g.get("name", ""), "email": g.get("email", "")} for g in activity.guests or []],
        "email": getattr(activity, "email_public_id", None),
    }


def task_body(user: User, task: Task, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """A task as the caller sees it (`follows_public_id` and `next_public_id` annotated by
    `queries.with_series`)."""
    now = now or timezone.now()
    return {
        **_record(task),
        **{name: getattr(task, name) for name in TASK_VALUES},
        "assignee": user_ref(task.owner),
        "team": team_ref(task.team),
        "contact": _id(user, task.contact),
        "organization": _id(user, task.organization),
        "deal": _id(user, task.deal),
        "project": _id(user, task.project),
        "overdue": task.status == TaskStatus.OPEN and task.due_at is not None and task.due_at < now,
        "follows": getattr(task, "follows_public_id", None),
        "next_occurrence": getattr(task, "next_public_id", None),
    }


def project_body(user: User, project: Project) -> dict[str, Any]:
    """A project with its progress (`task_count`, `done_count` annotated by `queries.with_progress`)."""
    total = getattr(project, "task_count", 0) or 0
    done = getattr(project, "done_count", 0) or 0
    return {
        **_record(project),
        **{name: getattr(project, name) for name in PROJECT_VALUES},
        "owner": user_ref(project.owner),
        "team": team_ref(project.team),
        "organization": _id(user, project.organization),
        "deal": _id(user, project.deal),
        "task_count": total,
        "done_count": done,
        "progress": round(100 * done / total) if total else 0,
    }
