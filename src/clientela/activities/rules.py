"""The activities app's rules: the values an activity, a task or a project may take, every bad
field reported at once (`ValidationFailed`), nothing written. References to other records
(contact, organization, deal, project, participants) must be records the actor may see."""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from clientela.activities.entities import ACTIVITY, PROJECT, TASK
from clientela.activities.models import Activity, Channel, Direction, Project, Recurrence, Task, TaskStatus
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.ids import is_uuid
from clientela.core.validation import catch_errors, clean_values, visible_reference
from clientela.parties import queries as parties_queries
from clientela.parties.cleaning import check_assignment, resolve_people
from clientela.sales import queries as sales_queries

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_ATTENDEES = 50
MAX_DURATION_SECONDS = 7 * 24 * 3600
MAX_RECURRENCE_INTERVAL = 366
MOMENTS = ("occurred_at", "ends_at", "due_at", "remind_at")


def user_zone(user: Any) -> dt.tzinfo:
    """The time zone a user reads and writes moments in: their own, else the site's."""
    name = getattr(user, "time_zone", "") or ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


def _moment(name: str, value: Any, actor: Any, errors: list[FieldError]) -> dt.datetime | None:
    """An ISO 8601 moment; one written without an offset is read in the actor's time zone."""
    if value in (None, ""):
        return None
    moment = value if isinstance(value, dt.datetime) else None
    if moment is None and isinstance(value, str) and len(value) <= 40:
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        errors.append(FieldError(name, "invalid", _("is not a date and time (2026-12-05T14:30)")))
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, user_zone(actor))
    if not dt.datetime(1900, 1, 1, tzinfo=dt.UTC) <= moment <= dt.datetime(2200, 1, 1, tzinfo=dt.UTC):
        errors.append(FieldError(name, "invalid", _("is out of range")))
        return None
    return moment


def read_moment(name: str, value: Any, actor: Any) -> dt.datetime | None:
    """A moment given in input (a page's or the API's parameter `name`), as `_moment` reads it;
    a bad one raises `ValidationFailed` naming `name`."""
    errors: list[FieldError] = []
    moment = _moment(name, value, actor, errors)
    if errors:
        raise ValidationFailed(errors)
    return moment


# Set only by the channels' own logging (`actor` is then the system identity of
# activities.actions, which has no pk): the outside system an activity came from and its id
# there (a telephony call), and the activity a task follows from (a missed call's call-back).
SYSTEM_ACTIVITY_FIELDS = frozenset({"source", "external_id"})


def _is_system(actor: Any) -> bool:
    return getattr(actor, "pk", 0) is None


def _references(actor: User, values: dict[str, Any], names: tuple[str, ...], errors: list[FieldError]) -> dict:
    """The referenced records the actor may see, by public id (a record in the trash is not found)."""
    from clientela.activities import queries  # projects are this app's own

    sources = {
        "contact": (parties_queries.contacts_visible(actor), _("no such contact")),
        "organization": (parties_queries.organizations_visible(actor), _("no such organization")),
        "deal": (sales_queries.deals_visible(actor), _("no such deal")),
        "project": (queries.projects_visible(actor), _("no such project")),
        "activity": (queries.activities_visible(actor), _("no such activity")),
    }
    found: dict[str, Any] = {}
    for name in names:
        if name in values:
            queryset, message = sources[name]
            found[name] = visible_reference(
                queryset.select_related(None).only("id", "public_id"), values.pop(name), name, message, errors
            )
    return found


def _people(actor: User, values: dict[str, Any], current: Any, errors: list[FieldError]) -> dict[str, Any]:
    if "assignee" in values:  # the API's name for a task's owner
        values["owner"] = values.pop("assignee")
    given = {k: values.pop(k) for k in ("owner", "team") if k in values}
    people = catch_errors(errors, resolve_people, given) or {}
    if people:
        catch_errors(errors, check_assignment, actor, people, current)
    return people


def _own_values(model: Any, values: dict[str, Any], allowed: Any, actor: Any, errors: list[FieldError]) -> dict:
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in MOMENTS and name in allowed:
            cleaned[name] = _moment(name, value, actor, errors)
            continue
        cleaned.update(catch_errors(errors, clean_values, model, {name: value}, allowed=allowed) or {})
    return cleaned


def _guests(value: Any, errors: list[FieldError]) -> list[dict[str, str]]:
    """Participants outside the CRM: [{"name": ..., "email": ...}] (an address alone is enough)."""
    if not isinstance(value, list) or len(value) > MAX_ATTENDEES:
        errors.append(FieldError("guests", "invalid", _("a list of at most %(n)d people") % {"n": MAX_ATTENDEES}))
        return []
    guests = []
    for index, guest in enumerate(value):
        if isinstance(guest, str):
            guest = {"email": guest}
        if not isinstance(guest, dict) or set(guest) - {"name", "email"}:
            errors.append(FieldError(f"guests[{index}]", "invalid", _("give a name and an e-mail address")))
            continue
        name = str(guest.get("name") or "").strip()[:200]
        email = str(guest.get("email") or "").strip()
        try:
            if email:
                validate_email(email)
        except ValidationError:
            errors.append(FieldError(f"guests[{index}].email", "invalid", _("is not an e-mail address")))
            continue
        if not name and not email:
            errors.append(FieldError(f"guests[{index}]", "required", _("give a name or an e-mail address")))
            continue
        guests.append({"name": name, "email": email})
    return guests


def _attendees(actor: User, value: Any, errors: list[FieldError]) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_ATTENDEES:
        errors.append(FieldError("attendees", "invalid", _("a list of at most %(n)d contacts") % {"n": MAX_ATTENDEES}))
        return []
    wanted = [str(v.public_id) if hasattr(v, "public_id") else v for v in value]
    bad = [i for i, v in enumerate(wanted) if not is_uuid(v)]
    found = {str(c.public_id): c for c in parties_queries.contacts_visible(actor).filter(
        public_id__in=[v for v in wanted if is_uuid(v)]).select_related(None).only("id", "public_id")}  # fmt: skip
    bad += [i for i, v in enumerate(wanted) if is_uuid(v) and str(v) not in found]
    for index in sorted(set(bad)):
        errors.append(FieldError(f"attendees[{index}]", "not_found", _("no such contact")))
    return list({str(v): found[str(v)] for v in wanted if str(v) in found}.values())


def clean_activity(actor: User, values: dict[str, Any], current: Activity | None) -> dict[str, Any]:
    """An activity's values: its channel and direction (a note is internal), when it happened (now
    when not given), an end after its start, a duration under a week, its contact, organization,
    deal and participants among the records the actor may see, at least one of them linked."""
    errors: list[FieldError] = []
    values = dict(values)
    people = _people(actor, values, current, errors)
    refs = _references(actor, values, ("contact", "organization", "deal"), errors)
    collections: dict[str, Any] = {}
    if "attendees" in values:
        collections["attendees"] = _attendees(actor, values.pop("attendees"), errors)
    if "guests" in values:
        values["guests"] = _guests(values.pop("guests"), errors)
    guests = values.pop("guests", None)
    allowed = ACTIVITY.writable | SYSTEM_ACTIVITY_FIELDS if _is_system(actor) else ACTIVITY.writable
    cleaned = _own_values(Activity, values, allowed, actor, errors)
    if guests is not None:
        cleaned["guests"] = guests
    cleaned.update(refs)
    cleaned.update(people)
    merged = {**_current_values(current, ("channel", "direction", "occurred_at", "ends_at", "contact",
                                           "organization", "deal")), **cleaned}  # fmt: skip
    if current is None:
        if not merged.get("channel"):
            errors.append(FieldError("channel", "required", _("say which channel: call, e-mail, meeting...")))
        if merged.get("occurred_at") is None and "occurred_at" not in [e.field for e in errors]:
            cleaned["occurred_at"] = merged["occurred_at"] = timezone.now()
        if "direction" not in cleaned and merged.get("channel") == Channel.NOTE:
            cleaned["direction"] = merged["direction"] = Direction.INTERNAL
        if deal := merged.get("deal"):  # a deal brings its customer unless one is named
            found = sales_queries.deals_visible(actor).filter(pk=deal.pk).select_related(
                "organization", "contact").first()  # fmt: skip
            for name in ("organization", "contact"):
                if found is not None and merged.get(name) is None and getattr(found, name) is not None:
                    cleaned[name] = merged[name] = getattr(found, name)
        # An outside system's record (a call from an unknown number) is kept unlinked, not lost.
        linked = any(merged.get(k) for k in ("contact", "organization", "deal", "source"))
        # A link that was not found is named already: no second error for the missing link.
        named_wrong = any(e.field.split("[")[0] in ("contact", "organization", "deal", "attendees") for e in errors)
        if not linked and not collections.get("attendees") and not named_wrong:
            errors.append(FieldError("contact", "required", _("link the activity to a contact, organization or deal")))
    ends, starts = merged.get("ends_at"), merged.get("occurred_at")
    if ends is not None and starts is not None and ends < starts:
        errors.append(FieldError("ends_at", "invalid", _("must not be before the start")))
    duration = cleaned.get("duration_seconds")
    if duration is not None and duration > MAX_DURATION_SECONDS:
        errors.append(FieldError("duration_seconds", "invalid", _("at most a week")))
    if errors:
        raise ValidationFailed(errors)
    if collections:
        cleaned["__collections__"] = collections
    return cleaned


def _current_values(current: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if current is None:
        return {}
    return {name: getattr(current, name) for name in names}


def clean_task(actor: User, values: dict[str, Any], current: Task | None) -> dict[str, Any]:
    """A task's values: a title, an assignee the actor may assign to (themselves by default),
    a recurrence only with a due moment, an interval of 1 to 366, linked records the actor may
    see. A changed reminder moment is delivered again (`reminded_at` cleared)."""
    errors: list[FieldError] = []
    values = dict(values)
    people = _people(actor, values, current, errors)
    linkable = ("contact", "organization", "deal", "project") + (("activity",) if _is_system(actor) else ())
    refs = _references(actor, values, linkable, errors)
    if "completed_at" in values or "reminded_at" in values:
        for name in ("completed_at", "reminded_at"):
            if name in values:
                values.pop(name)
                errors.append(FieldError(name, "unknown_field", _("is not a field you can set")))
    cleaned = _own_values(Task, values, TASK.writable, actor, errors)
    cleaned.update(refs)
    cleaned.update(people)
    merged = {**_current_values(current, ("title", "due_at", "recurrence", "recurrence_interval", "remind_at",
                                           "status")), **cleaned}  # fmt: skip
    if not (merged.get("title") or "").strip() and "title" not in [e.field for e in errors]:
        errors.append(FieldError("title", "required", _("This field cannot be blank.")))
    if merged.get("recurrence") and merged.get("due_at") is None:
        errors.append(FieldError("recurrence", "invalid", _("a repeating task needs a due date")))
    interval = cleaned.get("recurrence_interval")
    if interval is not None and not 1 <= interval <= MAX_RECURRENCE_INTERVAL:
        errors.append(
            FieldError("recurrence_interval", "invalid", _("from 1 to %(n)d") % {"n": MAX_RECURRENCE_INTERVAL})
        )
    if "owner" in people and people["owner"] is not None and "team" not in people:
        cleaned["team"] = people["owner"].team
    if errors:
        raise ValidationFailed(errors)
    if "remind_at" in cleaned and (current is None or cleaned["remind_at"] != current.remind_at):
        cleaned["reminded_at"] = None
    if "status" in cleaned and (current is None or cleaned["status"] != current.status):
        cleaned["completed_at"] = timezone.now() if cleaned["status"] == TaskStatus.DONE else None
    return cleaned


def clean_project(actor: User, values: dict[str, Any], current: Project | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    values = dict(values)
    people = _people(actor, values, current, errors)
    refs = _references(actor, values, ("organization", "deal"), errors)
    cleaned = _own_values(Project, values, PROJECT.writable, actor, errors)
    cleaned.update(refs)
    cleaned.update(people)
    name = cleaned.get("name", current.name if current is not None else "")
    if not (name or "").strip() and "name" not in [e.field for e in errors]:
        errors.append(FieldError("name", "required", _("This field cannot be blank.")))
    starts = cleaned.get("starts_on", current.starts_on if current else None)
    due = cleaned.get("due_on", current.due_on if current else None)
    if starts and due and due < starts:
        errors.append(FieldError("due_on", "invalid", _("must not be before the start")))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def next_due(task: Task) -> dt.datetime | None:
    """When a recurring task's next occurrence is due: the same local time of day, `interval`
    days, weeks, months or years after this one's due moment (a month's 31st falls on its last
    day), in the assignee's time zone; None when the series has ended."""
    if not task.recurrence or task.due_at is None:
        return None
    zone = user_zone(task.owner)
    local = timezone.localtime(task.due_at, zone)
    step = task.recurrence_interval or 1
    if task.recurrence == Recurrence.DAILY:
        naive = local.replace(tzinfo=None) + dt.timedelta(days=step)
    elif task.recurrence == Recurrence.WEEKLY:
        naive = local.replace(tzinfo=None) + dt.timedelta(weeks=step)
    else:
        months = step if task.recurrence == Recurrence.MONTHLY else 12 * step
        year, month = divmod(local.month - 1 + months, 12)
        year += local.year
        month += 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        naive = local.replace(tzinfo=None, year=year, month=month, day=day)
    following = timezone.make_aware(naive, zone)
    if task.recurrence_until is not None and following.astimezone(zone).date() > task.recurrence_until:
        return None
    return following
