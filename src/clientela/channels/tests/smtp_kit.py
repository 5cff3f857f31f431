"""A real SMTP server for the e-mail out tests (aiosmtpd on a free local port), with handlers that
keep what they are given, drop the connection in the middle of a message, or answer 4xx/5xx; and
the job worker run the way `clientela worker` runs it."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage as ParsedMessage
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

TASK = "clientela.channels.tasks.send_email"


@dataclass
class Received:
    recipients: list[str]
    raw: bytes
    message: ParsedMessage

    def header(self, name: str) -> str:
        """A header as a mail client reads it: its RFC 2047 encoded words decoded."""
        value = email.message_from_bytes(self.raw)[name]
        return str(make_header(decode_header(value))) if value is not None else ""


@dataclass
class Collector:
    """Keeps every message; `drop_first` connections are cut while their message is sent (before
    it is kept), and `answers` are given to the DATA of the next messages instead (e.g. "451 ...")."""

    drop_first: int = 0
    answers: list[str] = field(default_factory=list)
    messages: list[Received] = field(default_factory=list)
    dropped: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.dropped < self.drop_first:
            self.dropped += 1
            server.transport.close()  # the connection goes away without an answer
            return "421 gone"
        if self.answers:
            return self.answers.pop(0)
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.messages.append(Received(list(envelope.rcpt_tos), raw, parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_settings_at(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Clientela <crm@clientela.example>"


@pytest.fixture(name="smtp")
def smtp_server(settings: Any, tmp_path: Any) -> Iterator[Collector]:
    """A running SMTP server the settings point at (files kept under a scratch data directory)."""
    from aiosmtpd.controller import Controller

    settings.DATA_DIR = tmp_path
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_settings_at(settings, controller.port)
    yield collector
    controller.stop()


def run_worker() -> None:
    """Run every job that is due, as `clientela worker` would, then stop."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


def make_retries_due() -> int:
    """Bring the jobs waiting for a later moment (retries) to now: the time a test does not wait."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    waiting = DBTaskResult.objects.filter(task_path=TASK, status="READY", run_after__gt=timezone.now())
    return waiting.exclude(run_after=get_date_max()).update(run_after=timezone.now())
