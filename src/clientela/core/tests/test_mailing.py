"""Handing a message to the mail server: with the Message-ID the caller kept, and a failure
sorted into one worth trying again and one that is not."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail import BadHeaderError, EmailMessage

from clientela.core import mailing


@pytest.mark.parametrize(
    ("failure", "permanent", "words"),
    [
        (ConnectionRefusedError(111, "Connection refused"), False, "Connection refused"),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False, "unexpectedly closed"),
        (TimeoutError("timed out"), False, "timed out"),
        (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), False, "451 4.3.0 Try again later"),
        (smtplib.SMTPDataError(554, b"5.7.1 Refused by policy"), True, "554 5.7.1 Refused by policy"),
        (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "a@b.example"), True, "553 5.7.1"),
        (smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"5.1.1 No such user")}), True, "a@b.example: 550"),
        (smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"no"), "c@d.example": (452, b"full")}), False, "452"),
        (BadHeaderError("Header values can't contain newlines"), True, "newlines"),
    ],
)
def test_a_failure_is_worth_another_try_unless_the_server_answered_5xx(failure, permanent, words):
    delivery = mailing.classify(failure)
    assert not delivery.sent and delivery.permanent is permanent and words in delivery.error


def test_the_message_goes_out_with_the_message_id_it_was_given(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Clientela <crm@clientela.example>"
    message_id = mailing.new_message_id()
    assert message_id.startswith("<") and message_id.endswith("@clientela.example>")
    assert mailing.deliver(EmailMessage("Hi", "Text", to=["a@b.example"]), message_id=message_id).sent
    assert mailing.deliver(EmailMessage("Hi", "Text", to=["a@b.example"]), message_id=message_id).sent  # a retry
    assert [sent.message()["Message-ID"] for sent in mail.outbox] == [message_id, message_id]


def test_a_header_with_a_line_break_is_a_permanent_failure_not_an_exception(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery = mailing.deliver(EmailMessage("Hi\nBcc: x@example.test", "Text", to=["a@b.example"]), message_id="<x@y>")
    assert not delivery.sent and delivery.permanent
