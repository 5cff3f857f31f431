"""Reading the change log for the administrators' audit page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from clientela.core import recordtypes
from clientela.core.ids import is_uuid
from clientela.core.models import Event
from clientela.core.moments import shown_iso
from clientela.core.visibility import require_admin

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User

PAGE_SIZE = 50


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    record_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    before: int | None = None

    def params(self) -> dict[str, str]:
        result = {
            "actor": self.actor,
            "action": self.action,
            "record_type": self.record_type,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in result.items() if v}


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_filters(data: QueryDict) -> AuditFilters:
    def text(key: str) -> str:
        return (data.get(key) or "").replace("\x00", "").strip()[:100]

    before = text("before")
    return AuditFilters(
        actor=text("actor"),
        action=text("action"),
        record_type=text("record_type"),
        since=_date(text("since")),
        until=_date(text("until")),
        before=int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None,
    )


def audit_events(actor: User, filters: AuditFilters, *, size: int = PAGE_SIZE) -> tuple[list[Event], int | None]:
    """A page of events, newest first, and the cursor of the next (older) page."""
    require_admin(actor)
    events: QuerySet[Event] = Event.objects.select_related("actor").order_by("-id")
    if filters.actor == "-":
        events = events.filter(actor__isnull=True)
    elif filters.actor:
        events = events.filter(actor__username=filters.actor)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.record_type:
        events = events.filter(record_type=filters.record_type)
    tz = timezone.get_current_timezone()
    if filters.since:
        events = events.filter(occurred_at__gte=dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz))
    if filters.until:
        events = events.filter(
            occurred_at__lt=dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    if filters.before is not None:
        events = events.filter(id__lt=filters.before)
    rows = list(events[: size + 1])
    cursor = rows[size - 1].id if len(rows) > size else None
    return rows[:size], cursor


MAX_SHOWN = 300  # characters of one changed value on the page


def shown_value(value: Any, names: dict[str, str] | None = None) -> str:
    """A logged value as people read it: "—" for nothing, lists joined, moments to the second,
    a record logged by its public id (an owner, a team, a parent) by its name (`names`)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if names and isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        text = ", ".join(shown_value(item, names) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{key}: {shown_value(item, names)}" for key, item in sorted(value.items()))
    else:
        text = str(value)
        text = shown_iso(text, seconds=True) or text
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def change_rows(event: Event, names: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(field, old, new) of an event, values shown as people read them (records by `names`)."""
    rows = []
    for name, pair in sorted(event.changes.items()):
        if isinstance(pair, list) and len(pair) == 2:
            rows.append((name, shown_value(pair[0], names), shown_value(pair[1], names)))
        else:
            rows.append((name, "", shown_value(pair, names)))
    return rows


def _ids_in(value: Any, found: set[str]) -> None:
    if isinstance(value, str) and len(value) == 36 and is_uuid(value):
        found.add(value)
    elif isinstance(value, list | tuple):
        for item in value:
            _ids_in(item, found)


def record_names(reader: User, events: list[Event]) -> dict[str, str]:
    """Public id -> the record's name, for every record the events' changes refer to by id and
    `reader` may see, from the record types that can name them (users, teams, organizations...)."""
    ids: set[str] = set()
    for event in events:
        for pair in event.changes.values():
            _ids_in(pair, ids)
    if not ids:
        return {}
    return recordtypes.names_of(reader, ids)
