"""`clientela serve [--host 127.0.0.1] [--port ${PORT:-8000}] [--workers N] [--with-worker]`: the web server.

Runs granian (WSGI) in place of this process, so signals (Ctrl+C, a service
manager's stop) reach the server directly. With `--with-worker` (what `./scripts/demo`
uses) it also runs the background job worker (`clientela worker`), so whatever a page
starts — an import — runs; this process then watches both and stops both together: on
Ctrl+C or SIGTERM, or when either of them exits. Static files are served by WhiteNoise
inside the application: collected files in production, the apps' and build/static
folders straight from disk in development.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

DEFAULT_PORT = 8000
DEFAULT_CONNECTIONS = 1024
DEFAULT_HEADER_TIMEOUT = 5.0


def server_limits(*, threads: int, connections: int, header_timeout: float) -> list[str]:
    """granian's options that keep slow and idle clients from taking the server down.

    Django's work blocks on the database, so `threads` request threads per worker run it; the
    connections a worker holds (`connections`, granian's backpressure) are counted apart from
    them, so idle sockets cannot use up the request threads. HTTP/1 only: with protocol
    sniffing (`--http auto`) granian waits without a time limit for a silent connection's first
    byte; with `--http 1` the header-read timeout runs from the moment it is accepted, and also
    closes a kept-alive connection idle that long. (HTTP/2 is for the proxy in front.)
    """
    return [
        "--http", "1",
        "--blocking-threads", str(threads),
        "--backpressure", str(connections),
        "--http1-header-read-timeout", str(round(header_timeout * 1000)),
    ]  # fmt: skip


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
            help="request threads per worker: requests run at once (default 8)",
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=DEFAULT_CONNECTIONS,
            help=f"open connections per worker, idle ones included (default {DEFAULT_CONNECTIONS})",
        )
        parser.add_argument(
            "--header-timeout",
            type=float,
            default=DEFAULT_HEADER_TIMEOUT,
            help=(
                "seconds a connection may take to send a request's headers, and may sit idle "
                f"between requests, before it is closed (default {DEFAULT_HEADER_TIMEOUT:g})"
            ),
        )
        parser.add_argument("--access-log", action="store_true", help="log every request")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run the background job worker, stopped with the server (a one-machine install, the demo)",
        )
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
        if options["connections"] < threads:
            raise CommandError("--connections must be at least --threads")
        if not 1 <= options["header_timeout"] <= 60:
            raise CommandError("--header-timeout must be between 1 and 60 seconds")
        host = options["host"]

        pending = _unapplied_migrations()
        if pending:
            self.stderr.write(f"warning: {pending} database migration(s) not applied; run `clientela migrate`")
        if settings.PRODUCTION and not any(settings.STATIC_ROOT.glob("*")):
            self.stderr.write("warning: no collected static files; run `clientela collectstatic`")

        command = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            "--respawn-failed-workers",
        ]  # fmt: skip
        command += server_limits(threads=threads, connections=options["connections"],
                                 header_timeout=options["header_timeout"])  # fmt: skip
        if options["access_log"]:
            command.append("--access-log")
        command.append("clientela.wsgi:application")
        if options["dry_run"]:
            self.stdout.write(" ".join(command))
            return
        shown = f"[{host}]" if ":" in host else host
        jobs = " and the job worker" if options["with_worker"] else ""
        self.stdout.write(f"Clientela on http://{shown}:{port}/ ({workers} worker(s){jobs}; Ctrl+C stops)")
        sys.stdout.flush()
        sys.stderr.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
        # Each request thread holds at most one database connection: a pool of threads + 2 per
        # web worker process (PostgreSQL) is never short, and bounds what the server can hold.
        # The server's alone: the job worker keeps the default pool.
        server_env = {**os.environ}
        server_env.setdefault("CLIENTELA_DB_POOL_SIZE", str(threads + 2))
        if options["with_worker"]:
            raise SystemExit(run_together((command, server_env), (JOB_WORKER, dict(os.environ))))
        os.execve(sys.executable, command, server_env)  # noqa: S606 - our own interpreter and arguments


# The background job worker of django-tasks' database backend, with its housekeeping (`clientela worker`).
JOB_WORKER = [sys.executable, "-m", "django", "worker"]
STOP_GRACE_SECONDS = 20


def run_together(*commands: tuple[list[str], dict[str, str]]) -> int:
    """Run the commands (each with its environment) side by side until one exits or this process
    is told to stop; then stop the others (SIGTERM, then SIGKILL after a grace period). The exit
    code: 0 when stopped by a signal, else that of the command that exited first."""
    processes = [subprocess.Popen(command, env=env) for command, env in commands]  # noqa: S603 - our own commands
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        first_exit: int | None = None
        while not stopping and first_exit is None:
            for process in processes:
                code = process.poll()
                if code is not None:
                    first_exit = code
                    break
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping or first_exit is None else first_exit
