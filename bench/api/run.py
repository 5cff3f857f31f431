"""API benchmark: contact list and search against a seeded PostgreSQL, 32 concurrent
clients, compared with a trivial endpoint served by the same server in the same run.

    .venv/bin/python bench/api/seed.py --contacts 1000000      # once
    .venv/bin/python bench/api/run.py --seconds 20

Starts granian (WSGI) on 127.0.0.1, runs one phase per endpoint (each with all
clients), prints p50/p95 latency, requests/s and the ratio to /api/v1/health, and
the server's CPU time per request: the app (granian's processes) and PostgreSQL (its
backends), read from /proc before and after each phase. Stops the server. Traffic
stays on the loopback interface.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import run_phase  # noqa: E402
from seed import DEFAULT_URL, setup_django  # noqa: E402


def prepare(url: str) -> dict[str, str]:
    """Tokens and a deep cursor, made through the app's own code."""
    setup_django(url)
    from clientela.accounts import actions
    from clientela.accounts.models import User
    from clientela.core.apikit.pagination import encode_cursor, parse_sort
    from clientela.parties.models import Contact

    admin = User.objects.get(username="bench_admin")
    sales = User.objects.get(username="bench_sales_1_1")
    _t, admin_token = actions.token_create(actor=admin, user=admin, name="bench")
    _t, sales_token = actions.token_create(actor=sales, user=sales, name="bench")
    total = Contact.objects.count()
    keys = parse_sort(None, allowed=("last_name", "first_name"), default=["last_name", "first_name"])
    middle = Contact.objects.order_by("last_name", "first_name", "id").only("last_name", "first_name")[total // 2]
    sample = Contact.objects.order_by("id").only("primary_email")[total // 3]
    return {
        "admin": admin_token,
        "sales": sales_token,
        "deep_cursor": encode_cursor(keys, middle),
        "email_fragment": sample.primary_email.split("@")[0],
        "total": str(total),
    }


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(session: int) -> tuple[float, float]:
    """CPU time so far of the app (processes of the server's session) and of PostgreSQL's
    backends (processes named postgres), from /proc."""
    app = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        if int(fields[3]) == session:  # session id
            app += used
        elif name.startswith("postgres"):
            database += used
    return app, database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="granian blocking threads per worker")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    info = prepare(url)
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "CLIENTELA_DEBUG": "false", "CLIENTELA_LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(  # noqa: S603 - our own server
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            str(args.threads),
            "--log-level",
            "warning",
            "clientela.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_until_up(base, server)
        q = urllib.parse.quote
        admin = {"Authorization": f"Bearer {info['admin']}"}
        sales = {"Authorization": f"Bearer {info['sales']}"}
        phases = [
            ("health (trivial, no auth, no DB)", "/api/v1/health", {}),
            ("contacts, first page (admin: all)", "/api/v1/contacts?limit=50", admin),
            ("contacts, deep page by cursor", f"/api/v1/contacts?limit=50&cursor={q(info['deep_cursor'])}", admin),
            ("contacts, first page (sales: team)", "/api/v1/contacts?limit=50", sales),
            ("search q=name fragment 'kovac'", "/api/v1/contacts?limit=50&q=kovac", admin),
            ("search q=name fragment 'wisniew'", "/api/v1/contacts?limit=50&q=wisniew", admin),
            (
                f"search q=e-mail fragment '{info['email_fragment']}'",
                f"/api/v1/contacts?limit=50&q={q(info['email_fragment'])}",
                admin,
            ),
        ]
        for _name, path, headers in phases:  # warm up and check each answers 200
            request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - loopback
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                assert response.status == 200, path
        results = []
        cpu: list[tuple[float, float]] = []
        for name, path, headers in phases:
            before = cpu_seconds(server.pid)
            results.append(run_phase(name, base + path, headers, clients=args.clients, seconds=args.seconds))
            after = cpu_seconds(server.pid)
            served = max(1, len(results[-1].latencies))
            cpu.append(((after[0] - before[0]) / served, (after[1] - before[1]) / served))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    baseline = results[0]
    print(
        f"\n{int(info['total']):,} contacts in PostgreSQL; granian WSGI, {args.workers} workers x "
        f"{args.threads} threads; {args.clients} concurrent clients; {args.seconds:.0f} s per endpoint\n"
    )
    print(
        f"{'endpoint':44} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'req/s vs health':>16} {'p50 vs health':>14}"
        f" {'CPU ms/req app':>15} {'db':>6}  statuses"
    )
    for r, (app, database) in zip(results, cpu, strict=True):
        print(
            f"{r.name[:44]:44} {r.rate:8.0f} {r.percentile(50) * 1000:8.1f} {r.percentile(95) * 1000:8.1f} "
            f"{r.rate / baseline.rate:16.2f} {r.percentile(50) / baseline.percentile(50):14.1f}"
            f" {app * 1000:15.2f} {database * 1000:6.2f}  {r.statuses}"
        )


if __name__ == "__main__":
    main()
