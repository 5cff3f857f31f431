"""Optional TOTP two-factor authentication: setup, the second login step, and its limits."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.urls import reverse

from clientela.accounts import actions
from clientela.accounts.models import LoginFailure, User
from clientela.accounts.tests.conftest import sign_in
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event


def code_for(user: User, offset_steps: int = 0) -> str:
    user.refresh_from_db()
    return pyotp.TOTP(user.totp_secret).at(time.time() + 30 * offset_steps)


@pytest.fixture
def with_2fa(cast) -> User:
    user = cast.sales_north
    actions.totp_enable(actor=user, user=user)
    actions.totp_confirm(actor=user, user=user, code=code_for(user, -1))
    user.refresh_from_db()
    return user


def test_setup_shows_a_qr_code_and_the_secret_and_turns_on_after_a_correct_code(client, cast):
    user = cast.sales_north
    client.force_login(user)
    response = client.post(reverse("accounts:totp_start"))
    assert response["Location"] == reverse("accounts:totp_setup")
    page = client.get(reverse("accounts:totp_setup"))
    user.refresh_from_db()
    assert b"<svg" in page.content
    assert "otpauth://totp/Clientela:sales_north?secret=" in page.content.decode()
    assert user.totp_secret[:4] in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert not user.totp_enabled
    wrong = client.post(reverse("accounts:totp_setup"), {"code": "000000"})
    assert wrong.status_code == 400
    assert b"code is not correct" in wrong.content
    done = client.post(reverse("accounts:totp_setup"), {"code": code_for(user)})
    assert done["Location"] == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.totp_enabled


def test_the_change_log_never_holds_the_secret(cast, with_2fa):
    events = Event.objects.filter(record_id=with_2fa.public_id, action__startswith="user.totp")
    assert [e.action for e in events.order_by("id")] == ["user.totp_enable", "user.totp_confirm"]
    for event in events:
        assert with_2fa.totp_secret not in str(event.changes) + str(event.data)


def test_password_alone_does_not_sign_in_a_user_with_two_factor(client, with_2fa):
    response = sign_in(client, "sales_north")
    assert response["Location"] == reverse("accounts:login_code")
    assert client.get(reverse("accounts:profile")).status_code == 302
    page = client.get(reverse("accounts:login_code"))
    assert b'name="code"' in page.content


def test_password_then_correct_code_signs_in(client, with_2fa):
    sign_in(client, "sales_north")
    response = client.post(reverse("accounts:login_code"), {"code": code_for(with_2fa, 1)})
    assert response["Location"] == reverse("site:home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_code_from_the_previous_step_is_accepted(client, cast):
    user = cast.sales_south
    actions.totp_enable(actor=user, user=user)
    actions.totp_confirm(actor=user, user=user, code=code_for(user))
    # As if set up long ago: no step used recently.
    User.objects.filter(pk=user.pk).update(totp_last_step=None)
    sign_in(client, "sales_south")
    response = client.post(reverse("accounts:login_code"), {"code": code_for(user, -1)})
    assert response["Location"] == reverse("site:home")


def test_wrong_or_stale_code_is_refused(client, with_2fa):
    sign_in(client, "sales_north")
    for code in ("123456", code_for(with_2fa, -5), "abc", ""):
        response = client.post(reverse("accounts:login_code"), {"code": code})
        assert response.status_code == 400
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_a_code_cannot_be_used_twice(client, with_2fa):
    code = code_for(with_2fa, 1)
    sign_in(client, "sales_north")
    client.post(reverse("accounts:login_code"), {"code": code})
    client.post(reverse("accounts:logout"))
    sign_in(client, "sales_north")
    response = client.post(reverse("accounts:login_code"), {"code": code})
    assert response.status_code == 400
    assert b"already used" in response.content


def test_code_failures_are_throttled_too(client, with_2fa, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    sign_in(client, "sales_north")
    for _ in range(3):
        client.post(reverse("accounts:login_code"), {"code": "000000"})
    assert LoginFailure.objects.filter(username="sales_north").count() == 3
    response = client.post(reverse("accounts:login_code"), {"code": code_for(with_2fa, 1)})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_the_code_step_expires(client, with_2fa):
    sign_in(client, "sales_north")
    session = client.session
    session["clientela_pending_2fa"]["since"] -= 10 * 60
    session.save()
    response = client.post(reverse("accounts:login_code"), {"code": code_for(with_2fa, 1)})
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_code_step_without_a_password_first_goes_back_to_login(client, cast):
    assert client.get(reverse("accounts:login_code"))["Location"] == reverse("accounts:login")


def test_turning_off_needs_the_password(client, with_2fa):
    client.force_login(with_2fa)
    refused = client.post(reverse("accounts:totp_disable"), {"password": "wrong"})
    assert refused.status_code == 400
    with_2fa.refresh_from_db()
    assert with_2fa.totp_enabled
    client.post(reverse("accounts:totp_disable"), {"password": "correct-horse-battery-staple"})
    with_2fa.refresh_from_db()
    assert not with_2fa.totp_enabled
    assert with_2fa.totp_secret == ""


def test_an_administrator_can_turn_off_someone_elses_two_factor(client, cast, with_2fa):
    client.force_login(cast.admin)
    client.post(reverse("accounts:settings_user_totp_disable", args=[with_2fa.public_id]))
    with_2fa.refresh_from_db()
    assert not with_2fa.totp_enabled


def test_nobody_sets_up_two_factor_for_someone_else(cast):
    with pytest.raises(PermissionDenied):
        actions.totp_enable(actor=cast.admin, user=cast.sales_north)
    with pytest.raises(PermissionDenied):
        actions.totp_disable(actor=cast.sales_south, user=cast.sales_north)


def test_enabling_twice_is_refused(cast, with_2fa):
    with pytest.raises(ValidationFailed):
        actions.totp_enable(actor=with_2fa, user=with_2fa)
