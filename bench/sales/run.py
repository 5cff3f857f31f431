"""Sales benchmark: the kanban board page and the deals list API over 100,000 open deals, each
as a ratio to the health endpoint served in the same run; and the forecast's figures over the
whole history (1,000,000 closed deals), timed in process.

    .venv/bin/python bench/api/seed.py --contacts 1000000
    .venv/bin/python bench/sales/seed.py --open 100000 --closed 1000000
    .venv/bin/python bench/sales/run.py --seconds 10

Starts granian (WSGI) on 127.0.0.1 like bench/api/run.py, runs one phase per endpoint with
`--clients` keep-alive clients, and prints requests/s, p50/p95 latency, each as a ratio to
/api/v1/health, and the server's CPU per request (app and PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from load import run_phase  # noqa: E402
from run import cpu_seconds, free_port, wait_until_up  # noqa: E402
from seed import DEFAULT_URL, setup_django  # noqa: E402


def prepare(url: str) -> dict[str, Any]:
    """API tokens and browser sessions for an administrator and a sales user, made by the app."""
    setup_django(url)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from clientela.accounts import actions
    from clientela.accounts.middleware import LAST_SEEN_KEY
    from clientela.accounts.models import User
    from clientela.sales.models import Deal

    def session(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[LAST_SEEN_KEY] = int(time.time())
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    admin = User.objects.get(username="bench_admin")
    sales = User.objects.get(username="bench_sales_1_1")
    _t, admin_token = actions.token_create(actor=admin, user=admin, name="bench")
    _t, sales_token = actions.token_create(actor=sales, user=sales, name="bench")
    return {
        "admin_token": admin_token,
        "sales_token": sales_token,
        "admin_cookie": session(admin),
        "sales_cookie": session(sales),
        "open": Deal.objects.filter(closed_on__isnull=True).count(),
        "closed": Deal.objects.filter(closed_on__isnull=False).count(),
    }


def forecast_timings(repeat: int) -> list[tuple[str, float]]:
    """The forecast's reads over the whole history, in process (median of `repeat` runs)."""
    import datetime as dt

    from django.utils import timezone

    from clientela.accounts.models import User
    from clientela.sales import forecasting, queries, reports

    admin = User.objects.get(username="bench_admin")
    sales = User.objects.get(username="bench_sales_1_1")
    pipeline = queries.default_pipeline()
    today = timezone.localdate().replace(day=1)
    first = (today - dt.timedelta(days=365)).replace(day=1)
    scope = reports.Scope(admin, "EUR")
    cases = [
        ("learned stage probabilities (all closed deals)", lambda: forecasting.learned_probabilities(admin, pipeline)),
        ("learned stage probabilities (a rep's team)", lambda: forecasting.learned_probabilities(sales, pipeline)),
        (
            "weighted pipeline, 24 months by owner",
            lambda: forecasting.weighted_pipeline(
                admin, first_period=first, last_period=today + dt.timedelta(days=366)
            ),
        ),
        ("dashboard: won and lost by month", lambda: reports.won_lost_by_month(scope, 12)),
        ("dashboard: lead to won funnel", lambda: reports.funnel(scope, 12)),
        ("dashboard: lost reasons", lambda: reports.lost_reasons(scope, 12)),
        ("dashboard: deal size and cycle length", lambda: reports.performance(scope, 12)),
    ]
    results = []
    for name, call in cases:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        results.append((name, statistics.median(times)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each in-process forecast read")
    parser.add_argument("--reads-only", action="store_true", help="only the in-process forecast and dashboard reads")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    info = prepare(url)
    if args.reads_only:
        _print_reads(args.repeat)
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "CLIENTELA_DEBUG": "false", "CLIENTELA_LOG_LEVEL": "ERROR"}
    env["CLIENTELA_DB_POOL_SIZE"] = str(args.threads + 2)
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(args.workers), "--blocking-threads", str(args.threads), "--log-level", "warning",
        "clientela.wsgi:application",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)  # noqa: S603 - our own server
    phases = [
        ("health (trivial)", "/api/v1/health", {}),
        ("board page, sales user (own team)", "/deals/board/", {"Cookie": info["sales_cookie"]}),
        ("board page, admin (all deals)", "/deals/board/", {"Cookie": info["admin_cookie"]}),
        ("sales dashboard page, admin (all deals)", "/sales/dashboard/", {"Cookie": info["admin_cookie"]}),
        ("API deals, first page (admin)", "/api/v1/deals?limit=50", {"Authorization": f"Bearer {info['admin_token']}"}),
        ("API deals, open, by close date (sales)", "/api/v1/deals?limit=50&status=open&sort=expected_close_date",
         {"Authorization": f"Bearer {info['sales_token']}"}),
    ]  # fmt: skip
    results = []
    cpu = []
    try:
        wait_until_up(base, server)
        for name, path, headers in phases:
            import urllib.request

            request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - loopback
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                assert response.status == 200, (name, response.status)
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
        f"\n{info['open']:,} open and {info['closed']:,} closed deals in PostgreSQL; granian WSGI, {args.workers} "
        f"workers x {args.threads} threads; {args.clients} clients; {args.seconds:.0f} s per endpoint\n"
    )
    print(
        f"{'endpoint':42} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50/health':>11} {'p95/health':>11}"
        f" {'CPU app':>8} {'db':>6}"
    )
    for r, (app, database) in zip(results, cpu, strict=True):
        print(
            f"{r.name[:42]:42} {r.rate:7.0f} {r.percentile(50) * 1000:8.1f} {r.percentile(95) * 1000:8.1f} "
            f"{r.percentile(50) / baseline.percentile(50):11.1f} {r.percentile(95) / baseline.percentile(95):11.1f} "
            f"{app * 1000:8.2f} {database * 1000:6.2f}  {r.statuses}"
        )
    _print_reads(args.repeat)


def _print_reads(repeat: int) -> None:
    print("\nforecast and dashboard reads over the whole history, in process (median of", repeat, "runs):")
    for name, seconds in forecast_timings(repeat):
        print(f"  {name:50} {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
