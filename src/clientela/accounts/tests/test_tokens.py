"""Personal API tokens: shown once, stored as a hash, revocable, optionally expiring."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from clientela.accounts import actions, queries
from clientela.accounts.models import ApiToken
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event


def test_token_is_prefixed_random_and_only_its_hash_is_stored(cast):
    token, raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north, name="laptop")
    assert raw.startswith("clt_") and len(raw) > 40
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.lookup_prefix == raw[:12]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored)
    event = Event.objects.get(action="api_token.create")
    assert raw not in str(event.changes) + str(event.data)
    assert event.record_id == token.public_id


def test_a_raw_token_finds_its_user_until_revoked(cast):
    token, raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north)
    found = queries.active_token(raw)
    assert found is not None and found.user == cast.sales_north
    assert queries.active_token(raw + "x") is None
    assert queries.active_token("") is None
    actions.token_revoke(actor=cast.sales_north, token=token)
    assert queries.active_token(raw) is None
    assert Event.objects.filter(action="api_token.revoke", record_id=token.public_id).count() == 1
    # Revoking again changes nothing and logs nothing.
    actions.token_revoke(actor=cast.sales_north, token=token)
    assert Event.objects.filter(action="api_token.revoke", record_id=token.public_id).count() == 1


def test_an_expired_token_no_longer_works(cast):
    token, raw = actions.token_create(
        actor=cast.sales_north, user=cast.sales_north, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert queries.active_token(raw) is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queries.active_token(raw) is None


def test_a_token_cannot_expire_in_the_past(cast):
    with pytest.raises(ValidationFailed) as failed:
        actions.token_create(
            actor=cast.sales_north, user=cast.sales_north, expires_at=timezone.now() - dt.timedelta(days=1)
        )
    assert failed.value.errors[0].field == "expires_at"


def test_nobody_creates_tokens_for_someone_else(cast):
    with pytest.raises(PermissionDenied):
        actions.token_create(actor=cast.admin, user=cast.sales_north)
    token, _raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north)
    with pytest.raises(PermissionDenied):
        actions.token_revoke(actor=cast.sales_north_2, token=token)
    # An administrator may revoke it (a leaked token).
    actions.token_revoke(actor=cast.admin, token=token)


def test_deactivating_a_user_revokes_their_tokens(cast):
    token, raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north)
    actions.user_update(actor=cast.admin, user=cast.sales_north, values={"is_active": False})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert queries.active_token(raw) is None


def test_profile_creates_a_token_and_shows_it_only_once(client, cast):
    client.force_login(cast.sales_north)
    response = client.post(reverse("accounts:token_create"), {"name": "script", "expires_days": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=cast.sales_north)
    page = response.content.decode()
    raw = page.split('id="new-token">')[1].split("<")[0]
    assert ApiToken.hash(raw) == token.token_hash
    assert token.name == "script"
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    later = client.get(reverse("accounts:profile")).content.decode()
    assert raw not in later
    assert token.lookup_prefix in later


def test_profile_token_form_refuses_a_bad_expiry(client, cast):
    client.force_login(cast.sales_north)
    response = client.post(reverse("accounts:token_create"), {"name": "x", "expires_days": "9999"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_profile_revokes_an_own_token_but_not_another_users(client, cast):
    token, _raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north)
    client.force_login(cast.sales_south)
    assert client.post(reverse("accounts:token_revoke", args=[token.public_id])).status_code == 404
    client.force_login(cast.sales_north)
    response = client.post(reverse("accounts:token_revoke", args=[token.public_id]))
    assert response["Location"] == reverse("accounts:profile")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_profile_lists_only_own_tokens(client, cast, django_assert_max_num_queries):
    for index in range(5):
        actions.token_create(actor=cast.sales_north, user=cast.sales_north, name=f"mine {index}")
    actions.token_create(actor=cast.sales_south, user=cast.sales_south, name="theirs")
    client.force_login(cast.sales_north)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:profile")).content.decode()
    assert "mine 4" in page
    assert "theirs" not in page


def test_a_token_authenticates_against_the_api(client, cast):
    _token, raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north)
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["username"] == "sales_north"


def _values(record) -> dict:
    return {field.attname: getattr(record, field.attname) for field in type(record)._meta.concrete_fields}


@pytest.mark.parametrize("username", ["sales_north", "admin"])
def test_a_token_found_by_its_fixed_statement_equals_what_the_orm_reads(cast, username, django_assert_num_queries):
    user = getattr(cast, username)
    token, raw = actions.token_create(
        actor=user, user=user, name="laptop", expires_at=timezone.now() + dt.timedelta(days=3)
    )
    with django_assert_num_queries(1):  # the token, its user and the user's team at once
        found = queries.active_token(raw)
        assert found is not None
        team = found.user.team
    expected = ApiToken.objects.select_related("user", "user__team").get(pk=token.pk)
    assert _values(found) == _values(expected)
    assert _values(found.user) == _values(expected.user)
    assert (team and _values(team)) == (expected.user.team and _values(expected.user.team))
    assert found.user.policy.visibility == expected.user.policy.visibility
