"""The calendar's pages (a day or a week of meetings placed by hour and tasks due, in the user's
time zone; a manager may look at a team member's), the secret ICS feed a calendar program
subscribes to, and the notifications page (reminders delivered, marked read).

Views parse input, call one query or action and render. A user whose calendar the reader may
not see, an unknown feed address: 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from clientela.activities import actions, calendar_ics, queries
from clientela.activities.models import TaskStatus
from clientela.activities.rules import user_zone
from clientela.core.errors import NotFound

DAY_STARTS, DAY_ENDS = 8, 18  # the hours a day shows at least (more when entries fall outside)
FEED_PAST = dt.timedelta(days=60)
FEED_AHEAD = dt.timedelta(days=366)


@dataclass
class Day:
    date: dt.date
    weekday: str
    today: bool
    tasks: list[Any] = field(default_factory=list)
    by_hour: dict[int, list[Any]] = field(default_factory=dict)


@dataclass
class HourRow:
    hour: dt.time
    cells: list[list[Any]]


def _day_asked(text: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else today
    except ValueError:
        return today


def _midnight(day: dt.date, zone: Any) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), zone)


def _calendar_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    zone = user_zone(user)
    today = timezone.localdate(timezone.now(), zone)
    view = "day" if request.GET.get("view") == "day" else "week"
    date = _day_asked(request.GET.get("date"), today)
    first = date if view == "day" else date - dt.timedelta(days=date.weekday())
    length = 1 if view == "day" else 7
    dates = [first + dt.timedelta(days=n) for n in range(length)]
    start, end = _midnight(dates[0], zone), _midnight(dates[-1] + dt.timedelta(days=1), zone)
    owner = user
    if request.GET.get("user"):
        try:
            owner = queries.calendar_owner(user, request.GET["user"])
        except NotFound:
            raise Http404(_("no such user")) from None
    entries = queries.calendar_entries(user, start, end, owner=owner)
    days = {d: Day(d, str(WEEKDAYS[d.weekday()]), d == today) for d in dates}
    hours = set(range(DAY_STARTS, DAY_ENDS + 1))
    for meeting in entries["meetings"]:
        local = timezone.localtime(max(meeting.occurred_at, start), zone)
        days[local.date()].by_hour.setdefault(local.hour, []).append(meeting)
        hours.add(local.hour)
    for task in entries["tasks"]:
        days[timezone.localtime(task.due_at, zone).date()].tasks.append(task)
    step = dt.timedelta(days=length)
    people = list(queries.calendar_people(user)[:200])
    here = {"view": view, **({"user": str(owner.public_id)} if owner != user else {})}
    return {
        "view": view,
        "date": date,
        "days": list(days.values()),
        "rows": [
            HourRow(dt.time(hour), [days[d].by_hour.get(hour, []) for d in dates])
            for hour in range(min(hours), max(hours) + 1)
        ],
        "owner": owner,
        "people": people if len(people) > 1 else [],
        "zone": zone,
        "previous": urlencode({**here, "date": (date - step).isoformat()}),
        "following": urlencode({**here, "date": (date + step).isoformat()}),
        "this_period": urlencode({**here, "date": today.isoformat()}),
        "day_view": urlencode({**here, "view": "day", "date": date.isoformat()}),
        "week_view": urlencode({**here, "view": "week", "date": date.isoformat()}),
        "feed_exists": queries.calendar_feed_exists(user),
        "done": TaskStatus.DONE,
    }


def _render_calendar(request: HttpRequest, *, feed_url: str = "") -> HttpResponse:
    context = _calendar_context(request)
    context["feed_url"] = feed_url
    with timezone.override(context["zone"]):  # moments shown in the user's time zone
        response = render(request, "activities/calendar_page.html", context)
    if feed_url:
        response["Cache-Control"] = "no-store"  # the secret address is in this page only
    return response


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """`?view=day|week&date=YYYY-MM-DD&user=<id>`: a week (from Monday) or a day around `date`."""
    return _render_calendar(request)


@login_required
@require_POST
def calendar_feed_rotate(request: HttpRequest) -> HttpResponse:
    """A new secret feed address, shown once on the calendar page (the old one stops working)."""
    token = actions.calendar_feed_rotate(actor=request.user)
    return _render_calendar(request, feed_url=feed_address(token))


def feed_address(token: str) -> str:
    return settings.CLIENTELA_SITE_URL + reverse("activities:calendar_feed", args=[token])


def _page(name: str, public_id: Any) -> str:
    try:
        return settings.CLIENTELA_SITE_URL + reverse(name, args=[public_id])
    except NoReverseMatch:  # the page is not there (yet): the entry without a link
        return ""


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed owner's meetings and tasks due, from two months back to a year ahead, as
    iCalendar. No sign-in: the secret address is the key (an unknown one is 404)."""
    owner = queries.feed_owner(token)
    if owner is None:
        raise Http404(_("no such calendar"))
    now = timezone.now()
    entries = queries.calendar_entries(owner, now - FEED_PAST, now + FEED_AHEAD, owner=owner)
    meetings, tasks = entries["meetings"], entries["tasks"]
    contacts = {c.pk: c for m in meetings for c in [*m.attendees.all(), m.contact] if c is not None}
    emails = queries.contact_emails(set(contacts))
    people = {
        m.pk: [calendar_ics.Person(c.full_name, emails.get(c.pk, "")) for c in _participants(m)]
        + [calendar_ics.Person(g.get("name", ""), g.get("email", "")) for g in m.guests or []]
        for m in meetings
    }
    links = {m.public_id: _page("activities:activity_detail", m.public_id) for m in meetings}
    links.update({t.public_id: _page("activities:task_detail", t.public_id) for t in tasks})
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        text = calendar_ics.calendar_text(
            name=_("Clientela: %(name)s") % {"name": owner.display_name},
            meetings=meetings,
            tasks=tasks,
            people=people,
            links=links,
        )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="clientela.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


def _participants(meeting: Any) -> list[Any]:
    """The meeting's contact and its other participants, each once."""
    found = [meeting.contact] if meeting.contact is not None and meeting.contact.deleted_at is None else []
    return found + [c for c in meeting.attendees.all() if c.deleted_at is None and c.pk not in {f.pk for f in found}]


# --- notifications ----------------------------------------------------------------------------------


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications; with `part=bell`, just the bell's inside with the unread count,
    which every page's header asks for (htmx) once it is shown — so no page pays for it."""
    if request.GET.get("part") == "bell":
        if not request.user.is_authenticated:
            return HttpResponse(status=204)  # signed out meanwhile: leave the bell as it is
        response = render(request, "activities/notifications_bell.html", {"unread": queries.unread_count(request.user)})
        response["Cache-Control"] = "no-store"
        return response
    return _notifications_page(request)


@login_required
def _notifications_page(request: HttpRequest) -> HttpResponse:
    context = {"notifications": queries.notifications_of(request.user), "unread": queries.unread_count(request.user)}
    with timezone.override(user_zone(request.user)):
        return render(request, "activities/notifications.html", context)


def _next_or_list(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("activities:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the user's notifications read (another's is left alone), then go on to `next`
    (the notification's page, when opened from the list) or back to the list."""
    actions.notification_read(actor=request.user, notification_id=notification_id)
    return _next_or_list(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = actions.notifications_read_all(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return _next_or_list(request)
