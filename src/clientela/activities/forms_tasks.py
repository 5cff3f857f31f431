"""The filters of the tasks list ("my tasks"): whose tasks (mine, my team's, all I may see),
their status, when they are due (overdue, today, this week, in the reader's time zone) and the
order. Unknown values in the address fall back to the defaults, so a link never fails."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.activities.models import Priority, Task, TaskStatus
from clientela.core.visibility import Visibility

if TYPE_CHECKING:
    from clientela.accounts.models import User

SCOPES = {"mine": _("Mine"), "team": _("My team's"), "all": _("All I can see")}
STATUSES = {
    "open": pgettext_lazy("tasks", "Open"),
    "done": pgettext_lazy("tasks", "Done"),
    "cancelled": pgettext_lazy("tasks", "Cancelled"),
    "any": pgettext_lazy("tasks", "Any status"),
}
DUE = {"": _("Any time"), "overdue": _("Overdue"), "today": _("Due today"), "week": _("Due this week")}
SORTS = {"due": _("Due first"), "-due": _("Due last"), "priority": _("Priority")}
DEFAULTS = {"scope": "mine", "status": "open", "due": "", "sort": "due"}
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


@dataclass(frozen=True)
class TaskFilters:
    scope: str = "mine"
    status: str = "open"
    due: str = ""
    sort: str = "due"

    def query_string(self, **changes: str) -> str:
        """The address's query for these filters with `changes`, defaults left out."""
        chosen = replace(self, **changes)
        pairs = {k: getattr(chosen, k) for k in DEFAULTS if getattr(chosen, k) != DEFAULTS[k]}
        return urlencode(pairs)


def sees_team(user: User) -> bool:
    """Whether "my team's tasks" means something to `user`: they have a team and see its records."""
    return user.team_id is not None and user.policy.visibility != Visibility.OWN


def task_filters(data: QueryDict, user: User) -> TaskFilters:
    def pick(name: str, allowed: dict[str, Any]) -> str:
        value = data.get(name, DEFAULTS[name])
        return value if value in allowed else DEFAULTS[name]

    scope = pick("scope", SCOPES)
    if scope == "team" and not sees_team(user):
        scope = DEFAULTS["scope"]
    return TaskFilters(scope=scope, status=pick("status", STATUSES), due=pick("due", DUE), sort=pick("sort", SORTS))


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)


def filtered(tasks: QuerySet[Task], filters: TaskFilters, user: User, zone: dt.tzinfo) -> QuerySet[Task]:
    """`tasks` (already those `user` may see) narrowed and ordered by `filters`."""
    if filters.scope == "mine":
        tasks = tasks.filter(owner=user)
    elif filters.scope == "team":
        tasks = tasks.filter(team_id=user.team_id)
    if filters.status != "any":
        tasks = tasks.filter(status=filters.status)
    now = timezone.now()
    today = timezone.localtime(now, zone).date()
    if filters.due == "overdue":
        tasks = tasks.filter(status=TaskStatus.OPEN, due_at__lt=now)
    elif filters.due == "today":
        tasks = tasks.filter(due_at__gte=_day_start(today, zone), due_at__lt=_day_start(today + dt.timedelta(1), zone))
    elif filters.due == "week":
        monday = today - dt.timedelta(days=today.weekday())
        tasks = tasks.filter(
            due_at__gte=_day_start(monday, zone), due_at__lt=_day_start(monday + dt.timedelta(7), zone)
        )
    if filters.sort == "priority":
        rank = Case(
            *(When(priority=value, then=Value(n)) for value, n in PRIORITY_RANK.items()),
            default=Value(9),
            output_field=IntegerField(),
        )
        return tasks.order_by(rank, _due_first(), "pk")
    if filters.sort == "-due":
        return tasks.order_by(_due_last(), "-pk")
    return tasks.order_by(_due_first(), "pk")


def _due_first() -> Any:
    return F("due_at").asc(nulls_last=True)


def _due_last() -> Any:
    return F("due_at").desc(nulls_last=True)
