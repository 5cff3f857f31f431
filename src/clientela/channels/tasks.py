"""Background work of e-mail out, run by the job worker (`clientela worker`, and so by README
command 1): a queued e-mail is sent through the configured SMTP server, tried again after a
failure that may pass (1, 5, 15 minutes later), and recorded as sent — on the timeline once —
or failed with the server's answer. How each attempt is claimed, and what stays at least once,
is told in `actions/email_delivery.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clientela.channels import actions, consent, queries, sending
from clientela.channels.models import Email, EmailStatus
from clientela.core import mailing

if TYPE_CHECKING:
    from clientela.accounts.models import User

logger = logging.getLogger(__name__)
EMAIL_PRIORITY = 40  # a person waits to see their e-mail go out
RETRY_MINUTES = (1, 5, 15)  # after the first, second and third failed attempt


def queue_email(*, actor: User, values: dict[str, Any]) -> Email:
    """Queue an e-mail (`actions.email_queue` checks and logs it) and hand it to the worker once
    the writes are committed."""
    with transaction.atomic():
        email = actions.email_queue(actor=actor, values=values)
        public_id = str(email.public_id)
        transaction.on_commit(lambda: send_email.enqueue(public_id, 1))
    return email


def queue_invitation(*, actor: User, meeting: Any) -> Email:
    """Queue a meeting's invitation (`actions.meeting_invite`) and hand it to the worker."""
    with transaction.atomic():
        email = actions.meeting_invite(actor=actor, meeting=meeting)
        public_id = str(email.public_id)
        transaction.on_commit(lambda: send_email.enqueue(public_id, 1))
    return email


def _retry(email_id: str, attempt: int) -> str:
    wait = RETRY_MINUTES[min(attempt, len(RETRY_MINUTES)) - 1]
    send_email.using(run_after=timezone.now() + dt.timedelta(minutes=wait)).enqueue(email_id, attempt + 1)
    return f"failed, tried again in {wait} min"


@task(priority=EMAIL_PRIORITY)
def send_email(email_id: str, attempt: int = 1) -> str:
    """Attempt number `attempt` at sending the queued e-mail `email_id`: claimed first, so a job
    delivered twice sends once."""
    email = queries.email_for_worker(email_id)
    if email is None or email.status != EmailStatus.QUEUED:
        return "nothing to send"
    if not actions.email_claim(email_id=email.pk, attempt=attempt):
        return "claimed by another attempt"
    refused = consent.email_refusal(email)
    if refused:  # a consent withdrawn, or an objection recorded, since it was queued
        actions.email_attempt_failed(email_id=email.pk, attempt=attempt, error=refused, permanent=True)
        return "refused: no consent"
    try:
        message = sending.build_message(email)
    except OSError as missing:  # a stored file is gone: the same next time
        delivery = mailing.Delivery(sent=False, permanent=True, error=f"an attachment cannot be read: {missing}")
    else:
        delivery = mailing.deliver(message, message_id=email.message_id)
    if delivery.sent:
        actions.email_sent(email_id=email.pk)
        return "sent"
    logger.warning("sending e-mail %s (attempt %d) failed: %s", email_id, attempt, delivery.error)
    again = actions.email_attempt_failed(
        email_id=email.pk, attempt=attempt, error=delivery.error, permanent=delivery.permanent
    )
    return _retry(email_id, attempt) if again else "failed for good"


def resume_stalled_emails() -> str | None:
    """A housekeeping check: an e-mail queued long after its last attempt (its job was lost, its
    worker died) gets its next attempt."""
    due = actions.emails_requeue_stalled()
    for public_id, attempt in due:
        send_email.enqueue(public_id, attempt)
    return f"{len(due)} stalled e-mails queued again" if due else None
