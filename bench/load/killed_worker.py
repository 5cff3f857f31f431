"""A job worker killed (SIGKILL) in the middle of a large import, then started again.

    .venv/bin/python bench/load/killed_worker.py [--database postgres://...|sqlite] [--rows 200000]
        [--kill-at 0.45] [--mode valid-rows-only|all-or-nothing|both] [--timeout 600]

On the chosen database (`--database`: a PostgreSQL URL, created and migrated if needed — by
default $DATABASE_URL, else postgres://root@127.0.0.1:5432/clientela_bench_lease — or `sqlite`:
a fresh SQLite file in a temporary folder) it writes a contacts CSV of `--rows` rows with unique
e-mails (a prefix new to every run), queues it as an import job, starts `clientela worker`, kills
it with SIGKILL once the job's progress passes `--kill-at` of the rows (on SQLite an
all-or-nothing import shows no progress until it commits: it is killed after the time the
valid-rows-only run took to get there, or 5 s), starts a worker again, and prints for each mode:

- rows at kill: the job's progress, and the rows whose batches were committed;
- time to detect: from the second worker's start until the job was handed on (resumed or failed);
- time to finish: from the second worker's start until the job finished;
- the job's status and what its page says, rows written (contacts of this run) and duplicates
  found (e-mails of this run held by more than one contact).

Bounded by `--timeout` seconds per stage; the workers are stopped at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from clientela.testing.processes import stop_process_group  # noqa: E402

DEFAULT_URL = "postgres://root@127.0.0.1:5432/clientela_bench_lease"
HEADER = ["First name", "Last name", "E-mail", "Phone"]


def setup(database: str, folder: Path) -> dict[str, str]:
    """Point this process (and the workers, through the returned environment) at the database; migrate."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clientela.settings", "CLIENTELA_DEBUG": "false",
           "CLIENTELA_DATA_DIR": str(folder)}  # fmt: skip
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
        env["CLIENTELA_SQLITE_PATH"] = str(folder / "bench.sqlite3")
    else:
        import psycopg

        name = database.rsplit("/", 1)[1]
        with psycopg.connect(database.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = database
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def write_file(path: Path, rows: int, prefix: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([f"First{n}", f"Last{n}", f"{prefix}.{n}@example.test", f"+36 30 {n % 10_000_000:07d}"])


def queue_job(path: Path, mode: str) -> Any:
    from django.core.files import File

    from clientela.parties import actions
    from clientela.parties.tasks import enqueue_import
    from clientela.testing.cast import load_cast, make_cast

    cast = load_cast() or make_cast()
    with path.open("rb") as handle:
        job = actions.import_job_create(actor=cast.admin, entity="contact", upload=File(handle, name=path.name))
    actions.import_job_configure(actor=cast.admin, job=job, mapping={}, mode=mode, match="create", dry_run=False)
    enqueue_import(job, actor=cast.admin)
    return job


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "django", "worker", "--no-reload", "--no-startup-delay", "--interval", "0.2",
               "--queue-name", "*", "--verbosity", "0"]  # fmt: skip
    return subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 - our own command


def wait_for(job: Any, done: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        job.refresh_from_db()
        if done(job):
            return time.monotonic() - started
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what} (job {job.status}, {job.rows_done} rows)")


def written(prefix: str) -> tuple[int, int]:
    """Contacts of this run, and e-mails of this run held by more than one contact."""
    from django.db.models import Count

    from clientela.parties.models import ContactPoint

    points = ContactPoint.objects.filter(kind="email", normalized__startswith=prefix.lower() + ".")
    contacts = points.values("contact_id").distinct().count()
    duplicates = points.values("normalized").annotate(n=Count("contact_id")).filter(n__gt=1).count()
    return contacts, duplicates


def run(env: dict[str, str], folder: Path, mode: str, rows: int, kill_at: float, timeout: float,
        kill_after: float | None) -> float:  # fmt: skip
    from django.db import connection

    prefix = f"kill{uuid.uuid4().hex[:8]}"
    path = folder / f"{prefix}.csv"
    write_file(path, rows, prefix)
    job = queue_job(path, mode)
    worker = start_worker(env)
    try:
        started = time.monotonic()
        wait_for(job, lambda j: j.status == "running", timeout, "the worker to start the job")
        silent = mode == "all-or-nothing" and connection.vendor == "sqlite"
        if silent:
            time.sleep(kill_after or 5.0)
        else:
            wait_for(job, lambda j: j.rows_done >= kill_at * rows or not j.is_active, timeout, "the kill point")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        reached = time.monotonic() - started
        job.refresh_from_db()
        if not job.is_active:
            raise SystemExit(f"the import finished ({job.status}) before it was killed: use more --rows")
        at_kill, killed = (job.rows_done, job.committed_rows), job.worker
    finally:
        stop_process_group(worker)
    worker = start_worker(env)
    try:
        started = time.monotonic()
        found = lambda j: j.status != "running" or j.worker != killed  # noqa: E731 - resumed: queued, then another worker's
        detect = wait_for(job, found, timeout, "the stopped worker to be found")
        wait_for(job, lambda j: not j.is_active, timeout, "the job to finish")
        finish = time.monotonic() - started
    finally:
        stop_process_group(worker)
    contacts, duplicates = written(prefix)
    if job.resumed_from_row:
        page = f"the worker stopped at row {job.resumed_from_row}; resumed from there"
    else:
        page = job.message or "-"
    print(f"\n{mode} on {connection.vendor}, {rows:,} rows")
    shown = "(no progress shown inside the transaction)" if silent else f"{at_kill[0]:,}"
    print(f"  rows at kill          {shown}; committed {at_kill[1]:,} (killed {reached:.1f} s after the start)")
    print(f"  time to detect        {detect:.2f} s")
    print(f"  time to finish        {finish:.2f} s")
    print(f"  job                   {job.status} (written: {job.written}), attempts {job.attempts}: {page}")
    print(f"  rows written          {contacts:,}")
    print(f"  duplicates found      {duplicates:,}")
    return reached


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL") or DEFAULT_URL,
                        help="a PostgreSQL URL, or `sqlite` for a fresh SQLite file")  # fmt: skip
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--kill-at", type=float, default=0.45, help="share of the rows done when the worker is killed")
    parser.add_argument("--mode", choices=["valid-rows-only", "all-or-nothing", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed for each stage")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clientela-killed-worker-") as tmp:
        folder = Path(tmp)
        env = setup(args.database, folder)
        modes = ["valid-rows-only", "all-or-nothing"] if args.mode == "both" else [args.mode]
        reached: float | None = None
        for mode in modes:
            reached = run(env, folder, mode, args.rows, args.kill_at, args.timeout, reached)
    return 0


if __name__ == "__main__":
    sys.exit(main())
