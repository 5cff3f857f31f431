"""Two clients PATCH one record at the same moment with the same If-Match: exactly one
wins, the other gets 412, and the change log shows one update. Real concurrency needs
PostgreSQL (row locks across connections); SQLite serialises writers and is skipped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from clientela.core.models import Event
from clientela.parties.models import Contact
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_patches_with_one_etag_make_exactly_one_update(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    contact = factories.contact(cast.sales_north, last_name="Race")
    clients = [ApiClient(cast.sales_north), ApiClient(cast.sales_north_2)]
    start = threading.Barrier(2)
    statuses: dict[str, int] = {}
    failures: list[BaseException] = []

    def patch(api: ApiClient, title: str) -> None:
        try:
            start.wait(timeout=10)
            response = api.patch(f"/contacts/{contact.public_id}", {"title": title}, headers={"If-Match": '"1"'})
            statuses[title] = response.status_code
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [
        threading.Thread(target=patch, args=(api, title)) for api, title in zip(clients, ("A", "B"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures
    assert sorted(statuses.values()) == [200, 412]
    winner = next(title for title, status in statuses.items() if status == 200)
    contact.refresh_from_db()
    assert (contact.title, contact.version) == (winner, 2)
    updates = Event.objects.filter(record_id=contact.public_id, action="contact.update")
    assert [e.changes for e in updates] == [{"title": ["", winner]}]
    assert Contact.objects.filter(last_name="Race").count() == 1
