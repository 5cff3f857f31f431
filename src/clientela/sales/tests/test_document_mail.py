"""Sending a quote or an invoice by e-mail, against a real SMTP server (aiosmtpd on a free
port): the request only queues; the job worker renders the PDF, sends it with a Message-ID of
ours, and records it; a server that refuses is tried again later, then the e-mail is marked
failed with the server's answer, and nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email.message import Message
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.sales import actions
from clientela.sales.models import DocumentMail, Quote
from clientela.testing import factories
from clientela.testing.api import ApiClient

TASK = "clientela.sales.tasks.send_document_mail"


class Collector:
    """An SMTP server's handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "sales@clientela.example"
    yield collector
    controller.stop()


def _run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


@pytest.fixture
def quote(cast) -> Quote:
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    contact = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács",
                                emails=["anna@kovacs.example"])  # fmt: skip
    product = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    return actions.quote_create(
        actor=cast.sales_north,
        values={"organization": str(organization.public_id), "contact": str(contact.public_id), "currency": "EUR"},
        lines=[{"product": str(product.public_id), "quantity": "3", "unit_price": "19.99", "discount_percent": "10"}],
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_quote_with_its_pdf_through_smtp_and_the_quote_counts_as_sent(
    cast, quote, smtp_server, keep_signals
):
    api = ApiClient(cast.sales_north)
    queued = api.post(f"/quotes/{quote.public_id}/send", {})
    assert queued.status_code == 202, queued.content
    assert queued.json()["status"] == "queued" and queued.json()["to"] == "anna@kovacs.example"
    assert smtp_server.messages == []  # the request only queued it
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1

    _run_worker()
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["anna@kovacs.example"]
    assert message["Subject"] == f"Quote {quote.number}" and message["From"] == "sales@clientela.example"
    attachments = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(attachments) == 1 and attachments[0].get_filename() == f"{quote.number}.pdf"
    assert attachments[0].get_payload(decode=True).startswith(b"%PDF")

    sent = api.get(f"/quotes/{quote.public_id}").json()
    assert sent["status"] == "sent" and sent["sent_at"]
    [mail] = sent["mails"]
    assert mail["status"] == "sent" and mail["message_id"] == "".join(str(message["Message-ID"]).split())
    assert mail["message_id"].startswith("<") and mail["message_id"].endswith("@clientela.example>")

    _run_worker()  # nothing is left to send: nothing goes out twice
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_an_invoice_goes_out_as_a_factur_x_pdf_in_the_customers_language(cast, quote, smtp_server, keep_signals):
    import facturx

    quote.contact.language = "hu"
    quote.contact.save(update_fields=["language"])
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=quote)
    invoice = actions.order_invoice(actor=cast.sales_north, order=order)
    api = ApiClient(cast.sales_north)
    assert api.post(f"/invoices/{invoice.public_id}/send", {"to": "accounts@kovacs.example"}).status_code == 202
    _run_worker()
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["accounts@kovacs.example"]
    assert invoice.number in message["Subject"] and message["Subject"] != f"Invoice {invoice.number}"  # Hungarian
    [pdf] = [part.get_payload(decode=True) for part in message.walk() if part.get_content_type() == "application/pdf"]
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert invoice.number.encode() in xml


def test_a_bad_address_is_refused_by_name_and_nothing_is_queued(cast, quote):
    api = ApiClient(cast.sales_north)
    refused = api.post(f"/quotes/{quote.public_id}/send", {"to": "not-an-address"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to"
    header = api.post(f"/quotes/{quote.public_id}/send", {"subject": "Hello\r\nBcc: x@example.test"})
    assert header.status_code == 422 and header.json()["errors"][0]["field"] == "subject"
    assert DocumentMail.objects.count() == 0


def test_an_answered_quote_is_not_sent(cast, quote):
    actions.quote_reject(actor=cast.sales_north, quote=quote)
    refused = ApiClient(cast.sales_north).post(f"/quotes/{quote.public_id}/send", {})
    assert refused.status_code == 409 and DocumentMail.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_refusing_server_is_tried_again_then_the_mail_is_failed_with_its_answer(cast, quote, settings, keep_signals):
    from clientela.sales import tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens there
    settings.EMAIL_TIMEOUT = 2
    mail = tasks.send_document(actor=cast.sales_north, document=quote, language="en")
    outcomes = [tasks.send_document_mail.call(str(mail.public_id)) for _attempt in range(3)]
    assert outcomes[0].startswith("failed, tried again") and outcomes[-1] == "failed for good"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == ("failed", 3) and mail.error
    queued = DBTaskResult.objects.filter(task_path=TASK)
    soon = timezone.now() + dt.timedelta(seconds=30)
    later = [r for r in queued if r.run_after and soon < r.run_after < soon + dt.timedelta(hours=1)]
    assert (queued.count(), len(later)) == (3, 2)  # the first try, and a later one after each failure but the last
    assert tasks.send_document_mail.call(str(mail.public_id)) == "nothing to send"
    quote.refresh_from_db()
    assert quote.status == "draft"  # never sent
