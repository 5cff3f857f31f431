"""E-mail in: one received message becomes one `Email` (inbound, received), once, whichever
mailbox it arrives in and however often it is fetched — its Message-ID is unique, and a message
without one gets one from the hash of its bytes (`inbound.parsing.synthetic_id`).

From a contact's address (or a reply in a conversation whose contact we know) it is linked to
that contact and logged on their timeline (an activity of the e-mail channel, created by the
system); from anyone else it waits in the triage inbox (`needs_triage`). A reply is threaded
onto the first e-mail of its conversation. Its files are kept by their hash within the size
limits; a file over a limit is kept as its name and the reason. A delivery status notification
about an e-mail of ours marks that e-mail bounced and the address bounced on the contact
(`parties.actions.contact_point_bounced`).

Each message is its own transaction: a message that cannot be read is recorded as seen with
its problem (`mailbox_message_failed`), and the rest of the mailbox goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from clientela.activities import actions as activity_actions
from clientela.activities.models import Channel, Direction
from clientela.channels.inbound import attachments, dsn, matching
from clientela.channels.inbound.parsing import Attachment, ParsedMessage, parse_message
from clientela.channels.models import (
    Email,
    EmailAttachment,
    EmailDirection,
    EmailStatus,
    Mailbox,
    MailboxMessage,
)
from clientela.core import records
from clientela.core.changelog import append_event
from clientela.core.models import Event
from clientela.parties.actions.bounces import contact_point_bounced
from clientela.parties.normalize import email_key

ACTIVITY_TEXT = 20_000  # characters of the text on the timeline (the e-mail keeps all of it)
FUTURE_SLACK = dt.timedelta(days=1)  # a Date header further ahead than this is not believed


@dataclass(frozen=True)
class Received:
    """What became of one message: the e-mail (new, or the one already imported), whether it
    was created now, and what was odd about the message ("" when nothing)."""

    email: Email | None
    created: bool
    problem: str = ""


def _moment(parsed: ParsedMessage, arrived: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    for moment in (parsed.date, arrived):
        if moment is not None and moment <= now + FUTURE_SLACK:
            return moment
    return now


def _already_seen(mailbox: Mailbox, uid_validity: int | None, uid: int | None) -> bool:
    if uid is None or uid_validity is None:
        return False
    return MailboxMessage.objects.filter(mailbox=mailbox, uid_validity=uid_validity, uid=uid).order_by().exists()


def _mark_seen(mailbox: Mailbox, uid_validity: int | None, uid: int | None, email: Email | None, problem: str) -> None:
    if uid is None or uid_validity is None:
        return
    MailboxMessage.objects.create(
        mailbox=mailbox, uid_validity=uid_validity, uid=uid, email=email, problem=problem[:500]
    )


def email_receive(
    *, mailbox: Mailbox, raw: bytes, uid_validity: int | None = None, uid: int | None = None,
    arrived: dt.datetime | None = None, headers_only: bool = False, size: int | None = None,
) -> Received:  # fmt: skip
    """Import one message read from `mailbox` (at `uid` of `uid_validity`, when read by IMAP).
    `headers_only`: the message was too large to fetch, `raw` is its header."""
    parsed = parse_message(raw, headers_only=headers_only)
    problem = "; ".join(parsed.problems)
    with transaction.atomic():
        if _already_seen(mailbox, uid_validity, uid):
            return Received(None, False)
        records.lock_keys("email.message_id", [parsed.message_id])
        existing = matching.stored_email(parsed.message_id)
        if existing is not None:
            _mark_seen(mailbox, uid_validity, uid, existing, problem)
            return Received(existing, False, problem)
        report = dsn.read_report(parsed) if parsed.is_report else None
        original = dsn.original_email(report) if report is not None else None
        moment = _moment(parsed, arrived)
        if report is not None and original is not None:
            email = _store_bounce(mailbox, parsed, moment, original, report)
        else:
            email = _store(mailbox, parsed, moment)
        _keep_files(email, parsed, size or len(raw))
        _mark_seen(mailbox, uid_validity, uid, email, problem)
    return Received(email, True, problem)


def mailbox_message_failed(*, mailbox: Mailbox, uid_validity: int, uid: int, problem: str) -> None:
    """A message that could not be imported at all: seen, with why, so it is not tried forever."""
    with transaction.atomic():
        if not _already_seen(mailbox, uid_validity, uid):
            _mark_seen(mailbox, uid_validity, uid, None, problem or "unreadable")


# --- the e-mail and its timeline entry -----------------------------------------------------------


def _people(mailbox: Mailbox, contact: Any) -> dict[str, Any]:
    """A personal mailbox's mail is its owner's; a shared one's goes to the contact's owner, in
    the mailbox's team."""
    owner = mailbox.owner if mailbox.owner_id else (contact.owner if contact is not None else None)
    return {"owner": owner, "team": mailbox.team}


def _store(mailbox: Mailbox, parsed: ParsedMessage, moment: dt.datetime) -> Email:
    match = matching.match_contact(parsed.from_address, parsed.to + parsed.cc, mailbox_address=mailbox.address)
    parent = matching.thread_parent(parsed.in_reply_to, parsed.references)
    contact = match.contact
    if contact is None and parent is not None and parent.contact_id is not None:
        contact = parent.contact if parent.contact.deleted_at is None else None
    same_conversation = parent is not None and (contact is None or parent.contact_id == contact.pk)
    deal = parent.deal if same_conversation and parent is not None and parent.deal_id else None
    organization = parent.organization if same_conversation and parent is not None else None
    people = _people(mailbox, contact)
    activity = None
    if contact is not None:
        activity = activity_actions.activity_create(actor=None, system=True, values=_activity_values(
            parsed, moment, contact=contact, deal=deal, organization=organization, people=people))  # fmt: skip
    email = Email(
        direction=EmailDirection.INBOUND, status=EmailStatus.RECEIVED, mailbox=mailbox, activity=activity,
        contact=contact, organization=organization, deal=deal, from_address=parsed.from_address,
        from_name=parsed.from_name, to=parsed.to, cc=parsed.cc, subject=parsed.subject, body_text=parsed.text,
        body_html=parsed.html, message_id=parsed.message_id, in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references), thread_id=matching.thread_root_id(parent),
        needs_triage=contact is None, received_at=moment, **people,
    )  # fmt: skip
    email.save(force_insert=True)
    _log_receive(email)
    return email


def _activity_values(
    parsed: ParsedMessage, moment: dt.datetime, *, contact: Any, deal: Any, organization: Any,
    people: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    values: dict[str, Any] = {
        "channel": Channel.EMAIL, "direction": Direction.INBOUND, "subject": parsed.subject[:200],
        "body": parsed.text[:ACTIVITY_TEXT], "occurred_at": moment, "contact": contact,
    }  # fmt: skip
    if deal is not None:
        values["deal"] = deal
    if organization is not None:
        values["organization"] = organization
    values.update({name: value for name, value in people.items() if value is not None})
    return values


def _log_receive(email: Email) -> None:
    changes = {
        "direction": [None, email.direction], "status": [None, email.status], "subject": [None, email.subject],
        "from_address": [None, email.from_address], "message_id": [None, email.message_id],
    }  # fmt: skip
    if email.contact_id is not None:
        changes["contact"] = [None, records.logged_value(email, "contact", email.contact)]
    if email.needs_triage:
        changes["needs_triage"] = [None, True]
    append_event(actor=None, action="email.receive", kind=Event.Kind.CREATED, record=email, changes=changes)


# --- delivery reports ----------------------------------------------------------------------------


def _store_bounce(
    mailbox: Mailbox, parsed: ParsedMessage, moment: dt.datetime, original: Email, report: dsn.DeliveryReport
) -> Email:
    """Keep the report as an e-mail about the original (not on the timeline, not for triage),
    mark the original bounced, and the failed addresses that it was sent to."""
    email = Email(
        direction=EmailDirection.INBOUND, status=EmailStatus.RECEIVED, mailbox=mailbox, contact=original.contact,
        from_address=parsed.from_address, from_name=parsed.from_name, to=parsed.to, cc=parsed.cc,
        subject=parsed.subject, body_text=parsed.text, body_html=parsed.html, message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to, references=" ".join(parsed.references), bounce_of=original,
        thread_id=original.thread_id or original.pk, received_at=moment, owner=original.owner, team=original.team,
    )  # fmt: skip
    email.save(force_insert=True)
    _log_receive(email)
    sent_to = {email_key(a) for a in [*original.to, *original.cc] if isinstance(a, str)}
    failed = [f for f in report.failed if email_key(f.address) in sent_to or email_key(f.original) in sent_to]
    if not failed:
        return email
    reason = "; ".join(f"{f.address}: {f.reason}" for f in failed)[:500]
    if original.status != EmailStatus.BOUNCED:
        records.update_record(
            original, actor=None, values={"status": EmailStatus.BOUNCED, "error": reason}, action="email.bounce"
        )
    for recipient in failed:
        address = recipient.address if email_key(recipient.address) in sent_to else recipient.original
        contact_point_bounced(address=address, reason=recipient.reason, at=moment)
    return email


# --- files ---------------------------------------------------------------------------------------


def _keep_files(email: Email, parsed: ParsedMessage, size: int) -> None:
    rows: list[EmailAttachment] = []
    if parsed.headers_only:
        rows.append(EmailAttachment(
            email=email, filename=attachments.safe_filename(f"{parsed.subject[:80] or 'message'}.eml"),
            content_type=attachments.OCTET_STREAM, declared_type="message/rfc822", size=size, sha256="",
            refused=attachments.NOT_FETCHED,
        ))  # fmt: skip
    limits = attachments.limits()
    kept = 0
    for index, part in enumerate(parsed.attachments):
        rows.append(_attachment_row(email, part, index, kept, limits))
        if not rows[-1].refused:
            kept += rows[-1].size
    if rows:
        EmailAttachment.objects.bulk_create(rows)


def _attachment_row(
    email: Email, part: Attachment, index: int, kept: int, limits: attachments.Limits
) -> EmailAttachment:
    size = len(part.data)
    kind = attachments.sniff(part.data)
    row = EmailAttachment(
        email=email, filename=attachments.safe_filename(part.filename, kind), content_type=kind,
        declared_type=part.declared_type[:100], size=size, sha256="",
    )  # fmt: skip
    if index >= attachments.MAX_FILES:
        row.refused = attachments.TOO_MANY
    elif size > limits.per_file:
        row.refused = attachments.TOO_LARGE
    elif kept + size > limits.per_message:
        row.refused = attachments.MESSAGE_TOO_LARGE
    else:
        row.sha256 = hashlib.sha256(part.data).hexdigest()
        attachments.store(part.data, row.sha256)
    return row
