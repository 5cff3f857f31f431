"""Reading the change log for the administrators' audit page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from clientela.core import references
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


def shown_value(value: Any) -> str:
    """A logged value as people read it: "—" for nothing, lists joined, moments to the second
    (references to other records already rendered as names: `references.shown_changes`)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        text = ", ".join(shown_value(item) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{key}: {shown_value(item)}" for key, item in sorted(value.items()))
    else:
        text = str(value)
        text = shown_iso(text, seconds=True) or text
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def change_rows(event: Event, names: references.Names | None = None) -> list[tuple[str, str, str]]:
    """(field, old, new) of an event, values shown as people read them: records it refers to
    (an owner, a parent, the other side of a link) by the names the reader may see (`names`)."""
    rows = []
    shown = references.shown_changes(event, names or references.Names())
    for name, pair in sorted(shown.items()):
        if isinstance(pair, list) and len(pair) == 2:
            rows.append((name, shown_value(pair[0]), shown_value(pair[1])))
        else:
            rows.append((name, "", shown_value(pair)))
    return rows


def record_names(reader: User, events: list[Event]) -> references.Names:
    """The names of the records the events refer to that `reader` may see (users, teams,
    organizations, contacts...), one query per record type referred to."""
    return references.names_for(reader, events)
