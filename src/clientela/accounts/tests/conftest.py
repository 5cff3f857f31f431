"""Helpers for the accounts tests."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clientela.testing.cast import PASSWORD


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def admin_client(cast, client: Client) -> Client:
    client.force_login(cast.admin)
    return client
