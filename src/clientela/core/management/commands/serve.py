"""`clientela serve [--host 127.0.0.1] [--port ${PORT:-8000}] [--workers N]`: the web server.

Runs granian (WSGI) in place of this process, so signals (Ctrl+C, a service
manager's stop) reach the server directly. Static files are served by WhiteNoise
inside the application: collected files in production, the apps' and build/static
folders straight from disk in development.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

DEFAULT_PORT = 8000


def _port_from_environment() -> int:
    raw = os.environ.get("PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        return int(raw)
    except ValueError:
        raise CommandError(f"PORT must be a whole number, not {raw!r}") from None


def _unapplied_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = "Run the web server (granian, WSGI) on 127.0.0.1:${PORT:-8000} until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=None, help="port (default $PORT, else 8000)")
        parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
        parser.add_argument(
            "--threads",
            type=int,
            default=8,
            help="request threads per worker (default 8; also the most requests a worker takes at once)",
        )
        parser.add_argument("--access-log", action="store_true", help="log every request")
        parser.add_argument("--dry-run", action="store_true", help="print the server command and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] if options["port"] is not None else _port_from_environment()
        if not 1 <= port <= 65535:
            raise CommandError(f"the port must be between 1 and 65535, not {port}")
        workers = options["workers"]
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        threads = options["threads"]
        if threads < 1:
            raise CommandError("--threads must be at least 1")
        host = options["host"]

        pending = _unapplied_migrations()
        if pending:
            self.stderr.write(f"warning: {pending} database migration(s) not applied; run `clientela migrate`")
        if not settings.DEBUG and not any(settings.STATIC_ROOT.glob("*")):
            self.stderr.write("warning: no collected static files; run `clientela collectstatic`")

        command = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            "--respawn-failed-workers",
        ]  # fmt: skip
        # Django's work blocks on the database: a bounded pool of threads per worker,
        # and backpressure so a burst queues in the socket instead of in memory.
        command += ["--blocking-threads", str(threads), "--backpressure", str(threads)]
        if options["access_log"]:
            command.append("--access-log")
        command.append("clientela.wsgi:application")
        if options["dry_run"]:
            self.stdout.write(" ".join(command))
            return
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Clientela on http://{shown}:{port}/ ({workers} worker(s); Ctrl+C stops)")
        sys.stdout.flush()
        sys.stderr.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
        os.execv(sys.executable, command)  # noqa: S606 - our own interpreter and arguments
