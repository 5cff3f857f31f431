"""A user's own profile page."""

from __future__ import annotations

from django.urls import reverse


def test_profile_saves_own_details_and_shows_field_errors(client, cast):
    client.force_login(cast.sales_north)
    response = client.post(
        reverse("accounts:profile_update"), {"first_name": "Sam", "last_name": "North", "email": "sam@example.test"}
    )
    assert response["Location"] == reverse("accounts:profile")
    cast.sales_north.refresh_from_db()
    assert (cast.sales_north.first_name, cast.sales_north.email) == ("Sam", "sam@example.test")
    bad = client.post(reverse("accounts:profile_update"), {"email": "not an address", "first_name": "x" * 200})
    assert bad.status_code == 400
    assert b"valid email" in bad.content
    cast.sales_north.refresh_from_db()
    assert cast.sales_north.first_name == "Sam"
