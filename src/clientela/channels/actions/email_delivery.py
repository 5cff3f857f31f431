"""What the worker records while it sends a queued e-mail (`channels.tasks.send_email`).

Each job is one numbered attempt. Before talking to the mail server it claims its attempt —
`UPDATE ... SET attempts = n WHERE status = 'queued' AND attempts = n - 1` — so of two
deliveries of the same job (two workers, a job run again) one sends and the other does nothing;
no "sending" state is needed. The claim is the worker's bookkeeping, like a lease: it raises no
version and logs no event; the outcome does.

- `email_sent`: the server took it. The status moves from queued to sent by a conditional
  UPDATE, and only the writer that moved it creates the timeline activity and links it, in the
  same transaction: an e-mail is on the timeline once, however often this is reported.
- `email_attempt_failed`: counted; tried again later unless the answer was final (5xx) or it
  was the last attempt, when the e-mail is failed with the server's answer.
- `emails_requeue_stalled`: the housekeeping sweep for an e-mail still queued long after its
  last claim or failure (a lost job, a worker that died mid-attempt): it gets the next attempt.

What remains at least once: a worker that dies after the server accepted the message and before
`email_sent` commits leaves the e-mail queued, and the sweep sends it again STALLED_AFTER later —
with the same Message-ID, by which mail clients and archives recognise the copy. Closing that
window would need the server's help (it has none in SMTP).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from clientela.activities import actions as activity_actions
from clientela.activities.models import Activity, Channel, Direction
from clientela.channels.models import Email, EmailStatus
from clientela.core import records
from clientela.core.errors import ValidationFailed
from clientela.core.references import ref

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # the first, and three more (channels.tasks.RETRY_MINUTES apart)
STALLED_AFTER = dt.timedelta(minutes=30)  # longer than the longest wait between attempts, and a send
ACTIVITY_TEXT = 20_000  # characters of the text on the timeline (the e-mail keeps all of it)
SWEEP_BATCH = 200


def email_claim(*, email_id: int, attempt: int) -> bool:
    """Claim attempt number `attempt` (1, 2, ...) of a queued e-mail: True for exactly one caller."""
    if not 1 <= attempt <= MAX_ATTEMPTS:
        return False
    claimed = Email.all_objects.filter(pk=email_id, status=EmailStatus.QUEUED, attempts=attempt - 1).update(
        attempts=attempt, updated_at=timezone.now()
    )
    return claimed == 1


def _links(email: Email) -> dict[str, Any]:
    """The e-mail's records still out of the trash (a trashed one is not linked anew)."""
    found = {}
    for name in ("contact", "organization", "deal"):
        record = getattr(email, name)
        if record is not None and record.deleted_at is None:
            found[name] = record
    return found


def _timeline_entry(email: Email, sent_at: dt.datetime) -> Activity | None:
    """The e-mail as an activity of the e-mail channel, the sender's and their team's; without
    its owner when they can no longer own records; none when it is linked to nothing left."""
    links = _links(email)
    if not links:
        return None
    values: dict[str, Any] = {
        "channel": Channel.EMAIL, "direction": Direction.OUTBOUND, "subject": email.subject[:200],
        "body": email.body_text[:ACTIVITY_TEXT], "occurred_at": sent_at, **links,
    }  # fmt: skip
    people = {name: getattr(email, name) for name in ("owner", "team") if getattr(email, name) is not None}
    for attempt in ({**values, **people}, values):
        try:
            with transaction.atomic():
                return activity_actions.activity_create(actor=None, system=True, values=attempt)
        except ValidationFailed as refused:
            logger.warning("e-mail %s: its timeline entry was refused: %s", email.public_id, refused)
    return None


def email_sent(*, email_id: int, sent_at: dt.datetime | None = None) -> Email | None:
    """The server took the e-mail: sent at `sent_at`, on the timeline. None when it was recorded
    as sent (or failed) already."""
    sent_at = sent_at or timezone.now()
    with transaction.atomic():
        moved = Email.all_objects.filter(pk=email_id, status=EmailStatus.QUEUED).update(status=EmailStatus.SENT)
        if moved != 1:
            return None
        email = Email.all_objects.select_related("owner", "team", "contact", "organization", "deal").get(pk=email_id)
        activity = _timeline_entry(email, sent_at)
        changes: dict[str, list[Any]] = {
            "status": [EmailStatus.QUEUED, EmailStatus.SENT],
            "sent_at": [None, records.logged_value(email, "sent_at", sent_at)],
        }
        if email.error:
            changes["error"] = [email.error, ""]
        if activity is not None:
            changes["activity"] = [None, ref(activity)]
        email.sent_at, email.error, email.activity = sent_at, "", activity
        return records.bump_record(
            email, actor=None, action="email.send", changes=changes, fields=("status", "sent_at", "error", "activity")
        )


def email_attempt_failed(*, email_id: int, attempt: int, error: str, permanent: bool) -> bool:
    """Attempt `attempt` failed with the server's answer `error`: True when the e-mail waits for
    another attempt, False when it is failed for good (or was settled meanwhile)."""
    with transaction.atomic():
        email = (
            Email.all_objects.select_for_update()
            .filter(pk=email_id, status=EmailStatus.QUEUED, attempts=attempt)
            .first()
        )
        if email is None:
            return False
        final = permanent or attempt >= MAX_ATTEMPTS
        values = {"error": error[:500], "status": EmailStatus.FAILED if final else EmailStatus.QUEUED}
        records.update_record(email, actor=None, values=values, action="email.fail" if final else "email.attempt")
        return not final


def emails_requeue_stalled(*, now: dt.datetime | None = None) -> list[tuple[str, int]]:
    """E-mails queued and untouched for STALLED_AFTER: each is touched (so it is handed out once
    per period) and returned with the attempt it is due — (public id, attempt); one whose last
    attempt never finished is failed."""
    now = now or timezone.now()
    before = now - STALLED_AFTER
    stalled = Email.all_objects.filter(status=EmailStatus.QUEUED, updated_at__lt=before)
    due: list[tuple[str, int]] = []
    for pk, public_id, attempts in stalled.values_list("pk", "public_id", "attempts")[:SWEEP_BATCH]:
        if attempts >= MAX_ATTEMPTS:
            email_attempt_failed(email_id=pk, attempt=attempts, error="the last attempt did not finish", permanent=True)
            continue
        touched = Email.all_objects.filter(pk=pk, status=EmailStatus.QUEUED, updated_at__lt=before).update(
            updated_at=now
        )
        if touched == 1:
            due.append((str(public_id), attempts + 1))
    return due
