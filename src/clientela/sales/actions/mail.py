"""Quotes and invoices sent by e-mail: the writer queues a `DocumentMail` (checked, logged, in
the document's language; `tasks.send_document` hands it to the worker), the background worker
sends it through the configured SMTP server with the PDF attached
(`sales.tasks.send_document_mail`) and reports back here: sent with its Message-ID (a quote
then counts as sent), or failed after its last attempt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.visibility import require_write
from clientela.sales.actions.quotes import OPEN_QUOTE_STATUSES, QuoteClosed, quote_mark_sent
from clientela.sales.models import DocumentMail, Invoice, InvoiceKind, MailStatus, Quote

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_ATTEMPTS = 3  # a failing send is tried this many times, further apart each time


def _default_subject(document: Quote | Invoice) -> str:
    if isinstance(document, Quote):
        return _("Quote %(number)s") % {"number": document.number}
    if document.kind == InvoiceKind.CREDIT_NOTE:
        return _("Credit note %(number)s") % {"number": document.number}
    return _("Invoice %(number)s") % {"number": document.number}


def _default_body(document: Quote | Invoice) -> str:
    if isinstance(document, Quote):
        return _("Dear customer,\n\nplease find our quote %(number)s attached.\n\nKind regards") % {
            "number": document.number
        }
    return _("Dear customer,\n\nplease find %(number)s attached.\n\nKind regards") % {"number": document.number}


def document_mail_queue(
    *, actor: User, document: Quote | Invoice, to: str | None = None, subject: str | None = None,
    body: str | None = None, language: str,
) -> DocumentMail:  # fmt: skip
    """Queue `document` to be e-mailed to `to` (the document's contact's address when left out),
    with `subject` and `body` (defaults in `language`, the customer's). The worker sends it once
    this transaction commits (`tasks.send_document` queues it). A quote that was answered,
    revised or has expired is not sent."""
    require_write(actor, document)
    errors: list[FieldError] = []
    address = (to if to is not None else (document.contact.primary_email if document.contact else "")).strip()
    if not address:
        errors.append(FieldError("to", "required", _("the contact has no e-mail address: give one")))
    else:
        try:
            validate_email(address)
        except ValidationError:
            errors.append(FieldError("to", "invalid", _("is not an e-mail address")))
    with translation.override(language):
        subject = (subject if subject is not None else _default_subject(document)).strip()
        body = body if body is not None else _default_body(document)
    if not subject or len(subject) > 200 or any(c in subject for c in "\r\n\x00"):
        errors.append(FieldError("subject", "invalid", _("one line of at most %(n)d characters") % {"n": 200}))
    if len(body) > 20_000 or "\x00" in body:
        errors.append(FieldError("body", "invalid", _("at most %(n)d characters") % {"n": 20_000}))
    if errors:
        raise ValidationFailed(errors)
    if isinstance(document, Quote) and document.status not in OPEN_QUOTE_STATUSES:
        raise QuoteClosed(_("this quote is %(status)s") % {"status": document.get_status_display().lower()})
    values: dict[str, Any] = {
        "quote": document if isinstance(document, Quote) else None,
        "invoice": document if isinstance(document, Invoice) else None,
        "to": address, "subject": subject, "body": body, "language": language,
        "owner": document.owner, "team": document.team,
    }  # fmt: skip
    return records.create_record(DocumentMail, actor=actor, values=values, action="document_mail.queue")


def document_mail_sent(*, mail: DocumentMail, message_id: str) -> DocumentMail:
    """The worker handed the e-mail to the SMTP server: sent, with its Message-ID."""
    with transaction.atomic():
        locked = DocumentMail.objects.select_for_update(of=("self",)).get(pk=mail.pk)
        values = {"status": MailStatus.SENT, "message_id": message_id[:250], "sent_at": timezone.now(),
                  "attempts": locked.attempts + 1, "error": ""}  # fmt: skip
        done = records.update_record(locked, actor=None, values=values, action="document_mail.sent")
        if locked.quote_id is not None:
            quote_mark_sent(actor=None, quote=Quote.all_objects.get(pk=locked.quote_id))
        return done


def document_mail_failed(*, mail: DocumentMail, error: str) -> bool:
    """A send failed: counted; after MAX_ATTEMPTS the mail is failed for good (False), else it
    stays queued for another try (True)."""
    with transaction.atomic():
        locked = DocumentMail.objects.select_for_update(of=("self",)).get(pk=mail.pk)
        attempts = locked.attempts + 1
        again = attempts < MAX_ATTEMPTS
        values = {
            "attempts": attempts,
            "error": error[:500],
            "status": MailStatus.QUEUED if again else MailStatus.FAILED,
        }
        records.update_record(locked, actor=None, values=values, action="document_mail.attempt")
        return again
