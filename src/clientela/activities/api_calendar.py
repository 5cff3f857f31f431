"""REST endpoints of the calendar: /api/v1/calendar (a window of meetings and tasks due) and
/api/v1/calendar/feed (a new secret address of the caller's ICS feed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from clientela.activities import actions, queries
from clientela.activities.api_support import activity_body, task_body
from clientela.activities.rules import read_moment
from clientela.activities.schemas import MAX_CALENDAR_DAYS, CalendarOut, CalendarParams, FeedOut
from clientela.core.apikit.auth import caller
from clientela.core.apikit.bodies import user_ref
from clientela.core.apikit.errors import COMMON, WITH_RECORD
from clientela.core.errors import FieldError, ValidationFailed

calendar = Router(tags=["calendar"])


def calendar_window(user: Any, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """The window [start, end) a calendar request asks for, in the caller's time zone when the
    moments have no offset; at most MAX_CALENDAR_DAYS days long."""
    first = read_moment("start", start, user)
    last = read_moment("end", end, user)
    assert first is not None and last is not None  # both are required parameters
    if last <= first:
        raise ValidationFailed([FieldError("end", "invalid", _("must be after the start"))])
    if last - first > dt.timedelta(days=MAX_CALENDAR_DAYS):
        raise ValidationFailed(
            [FieldError("end", "invalid", _("at most %(days)d days after the start") % {"days": MAX_CALENDAR_DAYS})]
        )
    return first, last


@calendar.get("", response={200: CalendarOut, **WITH_RECORD}, summary="Meetings and tasks due in a window")
def calendar_read(request: HttpRequest, params: Query[CalendarParams]) -> dict[str, Any]:
    """Your meetings that overlap [`start`, `end`) and your tasks due in it (not cancelled ones),
    or those of `user` — a user whose records you may see (a manager: their team's); another is
    404. At most 62 days at once."""
    user = caller(request)
    start, end = calendar_window(user, params.start, params.end)
    owner = queries.calendar_owner(user, params.user) if params.user is not None else user
    entries = queries.calendar_entries(user, start, end, owner=owner)
    now = timezone.now()
    return {
        "start": start.astimezone(dt.UTC),
        "end": end.astimezone(dt.UTC),
        "user": user_ref(owner),
        "meetings": [activity_body(user, meeting) for meeting in entries["meetings"]],
        "tasks": [task_body(user, task, now=now) for task in entries["tasks"]],
    }


@calendar.post("/feed", response={200: FeedOut, **COMMON}, summary="A new secret address for your ICS feed")
def calendar_feed_rotate(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Subscribe to the address in a calendar program. It is shown this once (only a digest is
    kept); asking again gives a new one and the old address stops working."""
    user = caller(request)
    token = actions.calendar_feed_rotate(actor=user)
    response["Cache-Control"] = "no-store"
    return {"url": settings.CLIENTELA_SITE_URL + reverse("activities:calendar_feed", args=[token])}
