"""Helpers for the accounts tests."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clientela.testing.cast import PASSWORD


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):  # noqa: ANN201
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def admin_client(cast, client: Client) -> Client:  # noqa: ANN001
    client.force_login(cast.admin)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:  # noqa: ANN001
    """The cast sets ten passwords per test; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
