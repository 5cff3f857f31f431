"""GET /api/v1/users/me: the caller's own account and what their role allows."""

from __future__ import annotations

import pytest

from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def test_me_describes_the_caller_and_their_permissions(cast):
    data = ApiClient(cast.sales_north).get("/users/me").json()
    assert data["username"] == "sales_north"
    assert data["role"] == "sales"
    assert data["team"]["name"] == "North"
    assert data["permissions"] == {
        "visibility": "team",
        "can_write": True,
        "can_delete": True,
        "can_import": True,
        "can_export": True,
        "can_administer": False,
    }


def test_me_for_an_analyst_shows_read_everything_write_nothing(cast):
    data = ApiClient(cast.analyst).get("/users/me").json()
    assert data["team"] is None
    assert data["permissions"]["visibility"] == "all"
    assert data["permissions"]["can_write"] is False
