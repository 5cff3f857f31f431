"""Several workers at once (threads, each with its own PostgreSQL connection): the lease lets one
worker read a mailbox at a time, and the same message arriving in two mailboxes read at the
same moment is still imported once. SQLite has one writer at a time and is skipped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from clientela.channels import tasks_inbound
from clientela.channels.models import Email, MailboxMessage
from clientela.channels.tests.inbound_kit import mailbox_on, message
from clientela.testing import factories
from clientela.testing.dovecot import dovecot_server  # noqa: F401 - the `dovecot` fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MESSAGES = 40


def _together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released at the same moment; their results in order."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    failures: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            results[index] = job()
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return results


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")


def test_two_workers_reading_one_mailbox_at_once_import_each_message_once(cast, dovecot, postgres_only):
    factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    for n in range(MESSAGES):
        dovecot.deliver(user, message(subject=f"Message {n}"))

    first, second = _together(*[lambda: tasks_inbound.read_mailbox_now(mailbox.pk)] * 2)

    assert sorted([first.held_elsewhere, second.held_elsewhere]) == [False, True]  # one held the lease
    worker = first if not first.held_elsewhere else second
    assert (worker.imported, worker.failed, worker.error) == (MESSAGES, 0, "")
    assert Email.objects.filter(mailbox=mailbox).count() == MESSAGES
    assert MailboxMessage.objects.filter(mailbox=mailbox).count() == MESSAGES


def test_one_message_in_two_mailboxes_read_at_once_is_imported_once(cast, dovecot, postgres_only):
    factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    north, north_user = mailbox_on(dovecot, cast.sales_north)
    shared, shared_user = mailbox_on(dovecot, cast.admin, shared=True, team=cast.north)
    for n in range(MESSAGES):
        raw = message(subject=f"To both {n}", to="sales@clientela.example, sales_north@example.test")
        dovecot.deliver(north_user, raw)
        dovecot.deliver(shared_user, raw)

    results = _together(
        lambda: tasks_inbound.read_mailbox_now(north.pk), lambda: tasks_inbound.read_mailbox_now(shared.pk)
    )

    assert [r.failed for r in results] == [0, 0] and [r.error for r in results] == ["", ""]
    assert sum(r.imported for r in results) == MESSAGES  # each message once, whoever got it first
    assert sum(r.imported + r.already for r in results) == 2 * MESSAGES
    assert Email.objects.filter(subject__startswith="To both").count() == MESSAGES
    assert MailboxMessage.objects.filter(mailbox__in=[north, shared]).count() == 2 * MESSAGES
