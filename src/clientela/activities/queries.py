"""Every read of the activities app, scoped to what the reader may see (DESIGN.md rule 3):
activities, tasks and projects by role and team like every record; a timeline merges a
record's activities with its change log, newest first, a page at a time (keyset, so a later
page costs what the first does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.activities.models import Activity, CalendarFeed, Channel, Notification, Project, Task, TaskStatus
from clientela.core.errors import NotFound
from clientela.core.ids import is_uuid
from clientela.core.models import Event
from clientela.core.validation import one_by_public_id
from clientela.core.visibility import Visibility, visible

if TYPE_CHECKING:
    from clientela.accounts.models import User

TIMELINE_PAGE = 25


# --- activities ----------------------------------------------------------------------------------


def activities_visible(user: User, *, trash: bool = False) -> QuerySet[Activity]:
    records = Activity.all_objects.filter(deleted_at__isnull=False) if trash else Activity.objects.all()
    return visible(records, user).select_related("owner", "team", "contact", "organization", "deal")


def activity_get(user: User, public_id: Any, *, include_trash: bool = False) -> Activity:
    records = Activity.all_objects.all() if include_trash else Activity.objects.all()
    queryset = visible(records, user).select_related("owner", "team", "contact", "organization", "deal")
    return one_by_public_id(with_email_id(queryset).prefetch_related("attendees"), public_id, _("no such activity"))


def activity_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = visible(Activity.all_objects.filter(public_id__in=public_ids), reader).values_list(
        "public_id", "subject", "channel"
    )
    return {str(pid): subject or str(Channel(channel).label) for pid, subject, channel in rows}


def activities_of(user: User, record: Any) -> QuerySet[Activity]:
    """The activities of a contact (its own and the meetings it took part in), an organization or
    a deal that `user` may see."""
    return activities_visible(user).filter(linked_to(record._meta.model_name, record))


ATTENDED_LISTED = 2000  # a contact's meetings as a participant up to this are named by id


def linked_to(kind: str, record: Any) -> Q:
    """Activities of a contact, an organization or a deal (`kind`), given as a record or by its
    public id: a contact's include the meetings it took part in (as a participant).

    The record is named by its row id, and a contact's meetings as a participant by their ids
    (usually none or a few), so that the page of a long timeline is read backwards along the
    (record, occurred_at, id) index, not sorted from all of the record's activities."""
    if kind not in ("contact", "organization", "deal"):
        raise ValueError(f"activities are not linked to a {kind}")
    if hasattr(record, "pk"):
        pk = record.pk
    else:
        from clientela.parties.models import Contact, Organization
        from clientela.sales.models import Deal

        model = {"contact": Contact, "organization": Organization, "deal": Deal}[kind]
        pk = (
            model.all_objects.filter(public_id=record).values_list("pk", flat=True).first() if is_uuid(record) else None
        )
        if pk is None:
            return Q(pk__in=[])
    own = Q(**{f"{kind}_id": pk})
    if kind != "contact":
        return own
    attended = Activity.attendees.through.objects.filter(contact_id=pk).values_list("activity_id", flat=True)
    listed = list(attended[: ATTENDED_LISTED + 1])
    if not listed:
        return own
    return own | Q(pk__in=listed if len(listed) <= ATTENDED_LISTED else attended)


def with_email_id(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Each activity with the public id of the e-mail it is (`email_public_id`, None for other
    channels), read in the same query: the channels app's e-mail points at its activity."""
    return activities.annotate(
        email_public_id=Case(When(email__deleted_at__isnull=True, then=F("email__public_id")), default=None)
    )


# --- the timeline: activities and the change log, merged ---------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "activity" or "change"
    activity: Activity | None = None
    event: Event | None = None

    @property
    def cursor(self) -> str:
        item = self.activity.pk if self.activity is not None else self.event.pk  # type: ignore[union-attr]
        return f"{self.at.isoformat()}|{self.kind}|{item}"


def parse_cursor(text: str | None) -> tuple[dt.datetime, str, int] | None:
    """A timeline cursor from a page's "older" link; None (the newest page) when missing or bad."""
    if not text or len(text) > 80:
        return None
    parts = text.split("|")
    if len(parts) != 3 or parts[1] not in ("activity", "change") or not parts[2].isdigit():
        return None
    try:
        moment = dt.datetime.fromisoformat(parts[0])
    except ValueError:
        return None
    if timezone.is_naive(moment):
        return None
    return moment, parts[1], int(parts[2])


def _before(cursor: tuple[dt.datetime, str, int] | None, kind: str, field: str) -> Q:
    """Entries older than the cursor in the timeline's order: (moment, kind, id) descending, an
    activity before a change at the same moment."""
    if cursor is None:
        return Q()
    moment, cursor_kind, item = cursor
    older = Q(**{f"{field}__lt": moment})
    if kind == cursor_kind:
        return older | Q(**{field: moment, "pk__lt": item})
    if kind == "change" and cursor_kind == "activity":  # changes at the same moment come after
        return older | Q(**{field: moment})
    return older


def timeline(
    user: User, record: Any, *, channel: str = "", cursor: str | None = None, limit: int = TIMELINE_PAGE,
    with_changes: bool = True, event_ids: list[Any] | None = None,
) -> tuple[list[TimelineEntry], str | None]:  # fmt: skip
    """One page of `record`'s timeline for `user`: its activities (of `channel` when given) and,
    unless a channel is chosen, its change log (the events of `event_ids`, the record's own and
    those merged into it by default), newest first. Returns the entries and the cursor of the next
    (older) page, None at the end. Two indexed queries of `limit + 1` rows whatever the history's size."""
    after = parse_cursor(cursor)
    activities = activities_of(user, record)
    if channel:
        activities = activities.filter(channel=channel)
    rows = list(
        activities.filter(_before(after, "activity", "occurred_at")).order_by("-occurred_at", "-pk")[: limit + 1]
    )
    entries = [TimelineEntry(a.occurred_at, "activity", activity=a) for a in rows]
    if with_changes and not channel:
        ids = event_ids if event_ids is not None else [record.public_id]
        events = (
            Event.objects.filter(record_type=record._meta.label_lower, record_id__in=ids)
            .filter(_before(after, "change", "occurred_at"))
            .select_related("actor")
            .order_by("-occurred_at", "-pk")[: limit + 1]
        )
        entries += [TimelineEntry(e.occurred_at, "change", event=e) for e in events]
    entries.sort(key=lambda e: (e.at, e.kind == "activity", e.activity.pk if e.activity else e.event.pk),  # type: ignore[union-attr]
                 reverse=True)  # fmt: skip
    page = entries[:limit]
    more = len(entries) > limit
    return page, (page[-1].cursor if more and page else None)


# --- tasks and projects --------------------------------------------------------------------------


def tasks_visible(user: User, *, trash: bool = False) -> QuerySet[Task]:
    records = Task.all_objects.filter(deleted_at__isnull=False) if trash else Task.objects.all()
    return visible(records, user).select_related("owner", "team", "contact", "organization", "deal", "project")


def task_get(user: User, public_id: Any, *, include_trash: bool = False) -> Task:
    records = Task.all_objects.all() if include_trash else Task.objects.all()
    queryset = visible(records, user).select_related("owner", "team", "contact", "organization", "deal", "project")
    return one_by_public_id(with_series(queryset), public_id, _("no such task"))


def with_series(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Each task with the public ids of the occurrence it follows and of the one that follows it
    (`follows_public_id`, `next_public_id`; None outside a recurring series), in the same query."""
    return tasks.annotate(follows_public_id=F("follows__public_id"), next_public_id=F("next_occurrence__public_id"))


def task_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = visible(Task.all_objects.filter(public_id__in=public_ids), reader).values_list("public_id", "title")
    return {str(pid): title for pid, title in rows}


def my_tasks(user: User, *, limit: int = 20) -> list[Task]:
    """The user's open tasks, the soonest due first (those without a due moment last)."""
    tasks = tasks_visible(user).filter(owner=user, status=TaskStatus.OPEN)
    return list(tasks.order_by(timezone_nulls_last("due_at"), "pk")[:limit])


def overdue_tasks(user: User, *, limit: int = 20) -> list[Task]:
    """Open tasks past their due moment that `user` may see and is assigned to (all of a team's
    for its manager, everybody's for an administrator: who sees them, acts on them)."""
    tasks = tasks_visible(user).filter(status=TaskStatus.OPEN, due_at__lt=timezone.now())
    return list(tasks.order_by("due_at", "pk")[:limit])


def timezone_nulls_last(field: str) -> Any:
    from django.db.models import F

    return F(field).asc(nulls_last=True)


def tasks_of(user: User, record: Any, *, open_only: bool = True) -> list[Task]:
    field = record._meta.model_name
    tasks = tasks_visible(user).filter(**{field: record})
    if open_only:
        tasks = tasks.filter(status=TaskStatus.OPEN)
    return list(tasks.order_by(timezone_nulls_last("due_at"), "pk")[:50])


def projects_visible(user: User, *, trash: bool = False) -> QuerySet[Project]:
    records = Project.all_objects.filter(deleted_at__isnull=False) if trash else Project.objects.all()
    return visible(records, user).select_related("owner", "team", "organization", "deal")


def with_progress(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Each project with its number of live tasks and of those done (`task_count`, `done_count`)."""
    live = Q(tasks__deleted_at__isnull=True) & ~Q(tasks__status=TaskStatus.CANCELLED)
    return projects.annotate(
        task_count=Count("tasks", filter=live),
        done_count=Count("tasks", filter=live & Q(tasks__status=TaskStatus.DONE)),
    )


def project_get(user: User, public_id: Any, *, include_trash: bool = False) -> Project:
    records = Project.all_objects.all() if include_trash else Project.objects.all()
    queryset = with_progress(visible(records, user).select_related("owner", "team", "organization", "deal"))
    return one_by_public_id(
        queryset.prefetch_related(
            Prefetch(
                "tasks", queryset=Task.objects.select_related("owner").order_by(timezone_nulls_last("due_at"), "pk")
            )
        ),  # fmt: skip
        public_id,
        _("no such project"),
    )


def project_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = visible(Project.all_objects.filter(public_id__in=public_ids), reader).values_list("public_id", "name")
    return {str(pid): name for pid, name in rows}


# --- reminders and notifications --------------------------------------------------------------


def reminders_due(*, limit: int = 500) -> list[int]:
    """Tasks whose reminder moment has come and that were not reminded yet (the worker's sweep)."""
    return list(
        Task.objects.filter(
            status=TaskStatus.OPEN, reminded_at__isnull=True, remind_at__isnull=False, remind_at__lte=timezone.now()
        )
        .order_by("remind_at")
        .values_list("pk", flat=True)[:limit]
    )


def unread_notifications(user: User, *, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user=user, read_at__isnull=True).select_related("task")[:limit])


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(user: User, *, limit: int = 100) -> list[Notification]:
    """The user's notifications, newest first (read ones too), with their tasks."""
    return list(Notification.objects.filter(user=user).select_related("task")[:limit])


# --- the calendar --------------------------------------------------------------------------------


def calendar_entries(user: User, start: dt.datetime, end: dt.datetime, *, owner: Any = None) -> dict[str, list]:
    """Meetings (and other activities planned with an end) and tasks due in [start, end) that `user`
    may see, of `owner` (the user by default)."""
    owner = owner or user
    meetings = (
        with_email_id(activities_visible(user))
        .filter(owner=owner, channel=Channel.MEETING, occurred_at__lt=end)
        .filter(Q(ends_at__gt=start) | Q(ends_at__isnull=True, occurred_at__gte=start))
        .prefetch_related("attendees")
        .order_by("occurred_at", "pk")
    )
    tasks = with_series(tasks_visible(user)).filter(owner=owner, due_at__gte=start, due_at__lt=end).exclude(
        status=TaskStatus.CANCELLED).order_by("due_at", "pk")  # fmt: skip
    return {"meetings": list(meetings[:500]), "tasks": list(tasks[:500])}


def contact_emails(contact_ids: set[int]) -> dict[int, str]:
    """Each contact's e-mail address to invite them at (the primary one that did not bounce,
    else the first), by contact pk: one query."""
    from clientela.parties.models import ContactPoint  # the parties app is below this one

    found: dict[int, str] = {}
    rows = ContactPoint.objects.filter(contact_id__in=contact_ids, kind=ContactPoint.Kind.EMAIL, bounced_at=None)
    for contact_id, value in rows.order_by("contact_id", "-is_primary", "id").values_list("contact_id", "value"):
        found.setdefault(contact_id, value)
    return found


def calendar_feed_exists(user: User) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()


def calendar_people(user: User) -> QuerySet[Any]:
    """The active users whose calendars `user` may look at: everybody for one who sees all
    records, their team for one who sees the team's (a manager), else themselves."""
    from clientela.accounts.models import User as Users  # the accounts app is below this one

    people = Users.objects.filter(is_active=True)
    visibility = user.policy.visibility
    if visibility == Visibility.ALL:
        return people.order_by("username")
    if visibility == Visibility.TEAM and user.team_id is not None:
        return people.filter(Q(team_id=user.team_id) | Q(pk=user.pk)).order_by("username")
    return people.filter(pk=user.pk)


def calendar_owner(user: User, public_id: Any) -> Any:
    """The user, named by public id, whose calendar `user` wants: NotFound unless they may see it."""
    found = calendar_people(user).filter(public_id=public_id).first() if is_uuid(public_id) else None
    if found is None:
        raise NotFound(_("no such user"))
    return found


def feed_owner(token: str) -> Any:
    """The user whose calendar feed has this secret token, or None."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token)).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
