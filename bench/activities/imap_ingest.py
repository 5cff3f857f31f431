"""IMAP ingestion benchmark: a local Dovecot holding N messages, read by the worker's own code
into a fresh database; prints messages per second and the process's peak memory.

    .venv/bin/python bench/activities/imap_ingest.py                  # 50,000 messages, SQLite
    .venv/bin/python bench/activities/imap_ingest.py --messages 5000
    DATABASE_URL=postgres://root@127.0.0.1:5432/x .venv/bin/python bench/activities/imap_ingest.py

Starts Dovecot with the tests' fixture (`clientela.testing.dovecot`), fills one INBOX by writing
maildir files (as a delivery agent would: fast) and lets Dovecot number them; then makes a
fresh database — a SQLite file in a temporary folder, or, with DATABASE_URL, the PostgreSQL
database `--database-name` on that server, dropped and created anew — with a user, a mailbox
and `--contacts` contacts, and reads the mailbox with `tasks_inbound.read_mailbox_now`: IMAP
windows and batches, one transaction per message, matching, threading, attachments kept.

The mail is a plausible mix: most from contacts' addresses, a fifth from strangers (triage),
a tenth replies to earlier messages (threading), one in twenty with a PDF of 20 kB.
Peak memory is the process's maximum resident set (it includes Django and the fill); the growth
during the ingestion is printed beside it, so a leak shows as growth that scales with N.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def setup_database(folder: Path, database_name: str) -> str:
    """Point Django at a fresh database and migrate it; returns what it is."""
    os.environ["CLIENTELA_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    os.environ["CLIENTELA_DEBUG"] = "false"  # DEBUG keeps every query: memory would grow with N
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import psycopg

        server = url.rsplit("/", 1)[0]
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database_name}"')
        os.environ["DATABASE_URL"] = f"{server}/{database_name}"
        what = f"PostgreSQL {server.split('@')[-1]}/{database_name}"
    else:
        os.environ["CLIENTELA_SQLITE_PATH"] = str(folder / "bench.sqlite3")
        what = "SQLite (WAL) in a temporary folder"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return what


def make_messages(count: int, contacts: int, seed: int):
    """The messages' bytes, one at a time (not all in memory)."""
    rng = random.Random(seed)
    pdf = b"%PDF-1.4\n" + bytes(rng.getrandbits(8) for _ in range(20_000))
    earlier: list[str] = []
    for n in range(count):
        mail = EmailMessage()
        roll = rng.random()
        if roll < 0.2:
            mail["From"] = f"Stranger {n} <stranger{n}@unknown{n % 97}.example>"
        else:
            k = rng.randrange(contacts)
            mail["From"] = f"Bench Contact {k} <contact{k}@customer{k % 50}.example>"
        mail["To"] = "sales@clientela.example"
        mail["Date"] = format_datetime(_moment(n))
        message_id = f"<bench-{seed}-{n}@customer.example>"
        mail["Message-ID"] = message_id
        if earlier and rng.random() < 0.1:
            parent = rng.choice(earlier[-500:])
            mail["Subject"] = "Re: Order question"
            mail["In-Reply-To"] = parent
            mail["References"] = parent
        else:
            mail["Subject"] = f"Order question {n}"
        mail.set_content(("Good morning,\n\nwe would like to order more thermostats. " * 8) + f"\n\nRegards,\n{n}\n")
        if rng.random() < 0.05:
            mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"order-{n}.pdf")
        earlier.append(message_id)
        yield mail.as_bytes()


def _moment(n: int):
    import datetime as dt

    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--database-name", default="clientela_bench_imap", help="PostgreSQL only")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--per-read", type=int, default=2000, help="messages per read (the worker's turn)")
    args = parser.parse_args()

    from clientela.testing.dovecot import running_dovecot

    with tempfile.TemporaryDirectory(prefix="clientela-imap-bench-") as scratch, running_dovecot() as dovecot:
        folder = Path(scratch)
        user = dovecot.add_user("bench")
        started = time.perf_counter()
        size = 0
        for raw in make_messages(args.messages, args.contacts, args.seed):
            dovecot.deliver(user, raw)
            size += len(raw)
        client = dovecot.connect(user)  # Dovecot numbers the new messages when the folder is opened
        client.select("INBOX", readonly=True)
        client.logout()
        fill_seconds = time.perf_counter() - started
        print(f"filled {args.messages:,} messages ({size / 1e6:,.0f} MB) in {fill_seconds:.1f} s")

        what = setup_database(folder, args.database_name)
        from clientela.accounts.models import Team, User
        from clientela.channels import actions, tasks_inbound
        from clientela.channels.models import Email
        from clientela.parties import actions as parties

        team = Team.objects.create(name="Bench team")
        owner = User.objects.create(username="bench_sales", role="sales", team=team, email="sales@clientela.example")
        for k in range(args.contacts):
            address = f"contact{k}@customer{k % 50}.example"
            parties.contact_create(actor=owner, values={"first_name": "Bench", "last_name": f"Contact {k}"},
                                   collections=parties.Collections(emails=[{"value": address}]))  # fmt: skip
        mailbox = actions.mailbox_create(actor=owner, values={
            "name": "Bench", "address": "sales@clientela.example", "host": dovecot.host, "port": dovecot.port,
            "security": "none", "username": user, "password": dovecot.users[user]})  # fmt: skip

        before = _current_rss_mb()
        profile = None
        if os.environ.get("BENCH_PROFILE"):  # a file name: cProfile's statistics of the ingestion go there
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        started = time.perf_counter()
        imported, failed, turn_rates = 0, 0, []
        while True:  # turns of --per-read messages, as the worker reads a backlog
            turn_started = time.perf_counter()
            result = tasks_inbound.read_mailbox_now(mailbox.pk, max_messages=args.per_read)
            assert result.error == "" and not result.held_elsewhere, result
            imported, failed = imported + result.imported, failed + result.failed
            turn_rates.append(result.imported / (time.perf_counter() - turn_started))
            if not result.more:
                break
        seconds = time.perf_counter() - started
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        after = _current_rss_mb()

        assert failed == 0, failed
        stored = Email.objects.count()
        triage = Email.objects.filter(needs_triage=True).count()
        threaded = Email.objects.exclude(in_reply_to="").filter(thread__isnull=False).count()
        print(f"{what}; {args.contacts} contacts")
        print(f"ingested {imported:,} messages in {seconds:.1f} s: {imported / seconds:,.0f} messages/s "
              f"({stored:,} stored, {triage:,} for triage, {threaded:,} threaded)")  # fmt: skip
        print("messages/s per turn of", args.per_read, ":", " ".join(f"{rate:.0f}" for rate in turn_rates))
        print(f"memory: peak RSS {_rss_mb():,.0f} MB; RSS {before:,.0f} MB before the ingestion, "
              f"{after:,.0f} MB after")  # fmt: skip


if __name__ == "__main__":
    main()
