"""Text messages out: a person queues one to a contact (checked, logged; `tasks_sms.send_sms`
hands it to the worker), the worker sends it through the SMS gateway and reports back here —
sent, with the operator's id and its entry on the contact's timeline (made once, whatever the
number of tries), or failed after its last try — and the gateway's delivery reports say
whether it reached the phone."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.activities.actions import activity_create
from clientela.activities.models import Activity, Channel, Direction
from clientela.channels import consent
from clientela.channels import sms as gateway
from clientela.channels.models import EmailDirection, Sms, SmsStatus
from clientela.core import records
from clientela.core.errors import FieldError, NotFound, Refused, ValidationFailed
from clientela.core.ids import is_uuid
from clientela.core.visibility import require_write
from clientela.parties import normalize
from clientela.parties import queries as parties_queries
from clientela.parties.models import Contact, ContactPoint

if TYPE_CHECKING:
    from clientela.accounts.models import User

logger = logging.getLogger(__name__)

MAX_TEXT = 1600  # ten concatenated messages: what gateways commonly accept as one
MAX_ATTEMPTS = 4  # a temporary failure is tried this many times, further apart each time
STALLED_AFTER = dt.timedelta(minutes=30)  # longer than the longest wait between two tries (tasks_sms)
SWEEP_BATCH = 500
REPORT_STATUSES = (SmsStatus.DELIVERED, SmsStatus.FAILED)


class SmsUnavailable(Refused):
    """No gateway to send through: the installation's state, not the request, is what stops it."""

    status = 409
    code = "sms_not_configured"


def _visible_contact(actor: User, contact: Any, errors: list[FieldError]) -> Contact | None:
    public_id = contact.public_id if isinstance(contact, Contact) else contact
    found = None
    if is_uuid(public_id):
        found = parties_queries.contacts_visible(actor).prefetch_related("points", "addresses").filter(
            public_id=public_id).first()  # fmt: skip
    if found is None:
        errors.append(FieldError("contact", "not_found" if public_id else "required", _("no such contact")))
    return found


def phone_to_text(contact: Contact) -> str:
    """The number a message to `contact` goes to by default: its first mobile, else its first phone."""
    phones = [p for p in contact.points.all() if p.kind == ContactPoint.Kind.PHONE]
    mobiles = [p for p in phones if p.label == ContactPoint.Label.MOBILE]
    chosen = (mobiles or phones or [None])[0]
    return chosen.value if chosen is not None else ""


def _e164(contact: Contact, number: str, errors: list[FieldError]) -> str:
    """`number` in E.164, one written without a country read in the contact's (as its phones are)."""
    region = normalize.phone_region((a.country for a in contact.addresses.all()), contact.team)
    e164 = normalize.phone_e164(number, region) if normalize.is_plausible_phone(number) else ""
    if not e164:
        errors.append(FieldError("to", "invalid", _("%(value)r is not a phone number") % {"value": number[:40]}))
    return e164


def sms_queue(
    *, actor: User, contact: Contact | uuid.UUID | str, text: str, to: str | None = None, purpose: Any = None
) -> Sms:
    """Queue `text` to be sent to `contact` (a contact `actor` may see) at `to`, or at the
    contact's mobile (else its first phone) when left out; the number is kept in E.164. The
    worker sends it once this transaction commits (`tasks_sms.send_sms` queues it)."""
    require_write(actor)
    errors: list[FieldError] = []
    found = _visible_contact(actor, contact, errors)
    if not isinstance(text, str) or not text.strip():
        errors.append(FieldError("text", "required", _("write the message")))
    elif len(text) > MAX_TEXT or "\x00" in text:
        errors.append(FieldError("text", "too_long", _("at most %(n)d characters") % {"n": MAX_TEXT}))
    number = ""
    if found is not None:
        given = (to or "").strip() or phone_to_text(found)
        if not given:
            errors.append(FieldError("to", "required", _("the contact has no phone number: give one")))
        else:
            number = _e164(found, given, errors)
    chosen = consent.purpose_named(purpose)
    if purpose not in (None, "") and chosen is None:
        errors.append(FieldError("purpose", "not_found", _("no such purpose")))
    elif found is not None:
        reason = consent.refusal([found.pk], purpose=chosen, channel="sms")
        if reason:
            errors.append(FieldError("purpose" if chosen else "to", "no_consent", reason))
    if errors:
        raise ValidationFailed(errors)
    if not gateway.configured():
        raise SmsUnavailable(_("no SMS gateway is configured"))
    assert found is not None
    values = {
        "direction": EmailDirection.OUTBOUND, "status": SmsStatus.QUEUED, "number": number, "body": text.strip(),
        "contact": found, "purpose": chosen, "owner": actor, "team": actor.team or found.team,
    }  # fmt: skip
    return records.create_record(Sms, actor=actor, values=values, action="sms.queue")


def _locked(sms: Sms) -> Sms:
    return Sms.all_objects.select_for_update(of=("self",)).select_related("contact", "owner").get(pk=sms.pk)


def _timeline_entry(sms: Sms, at: Any) -> Activity | None:
    """The message on its contact's timeline, as the channel's own logging. None (logged) when it
    cannot be linked any more: the contact went to the trash while the message waited."""
    owner = sms.owner if sms.owner is not None and sms.owner.is_active else None
    values = {
        "channel": Channel.SMS, "direction": Direction.OUTBOUND, "body": sms.body, "contact": sms.contact,
        "owner": owner, "team": sms.team, "occurred_at": at,
    }  # fmt: skip
    try:
        return activity_create(actor=None, system=True, values=values)
    except ValidationFailed as refused:
        logger.warning("SMS %s sent but not put on a timeline: %s", sms.public_id, refused)
        return None


def sms_sent(*, sms: Sms, provider_id: str) -> Sms:
    """The gateway took the message: sent, with the operator's id for it, and on the contact's
    timeline — once: a message already past `queued` (a job run twice) is left as it is."""
    with transaction.atomic():
        locked = _locked(sms)
        if locked.status != SmsStatus.QUEUED:
            return locked
        now = timezone.now()
        activity = locked.activity if locked.activity_id is not None else _timeline_entry(locked, now)
        values = {
            "status": SmsStatus.SENT, "provider_id": provider_id[:200], "sent_at": now,
            "attempts": locked.attempts + 1, "error": "", "activity": activity,
        }  # fmt: skip
        return records.update_record(locked, actor=None, values=values, action="sms.sent")


def sms_failed(*, sms: Sms, error: str, retryable: bool) -> bool:
    """A try failed: counted. A temporary failure before the last try leaves the message queued
    for another (True); a refusal, or the last try, fails it for good with the reason (False)."""
    with transaction.atomic():
        locked = _locked(sms)
        if locked.status != SmsStatus.QUEUED:
            return False
        attempts = locked.attempts + 1
        again = retryable and attempts < MAX_ATTEMPTS
        values = {
            "attempts": attempts, "error": error[:500], "status": SmsStatus.QUEUED if again else SmsStatus.FAILED,
        }  # fmt: skip
        records.update_record(locked, actor=None, values=values, action="sms.attempt" if again else "sms.failed")
        return again


def sms_delivery_report(*, provider_id: str, status: str, error: str = "") -> tuple[Sms, bool]:
    """The gateway's word on a sent message: `delivered` (final: a later `failed` changes
    nothing) or `failed` (with the operator's reason; a later `delivered` still counts, the phone
    got it after all). Returns the message and whether the report changed it: a repeated report
    changes nothing. A provider id no message has is `NotFound`."""
    if status not in REPORT_STATUSES:
        choices = ", ".join(REPORT_STATUSES)
        raise ValidationFailed.single("status", "invalid_choice", _("one of: %(choices)s") % {"choices": choices})
    if not provider_id.strip():
        raise NotFound(_("no SMS has this id"))
    with transaction.atomic():
        found = (
            Sms.all_objects.select_for_update(of=("self",))
            .filter(provider_id=provider_id.strip(), direction=EmailDirection.OUTBOUND)
            .order_by("-id")
            .first()
        )
        if found is None:
            raise NotFound(_("no SMS has this id"))
        if found.status == SmsStatus.DELIVERED or found.status == status:
            return found, False
        if status == SmsStatus.DELIVERED:
            values: dict[str, Any] = {"status": SmsStatus.DELIVERED, "delivered_at": timezone.now()}
        else:
            values = {"status": SmsStatus.FAILED, "error": error.strip()[:500]}
        return records.update_record(found, actor=None, values=values, action="sms.delivery"), True


def sms_requeue_stalled(*, now: dt.datetime | None = None) -> list[str]:
    """Messages queued and untouched for STALLED_AFTER (their job was lost): each is touched, so it
    is handed out once per period however many workers sweep, and its public id returned. The
    touch is bookkeeping, not a change: no version, no event."""
    now = now or timezone.now()
    before = now - STALLED_AFTER
    stalled = Sms.all_objects.filter(status=SmsStatus.QUEUED, updated_at__lt=before)
    due: list[str] = []
    for pk, public_id in stalled.values_list("pk", "public_id")[:SWEEP_BATCH]:
        touched = Sms.all_objects.filter(pk=pk, status=SmsStatus.QUEUED, updated_at__lt=before).update(updated_at=now)
        if touched == 1:
            due.append(str(public_id))
    return due
