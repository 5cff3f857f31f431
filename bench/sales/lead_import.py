"""Lead import benchmark: a file of N leads checked (dry run) and imported, timed in process.

    .venv/bin/python bench/sales/lead_import.py --rows 20000 [--database-url postgres://...]

Writes a CSV of N distinct leads (Hungarian headers, amounts with a decimal comma, a fifth of
the rows without e-mail), then runs `sales.importing.import_leads` as a sales user of the bench
database: once as a dry run, once for real inside a transaction that is rolled back, so the
database is left as it was. Prints rows per second of each.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from seed import DEFAULT_URL, setup_django  # noqa: E402

HEADER = ["Vezetéknév", "Keresztnév", "Cég", "E-mail", "Telefon", "Forrás", "Összeg", "Pénznem", "Ország"]


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            email = "" if n % 5 == 0 else f"bench.lead.{n}@import.example"
            writer.writerow([f"Vezeték{n}", "Anna", f"Cég {n % 700} Kft.", email, f"+36 1 {n:07d}",
                             "website" if n % 2 else "", f"{n % 90 + 10} 500,50", "HUF", "HU"])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--user", default="bench_sales_1_1")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection, transaction

    from clientela.accounts.models import User
    from clientela.sales.importing import import_leads

    actor = User.objects.get(username=args.user)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "leads.csv"
        write_file(path, args.rows)
        started = time.perf_counter()
        checked = import_leads(path, actor=actor, dry_run=True)
        check_seconds = time.perf_counter() - started
        assert checked.failed == 0, checked.errors[:3]
        started = time.perf_counter()
        with transaction.atomic():
            report = import_leads(path, actor=actor)
            write_seconds = time.perf_counter() - started
            transaction.set_rollback(True)
    print(f"{connection.vendor}, {args.rows:,} leads, as {args.user}")
    print(f"check (dry run): {check_seconds:.2f} s, {args.rows / check_seconds:,.0f} rows/s")
    print(f"import:          {write_seconds:.2f} s, {report.created / write_seconds:,.0f} rows/s "
          f"({report.created:,} created, {report.skipped:,} skipped)")  # fmt: skip


if __name__ == "__main__":
    main()
