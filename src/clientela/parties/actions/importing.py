"""Imports: draft jobs and their state, batches written by the bulk writer, purging files.

The batches write customer records, one change-log event per record written (each naming
its job). An import job itself is bookkeeping, not a customer record: its state changes
have no event, but each is a conditional update (see below).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, PermissionDenied, ValidationFailed
from clientela.parties.importing import bulkwrite
from clientela.parties.models import (
    ImportJob,
    ImportJobBatch,
)
from clientela.parties.rules import (
    require_import,
)

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _require_own_job(actor: User, job: ImportJob) -> None:
    """The actor may import, and the job is theirs (or they administer the site)."""
    require_import(actor)
    if job.created_by_id != actor.pk and not actor.policy.can_administer:
        raise PermissionDenied(_("an import belongs to the user who uploaded it"))


def import_job_create(*, actor: User, entity: str, upload: Any) -> ImportJob:
    """A draft import of an uploaded file (kept under MEDIA_ROOT/imports/), waiting for its mapping."""

    require_import(actor)
    job = ImportJob(
        entity=entity,
        original_name=Path(upload.name).name[:255],
        created_by=actor,
        mode=ImportJob.Mode.ALL_OR_NOTHING,
        match=ImportJob.Match.UPDATE,
    )
    job.file.save(f"{job.public_id}{Path(upload.name).suffix.lower()}", upload, save=False)
    job.save()
    return job


def import_job_configure(
    *, actor: User, job: ImportJob, mapping: dict[str, str], mode: str, match: str, dry_run: bool
) -> ImportJob:
    """Set a draft job's column mapping and options (before it is queued)."""

    _require_own_job(actor, job)
    if job.status != ImportJob.Status.DRAFT:
        raise ValidationFailed([FieldError("status", "invalid", _("the import has already started"))])
    job.mapping, job.mode, job.match, job.dry_run = mapping, mode, match, dry_run
    job.save(update_fields=["mapping", "mode", "match", "dry_run"])
    return job


@dataclass
class ImportFilesPurged:
    files_removed: int = 0
    drafts_deleted: int = 0


def import_files_purge(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> ImportFilesPurged:
    """Delete uploaded import files once they are no longer needed (`clientela purge_imports`).

    A finished job (succeeded or failed) loses its file, and the preview's copy of its first
    rows, `older_than` after it finished; its counts and error report stay. A draft nobody
    started within `older_than` of its upload is deleted with its file. Queued and running jobs are never touched.
    """

    cutoff = (now or timezone.now()) - older_than
    result = ImportFilesPurged()
    finished = ImportJob.objects.filter(
        status__in=[ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED], finished_at__lt=cutoff
    ).exclude(file="")
    for job in finished.iterator():
        job.file.delete(save=False)
        # The copy of the file's first rows kept for the preview goes with the file.
        ImportJob.objects.filter(pk=job.pk).update(file="", file_headers=[], file_sample=[], suggested_mapping={})
        result.files_removed += 1
    for job in ImportJob.objects.filter(status=ImportJob.Status.DRAFT, created_at__lt=cutoff).iterator():
        if job.file:
            job.file.delete(save=False)
            result.files_removed += 1
        job.delete()
        result.drafts_deleted += 1
    return result


def contacts_import_batch(*, actor: User, rows: list[ValidatedRow], match: str, job: str | None = None) -> BatchResult:
    """Write a batch of validated import rows: create, update or skip each (`match`:
    update | skip | create), in one transaction, one event per record written.

    Rows are matched against the existing contacts the actor can see, by e-mail, then
    phone; one they cannot see is no match (the row is created, as it would be were the
    record not there).
    """

    require_import(actor)
    return bulkwrite.import_batch(actor=actor, entity="contact", rows=rows, match=match, job=job)


def organizations_import_batch(
    *, actor: User, rows: list[ValidatedRow], match: str, job: str | None = None
) -> BatchResult:
    """As `contacts_import_batch`, matching organizations by tax id, then normalised name."""

    require_import(actor)
    return bulkwrite.import_batch(actor=actor, entity="organization", rows=rows, match=match, job=job)


def records_import_prepare(
    *, actor: User, entity: str, rows: list[ValidatedRow], match: str, job: str | None = None
) -> PreparedBatch:
    """The first half of `contacts_import_batch` / `organizations_import_batch`: match the
    rows and build the new records, reading only. A large import on PostgreSQL prepares
    the next batch while `records_import_write` writes this one."""

    require_import(actor)
    return bulkwrite.prepare(actor=actor, entity=entity, rows=rows, match=match, job=job)


def records_import_write(*, actor: User, prepared: PreparedBatch) -> BatchResult:
    """The second half: write a prepared batch in one transaction (updates are checked
    again under lock: a record gone out of the actor's sight meanwhile is an error for its row,
    worded as for a record removed)."""

    require_import(actor)
    if prepared.actor.pk != actor.pk:
        raise PermissionDenied(_("a prepared import belongs to the user who prepared it"))
    return bulkwrite.write(prepared)


# An import job's state moves one way: draft -> queued -> running -> succeeded | failed
# (and running -> queued again when its worker stopped and it resumes: actions/import_leases.py).
# Each step is a conditional UPDATE on the state it leaves, so of two callers (a job
# queued twice, two workers handed the same task) exactly one moves it; each returns
# whether it did. The worker's steps take no actor: the job's creator was checked when
# it was queued, and the import checks the creator's rights again as it runs. A running
# job's steps also name the worker that holds it (`job.worker`, set by `import_job_start`),
# so a worker that lost the job to another writes nothing more to it.


def _import_job_step(
    job: ImportJob, expected: str, values: dict[str, Any], using: Any = None, **conditions: Any
) -> bool:
    """UPDATE the job WHERE status = `expected` (and the `conditions`); True when this caller moved it."""
    changed = ImportJob.objects.filter(pk=job.pk, status=expected, **conditions)
    if using is None:
        won = changed.update(**values) == 1
    else:  # another connection than this thread's (progress from inside an import's transaction)
        from django.db.models.sql import UpdateQuery

        query = changed.query.chain(UpdateQuery)
        query.add_update_values(values)
        won = query.get_compiler(connection=using).execute_sql(None) == 1
    if won:
        for name, value in values.items():
            setattr(job, name, value)
    return won


def import_job_queue(*, actor: User, job: ImportJob) -> bool:
    """Hand a configured draft to the worker (draft -> queued); False when it had left the draft already."""

    _require_own_job(actor, job)

    queued = {"status": ImportJob.Status.QUEUED, "queued_at": timezone.now()}
    return _import_job_step(job, ImportJob.Status.DRAFT, queued)


def import_job_record_task(*, job: ImportJob, task_id: str) -> None:
    """Keep the id of the queued task that runs the job (bookkeeping, whatever the job's state)."""
    ImportJob.objects.filter(pk=job.pk).update(task_id=task_id)
    job.task_id = task_id


def import_job_start(*, job: ImportJob, worker: str = "") -> bool:
    """The worker `worker` (its process, `import_lease.this_worker()`) takes the job (queued ->
    running) with a fresh heartbeat; False when it is not queued (another worker took it, or it
    ran already): the caller must not run it. A resumed job keeps its first start time."""

    now = timezone.now()
    values = {
        "status": ImportJob.Status.RUNNING,
        "started_at": job.started_at or now,
        "worker": worker,
        "heartbeat_at": now,
        "attempts": job.attempts + 1,
    }
    return _import_job_step(job, ImportJob.Status.QUEUED, values)


class ImportProgress(Protocol):
    """What the job's steps read of the import's report (`import_jobs.ImportReport`)."""

    rows_done: int
    rows_total: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    error_count: int
    errors: list[RowError]
    written: bool


def _import_counts(report: ImportProgress) -> dict[str, Any]:
    return {
        "rows_done": report.rows_done,
        "rows_total": max(report.rows_total, report.rows_done),
        "created_count": report.created,
        "updated_count": report.updated,
        "unchanged_count": report.unchanged,
        "skipped_count": report.skipped,
        "failed_count": report.failed,
        "error_count": report.error_count,
    }


def import_job_progress(*, job: ImportJob, report: ImportProgress, using: Any = None) -> bool:
    """A running job's counts so far; `using`: another database connection to write them through
    (so others see them while the import's own transaction is open)."""
    return _import_job_step(job, ImportJob.Status.RUNNING, _import_counts(report), using=using, worker=job.worker)


def import_job_finish(*, job: ImportJob, report: ImportProgress) -> bool:
    """A running job finished (running -> succeeded) with its counts and error report."""

    values = {
        **_import_counts(report),
        "status": ImportJob.Status.SUCCEEDED,
        "rows_total": report.rows_done,
        "errors": [e.as_list() for e in report.errors],
        "written": report.written,
        "finished_at": timezone.now(),
    }
    return _finished(job, _import_job_step(job, ImportJob.Status.RUNNING, values, worker=job.worker))


def import_job_fail(*, job: ImportJob, message: str) -> bool:
    """A running job stopped (running -> failed), with the reason to show its user."""

    values = {"status": ImportJob.Status.FAILED, "message": message, "finished_at": timezone.now()}
    return _finished(job, _import_job_step(job, ImportJob.Status.RUNNING, values, worker=job.worker))


def _finished(job: ImportJob, won: bool) -> bool:
    """A job that has finished no longer needs the ledger of its committed batches (its counts and
    errors are the job's now); `won`: whether this caller finished it."""
    if won:
        ImportJobBatch.objects.filter(job=job).delete()
    return won


if TYPE_CHECKING:
    from clientela.parties.importing.bulkwrite import PreparedBatch
    from clientela.parties.importing.rows import BatchResult, RowError, ValidatedRow
