"""A user's calendar as iCalendar text (RFC 5545), for the secret feed address a calendar program
subscribes to.

Meetings are VEVENTs: DTSTART and DTEND in UTC (a meeting without an end lasts its duration, else
an hour), the activity's public id @ the site's host as UID, SUMMARY, LOCATION, DESCRIPTION and an
ATTENDEE line for each participant with an e-mail address. Tasks with a due moment are VEVENTs
too, a quarter of an hour from their due moment (the calendar programs people subscribe with —
Google's, Outlook's — ignore VTODO): "Task: <title>", with their priority and state.

Text values are escaped (backslash, semicolon, comma, line breaks), parameter values quoted, and
every content line folded at 75 octets without splitting a character; lines end with CRLF.
Nothing here reads the database: `calendar_text` takes what the view read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from clientela.activities.models import Priority, TaskStatus

LINE_OCTETS = 75
TASK_LENGTH = dt.timedelta(minutes=15)
MEETING_LENGTH = dt.timedelta(hours=1)
# Characters a calendar line may not carry (RFC 5545 §3.1: CONTROL, but for HTAB in text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PRIORITY = {Priority.URGENT: 1, Priority.HIGH: 3, Priority.NORMAL: 5, Priority.LOW: 9}
_TASK_STATUS = {TaskStatus.OPEN: "CONFIRMED", TaskStatus.DONE: "CONFIRMED", TaskStatus.CANCELLED: "CANCELLED"}


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): `\\`, `;` and `,` escaped, line breaks as `\\n`."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def quote_parameter(value: str) -> str:
    """A parameter value (§3.2): quoted, without the double quotes and controls it may not hold."""
    return '"' + _CONTROL.sub("", value.replace('"', "'").replace("\r", " ").replace("\n", " ")) + '"'


def fold(line: str) -> str:
    """One content line folded (§3.1): no line longer than 75 octets of UTF-8, a character never
    split, each continuation starting with one space; CRLF after each."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, LINE_OCTETS
        current += char
        size += width
    parts.append(current)
    return "".join(part + "\r\n" for part in parts)


def utc(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC (§3.3.5, form 2): 20261208T090000Z."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def site_host() -> str:
    """The host UIDs are unique under: the site's, as people open it."""
    return urlsplit(settings.CLIENTELA_SITE_URL).hostname or "clientela.invalid"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def _mailto(email: str) -> str:
    return "mailto:" + _CONTROL.sub("", email).replace(" ", "")


def _meeting(meeting: Any, people: list[Person], host: str, link: str) -> list[str]:
    start = meeting.occurred_at
    if meeting.ends_at is not None and meeting.ends_at > start:
        end = meeting.ends_at
    elif meeting.duration_seconds:
        end = start + dt.timedelta(seconds=meeting.duration_seconds)
    else:
        end = start + MEETING_LENGTH
    summary = meeting.subject or meeting.purpose or str(meeting.get_channel_display())
    described = [text for text in (meeting.purpose, meeting.body) if text and text != summary]
    unreachable = [person.name for person in people if not person.email and person.name]
    if unreachable:
        described.append(_("Participants: %(names)s") % {"names": ", ".join(unreachable)})
    if link:
        described.append(link)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.public_id}@{host}",
        f"DTSTAMP:{utc(meeting.updated_at)}",
        f"LAST-MODIFIED:{utc(meeting.updated_at)}",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{escape_text(meeting.place)}")
    if described:
        lines.append(f"DESCRIPTION:{escape_text(chr(10).join(described))}")
    for person in people:
        if person.email:
            name = f";CN={quote_parameter(person.name)}" if person.name else ""
            lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT{name}:{_mailto(person.email)}")
    if link:
        lines.append(f"URL:{link}")
    lines.append("STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def _task(task: Any, host: str, link: str) -> list[str]:
    if task.status == TaskStatus.DONE:
        summary = _("Task done: %(title)s") % {"title": task.title}
    else:
        summary = _("Task: %(title)s") % {"title": task.title}
    described = [text for text in (task.description, link) if text]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{task.public_id}@{host}",
        f"DTSTAMP:{utc(task.updated_at)}",
        f"LAST-MODIFIED:{utc(task.updated_at)}",
        f"DTSTART:{utc(task.due_at)}",
        f"DTEND:{utc(task.due_at + TASK_LENGTH)}",
        f"SUMMARY:{escape_text(summary)}",
        f"PRIORITY:{_PRIORITY.get(task.priority, 5)}",
        f"STATUS:{_TASK_STATUS.get(task.status, 'CONFIRMED')}",
        "TRANSP:TRANSPARENT",  # a task due does not make its assignee busy
    ]
    if described:
        lines.append(f"DESCRIPTION:{escape_text(chr(10).join(described))}")
    if link:
        lines.append(f"URL:{link}")
    lines.append("END:VEVENT")
    return lines


def calendar_text(
    *,
    name: str,
    meetings: Iterable[Any],
    tasks: Iterable[Any],
    people: Mapping[int, list[Person]],
    links: Mapping[Any, str] | None = None,
) -> str:
    """The VCALENDAR of `meetings` (with their participants, by activity pk, in `people`) and of
    the `tasks` that have a due moment; `links` gives each record's page (by public id)."""
    host = site_host()
    links = links or {}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Clientela//Calendar//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"NAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for meeting in meetings:
        lines += _meeting(meeting, people.get(meeting.pk, []), host, links.get(meeting.public_id, ""))
    for task in tasks:
        if task.due_at is not None:
            lines += _task(task, host, links.get(task.public_id, ""))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)


def invitation_text(*, meeting: Any, people: list[Person], organizer: Person, link: str = "") -> str:
    """A meeting's invitation (iTIP REQUEST, RFC 5546): the meeting as one VEVENT with its
    organizer and participants asked to answer, numbered by the meeting's version so that a
    changed meeting sent again replaces the earlier invitation in the calendar that accepted it."""
    host = site_host()
    event = _meeting(meeting, people, host, link)
    extra = [f"SEQUENCE:{max(0, getattr(meeting, 'version', 1) - 1)}"]
    if organizer.email:
        name = f";CN={quote_parameter(organizer.name)}" if organizer.name else ""
        extra.append(f"ORGANIZER{name}:{_mailto(organizer.email)}")
    asked = "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
    event = [line.replace("ATTENDEE;ROLE=REQ-PARTICIPANT", asked) for line in event]
    event[2:2] = extra
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Clientela//Calendar//EN", "CALSCALE:GREGORIAN",
             "METHOD:REQUEST", *event, "END:VCALENDAR"]  # fmt: skip
    return "".join(fold(line) for line in lines)
