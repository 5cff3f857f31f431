"""The activities app's panel on other apps' record pages (registered in `apps.py` through
`core.panels`): a contact's, an organization's or a deal's 360° timeline — its activities of
every channel merged with its change log, filtered by channel, a page at a time — its open
tasks, and the quick forms that log an activity or add a task there.

The timeline's change entries read as the record's history does (`parties.profile`), with the
records merged into a contact or an organization (`parties.queries.merged_ids`). Moments are
shown and typed in the reader's time zone (`rules.user_zone`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.activities import queries
from clientela.activities.entities import ACTIVITY, TASK
from clientela.activities.models import Activity, CallOutcome, Channel, Direction, Priority
from clientela.activities.rules import user_zone
from clientela.core.panels import Panel
from clientela.core.visibility import can_see
from clientela.parties import listing as parties_listing
from clientela.parties import profile
from clientela.parties import queries as parties_queries
from clientela.sales import queries as sales_queries

RECORD_KINDS = ("contact", "organization", "deal")
PARTIES = ("contact", "organization")
ACTIVITIES_ONLY = "activities"  # the filter that leaves the change log out
# A sign for each channel, beside its name (decoration: screen readers read the name).
CHANNEL_ICONS = {
    Channel.CALL: "☎", Channel.EMAIL: "✉", Channel.SMS: "✆", Channel.FAX: "⎙", Channel.LETTER: "✎",
    Channel.MEETING: "◉", Channel.WEB: "◍", Channel.CHAT: "☰", Channel.NOTE: "✐",
}  # fmt: skip
CHANGE_ICON = "↻"


@dataclass
class Entry:
    """One line of the timeline as a page shows it: an activity, or a change with its rows."""

    kind: str  # "activity" or "change"
    at: dt.datetime
    cursor: str
    activity: Activity | None = None
    change: profile.HistoryEntry | None = None
    deal: Any = None  # the activity's deal, when the reader may see it
    party: Any = None  # the activity's contact or organization, on another record's timeline

    @property
    def icon(self) -> str:
        if self.activity is None:
            return CHANGE_ICON
        return CHANNEL_ICONS.get(self.activity.channel, "•")

    @property
    def duration(self) -> str:
        return duration_text(self.activity.duration_seconds if self.activity is not None else None)

    @property
    def outcome_label(self) -> str:
        outcome = self.activity.outcome if self.activity is not None else ""
        return str(CallOutcome(outcome).label) if outcome in CallOutcome.values else outcome


def duration_text(seconds: int | None) -> str:
    """How long a call or a meeting took, as people say it ("1 h 5 min", "45 s")."""
    if not seconds:
        return ""
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return _("%(n)d min") % {"n": minutes}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


def kind_of(record: Any) -> str:
    return str(record._meta.model_name)


def page_url(record: Any) -> str:
    """The address of the record's own page."""
    names = {"contact": "parties:contact_detail", "organization": "parties:organization_detail"}
    return reverse(names.get(kind_of(record), "sales:deal_detail"), args=[record.public_id])


def clean_channel(value: Any) -> str:
    """The timeline filter asked for: a channel, "activities" (no changes) or "" (everything)."""
    return value if isinstance(value, str) and (value in Channel.values or value == ACTIVITIES_ONLY) else ""


def _shown(reader: Any, record: Any) -> Any:
    return record if record is not None and record.deleted_at is None and can_see(reader, record) else None


def timeline_page(
    reader: Any, record: Any, *, channel: str = "", cursor: str | None = None
) -> tuple[list[Entry], str | None]:
    """One page of `record`'s timeline for `reader` (`queries.timeline`), each change with the
    fields it changed, and the cursor of the next (older) page."""
    kind = kind_of(record)
    only_activities = channel == ACTIVITIES_ONLY
    rows, older = queries.timeline(
        reader, record, channel="" if only_activities else channel, cursor=cursor,
        with_changes=not only_activities,
        event_ids=list(parties_queries.merged_ids(record)) if kind in PARTIES and not only_activities else None,
    )  # fmt: skip
    events = [row.event for row in rows if row.event is not None]
    changes: dict[int, profile.HistoryEntry] = {}
    if events:
        custom = kind in PARTIES and any("custom" in (event.changes or {}) for event in events)
        definitions = parties_queries.custom_fields(kind) if custom else []  # their labels
        changes = {entry.event.pk: entry for entry in profile.change_entries(reader, record, events, definitions)}
    entries = []
    for row in rows:
        activity = row.activity
        if activity is None:
            entries.append(Entry("change", row.at, row.cursor, change=changes.get(row.event.pk)))  # type: ignore[union-attr]
            continue
        party = None
        if kind != "contact":
            party = _shown(reader, activity.contact)
        if party is None and kind != "organization":
            party = _shown(reader, activity.organization)
        deal = _shown(reader, activity.deal) if kind != "deal" else None
        entries.append(Entry("activity", row.at, row.cursor, activity=activity, deal=deal, party=party))
    return entries, older


def timeline_context(reader: Any, record: Any, *, channel: str = "", cursor: str | None = None) -> dict[str, Any]:
    """What the timeline's templates show: the entries, the filters and the "older" address."""
    kind = kind_of(record)
    entries, older = timeline_page(reader, record, channel=channel, cursor=cursor)
    url = reverse("activities:timeline", args=[kind, record.public_id])
    filters = [("", _("All")), (ACTIVITIES_ONLY, _("Activities")), *Channel.choices]
    return {
        "entries": entries,
        "channel": channel,
        "url": url,
        "dom_id": f"timeline-{record.public_id}",
        "zone": user_zone(reader),
        "older_url": f"{url}?{urlencode({'channel': channel, 'cursor': older})}" if older else "",
        "filters": [
            (value, str(label), f"{url}?{urlencode({'channel': value})}" if value else url) for value, label in filters
        ],
    }


# --- the quick forms -------------------------------------------------------------------------


def _labels(entity: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(entity.label(name)) for name in names}


def log_form(
    reader: Any, record: Any, *, values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
    other_errors: list[Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The quick "log an activity" form: what it holds (a call, outbound, now by default) and
    the errors of the last try, by input."""
    kind = kind_of(record)
    labels = _labels(ACTIVITY, ("channel", "direction", "occurred_at", "subject", "purpose", "outcome", "body"))
    labels.update(duration_minutes=_("Duration (minutes)"), deal=_("Deal"))
    return {
        "url": reverse("activities:quick_log", args=[kind, record.public_id]),
        "values": values or {"channel": Channel.CALL, "direction": Direction.OUTBOUND},
        "errors": errors or {},
        "other_errors": other_errors or [],
        "labels": labels,
        "channels": Channel.choices,
        "directions": Direction.choices,
        "outcomes": CallOutcome.choices,
        "deals": sales_queries.deals_of(reader, record) if kind in PARTIES else [],
    }


def task_form(
    reader: Any, record: Any, *, values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
    other_errors: list[Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The quick "new task" form: title, due, priority, assignee (among those the reader may
    assign to; themselves by default) and a reminder."""
    kind = kind_of(record)
    labels = _labels(TASK, ("title", "due_at", "priority", "remind_at"))
    labels["assignee"] = _("Assignee")
    return {
        "url": reverse("activities:quick_task", args=[kind, record.public_id]),
        "values": values or {"priority": Priority.NORMAL, "assignee": str(reader.public_id)},
        "errors": errors or {},
        "other_errors": other_errors or [],
        "labels": labels,
        "priorities": Priority.choices,
        "assignees": [(str(u.public_id), u.display_name) for u in parties_listing.assignable_users(reader)],
    }


# --- the panel -------------------------------------------------------------------------------


def panel_context(
    reader: Any, record: Any, *, channel: str = "", cursor: str | None = None, log: dict[str, Any] | None = None,
    task: dict[str, Any] | None = None, notice: str = "",
) -> dict[str, Any]:  # fmt: skip
    """Everything the panel shows; `log` and `task` replace the blank quick forms (to show what
    was typed with its errors), `notice` says what just happened."""
    kind = kind_of(record)
    can_write = bool(reader.policy.can_write) and record.deleted_at is None
    context: dict[str, Any] = {
        "kind": kind,
        "record": record,
        "zone": user_zone(reader),
        "dom_id": f"activities-{record.public_id}",
        "can_write": can_write,
        "tasks": queries.tasks_of(reader, record),
        "timeline": timeline_context(reader, record, channel=channel, cursor=cursor),
        "new_task_url": f"{reverse('activities:task_new')}?{urlencode({kind: str(record.public_id)})}",
        "notice": notice,
        "now": timezone.now(),
        "page_url": page_url(record),
        "log_open": bool(log and (log["errors"] or log["other_errors"])),
        "task_open": bool(task and (task["errors"] or task["other_errors"])),
    }
    if can_write:
        context["log"] = log or log_form(reader, record)
        context["task_form"] = task or task_form(reader, record)
    return context


def record_activities(reader: Any, record: Any) -> Panel | None:
    """The panel on a contact's, an organization's and a deal's page (it stands for the page's
    "Activities & tasks" placeholder)."""
    if kind_of(record) not in RECORD_KINDS:
        return None
    return Panel("activities/_panel.html", panel_context(reader, record), replaces="activities")
