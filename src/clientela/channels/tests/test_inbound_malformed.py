"""Broken mail from the wide world, read from a real Dovecot: broken MIME, bad base64, unknown
charsets, raw 8-bit headers, header injection through encoded words, no Message-ID, no From,
files over the limits, a message too big to fetch — each is imported as well as it can be,
and the messages around it all arrive."""

from __future__ import annotations

import pytest

from clientela.channels import tasks_inbound
from clientela.channels.inbound import attachments
from clientela.channels.models import Email, EmailAttachment, MailboxMessage
from clientela.channels.tests.inbound_kit import mailbox_on, message
from clientela.testing import factories
from clientela.testing.dovecot import dovecot_server  # noqa: F401 - the `dovecot` fixture

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 200
BROKEN_BOUNDARY = (
    b"From: anna@kovacs.example\r\nSubject: Broken boundary\r\nMessage-ID: <broken-boundary@kovacs.example>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="OUTER"\r\n\r\n'
    b"--OUTER\r\nContent-Type: text/plain\r\n\r\nThe text before the break.\r\n"
    b'--OUTER\r\nContent-Type: multipart/alternative; boundary="INNER"\r\n\r\n'
    b"--INNER\r\nContent-Type: text/plain\r\n\r\nnever closed\r\n"
)
BAD_BASE64 = (
    b"From: anna@kovacs.example\r\nSubject: Bad base64\r\nMessage-ID: <bad-base64@kovacs.example>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
    b"--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"SGVsbG8g!!!*** not base64 at all ===\r\n"
    b"--B\r\nContent-Type: application/pdf; name=offer.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"JVBERi0xLjQK%%%broken\r\n--B--\r\n"
)
UNKNOWN_CHARSET = (
    b"From: anna@kovacs.example\r\nSubject: =?x-unknown?q?Caf=E9_menu?=\r\nMessage-ID: <charset@kovacs.example>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nUn caf\xe9, s'il vous pla\xeet.\r\n"
)
EIGHT_BIT_HEADERS = (
    "From: Ádám Kovács <adam@kovacs.example>\r\nSubject: Árvíztűrő tükörfúrógép\r\n"
    "Message-ID: <eight-bit@kovacs.example>\r\n\r\nRaw UTF-8 in the headers.\r\n"
).encode()
INJECTION = (
    b"From: =?utf-8?q?Evil=0D=0ABcc=3A_victim=40bank.example?= <evil@spam.example>\r\n"
    b"To: =?utf-8?q?sales=40clientela.example=0D=0ABcc=3A_everyone=40clientela.example?=, sales@clientela.example\r\n"
    b"Subject: =?utf-8?q?Invoice=0D=0ABcc=3A_victim=40bank.example=0D=0A=0D=0Abody?=\r\n"
    b"Message-ID: <injection@spam.example>\r\n\r\nHello.\r\n"
)
NO_MESSAGE_ID_NO_FROM = b"To: sales@clientela.example\r\nSubject: Nobody sent this\r\n\r\nWho am I?\r\n"


def _read(mailbox) -> tasks_inbound.ReadResult:
    result = tasks_inbound.read_mailbox_now(mailbox.pk)
    assert result.error == "" and not result.held_elsewhere, result
    return result


def test_malformed_messages_are_imported_as_well_as_they_can_be_and_the_rest_arrives(cast, dovecot, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.EMAIL_ATTACHMENT_MAX_BYTES = 10_000
    factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    mailbox, user = mailbox_on(dovecot, cast.sales_north, address="sales@clientela.example")
    huge = message(subject="Huge attachment", message_id="<huge@kovacs.example>",
                   attachments=[("drawing.pdf", "application/pdf", PDF + b"1" * 50_000),
                                ("small.pdf", "application/pdf", PDF)])  # fmt: skip
    for raw in (message(subject="First"), BROKEN_BOUNDARY, BAD_BASE64, UNKNOWN_CHARSET, EIGHT_BIT_HEADERS, INJECTION,
                NO_MESSAGE_ID_NO_FROM, huge, message(subject="Last")):  # fmt: skip
        dovecot.append(user, raw)

    result = _read(mailbox)

    assert (result.imported, result.failed) == (9, 0)
    emails = {e.subject: e for e in Email.objects.filter(mailbox=mailbox)}
    assert {"First", "Last"} <= set(emails)
    assert "The text before the break." in emails["Broken boundary"].body_text
    assert emails["Bad base64"].attachments.count() == 1
    assert emails["Café menu"].body_text.startswith("Un café, s'il vous plaît.")
    assert emails["Árvíztűrő tükörfúrógép"].from_name == "Ádám Kovács"

    injected = emails["Invoice Bcc: victim@bank.example body"]  # one line: no header got in
    assert (injected.from_address, injected.from_name) == ("evil@spam.example", "Evil Bcc: victim@bank.example")
    assert injected.to == ["sales@clientela.example"]  # the encoded "address" is no address
    assert injected.needs_triage and injected.contact is None

    anonymous = emails["Nobody sent this"]
    assert anonymous.from_address == "" and anonymous.needs_triage
    assert anonymous.message_id.startswith("<sha256.")

    drawing, small = emails["Huge attachment"].attachments.order_by("id")
    assert (drawing.filename, drawing.refused, drawing.sha256) == ("drawing.pdf", attachments.TOO_LARGE, "")
    assert drawing.size > 50_000
    assert (small.filename, small.content_type, small.refused) == ("small.pdf", "application/pdf", "")
    assert attachments.path_for(small.sha256).read_bytes() == PDF
    stored = [path for path in (tmp_path / "attachments").rglob("*") if path.is_file()]
    kept = EmailAttachment.objects.filter(email__mailbox=mailbox, refused="").values_list("sha256", flat=True)
    assert sorted(path.name for path in stored) == sorted(kept)  # the refused file's bytes are nowhere

    problems = dict(MailboxMessage.objects.filter(mailbox=mailbox).values_list("email__subject", "problem"))
    assert "unknown charset x-unknown" in problems["Café menu"]
    assert "malformed" in problems["Broken boundary"]


def test_files_are_typed_by_their_bytes_and_the_message_limit_holds(cast, dovecot, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.EMAIL_ATTACHMENT_MAX_BYTES = 10_000
    settings.EMAIL_MESSAGE_ATTACHMENTS_MAX_BYTES = 1_000
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(attachments=[
        ("invoice.pdf", "text/html", b"<html><script>alert(1)</script></html>"),  # HTML dressed as a PDF
        ("notes.txt", "application/pdf", b"Plain words, nothing more."),
        ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 1_000),  # over what is left for the message
    ]))  # fmt: skip
    _read(mailbox)
    html, text, png = EmailAttachment.objects.filter(email__mailbox=mailbox).order_by("id")
    assert (html.content_type, html.declared_type, html.refused) == ("application/octet-stream", "text/html", "")
    assert (text.content_type, text.declared_type) == ("text/plain", "application/pdf")
    assert (png.refused, png.sha256) == (attachments.MESSAGE_TOO_LARGE, "")


def test_a_message_too_big_to_fetch_is_imported_from_its_headers(cast, dovecot, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.EMAIL_FETCH_MAX_BYTES = 5_000
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(
        user, message(subject="Enormous", attachments=[("film.bin", "application/octet-stream", b"x" * 20_000)])
    )
    dovecot.append(user, message(subject="Small"))
    _read(mailbox)
    enormous = Email.objects.get(mailbox=mailbox, subject="Enormous")
    [kept] = enormous.attachments.all()
    assert (kept.refused, kept.sha256) == (attachments.NOT_FETCHED, "") and kept.size > 20_000
    assert Email.objects.filter(mailbox=mailbox, subject="Small").exists()


def test_a_message_that_cannot_be_imported_is_recorded_with_its_problem_and_the_rest_arrives(
    cast, dovecot, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    (tmp_path / "attachments").write_text("a file where the folder should be")  # the disk refuses every file
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(subject="Before"))
    dovecot.append(user, message(subject="With a file", attachments=[("a.pdf", "application/pdf", PDF)]))
    dovecot.append(user, message(subject="After"))

    result = _read(mailbox)

    assert (result.imported, result.failed) == (2, 1)
    assert sorted(Email.objects.filter(mailbox=mailbox).values_list("subject", flat=True)) == ["After", "Before"]
    [failed] = MailboxMessage.objects.filter(mailbox=mailbox, email__isnull=True)
    assert failed.uid == 2 and "Error" in failed.problem
    assert _read(mailbox).failed == 0  # recorded: not tried again and again
