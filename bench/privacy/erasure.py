"""Subject request benchmark: the access export and the erasure of a person in a database the
size of the demo, in milliseconds per person, and what an erasure changed.

    .venv/bin/python bench/privacy/erasure.py --scale 1.0 --people 5
    DATABASE_URL=postgres://root@127.0.0.1:5432/x .venv/bin/python bench/privacy/erasure.py

A fresh database (a SQLite file in a temporary folder, or with DATABASE_URL a new PostgreSQL
database `--database-name`) with the demo data at `--scale` (1.0: 10,000 contacts, 25,000
activities, 4,000 e-mails, 2,600 invoices, 100,000+ change-log events); then, for the `--people`
contacts with the most activities: the access export (`build_export`: the foreign-key walk, JSON
and CSV of every linked row, the change log, the ZIP), and the erasure (`contact_erase`, one
transaction: the linked rows, the scan of every text and JSON column of the database for the
person's names, addresses and numbers, the change log, the idempotency store, files), then the
reclaiming of the freed space (SQLite: WAL checkpoint; PostgreSQL: VACUUM of the tables written).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "activities"))

from imap_ingest import setup_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--people", type=int, default=5)
    parser.add_argument("--database-name", default="clientela_bench_privacy", help="PostgreSQL only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        what = setup_database(Path(folder), args.database_name)
        from django.db import connection
        from django.db.models import Count

        from clientela.accounts.models import User
        from clientela.core.models import Event
        from clientela.parties.models import Contact
        from clientela.privacy import actions, storage
        from clientela.site.demo.load import load

        started = time.perf_counter()
        load(seed=2024, scale=args.scale, seeded_ids=True)
        print(f"{what}: demo at scale {args.scale} loaded in {time.perf_counter() - started:.1f} s; "
              f"{Contact.objects.count():,} contacts, {Event.objects.count():,} events")  # fmt: skip
        admin = User.objects.get(username="admin")
        busiest = list(Contact.objects.annotate(n=Count("activities")).order_by("-n", "pk")[: args.people])
        exports, erasures, reclaims = [], [], []
        for contact in busiest:
            began = time.perf_counter()
            data, counts = actions.build_export(contact)
            exports.append((time.perf_counter() - began) * 1000)
            rows = sum(n for k, n in counts.items() if k != "files")
            began = time.perf_counter()
            result = actions.contact_erase(actor=admin, contact=contact)
            erasures.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            storage.reclaim(result.tables)
            reclaims.append((time.perf_counter() - began) * 1000)
            print(f"contact with {contact.n} activities: export {rows:,} rows ({len(data) / 1024:.0f} kB) "
                  f"{exports[-1]:.0f} ms; erasure {result.rows_changed:,} rows {erasures[-1]:.0f} ms; "
                  f"reclaim ({connection.vendor}) {reclaims[-1]:.0f} ms")  # fmt: skip
        print(f"median: export {statistics.median(exports):.0f} ms, erasure {statistics.median(erasures):.0f} ms, "
              f"reclaim {statistics.median(reclaims):.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
