"""What the telephony system's call events mean, before anything is written: an event read and
checked (`read_event`), what a call's timeline entry says after it (`next_state`), and when a
missed call should be returned (`callback_due`).

The telephony system (a PBX, a cloud call centre) posts one event per step of a call:
`ringing`, `answered`, `hangup`, each naming the call by its `call_id`. Events may come twice
(a webhook retried) or out of order (two requests racing), so a call's state is computed from
what is known, never from the order things arrived in:

- while not answered, the call happened when it first rang (the earliest moment seen);
- once answered, it happened when it was answered, and its duration is the talk time, from
  then until the hang-up (an `answered` arriving after the `hangup` turns a missed call into
  an answered one);
- a hang-up without an answer is `missed` (inbound) or `no_answer` (outbound);
- a repeated event changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import phonenumbers
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, ValidationFailed

SOURCE = "telephony"  # Activity.source of a call this module's events logged (external_id: the call id)
EVENTS = ("ringing", "answered", "hangup")
DIRECTIONS = ("inbound", "outbound")
ANSWERED, MISSED, NO_ANSWER = "answered", "missed", "no_answer"  # activities.models.CallOutcome values
MAX_CALL_SECONDS = 7 * 24 * 3600  # what an activity's duration may be (activities.rules)

# A missed call is to be returned within two working hours: Monday to Friday, 9:00 to 17:00
# in the time zone of whoever returns it.
CALLBACK_WITHIN = dt.timedelta(hours=2)
WORKDAY_START, WORKDAY_END = dt.time(9, 0), dt.time(17, 0)
WORKDAYS = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True)
class CallEvent:
    call_id: str
    event: str  # one of EVENTS
    direction: str  # one of DIRECTIONS
    from_number: str
    to_number: str
    at: dt.datetime
    agent: str = ""  # a username or an extension (settings.CLIENTELA_TELEPHONY_EXTENSIONS)

    @property
    def customer_number(self) -> str:
        """The number at the customer's end: who called us, or whom we called."""
        return self.from_number if self.direction == "inbound" else self.to_number


@dataclass(frozen=True)
class CallState:
    """What a call's timeline entry (its activity) says: when it happened, when it ended, how long
    was talked, and how it went ("" while it rings)."""

    occurred_at: dt.datetime
    ends_at: dt.datetime | None = None
    duration_seconds: int | None = None
    outcome: str = ""

    def values(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at, "ends_at": self.ends_at, "duration_seconds": self.duration_seconds,
            "outcome": self.outcome,
        }  # fmt: skip


def _moment(value: Any, errors: list[FieldError]) -> dt.datetime:
    """An ISO 8601 moment; one without an offset is read in the installation's time zone; none: now."""
    if value in (None, ""):
        return timezone.now()
    moment = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        errors.append(FieldError("at", "invalid", _("is not a date and time (2026-12-05T14:30:00+01:00)")))
        return timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= moment <= dt.datetime(2200, 1, 1, tzinfo=dt.UTC):
        errors.append(FieldError("at", "invalid", _("is out of range")))
    return moment


def _text(data: dict[str, Any], name: str, limit: int, errors: list[FieldError], *, required: bool) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        errors.append(FieldError(name, "invalid", _("text of at most %(n)d characters") % {"n": limit}))
        return ""
    value = value.strip()
    if required and not value:
        errors.append(FieldError(name, "required", _("is required")))
    return value


def read_event(data: dict[str, Any]) -> CallEvent:
    """A call event from the webhook's body, every bad field named at once (`ValidationFailed`)."""
    errors: list[FieldError] = []
    call_id = _text(data, "call_id", 200, errors, required=True)
    event = _text(data, "event", 20, errors, required=True).lower()
    if event and event not in EVENTS:
        errors.append(FieldError("event", "invalid_choice", _("one of: %(choices)s") % {"choices": ", ".join(EVENTS)}))
    direction = _text(data, "direction", 20, errors, required=True).lower()
    if direction and direction not in DIRECTIONS:
        choices = ", ".join(DIRECTIONS)
        errors.append(FieldError("direction", "invalid_choice", _("one of: %(choices)s") % {"choices": choices}))
    from_number = _text(data, "from", 40, errors, required=direction == "inbound")
    to_number = _text(data, "to", 40, errors, required=direction == "outbound")
    agent = _text(data, "agent", 150, errors, required=False)
    at = _moment(data.get("at"), errors)
    if errors:
        raise ValidationFailed(errors)
    return CallEvent(call_id, event, direction, from_number, to_number, at, agent)


def _seconds(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def next_state(state: CallState | None, event: CallEvent, direction: str) -> CallState:
    """The call's state once `event` is known too (see the module's docstring); `direction` is
    the call's, as its first event said."""
    at = event.at
    if state is None:
        state = CallState(occurred_at=at)
        if event.event == "ringing":
            return state
    answered = state.outcome == ANSWERED
    if event.event == "ringing":
        return state if answered else replace(state, occurred_at=min(state.occurred_at, at))
    if event.event == "answered":
        start = min(state.occurred_at, at) if answered else at
        ends = max(state.ends_at, start) if state.ends_at is not None else None
        duration = _seconds(start, ends) if ends is not None else None
        return CallState(occurred_at=start, ends_at=ends, duration_seconds=duration, outcome=ANSWERED)
    # hangup: the first one recorded stands (a retried webhook repeats it)
    if state.ends_at is not None:
        return state
    ends = max(at, state.occurred_at)
    if answered:
        return replace(state, ends_at=ends, duration_seconds=_seconds(state.occurred_at, ends))
    start = min(state.occurred_at, at)
    return CallState(occurred_at=start, ends_at=ends, outcome=MISSED if direction == "inbound" else NO_ANSWER)


def callback_due(missed_at: dt.datetime, zone: dt.tzinfo, within: dt.timedelta = CALLBACK_WITHIN) -> dt.datetime:
    """When a call missed at `missed_at` is due to be returned: `within` working time later
    (WORKDAYS, WORKDAY_START to WORKDAY_END in `zone`); a call missed after hours counts from
    the next opening (Friday 16:30 + 2 h is Monday 10:30)."""
    cursor = timezone.localtime(missed_at, zone).replace(tzinfo=None, second=0, microsecond=0)
    left = within
    for _day in range(30):  # at most a few weeks of closed days
        opening = dt.datetime.combine(cursor.date(), WORKDAY_START)
        closing = dt.datetime.combine(cursor.date(), WORKDAY_END)
        if cursor.weekday() not in WORKDAYS or cursor >= closing:
            cursor = opening + dt.timedelta(days=1)
            continue
        cursor = max(cursor, opening)
        if cursor + left <= closing:
            return timezone.make_aware(cursor + left, zone)
        left -= closing - cursor
        cursor = opening + dt.timedelta(days=1)
    return missed_at + within  # pragma: no cover - no working day in a month: not a real calendar


def shown_number(number: str, region: str) -> str:
    """A number as people read it ("+36 20 960 7198"), national forms read in `region`; as given
    when it cannot be read."""
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return number.strip()[:200]
    if not phonenumbers.is_possible_number(parsed):
        return number.strip()[:200]
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
