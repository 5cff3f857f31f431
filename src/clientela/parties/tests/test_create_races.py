"""Ten clients create a contact with the same e-mail at the same moment: one is created,
the other nine get 409 possible_duplicate (the duplicate check and the create run one at a
time per e-mail, phone, tax id and name). Real concurrency needs PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from clientela.parties.models import Contact, Organization
from clientela.testing.api import ApiClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CLIENTS = 10


def _race(cast, path: str, bodies: list[dict]) -> list[int]:
    clients = [ApiClient(cast.sales_north) for _ in bodies]
    start = threading.Barrier(len(bodies))
    statuses: list[int] = []
    failures: list[BaseException] = []

    def create(api: ApiClient, body: dict) -> None:
        try:
            start.wait(timeout=10)
            statuses.append(api.post(path, body).status_code)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=pair) for pair in zip(clients, bodies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    return sorted(statuses)


def test_simultaneous_creates_with_one_email_make_one_contact(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    bodies = [
        {"first_name": f"Racer{n}", "last_name": f"Number{n}", "emails": [{"value": "same@race.test"}]}
        for n in range(CLIENTS)
    ]
    assert _race(cast, "/contacts", bodies) == [201] + [409] * (CLIENTS - 1)
    assert Contact.objects.filter(points__normalized="same@race.test").count() == 1


def test_simultaneous_creates_with_one_tax_id_make_one_organization(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    bodies = [{"name": f"Racing Company {n}", "tax_id": "HU12345678"} for n in range(CLIENTS)]
    assert _race(cast, "/organizations", bodies) == [201] + [409] * (CLIENTS - 1)
    assert Organization.objects.filter(tax_id_normalized="hu12345678").count() == 1


def test_creates_of_different_people_do_not_wait_for_each_other_to_be_refused(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    bodies = [
        {"first_name": f"Other{n}", "last_name": f"Person{n}", "emails": [{"value": f"p{n}@race.test"}]}
        for n in range(CLIENTS)
    ]
    assert _race(cast, "/contacts", bodies) == [201] * CLIENTS
