"""Timeline benchmark: a contact with 10,000 activities among many others; p50/p95 server time of
its timeline's first page and of a page far down (the 200th), in the API and on the contact's
page, each as a ratio to the health endpoint served in the same run.

    DATABASE_URL=postgres://root@127.0.0.1:5432/clientela_bench_activities \\
        .venv/bin/python bench/activities/timeline.py --seconds 10

Seeds the database once (a contact with `--activities` activities, `--others` contacts with
`--each` activities, through the activities' history action), starts granian (WSGI) on
127.0.0.1 like bench/api/run.py, runs one phase per address with `--clients` keep-alive clients
and prints requests/s, p50/p95 and their ratio to /api/v1/health.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from load import run_phase  # noqa: E402
from run import free_port, wait_until_up  # noqa: E402
from seed import ensure_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://root@127.0.0.1:5432/clientela_bench_activities"
CHANNELS = ("call", "email", "meeting", "note", "sms", "chat")


def seed(*, activities: int, others: int, each: int) -> None:
    """The bench users, the busy contact and the others, each with their activities (once)."""
    from django.core.management import call_command
    from django.utils import timezone

    from clientela.accounts.models import Team, User
    from clientela.activities.actions.history import ActivityPlan, activities_load_history
    from clientela.activities.models import Activity
    from clientela.parties import actions as parties

    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(name="Bench team")
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": "admin"})
    sales, _ = User.objects.get_or_create(username="bench_sales", defaults={"role": "sales", "team": team})
    from clientela.parties.models import Contact

    busy = Contact.objects.filter(last_name="Busy", first_name="Bench").first()
    if busy is not None and Activity.objects.filter(contact=busy).count() >= activities:
        return
    now = timezone.now()
    busy = busy or parties.contact_create(actor=sales, values={"first_name": "Bench", "last_name": "Busy"})
    people = [busy] + [
        parties.contact_create(actor=sales, values={"first_name": "Bench", "last_name": f"Other {n}"})
        for n in range(others)
    ]
    for index, contact in enumerate(people):
        count = activities if index == 0 else each
        plans = [
            ActivityPlan(
                channel=CHANNELS[n % len(CHANNELS)],
                occurred_at=now - dt.timedelta(minutes=37 * n + index),
                owner=sales,
                team=team,
                contact=contact,
                subject=f"Bench activity {n}",
                direction="internal" if CHANNELS[n % len(CHANNELS)] == "note" else "outbound",
                body="A few lines of text about what was said. " * 4,
                purpose="Bench",
            )  # fmt: skip
            for n in range(count)
        ]
        for start in range(0, len(plans), 5000):
            activities_load_history(actor=sales, plans=plans[start : start + 5000])
        print(f"seeded {index + 1}/{len(people)} contacts", end="\r", flush=True)
    print()
    from django.db import connection

    if connection.vendor == "postgresql":  # the planner's statistics of the rows just loaded
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prepare() -> dict[str, Any]:
    """An API token and a browser session of the sales user; the busy contact; a cursor far down
    its timeline (the 200th page of 25), found through the queries the pages use."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from clientela.accounts import actions
    from clientela.accounts.middleware import LAST_SEEN_KEY
    from clientela.accounts.models import User
    from clientela.activities import queries
    from clientela.parties.models import Contact

    sales = User.objects.get(username="bench_sales")
    store = SessionStore()
    store[SESSION_KEY] = str(sales.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = sales.get_session_auth_hash()
    store[LAST_SEEN_KEY] = int(time.time())
    store.create()
    _t, token = actions.token_create(actor=sales, user=sales, name="bench")
    busy = Contact.objects.get(first_name="Bench", last_name="Busy")
    cursor = None
    for _page in range(199):
        _entries, cursor = queries.timeline(sales, busy, cursor=cursor, limit=25)
    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}", "token": token, "contact": busy,
            "cursor": cursor}  # fmt: skip


def api_cursor(base: str, headers: dict[str, str], path: str, pages: int) -> str:
    """Follow the API's `next` links `pages` times and return the last one (the far page)."""
    import json

    address = path
    for _page in range(pages):
        request = urllib.request.Request(base + address, headers=headers)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = json.loads(response.read())
        following = body.get("next")
        if not following:
            break
        address = following if following.startswith("/") else "/" + following.split("/", 3)[3]
    return address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=100)
    parser.add_argument("--each", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgres"):
        ensure_database(url)
    setup_django(url)
    seed(activities=args.activities, others=args.others, each=args.each)
    info = prepare()
    from django.urls import reverse

    contact = info["contact"]
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
    api = {"Authorization": f"Bearer {info['token']}"}
    page = {"Cookie": info["cookie"], "HX-Request": "true"}
    timeline = reverse("activities:timeline", args=["contact", contact.public_id])
    results = []
    try:
        wait_until_up(base, server)
        first_api = f"/api/v1/activities?contact={contact.public_id}&limit=25"
        far_api = api_cursor(base, api, first_api, 200)
        phases = [
            ("health (trivial)", "/api/v1/health", {}),
            ("API activities of the contact, 1st page", first_api, api),
            ("API activities of the contact, 200th page", far_api, api),
            ("timeline on the page, 1st page (htmx)", timeline, page),
            ("timeline on the page, 200th page (htmx)", f"{timeline}?cursor={info['cursor']}", page),
        ]
        for name, path, headers in phases:
            request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - loopback
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                assert response.status == 200, (name, response.status)
            results.append(run_phase(name, base + path, headers, clients=args.clients, seconds=args.seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    from clientela.activities.models import Activity

    baseline = results[0]
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"\na contact with {Activity.objects.filter(contact=contact).count():,} activities among "
          f"{Activity.objects.count():,}; {engine}; granian WSGI, {args.workers} workers x {args.threads} threads; "
          f"{args.clients} clients; {args.seconds:.0f} s each\n")  # fmt: skip
    print(f"{'address':44} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50/health':>11} {'p95/health':>11}")
    for r in results:
        print(
            f"{r.name[:44]:44} {r.rate:7.0f} {r.percentile(50) * 1000:8.1f} {r.percentile(95) * 1000:8.1f} "
            f"{r.percentile(50) / baseline.percentile(50):11.1f} {r.percentile(95) / baseline.percentile(95):11.1f}"
            f"  {r.statuses}"
        )


if __name__ == "__main__":
    main()
