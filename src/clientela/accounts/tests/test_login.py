"""Signing in and out, throttling and the idle timeout."""

from __future__ import annotations

import datetime as dt
import re
import time

from django.urls import reverse
from django.utils import timezone

from clientela.accounts.middleware import LAST_SEEN_KEY
from clientela.accounts.models import LoginFailure
from clientela.accounts.tests.conftest import sign_in

THROTTLED = "Too many failed attempts, try again in"


def test_login_page_has_username_and_password_fields(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_correct_password_signs_in_and_goes_home(client, cast):
    response = sign_in(client, "sales_north")
    assert response.status_code == 302
    assert response["Location"] == reverse("site:home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_login_honours_a_local_next_but_not_another_site(client, cast):
    response = client.post(
        reverse("accounts:login") + "?next=/accounts/profile/",
        {"username": "sales_north", "password": "correct-horse-battery-staple", "next": "/accounts/profile/"},
    )
    assert response["Location"] == "/accounts/profile/"
    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {"username": "sales_north", "password": "correct-horse-battery-staple", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("site:home")


def test_wrong_password_is_refused_with_a_generic_message(client, cast):
    response = sign_in(client, "sales_north", "wrong password")
    assert response.status_code == 400
    assert b"correct username and password" in response.content
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_inactive_user_cannot_sign_in(client, cast):
    cast.sales_north.is_active = False
    cast.sales_north.save()
    response = sign_in(client, "sales_north")
    assert response.status_code == 400
    assert b"correct username and password" in response.content


def test_too_many_failures_for_one_account_lock_it_with_a_wait_time(client, cast, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        assert sign_in(client, "sales_north", "wrong password").status_code == 400
    # Even the right password is refused now, from any address.
    response = sign_in(client, "sales_north", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert THROTTLED.encode() in response.content
    assert b"15 minutes" in response.content
    assert client.get(reverse("accounts:profile")).status_code == 302
    # Another account from the same address is not affected.
    assert sign_in(client, "sales_south").status_code == 302


def test_refused_attempts_are_not_counted_so_waiting_works(client, cast, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        sign_in(client, "sales_north", "wrong password")
    for _ in range(5):
        sign_in(client, "sales_north", "wrong password")
    assert LoginFailure.objects.count() == 2
    # The window passes: the account can sign in again.
    LoginFailure.objects.update(occurred_at=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, "sales_north").status_code == 302


def test_wait_time_counts_down_with_the_oldest_failure(client, cast, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        sign_in(client, "sales_north", "wrong password")
    LoginFailure.objects.update(occurred_at=timezone.now() - dt.timedelta(minutes=11, seconds=30))
    response = sign_in(client, "sales_north")
    assert b"try again in 4 minutes" in response.content


def test_throttle_message_is_the_same_for_an_account_that_does_not_exist(client, cast, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    for name in ("sales_north", "nobody_here"):
        first = sign_in(client, name, "wrong password")
        for _ in range(2):
            sign_in(client, name, "wrong password")
        locked = sign_in(client, name, "wrong password")
        assert locked.status_code == 429
        assert THROTTLED.encode() in locked.content
        assert b"correct username and password" in first.content
    existing = _without_csrf(sign_in(client, "sales_north", "x").content.decode())
    missing = _without_csrf(sign_in(client, "nobody_here", "x").content.decode())
    assert existing.replace("sales_north", "NAME") == missing.replace("nobody_here", "NAME")


def _without_csrf(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', r"\1", html)


def test_too_many_failures_from_one_address_block_every_account_from_it(client, cast, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    for index in range(4):
        sign_in(client, f"guess{index}", "wrong password", REMOTE_ADDR="192.0.2.7")
    response = sign_in(client, "sales_north", REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 429
    assert THROTTLED.encode() in response.content
    # The same account from another address is fine.
    assert sign_in(client, "sales_north", REMOTE_ADDR="192.0.2.8").status_code == 302


def test_successful_login_clears_the_accounts_failures(client, cast, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        sign_in(client, "sales_north", "wrong password")
    assert sign_in(client, "sales_north").status_code == 302
    assert not LoginFailure.objects.filter(username="sales_north").exists()
    client.logout()
    for _ in range(2):
        sign_in(client, "sales_north", "wrong password")
    assert sign_in(client, "sales_north").status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client, cast):
    sign_in(client, "sales_north")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_login_post_without_csrf_token_is_refused(cast):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "sales_north", "password": "x"})
    assert response.status_code == 403


def _idle(client, minutes: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - minutes * 60
    session.save()


def test_idle_session_is_signed_out_and_the_login_page_says_why(client, cast):
    sign_in(client, "sales_north")
    assert client.get(reverse("accounts:profile")).status_code == 200
    _idle(client, 31)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    page = client.get(response["Location"])
    assert b"session ended after 30 minutes of inactivity" in page.content
    # The notice shows once.
    assert b"inactivity" not in client.get(reverse("accounts:login")).content


def test_activity_within_the_idle_limit_keeps_the_session(client, cast):
    sign_in(client, "sales_north")
    _idle(client, 29)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.session[LAST_SEEN_KEY] >= int(time.time()) - 5


def test_idle_limit_is_configurable(client, cast, settings):
    settings.SESSION_IDLE_MINUTES = 5
    sign_in(client, "sales_north")
    _idle(client, 6)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_idle_htmx_request_is_sent_to_the_login_page_as_a_whole_page(client, cast):
    sign_in(client, "sales_north")
    _idle(client, 31)
    response = client.get(
        reverse("accounts:profile"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/?q=x"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("accounts:login") + "?next=%2Fcontacts%2F%3Fq%3Dx"


def test_a_broken_last_seen_value_does_not_break_the_request(client, cast):
    sign_in(client, "sales_north")
    session = client.session
    session[LAST_SEEN_KEY] = "not a number"
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 200
