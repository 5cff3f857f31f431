"""An import job's lease: its worker keeps saying it is alive and ledgers each batch it commits;
a job whose worker stopped is handed on — resumed where it stopped, or failed.

Like the job's other steps (`actions/importing.py`) these are bookkeeping, not customer records:
no event. Each is a conditional UPDATE: the worker's steps name the worker that holds the job,
so a worker that lost it writes nothing more (its open batch rolls back); the check's steps name
the lease it judged (worker and heartbeat), so a heartbeat that arrives meanwhile keeps the job
where it is, and of two checks exactly one moves it. `parties/import_lease.py` says when a
lease has run out; `tasks.recover_import_jobs` runs the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from clientela.parties.actions.importing import _finished, _import_counts, _import_job_step
from clientela.parties.models import ImportJob, ImportJobBatch

if TYPE_CHECKING:
    from clientela.parties.actions.importing import ImportProgress


class ImportLeaseLost(Exception):
    """The job is no longer this worker's: a check found its lease run out and handed it on."""


class ImportWorkerStopped(Exception):
    """Recorded as the failure of a task whose worker process stopped while running it."""


@dataclass
class CommittedBatch:
    """What one written batch of a valid-rows-only import did, ledgered with its records."""

    first_row: int
    last_row: int
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    error_count: int = 0
    errors: list[list[Any]] = field(default_factory=list)  # [[row, column, message], ...]


def _held_by_worker(job: ImportJob) -> dict[str, Any]:
    return {"status": ImportJob.Status.RUNNING, "worker": job.worker}


def import_job_heartbeat(*, job: ImportJob) -> bool:
    """The worker running the job is alive; False when the job is no longer its own."""
    changed = ImportJob.objects.filter(pk=job.pk, **_held_by_worker(job)).update(heartbeat_at=timezone.now())
    return changed == 1


def import_job_commit_batch(*, job: ImportJob, batch: CommittedBatch) -> None:
    """Inside the transaction that writes a batch of a valid-rows-only import: ledger the batch
    and renew the lease, so the batch's records, its ledger entry and `committed_rows` commit
    together or not at all. Raises ImportLeaseLost when the job is no longer this worker's: the
    caller's transaction, the batch's records with it, must roll back."""

    if not connection.in_atomic_block:
        raise RuntimeError("a batch is ledgered inside the transaction that writes it")
    ImportJobBatch.objects.create(
        job=job, first_row=batch.first_row, last_row=batch.last_row, rows=batch.rows, created=batch.created,
        updated=batch.updated, unchanged=batch.unchanged, skipped=batch.skipped, failed=batch.failed,
        error_count=batch.error_count, errors=batch.errors,
    )  # fmt: skip
    # Last, so the job's row is locked only for the commit (two writers commit batches side by side).
    renewed = ImportJob.objects.filter(pk=job.pk, **_held_by_worker(job)).update(
        committed_rows=F("committed_rows") + batch.rows, heartbeat_at=timezone.now()
    )
    if renewed != 1:
        raise ImportLeaseLost(str(job.public_id))


def import_job_commit_all(*, job: ImportJob, report: ImportProgress) -> None:
    """At the end of an all-or-nothing import's one transaction, just before it commits: the
    job's counts and `committed_rows`, in the same transaction (so a check that finds the worker
    stopped right after the commit knows everything was written). ImportLeaseLost when the job
    is no longer this worker's: the whole import must roll back."""

    if not connection.in_atomic_block:
        raise RuntimeError("an all-or-nothing import is marked written inside its transaction")
    values = {**_import_counts(report), "committed_rows": report.rows_done, "written": True}
    renewed = ImportJob.objects.filter(pk=job.pk, **_held_by_worker(job)).update(**values, heartbeat_at=timezone.now())
    if renewed != 1:
        raise ImportLeaseLost(str(job.public_id))


def _lease_as_judged(job: ImportJob) -> dict[str, Any]:
    """The lease the check found run out: the same worker, no heartbeat since."""
    return {"worker": job.worker, "heartbeat_at": job.heartbeat_at}


def import_job_resume(*, job: ImportJob, from_row: int) -> bool:
    """A valid-rows-only job whose worker stopped goes back to the queue (running -> queued), to
    go on from `from_row`, the first row whose batch was not committed; its counts so far stay.
    False when the job moved meanwhile (finished, a heartbeat came, another check took it)."""

    values = {
        "status": ImportJob.Status.QUEUED,
        "queued_at": timezone.now(),
        "worker": "",
        "heartbeat_at": None,
        "task_id": "",
        "resumed_from_row": from_row,
    }
    return _import_job_step(job, ImportJob.Status.RUNNING, values, **_lease_as_judged(job))


def import_job_abandon(*, job: ImportJob, message: str, succeeded: bool = False) -> bool:
    """A job whose worker stopped is given up (running -> failed), with what happened to its rows
    in `message`; or, an all-or-nothing import whose transaction had committed (`succeeded`),
    finished with the counts it committed. False when the job moved meanwhile."""

    values: dict[str, Any] = {
        "status": ImportJob.Status.SUCCEEDED if succeeded else ImportJob.Status.FAILED,
        "message": message,
        "worker": "",
        "finished_at": timezone.now(),
    }
    if succeeded:
        values["rows_total"] = job.rows_done
    return _finished(job, _import_job_step(job, ImportJob.Status.RUNNING, values, **_lease_as_judged(job)))


def import_task_abandon(*, task_id: str, reason: str) -> bool:
    """The django-tasks result of a task whose worker stopped, left RUNNING by it, is marked
    FAILED (through the backend's own `set_failed`); False when it is not running."""

    try:
        result = DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).first()
    except ValidationError:  # no id of this backend's (none recorded, or another backend's)
        return False
    if result is None:
        return False
    result.set_failed(ImportWorkerStopped(reason))
    return True
