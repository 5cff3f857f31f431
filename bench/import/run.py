"""Benchmark: import 1,000,000 contacts from CSV into PostgreSQL through the real import path.

    DATABASE_URL=postgres://root@127.0.0.1:5432/clientela_bench_import .venv/bin/python bench/import/run.py
    .venv/bin/python bench/import/run.py --rows 100000        # a quicker run

The database named in DATABASE_URL is dropped, created and migrated first. A
reproducible CSV is generated (generate.py): names, e-mails and phones in the seed
languages, ~2% e-mails repeated later in the file (flagged as duplicates), ~1% bad
rows (bad e-mail or date, unknown choice, missing or over-long name). 2% of the
contacts exist beforehand (imported first, not timed), so their rows update them.

The timed import is what `clientela import contacts FILE --mode valid-rows-only
--match update --as bench` does: read, validate with the actions' rules, match in
batches against existing e-mails/phones, write with COPY and one change-log event
per record written. Prints rows/s overall and per phase (read, validate, match,
write), the counts, peak memory, and the comparison with a popular open-source
newsletter manager's importer (~10,000 rows/s) and the goal (30,000 rows/s).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_URL = "postgres://root@127.0.0.1:5432/clientela_bench_import"
REFERENCE = 10_000
GOAL = 30_000


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class BackendCpu:
    """CPU seconds used by the PostgreSQL processes serving the benchmark's database, and by the
    server's own (checkpointer, WAL writer, background writer), read from /proc (the server runs
    on this machine). Sampled as the import goes, since the writer's connection closes at the end."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.name = urlparse(url).path.lstrip("/")
        self.own = self.conn.info.backend_pid
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.kinds: dict[int, str] = {}
        self.start = self._read()

    def _read(self) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT pid, backend_type FROM pg_stat_activity WHERE datname = %s OR datname IS NULL", [self.name]
        ).fetchall()
        self.kinds.update(dict(rows))
        pids = [r[0] for r in rows]
        found: dict[int, float] = {}
        for pid in pids:
            if pid == self.own:
                continue
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / self.tick
        return found

    def sample(self) -> None:
        for pid, seconds in self._read().items():
            self.last[pid] = max(self.last.get(pid, 0.0), seconds)

    def seconds(self) -> float:
        self.sample()
        return sum(v - self.start.get(pid, 0.0) for pid, v in self.last.items())

    def by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of backend (the import's own connections, autovacuum workers)."""
        found: dict[str, float] = {}
        for pid, v in self.last.items():
            kind = self.kinds.get(pid, "?")
            found[kind] = found.get(kind, 0.0) + v - self.start.get(pid, 0.0)
        return found


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def fresh_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--existing", type=float, default=0.02, help="share of contacts that exist beforehand")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-reset", action="store_true", help="use the database as it is (already migrated)")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        print("DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    # As in production: without DEBUG, Django does not keep the text of every query.
    os.environ.setdefault("CLIENTELA_DEBUG", "false")
    if not args.no_reset:
        fresh_database(url)
    import django

    django.setup()
    import generate
    from django.core.management import call_command
    from django.db import connection

    from clientela.accounts.models import Team, User
    from clientela.parties.import_jobs import WRITERS, ImportOptions, run_import

    if not args.no_reset:
        call_command("migrate", verbosity=0)
    team, _created = Team.objects.get_or_create(name="Bench")
    user = User.objects.filter(username="bench").first() or User.objects.create(
        username="bench", role="sales", team=team
    )

    folder = Path(tempfile.mkdtemp(prefix="clientela-bench-import-"))
    main_file, existing_file = folder / "contacts.csv", folder / "existing.csv"
    started = time.perf_counter()
    planted = generate.write(main_file, args.rows)
    existing = generate.write_existing(existing_file, main_file, args.existing) if args.existing > 0 else 0
    print(f"generated {args.rows:,} rows ({main_file.stat().st_size / 2**20:,.0f} MiB) in "
          f"{time.perf_counter() - started:.1f}s: ~{planted['duplicates']:,} duplicate e-mails, "
          f"~{planted['bad']:,} bad rows; {existing:,} contacts exist beforehand", flush=True)  # fmt: skip
    if existing:
        run_import(existing_file, actor=user,
                   options=ImportOptions(entity="contact", mode="valid-rows-only", match="update"))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    rss_before = peak_mib()
    last = [0.0]
    backends = BackendCpu(url)
    python_before = process_cpu()

    def progress(report) -> None:
        now = time.perf_counter()
        if not report.finished:
            backends.sample()
        if report.finished or now - last[0] > 10:
            last[0] = now
            rate = report.rows_done / max(now - clock, 1e-9)
            print(f"  {report.rows_done:>9,} rows  {rate:>8,.0f} rows/s", file=sys.stderr, flush=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        wal_before = cursor.fetchone()[0]
    clock = time.perf_counter()
    report = run_import(
        main_file, actor=user,
        options=ImportOptions(entity="contact", mode="valid-rows-only", match="update", batch_size=args.batch_size),
        progress=progress,
    )  # fmt: skip
    wall = time.perf_counter() - clock
    python_cpu = process_cpu() - python_before
    postgres_cpu = backends.seconds()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [wal_before])
        wal_bytes = float(cursor.fetchone()[0])
        cursor.execute("SHOW max_wal_size")
        max_wal = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM parties_contact")
        contacts = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM core_event WHERE source = 'import'")
        events = cursor.fetchone()[0]
    rate = report.rows_done / wall
    print(f"\nimport of {report.rows_done:,} contact rows into PostgreSQL (valid-rows-only, match=update)")
    print(f"  wall time        {wall:8.1f} s   {rate:10,.0f} rows/s")
    for phase, seconds in report.seconds.items():
        share = seconds / wall * 100
        per = report.rows_done / seconds if seconds else float("inf")
        print(f"  {phase:<16} {seconds:8.1f} s   {per:10,.0f} rows/s  ({share:4.1f}% of the time)")
    other = wall - sum(report.seconds.values())
    if other >= 0:
        print(f"  {'other':<16} {other:8.1f} s")
    else:  # on PostgreSQL a writer thread writes one batch while the next is read, validated and prepared
        print(f"  (the phases overlap: {WRITERS} writing threads, beside reading, validating and preparing)")
    print(f"  created {report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
          f"skipped {report.skipped:,}, rows with errors {report.failed:,}")  # fmt: skip
    print(f"  contacts in the database {contacts:,}; import events {events:,}")
    per_row = 1e6 / report.rows_done
    print(f"  CPU: Python {python_cpu:,.1f} s ({python_cpu * per_row:,.0f} µs/row), PostgreSQL "
          f"{postgres_cpu:,.1f} s ({postgres_cpu * per_row:,.0f} µs/row); load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"  WAL written {wal_bytes / 2**30:,.2f} GiB ({wal_bytes / report.rows_done:,.0f} bytes/row); settings "
          f"shared_buffers {shared_buffers}, max_wal_size {max_wal}")  # fmt: skip
    kinds = ", ".join(f"{kind} {seconds:,.1f} s" for kind, seconds in sorted(backends.by_kind().items()))
    print(f"  PostgreSQL CPU by backend: {kinds}")
    cores = os.cpu_count() or 1
    bound = report.rows_done * cores / max(python_cpu + postgres_cpu, 1e-9)
    print(f"  CPU per row, Python and PostgreSQL together: {(python_cpu + postgres_cpu) * per_row:,.0f} µs; "
          f"with all {cores} cores busy on nothing else: at most ~{bound:,.0f} rows/s")  # fmt: skip
    print(f"  peak memory {peak_mib():,.0f} MiB (before the import {rss_before:,.0f} MiB)")
    print(f"  reference ~{REFERENCE:,} rows/s: x{rate / REFERENCE:.2f}; goal {GOAL:,} rows/s: "
          f"{'met' if rate >= GOAL else 'not met'} (x{rate / GOAL:.2f})")  # fmt: skip
    if not args.keep:
        for path in (main_file, existing_file):
            path.unlink(missing_ok=True)
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
