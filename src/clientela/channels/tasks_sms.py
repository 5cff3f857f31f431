"""Background work of SMS out, run by the job worker (`clientela worker`, and so by README
command 1): a queued message is sent through the configured gateway, and tried again later
when the gateway is down, overloaded or slow to answer."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clientela.channels import consent
from clientela.channels import sms as gateway
from clientela.channels.actions import sms as actions
from clientela.channels.models import Sms, SmsStatus

if TYPE_CHECKING:
    from clientela.accounts.models import User
    from clientela.parties.models import Contact

logger = logging.getLogger(__name__)
SMS_PRIORITY = 40  # ahead of imports: a person waits to see the message go out
RETRY_MINUTES = (1, 5, 15)  # after the first, second and third failed try


def send_sms(
    *, actor: User, contact: Contact | uuid.UUID | str, text: str, to: str | None = None, purpose: Any = None
) -> Sms:
    """Queue a message (`actions.sms_queue` checks and logs it) and hand it to the worker once
    the writes are committed."""
    with transaction.atomic():
        message = actions.sms_queue(actor=actor, contact=contact, text=text, to=to, purpose=purpose)
        public_id = str(message.public_id)
        transaction.on_commit(lambda: send_queued_sms.enqueue(public_id))
    return message


def _provider() -> gateway.SmsProvider:
    return gateway.provider_from_settings()


@task(priority=SMS_PRIORITY)
def send_queued_sms(sms_id: str) -> str:
    """Send one queued message through the gateway. A temporary failure (5xx, 429, no answer in
    time, no connection) is tried again RETRY_MINUTES later, up to `actions.MAX_ATTEMPTS` tries; a
    refusal (4xx) fails it at once with the gateway's answer, for the sender to see. Our id goes
    with it as the gateway's `reference`, so a gateway that deduplicates never sends a retry twice."""
    message: Any = Sms.all_objects.filter(public_id=sms_id).first()
    if message is None or message.status != SmsStatus.QUEUED:
        return "nothing to send"
    refused = (
        consent.refusal([message.contact_id], purpose=message.purpose, channel="sms") if message.contact_id else ""
    )
    if refused:  # a consent withdrawn, or an objection recorded, since it was queued
        actions.sms_failed(sms=message, error=refused, retryable=False)
        return "refused: no consent"
    try:
        provider_id = _provider().send(message.number, message.body, reference=sms_id)
    except gateway.SmsError as failure:
        logger.warning("sending SMS %s to %s failed: %s", sms_id, message.number, failure)
        if actions.sms_failed(sms=message, error=str(failure), retryable=failure.retryable):
            wait = RETRY_MINUTES[min(message.attempts, len(RETRY_MINUTES) - 1)]
            send_queued_sms.using(run_after=timezone.now() + dt.timedelta(minutes=wait)).enqueue(sms_id)
            return f"failed, tried again in {wait} min"
        return "failed for good"
    actions.sms_sent(sms=message, provider_id=provider_id)
    return "sent"


def resume_stalled_sms() -> str | None:
    """A housekeeping check: a message still queued long after its last try lost its job (the
    process stopped between the commit and the enqueue, the job was deleted): queued again, once
    per period whatever the number of workers (`actions.sms_requeue_stalled`)."""
    stalled = actions.sms_requeue_stalled()
    for public_id in stalled:
        send_queued_sms.enqueue(public_id)
    return f"{len(stalled)} stalled SMS queued again" if stalled else None
