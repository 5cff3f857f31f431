"""Delivery status notifications (RFC 3464): the report a mail server sends back when an e-mail
of ours could not be delivered — `multipart/report; report-type=delivery-status`, with a
machine-readable part (`message/delivery-status`: per recipient, its address, the action taken
and the status code) and the original message or its headers.

The e-mail the report is about is found by the Message-ID in those original headers, and only
among the e-mails we sent: a report naming a Message-ID we never used (forged, or about
somebody else's mail) bounces nothing. Only `Action: failed` is a bounce; `delayed` is news,
not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, HeaderParser

from clientela.channels.inbound.parsing import (
    ParsedMessage,
    header_text,
    message_ids,
    one_line,
    valid_address,
)
from clientela.channels.models import Email, EmailDirection

MAX_RECIPIENTS = 100


@dataclass(frozen=True)
class FailedRecipient:
    address: str  # Final-Recipient
    original: str  # Original-Recipient, when the report gives it (before any forwarding)
    status: str  # the enhanced status code, "5.1.1"
    reason: str  # what the server said, on one line


@dataclass
class DeliveryReport:
    original_message_id: str
    failed: list[FailedRecipient] = field(default_factory=list)


def _parts(tree: Message) -> list[Message]:
    payload = tree.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status part: the parser gives them as messages
    (one per block); a part it left as text is split here."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    data = part.get_payload(decode=True)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload or "")
    text = text.replace("\r\n", "\n")
    return [HeaderParser(policy=policy.compat32).parsestr(chunk + "\n") for chunk in text.split("\n\n") if chunk]


def _original_headers(parts: list[Message]) -> Message | None:
    for part in parts:
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                return BytesHeaderParser(policy=policy.compat32).parsebytes(data)
        if kind == "message/rfc822":
            inner = _parts(part)
            if inner:
                return inner[0]
    return None


def _field(block: Message, name: str) -> str:
    return header_text(block, name, limit=500)


def _recipient(value: str) -> str:
    """The address of "rfc822; someone@example.com" (the address type before the semicolon)."""
    return valid_address(value.partition(";")[2] if ";" in value else value)


def read_report(parsed: ParsedMessage) -> DeliveryReport | None:
    """The delivery report in a received message; None when it is no delivery report or names
    no original message."""
    if not parsed.is_report or parsed.tree is None:
        return None
    try:
        parts = _parts(parsed.tree)
        status = next((p for p in parts if p.get_content_type() == "message/delivery-status"), None)
        original = _original_headers(parts)
    except Exception:
        return None
    if status is None or original is None:
        return None
    ids = message_ids(header_text(original, "Message-ID", limit=400))
    if not ids:
        return None
    report = DeliveryReport(original_message_id=ids[0])
    for block in _blocks(status)[1:]:  # the first block is about the whole message
        if _field(block, "Action").lower() != "failed":
            continue
        address = _recipient(_field(block, "Final-Recipient"))
        first_address = _recipient(_field(block, "Original-Recipient"))
        if not address and not first_address:
            continue
        code = _field(block, "Status")[:20]
        diagnostic = _field(block, "Diagnostic-Code")
        if ";" in diagnostic:
            diagnostic = diagnostic.partition(";")[2]
        reason = one_line(f"{code} {diagnostic}" if diagnostic else code or "failed", 300)
        report.failed.append(
            FailedRecipient(address=address or first_address, original=first_address, status=code, reason=reason)
        )
        if len(report.failed) >= MAX_RECIPIENTS:
            break
    return report


def original_email(report: DeliveryReport) -> Email | None:
    """The e-mail we sent that the report is about."""
    return (
        Email.all_objects.filter(message_id=report.original_message_id, direction=EmailDirection.OUTBOUND)
        .select_related("contact")
        .first()
    )
