"""Calls the telephony system reports, logged on the timeline: one call activity per call
(`Activity.source` "telephony", `external_id` the call's id), matched to the contact by the
customer's number in E.164, updated as the call is answered and hung up; a missed inbound call
gets one call-back task. Events may repeat or arrive out of order (`channels.telephony` says
how a call's state follows from them); each is applied under a lock on the call's id, so the
activity is made once and the call-back task at most once.

A number no contact has is matched to an organization's phone; a number nobody has still
gets its call activity (linked to nothing, which `activities.rules` allows only for what an
outside system reported), owned by the agent, with the number as its subject — a call from a
new prospect is exactly what must not be lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clientela.accounts.models import User
from clientela.activities.actions import activity_create, task_create
from clientela.activities.models import Activity, Channel, Priority, Task, TaskStatus
from clientela.activities.rules import user_zone
from clientela.channels import telephony
from clientela.channels.telephony import ANSWERED, MISSED, SOURCE, CallEvent, CallState
from clientela.core import records
from clientela.core.errors import ValidationFailed
from clientela.parties import normalize
from clientela.parties.models import Contact, ContactPoint, Organization

if TYPE_CHECKING:
    import datetime as dt


@dataclass(frozen=True)
class CallLogged:
    activity: Activity
    changed: bool  # False: the event told nothing new (a repeat)
    callback: Task | None  # the call's call-back task, if it has one


def agent_named(name: str) -> User | None:
    """The active user an event's `agent` names: by extension (CLIENTELA_TELEPHONY_EXTENSIONS), else username."""
    if not name:
        return None
    username = settings.CLIENTELA_TELEPHONY_EXTENSIONS.get(name, name)
    return User.objects.filter(username=username, is_active=True).select_related("team").first()


def caller_of(number: str, region: str) -> tuple[Contact | None, Organization | None]:
    """Who is at the other end of `number` (national forms read in `region`): the contact with
    that phone — of several, the one with the most recent activity, else the first made — else
    the organization with it; both None for a number nobody has."""
    if not normalize.is_plausible_phone(number):
        return None, None
    key = normalize.phone_key(number, region)
    points = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, normalized=key)
    contact = (
        Contact.objects.filter(pk__in=points.filter(contact__isnull=False).values("contact_id"))
        .annotate(last_activity=Max("activities__occurred_at", filter=Q(activities__deleted_at__isnull=True)))
        .order_by(F("last_activity").desc(nulls_last=True), "id")
        .select_related("owner", "team")
        .first()
    )
    if contact is not None:
        return contact, None
    organization = (
        Organization.objects.filter(pk__in=points.filter(organization__isnull=False).values("organization_id"))
        .order_by("id")
        .select_related("owner", "team")
        .first()
    )
    return None, organization


def _active(user: Any) -> User | None:
    return user if user is not None and user.is_active else None


def _state(activity: Activity) -> CallState:
    return CallState(activity.occurred_at, activity.ends_at, activity.duration_seconds, activity.outcome)


def _check_length(state: CallState) -> None:
    if state.duration_seconds is not None and state.duration_seconds > telephony.MAX_CALL_SECONDS:
        raise ValidationFailed.single("at", "invalid", _("a call of more than a week: check the moments"))


def _log_call(event: CallEvent) -> Activity:
    agent = agent_named(event.agent)
    region = normalize.reader_region(agent)
    contact, organization = caller_of(event.customer_number, region)
    party = contact or organization
    owner = agent or _active(party.owner if party is not None else None)
    state = telephony.next_state(None, event, event.direction)
    _check_length(state)
    values = {
        "channel": Channel.CALL, "direction": event.direction,
        "subject": telephony.shown_number(event.customer_number, region), **state.values(),
        "contact": contact, "organization": organization, "owner": owner,
        "team": party.team if party is not None and party.team_id else (owner.team if owner else None),
        "source": SOURCE, "external_id": event.call_id,
    }  # fmt: skip
    return activity_create(actor=None, system=True, values=values)


def _apply(current: Activity, event: CallEvent) -> tuple[Activity, bool]:
    state = telephony.next_state(_state(current), event, current.direction)
    _check_length(state)
    values = {name: value for name, value in state.values().items() if getattr(current, name) != value}
    if event.event == "answered" and (agent := agent_named(event.agent)) is not None and agent.pk != current.owner_id:
        values["owner"] = agent  # the call is whoever took it
    if not values:
        return current, False
    return records.update_record(current, actor=None, values=values, action="activity.update"), True


def _live(record: Any) -> Any:
    return record if record is not None and record.deleted_at is None else None


def _callback_values(call: Activity) -> dict[str, Any]:
    contact, organization = _live(call.contact), _live(call.organization)
    party = contact or organization
    assignee = _active(party.owner if party is not None else None) or _active(call.owner)
    missed_at: dt.datetime = call.ends_at or call.occurred_at
    zone = user_zone(assignee)
    with translation.override(getattr(assignee, "language", "") or settings.LANGUAGE_CODE):
        name = contact.full_name if contact else (organization.name if organization else "")
        title = _("Call back %(name)s") % {"name": name or call.subject}
        moment = timezone.localtime(missed_at, zone).strftime("%Y-%m-%d %H:%M")
        description = _("Missed call from %(number)s at %(moment)s.") % {"number": call.subject, "moment": moment}
    return {
        "title": title[:200], "description": description, "priority": Priority.HIGH,
        "due_at": telephony.callback_due(missed_at, zone), "contact": contact, "organization": organization,
        "owner": assignee, "team": assignee.team if assignee else call.team,
        "activity": call,
    }  # fmt: skip


def _follow_up(call: Activity) -> Task | None:
    """The call-back of a missed inbound call, made the first time it is seen missed (not for a
    call someone put in the trash meanwhile); cancelled if the call turns out answered after all
    (its `answered` came after its `hangup`) and nobody has touched the task."""
    existing = Task.all_objects.filter(activity=call).order_by("id").first()
    if call.outcome == MISSED and call.direction == "inbound" and call.deleted_at is None:
        return existing if existing is not None else task_create(actor=None, system=True,
                                                                 values=_callback_values(call))  # fmt: skip
    if (
        call.outcome == ANSWERED and existing is not None and existing.status == TaskStatus.OPEN
        and existing.version == 1 and existing.deleted_at is None
    ):  # fmt: skip
        return records.update_record(existing, actor=None, values={"status": TaskStatus.CANCELLED},
                                     action="task.update")  # fmt: skip
    return existing


def call_event_record(*, event: CallEvent) -> CallLogged:
    """Apply one call event: the call's activity made (first event of the call) or brought up
    to date, and a missed inbound call's call-back task made once."""
    with transaction.atomic():
        records.lock_keys(SOURCE, [event.call_id])
        calls = Activity.all_objects.select_for_update(of=("self",)).filter(source=SOURCE, external_id=event.call_id)
        current = calls.select_related("contact", "organization", "owner").first()
        if current is None:
            try:
                with transaction.atomic():  # two first events at once on SQLite: the loser updates
                    activity, changed = _log_call(event), True
            except IntegrityError:
                activity, changed = _apply(calls.get(), event)
        else:
            activity, changed = _apply(current, event)
        activity = Activity.all_objects.select_related("contact", "organization", "owner", "team").get(pk=activity.pk)
        return CallLogged(activity, changed, _follow_up(activity))
