"""E-mails written with their history (the demo's conversations, another CRM's mail archive):
each e-mail at its moment, with its timeline activity (`activities.actions.history`), its
Message-ID and its thread, and one "email.send" or "email.receive" event dated then.

Checked before anything is written; a bad plan raises `ValidationFailed` naming its index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.activities.actions.history import ActivityPlan, activities_load_history, restamp_created
from clientela.activities.models import Channel
from clientela.channels.models import Email, EmailDirection, EmailStatus
from clientela.core.changelog import bulk_append_events
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.ids import uuid7
from clientela.core.models import Event

if TYPE_CHECKING:
    from clientela.accounts.models import User

BATCH_SIZE = 1000


@dataclass
class EmailPlan:
    activity: ActivityPlan  # its channel is "email"; its direction, moment, subject, text and links are the e-mail's
    from_address: str
    to: list[str]
    message_id: str
    from_name: str = ""
    cc: list[str] = field(default_factory=list)
    in_reply_to: str = ""  # the Message-ID of an earlier plan of the same call (or of a stored e-mail)
    needs_triage: bool = False


def _check(plans: list[EmailPlan]) -> None:
    errors: list[FieldError] = []
    ids: set[str] = set()
    for index, plan in enumerate(plans):
        where = f"plans[{index}]"
        if plan.activity.channel != Channel.EMAIL:
            errors.append(FieldError(f"{where}.activity.channel", "invalid", _("an e-mail's activity is an e-mail")))
        for name, address in [("from_address", plan.from_address), *(("to", a) for a in plan.to)]:
            try:
                validate_email(address)
            except ValidationError:
                errors.append(FieldError(f"{where}.{name}", "invalid", _("is not an e-mail address")))
        if not plan.message_id or plan.message_id in ids:
            errors.append(FieldError(f"{where}.message_id", "invalid", _("a Message-ID of its own")))
        ids.add(plan.message_id)
    taken = set(Email.all_objects.filter(message_id__in=ids).values_list("message_id", flat=True))
    for index, plan in enumerate(plans):
        if plan.message_id in taken:
            errors.append(FieldError(f"plans[{index}].message_id", "duplicate", _("this e-mail is stored already")))
    if errors:
        raise ValidationFailed(errors)


def emails_load_history(*, actor: User, plans: list[EmailPlan], now: dt.datetime | None = None) -> list[Email]:
    """Write `plans` as e-mails sent and received at their moments, each on the timeline, replies
    threaded onto the e-mail they answer."""
    _check(plans)
    with transaction.atomic():
        activities = activities_load_history(actor=actor, plans=[plan.activity for plan in plans], now=now)
        known = {plan.message_id: index for index, plan in enumerate(plans)}
        rows: list[Email] = []
        for plan, activity in zip(plans, activities, strict=True):
            inbound = plan.activity.direction == "inbound"
            at = plan.activity.occurred_at
            rows.append(Email(
                public_id=uuid7(), direction=EmailDirection.INBOUND if inbound else EmailDirection.OUTBOUND,
                status=EmailStatus.RECEIVED if inbound else EmailStatus.SENT, activity=activity,
                contact=plan.activity.contact, organization=plan.activity.organization, deal=plan.activity.deal,
                from_address=plan.from_address, from_name=plan.from_name, to=plan.to, cc=plan.cc,
                subject=plan.activity.subject, body_text=plan.activity.body, message_id=plan.message_id,
                in_reply_to=plan.in_reply_to, needs_triage=plan.needs_triage, owner=plan.activity.owner,
                team=plan.activity.team, created_by=actor, updated_by=actor,
                sent_at=None if inbound else at, received_at=at if inbound else None,
            ))  # fmt: skip
        Email.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        restamp_created(Email, [(row.pk, plan.activity.occurred_at) for row, plan in zip(rows, plans, strict=True)])
        # Threads: a reply's thread is the thread of what it answers (plans come in time order).
        thread_of: dict[int, int] = {}
        updates: list[Email] = []
        for index, (plan, row) in enumerate(zip(plans, rows, strict=True)):
            parent = known.get(plan.in_reply_to)
            root = thread_of[parent] if parent is not None and parent < index else row.pk
            thread_of[index] = root
            row.thread_id = root
            chain = [p.message_id for p in _ancestors(plans, known, index)]
            row.references = " ".join(chain)
            updates.append(row)
        Email.objects.bulk_update(updates, ["thread", "references"], batch_size=BATCH_SIZE)
        bulk_append_events(_events(actor, rows))
    return rows


def _ancestors(plans: list[EmailPlan], known: dict[str, int], index: int) -> list[EmailPlan]:
    chain: list[EmailPlan] = []
    parent = known.get(plans[index].in_reply_to)
    while parent is not None and parent < index and len(chain) < 50:
        chain.insert(0, plans[parent])
        index, parent = parent, known.get(plans[parent].in_reply_to)
    return chain


def _events(actor: User, rows: list[Email]) -> list[Event]:
    from clientela.core.changelog import event_fields, record_label

    events = []
    for row in rows:
        inbound = row.direction == EmailDirection.INBOUND
        changes = {"direction": [None, row.direction], "status": [None, row.status], "subject": [None, row.subject],
                   "message_id": [None, row.message_id]}  # fmt: skip
        events.append(Event(**event_fields(
            actor=actor, action="email.receive" if inbound else "email.send", kind=Event.Kind.CREATED,
            record_type="channels.email", record_id=row.public_id, label=record_label(row), owner_id=row.owner_id,
            team_id=row.team_id, changes=changes, version=1,
            occurred_at=row.received_at if inbound else row.sent_at,
        )))  # fmt: skip
    return events
