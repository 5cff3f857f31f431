"""The page forms of activities, tasks and projects, from their declarations (`entities.py`):
each input's label and choices are the entity's; what the user typed comes back with the
errors the action gave, next to the field they name.

Moments are typed in the reader's time zone to the minute (`<input type="datetime-local">`)
and handed to the actions in UTC, so an unchanged moment logs no change. A form also carries
the moments as it showed them (`<name>__shown`): a moment the user left as shown is not sent,
so the field-by-field merge of a stale save (`core.records.update_record(merge=True)`) does
not take a moment shown to the minute for a change of its seconds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from clientela.activities.entities import ACTIVITY, PROJECT, TASK
from clientela.activities.models import CallOutcome
from clientela.core.entities import CHOICE, TEXTAREA, Entity
from clientela.core.errors import FieldError

if TYPE_CHECKING:
    from clientela.accounts.models import User

DATETIME = "datetime-local"
MINUTES = "minutes"
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"

# What each page form shows, in order.
ACTIVITY_INPUTS = (
    "channel", "direction", "occurred_at", "duration_minutes", "subject", "purpose", "outcome", "body", "place",
    "ends_at",
)  # fmt: skip
QUICK_LOG_INPUTS = ("channel", "direction", "occurred_at", "duration_minutes", "subject", "purpose", "outcome", "body")
TASK_INPUTS = (
    "title", "due_at", "priority", "status", "assignee", "remind_at", "recurrence", "recurrence_interval",
    "recurrence_until", "project", "description",
)  # fmt: skip
NEW_TASK_INPUTS = tuple(name for name in TASK_INPUTS if name != "status")
QUICK_TASK_INPUTS = ("title", "due_at", "priority", "assignee", "remind_at")
PROJECT_INPUTS = ("name", "status", "starts_on", "due_on", "description")
MOMENTS = frozenset({"occurred_at", "ends_at", "due_at", "remind_at"})
# The links a new task or project may be given from the address (?contact=<id>).
LINKS = ("contact", "organization", "deal", "project")

# An action's field name -> the form's input that holds it.
_INPUT_OF = {"duration_seconds": "duration_minutes", "owner": "assignee"}


# --- moments -----------------------------------------------------------------------------------


def moment_input(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    """A moment as a datetime-local input shows it: in the reader's zone, to the minute."""
    if value is None:
        return ""
    return timezone.localtime(value, zone).strftime(MOMENT_FORMAT)


def now_input(zone: dt.tzinfo) -> str:
    return moment_input(timezone.now(), zone)


def _moment(text: str, zone: dt.tzinfo) -> Any:
    """A typed moment in UTC; text that is no moment goes to the action as typed, which names it."""
    if not text:
        return None
    try:
        moment = parse_datetime(text) if len(text) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        return text
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    return moment.astimezone(dt.UTC)


# --- reading what was posted ---------------------------------------------------------------------


def posted(data: QueryDict, names: tuple[str, ...], zone: dt.tzinfo) -> tuple[dict[str, Any], list[FieldError]]:
    """The values a form posted for `names`, as the actions take them: empty text clears a
    field, moments in UTC (left out when as the form showed them), minutes as seconds, the
    assignee as it is. Errors only for what the actions cannot name (minutes that are no number)."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name in names:
        if name not in data:
            continue
        text = data.get(name, "").strip()
        if name in MOMENTS:
            shown = data.get(f"{name}__shown")
            if shown is not None and shown.strip() == text:
                continue
            values[name] = _moment(text, zone)
        elif name == "duration_minutes":
            seconds = _seconds(text)
            if seconds is False:
                errors.append(FieldError(name, "invalid", _("give the duration in minutes")))
            else:
                values["duration_seconds"] = seconds
        elif name == "assignee" and not text:
            continue  # nobody chosen: the actor
        else:
            values[name] = text
    return values, errors


def _seconds(text: str) -> int | None | bool:
    if not text:
        return None
    try:
        minutes = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return False
    if not minutes.is_finite() or minutes < 0 or minutes > 100_000:
        return False
    return int((minutes * 60).to_integral_value())


def typed(data: QueryDict, names: tuple[str, ...]) -> dict[str, str]:
    """What the user typed, to show the form again as they left it (with the moments as first shown)."""
    shown = {name: data.get(name, "") for name in names}
    shown.update({f"{name}__shown": data[f"{name}__shown"] for name in MOMENTS if f"{name}__shown" in data})
    return shown


def links_from(data: QueryDict) -> dict[str, str]:
    """The records a new task or project is linked to, by public id (the action checks them)."""
    return {name: data[name].strip() for name in LINKS if data.get(name, "").strip()}


# --- showing a form ---------------------------------------------------------------------------


def errors_by_input(errors: list[FieldError]) -> dict[str, list[str]]:
    """The actions' errors by the form input they belong to."""
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(_INPUT_OF.get(error.field, error.field), []).append(error.message)
    return found


def other_errors(errors: list[FieldError], names: tuple[str, ...]) -> list[FieldError]:
    """Errors no input of the form shows (a link required, a conflict)."""
    return [e for e in errors if _INPUT_OF.get(e.field, e.field) not in names]


def activity_values(activity: Any, zone: dt.tzinfo) -> dict[str, Any]:
    values = {name: getattr(activity, name) for name in ACTIVITY_INPUTS if name not in {"duration_minutes", *MOMENTS}}
    values.update(occurred_at=moment_input(activity.occurred_at, zone), ends_at=moment_input(activity.ends_at, zone))
    seconds = activity.duration_seconds
    values["duration_minutes"] = "" if seconds is None else _minutes_text(seconds)
    return values


def _minutes_text(seconds: int) -> str:
    minutes = Decimal(seconds) / 60
    return str(minutes.quantize(Decimal(1))) if minutes == minutes.to_integral_value() else f"{minutes:.2f}"


def task_values(task: Any, zone: dt.tzinfo) -> dict[str, Any]:
    values = {name: getattr(task, name) for name in TASK_INPUTS if name not in {"assignee", "project", *MOMENTS}}
    values.update(due_at=moment_input(task.due_at, zone), remind_at=moment_input(task.remind_at, zone))
    values["assignee"] = str(task.owner.public_id) if task.owner else ""
    values["project"] = str(task.project.public_id) if task.project else ""
    return values


def project_values(project: Any) -> dict[str, Any]:
    return {name: getattr(project, name) for name in PROJECT_INPUTS}


def _spec(entity: Entity, name: str, choices: dict[str, Any]) -> dict[str, Any]:
    if name == "duration_minutes":
        return {"label": _("Duration (minutes)"), "widget": MINUTES, "choices": ()}
    if name == "assignee":
        return {"label": _("Assignee"), "widget": CHOICE, "choices": choices.get("assignee", ())}
    if name == "project":
        return {"label": TASK.label("project"), "widget": CHOICE, "choices": choices.get("project", ())}
    widget = DATETIME if name in MOMENTS else entity.widget(name)
    options: Any = ()
    if widget == CHOICE:  # a choice whose own list has an empty value ("does not repeat") needs no other
        own = tuple(entity.model_field(name).choices or ())
        options = own if any(value == "" for value, _label in own) else entity.choices(name)
    spec = {"label": entity.label(name), "widget": widget, "choices": options}
    if name == "outcome":
        spec["suggestions"] = [(value, label) for value, label in CallOutcome.choices]
    if name == "recurrence_interval":
        spec["widget"] = "number"
    return spec


def fields(
    entity: Entity, names: tuple[str, ...], values: dict[str, Any], errors: list[FieldError],
    *, choices: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The inputs of a form: spec, current value and errors of each field."""
    by_input = errors_by_input(errors)
    result = []
    for name in names:
        value = values.get(name)
        spec = _spec(entity, name, choices or {})
        result.append(
            {
                "id": f"{entity.name}-{name}",
                "name": name,
                "value": "" if value is None else str(value),
                "shown": values.get(f"{name}__shown", value) if name in MOMENTS else None,
                "errors": by_input.get(name, []),
                "spec": spec,
                "wide": spec["widget"] == TEXTAREA,
            }
        )
    return result


def activity_fields(values: dict[str, Any], errors: list[FieldError]) -> list[dict[str, Any]]:
    return fields(ACTIVITY, ACTIVITY_INPUTS, values, errors)


def task_fields(
    names: tuple[str, ...], values: dict[str, Any], errors: list[FieldError], *, assignees: list[User],
    projects: list[Any],
) -> list[dict[str, Any]]:  # fmt: skip
    choices = {
        "assignee": [(str(user.public_id), user.display_name) for user in assignees],
        "project": [("", "—"), *((str(p.public_id), p.name) for p in projects)],
    }
    return fields(TASK, names, values, errors, choices=choices)


def project_fields(values: dict[str, Any], errors: list[FieldError]) -> list[dict[str, Any]]:
    return fields(PROJECT, PROJECT_INPUTS, values, errors)


def conflict_message(who: list[str], overlapping: list[str], entity: Entity) -> str:
    """Why a stale save was refused: who changed which of the fields the user changed too."""
    labels = [str(entity.label(name)) if name in entity.writable else name for name in overlapping]
    return _("%(who)s changed %(fields)s while you were editing. Check the values and save again.") % {
        "who": ", ".join(who) or _("someone"),
        "fields": ", ".join(labels),
    }
