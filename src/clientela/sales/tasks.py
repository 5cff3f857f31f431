"""Background work of the sales app, run by the job worker (`clientela worker`, and so by
README command 1)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from clientela.core import mailing
from clientela.sales import actions, forecasting, importing, queries
from clientela.sales.models import DocumentMail, MailStatus

if TYPE_CHECKING:
    from clientela.accounts.models import User

logger = logging.getLogger(__name__)
SNAPSHOT_MONTHS = 6  # this month and the five after it


def take_monthly_snapshot() -> str | None:
    """A housekeeping check: once a month, the first time the worker looks, keep the whole
    forecast (every deal) for this month and the five after, so it can be compared later with
    what closed. Idempotent: a month that has its worker's snapshot gets no second one."""
    month = forecasting.month_start(timezone.localdate())
    if forecasting.snapshots().filter(taken_by__isnull=True, first_period=month).exists():
        return None
    last = month
    for _n in range(SNAPSHOT_MONTHS - 1):
        last = forecasting.next_month(last)
    snapshot = actions.forecast_snapshot_take(
        actor=None, first_period=month, last_period=last, label=f"monthly {month:%Y-%m}"
    )
    return f"forecast snapshot of {month:%Y-%m} with {len(snapshot.rows)} rows"


LEAD_IMPORT_FILES_KEPT = dt.timedelta(days=1)


def purge_lead_import_files() -> str | None:
    """A housekeeping check: delete the lead import page's uploads left behind for a day (a file
    checked and never imported); an imported file is deleted at once."""
    directory = importing.upload_directory()
    if not directory.is_dir():
        return None
    cutoff = (timezone.now() - LEAD_IMPORT_FILES_KEPT).timestamp()
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return f"{removed} lead import files deleted" if removed else None


def build_missing_figures() -> str | None:
    """A housekeeping check: build the sales figures when there are deals or leads but no figures
    (a new installation upgraded from a version without them, a database restored without them)."""
    if not queries.figures_missing():
        return None
    written = actions.figures_rebuild()
    rows = ", ".join(f"{count} {kind} rows" for kind, count in written.items())
    return f"sales figures built: {rows}"


MAIL_PRIORITY = 40  # ahead of imports: a person waits to see the quote go out
RETRY_MINUTES = (1, 5)  # after the first and the second failed attempt


def send_document(
    *, actor: User, document: Any, to: str | None = None, subject: str | None = None, body: str | None = None,
    language: str,
) -> DocumentMail:  # fmt: skip
    """Queue `document` (a quote or an invoice) to be e-mailed (`actions.document_mail_queue`
    checks and logs it) and hand it to the worker once the writes are committed."""
    with transaction.atomic():
        mail = actions.document_mail_queue(actor=actor, document=document, to=to, subject=subject, body=body,
                                           language=language)  # fmt: skip
        public_id = str(mail.public_id)
        transaction.on_commit(lambda: send_document_mail.enqueue(public_id))
    return mail


@task(priority=MAIL_PRIORITY)
def send_document_mail(mail_id: str) -> str:
    """Send a queued quote or invoice e-mail through the configured SMTP server, the document's
    PDF attached (an invoice's as a Factur-X PDF/A-3 with its EN 16931 XML), with a Message-ID
    of ours for threading. A failure is retried RETRY_MINUTES later, then given up (the mail is
    marked failed with the server's answer, for the sender to see)."""
    mail = DocumentMail.all_objects.select_related("quote", "invoice").filter(public_id=mail_id).first()
    if mail is None or mail.status != MailStatus.QUEUED:
        return "nothing to send"
    from clientela.sales import rendering  # WeasyPrint is slow to import: only where PDFs are made

    document = mail.quote or mail.invoice
    with translation.override(mail.language):
        if mail.quote is not None:
            content, name = rendering.quote_pdf(mail.quote, mail.language), f"{mail.quote.number}.pdf"
        else:
            content, name = rendering.invoice_facturx(mail.invoice, mail.language), f"{mail.invoice.number}.pdf"
    message_id = mailing.new_message_id()
    message = EmailMessage(mail.subject, mail.body, to=[mail.to])
    message.attach(name, content, "application/pdf")
    delivery = mailing.deliver(message, message_id=message_id)
    if not delivery.sent:
        logger.warning("sending %s to %s failed: %s", document.number, mail.to, delivery.error)
        if actions.document_mail_failed(mail=mail, error=delivery.error):
            wait = RETRY_MINUTES[min(mail.attempts, len(RETRY_MINUTES) - 1)]
            send_document_mail.using(run_after=timezone.now() + dt.timedelta(minutes=wait)).enqueue(mail_id)
            return f"failed, tried again in {wait} min"
        return "failed for good"
    actions.document_mail_sent(mail=mail, message_id=message_id)
    return "sent"


def expire_quotes() -> str | None:
    """A housekeeping check: open quotes past their validity become expired."""
    expired = actions.quotes_expire()
    return f"{expired} quotes expired" if expired else None
