"""Password change (reset by e-mail: test_password_reset_by_worker.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clientela.accounts import actions
from clientela.accounts.tests.conftest import sign_in
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event

NEW = "a-much-better-passphrase-42"


@pytest.fixture(autouse=True)
def _locmem_mail(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_password_change_needs_the_old_password_and_keeps_the_session(client, cast):
    sign_in(client, "sales_north")
    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200
    assert b"old password was entered incorrectly" in wrong.content
    done = client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct-horse-battery-staple", "new_password1": NEW, "new_password2": NEW},
    )
    assert done["Location"] == reverse("accounts:password_change_done")
    assert client.get(reverse("accounts:profile")).status_code == 200
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.check_password(NEW)
    event = Event.objects.get(action="user.set_password", record_id=cast.sales_north.public_id)
    assert event.actor == cast.sales_north
    assert NEW not in str(event.changes)


def test_password_change_applies_the_password_rules(client, cast):
    sign_in(client, "sales_north")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct-horse-battery-staple", "new_password1": "short", "new_password2": "short"},
    )
    assert b"too short" in response.content
    cast.sales_north.refresh_from_db()
    assert not cast.sales_north.check_password("short")


def test_password_change_signs_out_other_sessions(client, cast):
    from django.test import Client

    other = Client()
    sign_in(other, "sales_north")
    sign_in(client, "sales_north")
    client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct-horse-battery-staple", "new_password1": NEW, "new_password2": NEW},
    )
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert other.get(reverse("accounts:profile")).status_code == 302


def test_a_user_cannot_set_someone_elses_password(cast):
    with pytest.raises(PermissionDenied):
        actions.user_set_password(actor=cast.sales_south, user=cast.sales_north, password=NEW)


def test_empty_or_weak_passwords_are_refused_by_the_action(cast):
    for password in ("", "12345678901", "sales_north1"):
        with pytest.raises(ValidationFailed) as failed:
            actions.user_set_password(actor=cast.admin, user=cast.sales_north, password=password)
        assert failed.value.errors[0].field == "password"
