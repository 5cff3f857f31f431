"""Password reset requests are throttled per e-mail address and per client address, without telling."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from clientela.accounts.models import PasswordResetRequest


@pytest.fixture(autouse=True)
def _reset_limits(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The e-mail is the job worker's (accounts/tasks.py); here its task runs as soon as it is queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 3
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 10
    settings.PASSWORD_RESET_WINDOW_MINUTES = 60


def ask_reset(client: Client, email: str, address: str = "192.0.2.1"):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task is queued when the request's writes commit
        return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True)


def _page(response) -> tuple[int, list[tuple[str, int]], str]:
    """What the person sees: status, where they were sent, and the page without its CSRF token."""
    html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', r"\1", response.content.decode())
    return response.status_code, response.redirect_chain, html


def test_the_fourth_request_for_one_address_in_the_window_sends_nothing_but_looks_the_same(client, cast):
    pages = [_page(ask_reset(client, "sales_north@example.test")) for _ in range(4)]
    assert len(mail.outbox) == 3
    assert all(message.to == ["sales_north@example.test"] for message in mail.outbox)
    assert pages[3] == pages[0]
    assert pages[0][1] == [(reverse("accounts:password_reset_done"), 302)]
    assert "If an account uses that address" in pages[3][2]


def test_the_limit_per_email_holds_across_client_addresses_and_letter_case(client, cast):
    ask_reset(client, "sales_north@example.test", "192.0.2.1")
    ask_reset(client, "Sales_North@Example.TEST", "192.0.2.2")
    ask_reset(client, " sales_north@example.test", "2001:db8::1")
    ask_reset(client, "SALES_NORTH@example.test", "198.51.100.9")
    assert len(mail.outbox) == 3


def test_another_address_still_gets_its_email_when_one_is_throttled(client, cast):
    for _ in range(4):
        ask_reset(client, "sales_north@example.test")
    mail.outbox.clear()
    ask_reset(client, "sales_south@example.test")
    assert [message.to for message in mail.outbox] == [["sales_south@example.test"]]


def test_too_many_requests_from_one_client_address_send_nothing_more_from_it(client, cast):
    for index in range(10):
        ask_reset(client, f"guess{index}@example.test", "203.0.113.5")
    throttled = ask_reset(client, "sales_north@example.test", "203.0.113.5")
    assert mail.outbox == []
    assert _page(throttled)[1] == [(reverse("accounts:password_reset_done"), 302)]
    # The same account asked from another address gets its e-mail.
    ask_reset(client, "sales_north@example.test", "203.0.113.6")
    assert [message.to for message in mail.outbox] == [["sales_north@example.test"]]


def test_emails_flow_again_once_the_window_has_passed(client, cast):
    for _ in range(4):
        ask_reset(client, "sales_north@example.test")
    assert len(mail.outbox) == 3
    # Refused requests are not counted, so waiting out the window is enough.
    assert PasswordResetRequest.objects.count() == 3
    PasswordResetRequest.objects.update(requested_at=timezone.now() - dt.timedelta(minutes=61))
    ask_reset(client, "sales_north@example.test")
    assert len(mail.outbox) == 4
    # Old requests are pruned, not kept.
    assert PasswordResetRequest.objects.count() == 1


def test_requests_still_in_the_window_keep_counting(client, cast):
    for _ in range(3):
        ask_reset(client, "sales_north@example.test")
    PasswordResetRequest.objects.update(requested_at=timezone.now() - dt.timedelta(minutes=59))
    ask_reset(client, "sales_north@example.test")
    assert len(mail.outbox) == 3


def test_the_window_and_limits_come_from_the_settings(client, cast, settings):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 1
    settings.PASSWORD_RESET_WINDOW_MINUTES = 5
    ask_reset(client, "sales_north@example.test")
    ask_reset(client, "sales_north@example.test")
    assert len(mail.outbox) == 1
    PasswordResetRequest.objects.update(requested_at=timezone.now() - dt.timedelta(minutes=6))
    ask_reset(client, "sales_north@example.test")
    assert len(mail.outbox) == 2


def test_unknown_addresses_count_too_and_show_the_same_page(client, cast):
    known = [_page(ask_reset(client, "sales_north@example.test")) for _ in range(4)]
    unknown = [_page(ask_reset(client, "nobody@example.test")) for _ in range(4)]
    assert len(mail.outbox) == 3
    assert unknown == known
    assert PasswordResetRequest.objects.count() == 6
    # Unknown addresses use up the client address's allowance like any other.
    for index in range(4):
        ask_reset(client, f"nobody{index}@example.test")
    ask_reset(client, "sales_south@example.test")
    assert len(mail.outbox) == 3


def test_a_throttled_request_is_logged_without_the_email_address(client, cast, caplog):
    for _ in range(3):
        ask_reset(client, "sales_north@example.test", "192.0.2.44")
    assert not [r for r in caplog.records if r.name == "clientela.accounts.throttle"]
    with caplog.at_level(logging.WARNING, logger="clientela.accounts.throttle"):
        ask_reset(client, "sales_north@example.test", "192.0.2.44")
    records = [r for r in caplog.records if r.name == "clientela.accounts.throttle"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert "Password reset throttled" in message
    assert "192.0.2.44" in message
    assert "sales_north" not in message.lower()
    assert "example.test" not in message.lower()


def test_the_table_keeps_no_email_address_in_clear_text(client, cast):
    ask_reset(client, "sales_north@example.test", "192.0.2.9")
    row = PasswordResetRequest.objects.get()
    assert "sales_north" not in row.email_digest
    assert len(row.email_digest) == 64
    assert row.address == "192.0.2.9"


def test_an_invalid_form_is_not_counted(client, cast):
    response = client.post(reverse("accounts:password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert PasswordResetRequest.objects.count() == 0
