"""E-mail sending benchmark: queued e-mails sent through a local SMTP sink by the worker's own
code, in e-mails per second, with the process's memory read every `--every` e-mails (flat: the
sender keeps nothing per e-mail).

    .venv/bin/python bench/activities/smtp_send.py --emails 5000
    DATABASE_URL=postgres://root@127.0.0.1:5432/x .venv/bin/python bench/activities/smtp_send.py

A fresh database (a SQLite file in a temporary folder, or with DATABASE_URL a new PostgreSQL
database `--database-name`), `--contacts` contacts, `--emails` e-mails queued by
`channels.tasks.queue_email` (each with a 20 kB PDF every `--attach-every`), then each sent by
`channels.tasks.send_email` — the job the worker runs: claim, build the MIME message, hand it to
the SMTP server (an aiosmtpd sink in a thread that counts what it receives and keeps nothing),
record it sent and log its timeline activity.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "activities"))

from imap_ingest import _current_rss_mb, setup_database  # noqa: E402


class Sink:
    """An SMTP server that accepts every message and only counts them."""

    def __init__(self) -> None:
        self.received = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received += 1
            self.bytes += len(envelope.content)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=5_000)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--attach-every", type=int, default=10, help="one e-mail in N carries a 20 kB PDF")
    parser.add_argument("--every", type=int, default=500, help="print progress and memory every N e-mails")
    parser.add_argument("--database-name", default="clientela_bench_smtp", help="PostgreSQL only")
    args = parser.parse_args()

    import os
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check connects to the port it was given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()

    os.environ.update({"CLIENTELA_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                       "CLIENTELA_SMTP_HOST": "127.0.0.1", "CLIENTELA_SMTP_PORT": str(port),
                       "CLIENTELA_TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend"})  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="clientela-smtp-bench-") as scratch:
        what = setup_database(Path(scratch), args.database_name)
        from clientela.accounts.models import Team, User
        from clientela.channels import tasks
        from clientela.channels.composing import Upload
        from clientela.parties import actions as parties

        team = Team.objects.create(name="Bench")
        sales = User.objects.create(username="bench_sales", role="sales", team=team, email="sales@clientela.example",
                                    first_name="Bench", last_name="Seller")  # fmt: skip
        contacts = [
            parties.contact_create(actor=sales, values={"first_name": "Bench", "last_name": f"Contact {n}"},
                                   collections=parties.Collections(emails=[{"value": f"c{n}@customer.example"}]))
            for n in range(args.contacts)
        ]  # fmt: skip
        pdf = b"%PDF-1.4\n" + bytes(range(256)) * 80
        started = time.perf_counter()
        queued = []
        for n in range(args.emails):
            values: dict[str, Any] = {"contact": contacts[n % len(contacts)], "subject": f"Offer {n}",
                                      "body_text": "Dear customer,\n\nplease find our offer below.\n" * 20}  # fmt: skip
            if args.attach_every and n % args.attach_every == 0:
                values["attachments"] = [Upload(f"offer-{n}.pdf", pdf, "application/pdf")]
            queued.append(str(tasks.queue_email(actor=sales, values=values).public_id))
        queue_seconds = time.perf_counter() - started
        print(f"{what}; queued {args.emails:,} e-mails in {queue_seconds:.1f} s "
              f"({args.emails / queue_seconds:,.0f}/s)")  # fmt: skip
        memory = [_current_rss_mb()]
        started = time.perf_counter()
        for n, public_id in enumerate(queued, start=1):
            result = tasks.send_email.call(public_id, 1)
            if result != "sent":
                raise SystemExit(f"e-mail {n} was not sent: {result}")
            if n % args.every == 0:
                memory.append(_current_rss_mb())
                print(f"  {n:>7,} sent, {n / (time.perf_counter() - started):6.0f}/s, {memory[-1]:6.0f} MB", flush=True)
        seconds = time.perf_counter() - started
    controller.stop()
    print(f"\nsent {args.emails:,} e-mails in {seconds:.1f} s: {args.emails / seconds:,.0f} e-mails/s; "
          f"the sink received {sink.received:,} ({sink.bytes / 1e6:,.1f} MB)")  # fmt: skip
    steps = [after - before for before, after in zip(memory, memory[1:], strict=False)] or [0.0]
    print(f"memory: {memory[0]:.0f} MB before sending, {memory[-1]:.0f} MB after (largest step {max(steps):.1f} MB)")


if __name__ == "__main__":
    main()
