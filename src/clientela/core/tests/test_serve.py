"""`clientela serve`: granian serving the WSGI application and its static files."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clientela.testing.processes import stop_process_group

CLIENTELA = Path(sys.executable).with_name("clientela")


def _dry_run(*args: str) -> str:
    out = io.StringIO()
    call_command("serve", "--dry-run", *args, stdout=out)
    return out.getvalue()


def test_serve_defaults_to_localhost_and_port_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    command = _dry_run()
    assert "--interface wsgi" in command
    assert "--host 127.0.0.1 --port 8123 --workers 1" in command
    assert command.strip().endswith("clientela.wsgi:application")
    monkeypatch.delenv("PORT")
    assert "--port 8000" in _dry_run()


def test_serve_takes_host_port_and_workers(db):
    command = _dry_run("--host", "0.0.0.0", "--port", "9000", "--workers", "3", "--threads", "4")  # noqa: S104
    assert "--host 0.0.0.0 --port 9000 --workers 3" in command
    assert "--blocking-threads 4" in command


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "70000"], {}, "between 1 and 65535"),
        (["--workers", "0"], {}, "at least 1"),
        ([], {"PORT": "eighty"}, "PORT must be a whole number"),
    ],
)
def test_serve_refuses_bad_options_clearly(db, monkeypatch, args, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError, match=message):
        _dry_run(*args)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own local server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _migrated_site(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh, migrated SQLite site on a free port."""
    env = {
        **os.environ,
        "CLIENTELA_SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
        "CLIENTELA_DATA_DIR": str(tmp_path),
        "PORT": str(_free_port()),
    }
    env.pop("DATABASE_URL", None)
    migrate = subprocess.run(  # noqa: S603
        [str(CLIENTELA), "migrate", "--no-input", "-v", "0"], env=env, capture_output=True, timeout=300, check=False
    )
    assert migrate.returncode == 0, migrate.stderr
    return env


def _serve(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """`clientela serve ARGS`, once it answers the login page."""
    server = subprocess.Popen(  # noqa: S603
        [str(CLIENTELA), "serve", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    assert server.stdout is not None
    for _ in range(120):
        try:
            status, body = _get(f"http://127.0.0.1:{env['PORT']}/accounts/login/")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if server.poll() is not None:
                pytest.fail(server.stdout.read().decode())
            time.sleep(0.5)
            continue
        assert status == 200 and b'name="username"' in body
        return server
    stop_process_group(server)
    pytest.fail("the server did not answer within a minute")


def test_serve_answers_pages_and_static_files(tmp_path):
    env = _migrated_site(tmp_path)
    server = _serve(env)
    try:
        static_status, css = _get(f"http://127.0.0.1:{env['PORT']}/static/clientela/app.css")
        assert static_status == 200
        assert b"body" in css
    finally:
        stop_process_group(server)


def _shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(  # noqa: S603
        [str(CLIENTELA), "shell", "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_serve_with_worker_runs_queued_jobs_and_stops_both_together(tmp_path):
    env = _migrated_site(tmp_path)
    # A job queued before the server starts (an import of a job that does not exist: it fails at once).
    task_id = _shell(
        env,
        "from clientela.parties.tasks import run_import_job; "
        "print(run_import_job.enqueue('00000000-0000-7000-8000-000000000000').id)",
    )
    status_of = (
        f"from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get(id='{task_id}').status)"
    )
    assert _shell(env, status_of) == "READY"
    server = _serve(env, "--with-worker")
    try:
        children = _children(server.pid)
        assert len(children) == 2  # granian and the job worker
        for _ in range(120):
            if _shell(env, status_of) != "READY":
                break
            time.sleep(0.5)
        assert _shell(env, status_of) == "FAILED"  # the worker ran it (and it failed: no such job)
        server.send_signal(signal.SIGTERM)  # to this process alone: it stops both
        assert server.wait(timeout=60) == 0
        for child in children:
            with pytest.raises(ProcessLookupError):
                os.kill(child, 0)
    finally:
        stop_process_group(server)


def test_serve_limits_are_refused_when_they_make_no_sense(db):
    with pytest.raises(CommandError, match="at least --threads"):
        _dry_run("--threads", "8", "--connections", "4")
    with pytest.raises(CommandError, match="between 1 and 60 seconds"):
        _dry_run("--header-timeout", "0")
    command = _dry_run("--connections", "300", "--header-timeout", "2.5")
    assert "--http 1" in command
    assert "--backpressure 300 --http1-header-read-timeout 2500" in command


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes `sock` within `within` seconds (what it still sends first, such
    as the rest of an answer, is read and ignored)."""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            return False
        except OSError:
            return True
    return False


def test_idle_and_silent_connections_neither_freeze_the_server_nor_stay_open(tmp_path):
    """More silent sockets than request threads: the server keeps answering and closes them."""
    env = _migrated_site(tmp_path)
    server = _serve(env, "--threads", "2", "--header-timeout", "1")
    port = int(env["PORT"])
    silent = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(24)]
    try:
        kept = socket.create_connection(("127.0.0.1", port), timeout=5)
        silent.append(kept)
        kept.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert kept.recv(4096).startswith(b"HTTP/1.1 200")  # then it sits idle on keep-alive
        # Answered while they are all open (a frozen server never answers: it times out here).
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/health", timeout=20)
        assert (status, body) == (200, b'{"status":"ok"}')
        assert all(_closed_by_server(sock, within=20) for sock in silent)  # after ~1 s; generous under load
    finally:
        for sock in silent:
            sock.close()
        stop_process_group(server)
