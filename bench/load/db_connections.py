"""Database connections under bursty load, and connections terminated under write load.

    .venv/bin/python bench/load/db_connections.py [--workers 4] [--cycles 6] [--terminate]

Starts `clientela serve --workers N` on PostgreSQL ($DATABASE_URL, else the API bench's
database; migrated and given a load user here), with granian's idle request threads retired
after 5 s (so threads come and go as in hours of real traffic), then runs `--cycles` bursts:
`--clients` concurrent clients, each on a new connection, reading contact lists and creating
contacts for `--burst` seconds, then a pause. After each burst and pause it prints the
PostgreSQL connections the app holds (pg_stat_activity of the database, this script's own
excluded) and the answers by status.

With `--terminate`, every `--kill-every` seconds during the bursts it terminates all the app's
connections (pg_terminate_backend, as an operator or a failover would) and reports the answers
by status: a lost connection must give a retried read or a 503 with Retry-After, never a 500.
Bounded by cycles × (burst + pause); the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from seed import DEFAULT_URL, ensure_database, setup_django  # noqa: E402

PORT = 8791


def prepare(url: str) -> str:
    """Migrate, make sure a load user exists, and give it a token."""
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from clientela.accounts import actions
    from clientela.accounts.models import Team, User

    team, _ = Team.objects.get_or_create(name="Load team")
    user = User.objects.filter(username="load_sales").first()
    if user is None:
        user = User.objects.create_user(username="load_sales", password=None, role="sales", team=team)
    _token, raw = actions.token_create(actor=user, user=user, name="load")
    return raw


def app_connections(url: str) -> int:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchone()
    return int(row[0]) if row else 0


def terminate_app_connections(url: str) -> int:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return len(rows)


async def _request(method: str, path: str, token: str, body: dict | None) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        writer.write(head + payload)
        status_line = await asyncio.wait_for(reader.readline(), timeout=30)
        await reader.read()
        return int(status_line.split()[1]) if status_line else 0
    except (OSError, TimeoutError, asyncio.IncompleteReadError, IndexError, ValueError):
        return 0  # no answer
    finally:
        writer.close()


async def _client(number: int, token: str, deadline: float, statuses: Counter[str]) -> None:
    turn = 0
    while time.monotonic() < deadline:
        turn += 1
        if turn % 3 == 0:
            body = {"first_name": "Load", "last_name": f"Client {number}-{turn}-{time.monotonic_ns()}"}
            status = await _request("POST", "/api/v1/contacts", token, body)
            statuses[f"POST {status}"] += 1
        else:
            status = await _request("GET", "/api/v1/contacts?limit=25", token, None)
            statuses[f"GET {status}"] += 1


async def burst(clients: int, seconds: float, token: str) -> Counter[str]:
    statuses: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(_client(n, token, deadline, statuses) for n in range(clients)))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--burst", type=float, default=8.0, help="seconds of load per cycle")
    parser.add_argument("--pause", type=float, default=8.0, help="seconds of quiet per cycle")
    parser.add_argument("--terminate", action="store_true", help="terminate the app's connections during bursts")
    parser.add_argument("--kill-every", type=float, default=2.0)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    token = prepare(url)

    env = {
        **os.environ, "DATABASE_URL": url, "PORT": str(PORT), "CLIENTELA_DEBUG": "false",
        "CLIENTELA_LOG_LEVEL": "ERROR", "GRANIAN_BLOCKING_THREADS_IDLE_TIMEOUT": "5",
    }  # fmt: skip
    command = [str(Path(sys.executable).with_name("clientela")), "serve", "--workers", str(args.workers),
               "--threads", str(args.threads)]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        print(
            f"server: {args.workers} workers × {args.threads} threads; {app_connections(url)} app connections at start"
        )
        total: Counter[str] = Counter()
        peak = 0
        for cycle in range(1, args.cycles + 1):
            stop = threading.Event()
            killed = [0]
            samples: list[int] = []

            def watch(stop: threading.Event = stop, killed: list[int] = killed, samples: list[int] = samples) -> None:
                last_kill = time.monotonic()
                while not stop.wait(0.5):
                    samples.append(app_connections(url))
                    if args.terminate and time.monotonic() - last_kill >= args.kill_every:
                        killed[0] += terminate_app_connections(url)
                        last_kill = time.monotonic()

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            statuses = asyncio.run(burst(args.clients, args.burst, token))
            stop.set()
            watcher.join()
            during = max(samples, default=0)
            time.sleep(args.pause)
            after = app_connections(url)
            peak = max(peak, during, after)
            total.update(statuses)
            extra = f", {killed[0]} connections terminated" if args.terminate else ""
            print(
                f"cycle {cycle}: connections peak {during} during the burst, {after} after the pause{extra}; "
                f"answers {dict(sorted(statuses.items()))}"
            )
        print(f"all cycles: peak {peak} app connections; answers {dict(sorted(total.items()))}")
        errors = sum(n for key, n in total.items() if key.endswith((" 500", " 0")))
        print(f"500s or no answer: {errors}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
