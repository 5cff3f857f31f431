"""A lost or busy database gives a retried read or a 503 with Retry-After, never a 500 or a traceback."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client

from clientela.parties import api as parties_api
from clientela.parties.models import Contact
from clientela.testing.api import ApiClient
from clientela.testing.factories import contact

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")


def _terminate_the_app_connection() -> None:
    """What an operator's pg_terminate_backend (or a database restart) does to the app's connection."""
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])


def _api(user) -> ApiClient:
    api = ApiClient(user)
    api.client = Client(raise_request_exception=False)  # answer as the server would, not re-raise
    return api


def _pages(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _assert_json_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "unavailable"
    assert b"Traceback" not in response.content


@postgresql_only
def test_a_read_whose_connection_was_lost_is_answered_on_a_fresh_one(cast):
    contact(cast.sales_north, first_name="Ada", last_name="Lovelace")
    api = _api(cast.sales_north)
    pages = _pages(cast.sales_north)
    _terminate_the_app_connection()
    response = api.get("/contacts")
    assert response.status_code == 200
    assert [item["last_name"] for item in response.json()["items"]] == ["Lovelace"]
    _terminate_the_app_connection()
    assert pages.get("/contacts/").status_code == 200


@postgresql_only
def test_a_write_whose_connection_was_lost_gets_a_json_503_and_the_next_one_goes_through(cast):
    api = _api(cast.sales_north)
    _terminate_the_app_connection()
    _assert_json_503(api.post("/contacts", {"first_name": "Grace", "last_name": "Hopper"}))
    response = api.post("/contacts", {"first_name": "Grace", "last_name": "Hopper"})
    assert response.status_code == 201
    assert Contact.objects.filter(last_name="Hopper").count() == 1


@pytest.mark.parametrize("debug", [False, True])
def test_a_busy_database_gives_the_api_a_json_503_in_production_and_development(cast, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(parties_api, "list_rows", locked)
    _assert_json_503(_api(cast.sales_north).get("/contacts"))


def test_a_busy_database_gives_a_page_503_with_retry_after(cast, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("django.contrib.auth.get_user", locked)  # fails before any view: in the middleware
    response = _pages(cast.sales_north).get("/contacts/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b'data-testid="error-503"' in response.content
    assert b"Traceback" not in response.content


def test_a_bad_query_is_an_error_not_an_outage_to_retry_later(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such column: parties_contact.missing")

    monkeypatch.setattr(parties_api, "list_rows", broken)
    response = _api(cast.sales_north).get("/contacts")
    assert response.status_code == 500
    assert "Retry-After" not in response
