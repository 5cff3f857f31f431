"""A task's reminder is delivered exactly once — one notification in the app, one e-mail — with
two job workers (`clientela worker` processes) running at once on PostgreSQL, each delivering
every reminder it is given and sweeping the due ones, against a real SMTP server (aiosmtpd).

Twenty tasks are due for their reminders; each reminder job is queued twice more beside the
one the action queued, and both workers' housekeeping sweeps the due reminders as they start,
so the two processes race for the same tasks. The same race is run with two threads calling the
worker's functions directly."""

from __future__ import annotations

import datetime as dt
import email
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from clientela.activities import actions, tasks
from clientela.activities.models import Notification, Task
from clientela.testing.processes import stop_process_group

TASKS = 20
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Collector:
    """An SMTP server's handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", controller.port, False
    settings.CLIENTELA_SITE_URL = "https://crm.example.test"
    collector.port = controller.port  # type: ignore[attr-defined]
    yield collector
    controller.stop()


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two processes writing one database at once")


def _due_tasks(cast) -> list[Task]:
    """TASKS tasks of two people, each due for its reminder a minute ago (each queued its job)."""
    past = timezone.now() - dt.timedelta(minutes=1)
    people = [cast.sales_north, cast.sales_north_2]
    return [
        actions.task_create(
            actor=people[n % 2],
            values={"title": f"Call customer {n:02d}", "due_at": past + dt.timedelta(hours=1), "remind_at": past},
        )
        for n in range(TASKS)
    ]


def _wait(until: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until():
            return
        time.sleep(0.1)
    pytest.fail("gave up waiting for the workers")


def _queued_jobs() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')")
        return int(cursor.fetchone()[0])


def _each_reminded_once(collector: Collector, due: list[Task]) -> None:
    notifications = list(Notification.objects.select_related("task", "user"))
    assert len(notifications) == TASKS
    assert sorted(n.task_id for n in notifications) == sorted(t.pk for t in due)
    assert all(n.user_id == n.task.owner_id and n.emailed_at is not None for n in notifications)
    assert Task.objects.filter(pk__in=[t.pk for t in due], reminded_at=None).count() == 0
    subjects = sorted(str(message["Subject"]) for _to, message in collector.messages)
    assert subjects == sorted(f"Reminder: {t.title}" for t in due)  # each once, none twice
    for recipients, message in collector.messages:
        owner = "sales_north" if int(str(message["Subject"])[-2:]) % 2 == 0 else "sales_north_2"
        assert recipients == [f"{owner}@example.test"]
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes) and b"https://crm.example.test/tasks/" in body


def test_two_worker_processes_deliver_each_reminder_exactly_once(cast, postgres, smtp_server, tmp_path: Path):
    due = _due_tasks(cast)
    for task in due:  # the same reminder asked for twice more: the workers race for it
        tasks.deliver_reminder.enqueue(task.pk)
        tasks.deliver_reminder.enqueue(task.pk)
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clientela.settings",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CLIENTELA_DATA_DIR": str(tmp_path),
        "CLIENTELA_DEBUG": "false",
        "CLIENTELA_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "CLIENTELA_SMTP_HOST": "127.0.0.1",
        "CLIENTELA_SMTP_PORT": str(smtp_server.port),
        "CLIENTELA_SITE_URL": "https://crm.example.test",
    }
    options = ["--no-reload", "--no-startup-delay", "--interval", "0.05", "--queue-name", "*",
               "--housekeeping-every", "0.2", "--verbosity", "0"]  # fmt: skip
    command = [str(Path(sys.executable).with_name("clientela")), "worker", *options]
    workers = [subprocess.Popen(command, env=env, start_new_session=True) for _ in range(2)]  # noqa: S603
    try:
        _wait(lambda: len(smtp_server.messages) >= TASKS and _queued_jobs() == 0)
        time.sleep(1)  # anything sent twice would arrive now
        assert all(worker.poll() is None for worker in workers), "a worker stopped"
    finally:
        for worker in workers:
            stop_process_group(worker)
    _each_reminded_once(smtp_server, due)


def test_two_threads_running_the_workers_functions_deliver_each_reminder_exactly_once(cast, postgres, smtp_server):
    due = _due_tasks(cast)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(order: list[Task]) -> None:
        try:
            start.wait(timeout=10)
            tasks.deliver_due_reminders()
            for task in order:
                tasks.deliver_reminder.call(task.pk)
            for notification_id in Notification.objects.values_list("pk", flat=True):
                tasks.send_reminder_email.call(notification_id, 0)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(order,)) for order in (due, due[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    _each_reminded_once(smtp_server, due)
