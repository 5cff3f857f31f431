"""An import job's lease: which process runs the job, whether it still does, what it committed.

The worker that starts a job writes its name into it (`this_worker()`: host name, process id,
and what tells that process from a later one given the same id) and keeps a heartbeat: a
thread of its own, with its own database connection, renews `heartbeat_at` every
HEARTBEAT_EVERY seconds — during a long batch too, and on PostgreSQL inside the all-or-nothing
import's one transaction, which the heartbeat's connection is not part of. Each committed batch
renews it as well.

A running job's lease has run out (`lease_expired`) when

- its worker ran on this machine (same host name and process namespace) and that process is
  gone: at once, whatever the heartbeat says (so a restarted worker finds its predecessor's job
  straight away);
- otherwise its heartbeat is older than LEASE (on PostgreSQL this decides even for a process
  that is still there but has stopped beating: hung, or cut off from the database).

SQLite has one writer at a time: an all-or-nothing import holds the write lock from its first
batch to its end, so no heartbeat can be written meanwhile, and a stale heartbeat says nothing.
There the process alone decides — the database is a file on one machine, so the worker runs on
the machine of whoever checks; only a worker on another host (a database file on a network
share, which SQLite does not support well) is judged by its heartbeat.

What is done with a job whose lease ran out is `tasks.recover_import_jobs`; the writes are the
actions of `actions/import_leases.py`. `JobLedger` is what the import (`import_jobs.run_import`)
is given to skip the rows a stopped worker committed and to ledger the batches it commits.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import os
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from django.db import DatabaseError, connection

from clientela.parties import actions
from clientela.parties.import_jobs import MAX_KEPT_ERRORS
from clientela.parties.importing.rows import RowError
from clientela.parties.models import ImportJob, ImportJobBatch

if TYPE_CHECKING:
    from clientela.parties.import_jobs import ImportReport
    from clientela.parties.importing.rows import BatchResult

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)  # no heartbeat for this long: the worker is taken for stopped
HEARTBEAT_EVERY = 5.0  # seconds between two heartbeats of a running job
MAX_RESUMES = 3  # a job whose worker stops once more than this is failed: the file may be the cause
FIRST_DATA_ROW = 2  # rows are numbered as a spreadsheet shows them: the header is row 1

ProcessState = Literal["alive", "gone", "unknown"]


def _proc_stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _namespace() -> str:
    """The process namespace (Linux): two containers may share a host name, not a namespace."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def this_worker() -> str:
    """This process's name in a job's `worker`: host:pid:namespace:start (start: its start time
    in clock ticks since boot, telling it from a later process given the same id)."""
    stat = _proc_stat("self")
    started = stat[19] if stat is not None and len(stat) > 19 else "-"
    return f"{socket.gethostname()}:{os.getpid()}:{_namespace()}:{started}"[:200]


def process_state(worker: str) -> ProcessState:
    """Whether the process named `worker` (as `this_worker()` wrote it) still runs; "unknown" when
    it ran elsewhere (another host or namespace) or the name is not one `this_worker()` writes."""
    parts = worker.rsplit(":", 3)
    if len(parts) != 4 or not parts[1].isdigit():
        return "unknown"
    host, pid, namespace, started = parts
    if host != socket.gethostname() or namespace != _namespace():
        return "unknown"
    stat = _proc_stat(pid)
    if stat is None:
        if Path("/proc/self/stat").exists():
            return "gone"
        try:  # no /proc: ask the system
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return "gone"
        except PermissionError:
            return "alive"
        return "alive"
    if stat[0] in ("Z", "X"):  # a zombie (killed, not yet reaped by its parent) runs nothing
        return "gone"
    if started != "-" and len(stat) > 19 and stat[19] != started:
        return "gone"  # another process got the same id
    return "alive"


def lease_expired(job: ImportJob, now: dt.datetime, vendor: str | None = None) -> bool:
    """Whether the running job's worker is taken for stopped (see the module's docstring)."""
    state = process_state(job.worker)
    if state == "gone":
        return True
    if state == "alive" and (vendor or connection.vendor) == "sqlite":
        return False
    last = job.heartbeat_at or job.started_at or job.queued_at
    return last is None or now - last > LEASE


class Heartbeat:
    """Renews the job's lease every `every` seconds from a thread with its own database connection,
    until stopped; `lost` once the job is no longer this worker's (a check handed it on)."""

    def __init__(self, job: ImportJob, every: float = HEARTBEAT_EVERY) -> None:
        self.job = job
        self.every = every
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-heartbeat-{job.pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            if connection.vendor == "sqlite":  # the import may hold the one write lock: try, and try again later
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 500")
            while not self._stop.wait(self.every):
                try:
                    if not actions.import_job_heartbeat(job=self.job):
                        if not self._stop.is_set():  # (not the job that has just finished)
                            self.lost = True
                            logger.warning("import job %s is no longer this worker's", self.job.public_id)
                        return
                except DatabaseError:  # SQLite busy, a dropped connection: the next beat tries again
                    logger.debug("could not renew the lease of import job %s", self.job.public_id, exc_info=True)
        finally:
            connection.close()


class JobLedger:
    """The import's `Ledger` (import_jobs.Ledger) for a job run by the worker: the batches its
    earlier runs committed (skipped now, their counts carried over) and this run's, ledgered
    through the lease actions in the transactions that write them."""

    def __init__(self, job: ImportJob, heartbeat: Heartbeat | None = None) -> None:
        self.job = job
        self.heartbeat = heartbeat
        self.earlier = list(ImportJobBatch.objects.filter(job=job).order_by("first_row"))
        self._firsts = [batch.first_row for batch in self.earlier]

    def committed(self, row: int) -> bool:
        at = bisect.bisect_right(self._firsts, row) - 1
        return at >= 0 and row <= self.earlier[at].last_row

    def carry_into(self, report: ImportReport) -> None:
        for batch in self.earlier:
            report.rows_done += batch.rows
            report.created += batch.created
            report.updated += batch.updated
            report.unchanged += batch.unchanged
            report.skipped += batch.skipped
            report.failed += batch.failed
            report.error_count += batch.error_count
            room = MAX_KEPT_ERRORS - len(report.errors)
            report.errors.extend(RowError(*error) for error in batch.errors[: max(room, 0)])
        report.written = report.written or bool(self.earlier)

    def commit_batch(self, numbers: list[int], errors: list[RowError], result: BatchResult) -> None:
        if self.heartbeat is not None and self.heartbeat.lost:
            raise actions.ImportLeaseLost(str(self.job.public_id))
        batch = actions.CommittedBatch(
            first_row=numbers[0], last_row=numbers[-1], rows=len(numbers), created=result.created,
            updated=result.updated, unchanged=result.unchanged, skipped=result.skipped,
            failed=len({error.row for error in errors}), error_count=len(errors),
            errors=[error.as_list() for error in sorted(errors, key=lambda e: e.row)[:MAX_KEPT_ERRORS]],
        )  # fmt: skip
        actions.import_job_commit_batch(job=self.job, batch=batch)

    def commit_all(self, report: ImportReport) -> None:
        actions.import_job_commit_all(job=self.job, report=report)


def stopped_at_row(job: ImportJob) -> int:
    """The first row no committed batch of the job holds: where a resumed import goes on. (Rows
    past it may be committed already — two writers commit out of order — and are skipped too.)"""
    row = FIRST_DATA_ROW
    batches = ImportJobBatch.objects.filter(job=job).order_by("first_row")
    for first, last in batches.values_list("first_row", "last_row"):
        if first > row:
            break
        row = max(row, last + 1)
    return row
