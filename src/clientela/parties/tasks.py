"""Background jobs of the parties app, run by `clientela worker` (django-tasks, database backend)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from clientela.core.errors import PermissionDenied
from clientela.parties.import_jobs import ImportOptions, ImportReport, run_import
from clientela.parties.importing.mapping import MappingError
from clientela.parties.importing.reading import ImportFileError
from clientela.parties.models import ImportJob

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between progress writes


class _Progress:
    """Writes a job's progress as the import goes.

    Outside a transaction (valid-rows-only, dry runs) through the ordinary
    connection; inside the all-or-nothing transaction, where that write would be
    invisible until the end, through a second connection on PostgreSQL (on SQLite
    the one writer holds the lock, so progress shows when the transaction ends).
    """

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.last = 0.0
        self.side: Any = None

    def __call__(self, report: ImportReport) -> None:
        now = time.monotonic()
        if not report.finished and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        values = {
            "rows_done": report.rows_done,
            "rows_total": max(report.rows_total, report.rows_done),
            "created_count": report.created,
            "updated_count": report.updated,
            "unchanged_count": report.unchanged,
            "skipped_count": report.skipped,
            "failed_count": report.failed,
            "error_count": report.error_count,
        }
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job.pk).update(**values)
        elif connection.vendor == "postgresql":
            self._side_update(values)

    def _side_update(self, values: dict[str, Any]) -> None:
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                self.side.inc_thread_sharing()  # the import may write from its writer thread
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            query = ImportJob.objects.filter(pk=self.job.pk).query.chain(UpdateQuery)
            query.add_update_values(values)
            query.get_compiler(connection=self.side).execute_sql(None)
        except Exception:  # progress is a nicety; the import goes on without it
            logger.warning("could not write import progress", exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _finish(job: ImportJob, report: ImportReport) -> None:
    job.status = ImportJob.Status.SUCCEEDED
    job.rows_done = report.rows_done
    job.rows_total = report.rows_done
    job.created_count = report.created
    job.updated_count = report.updated
    job.unchanged_count = report.unchanged
    job.skipped_count = report.skipped
    job.failed_count = report.failed
    job.error_count = report.error_count
    job.errors = [e.as_list() for e in report.errors]
    job.written = report.written
    job.finished_at = timezone.now()
    job.save()


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])


@task()
def run_import_job(job_id: str) -> dict[str, Any]:
    """Run the queued import job `job_id` (its public id) and store its report."""
    job = ImportJob.objects.select_related("created_by", "created_by__team").get(public_id=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return {"skipped": f"job is {job.status}"}
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    progress = _Progress(job)
    options = ImportOptions(
        entity=job.entity, mapping=job.mapping or None, mode=job.mode, match=job.match, dry_run=job.dry_run,
        job=str(job.public_id),
    )  # fmt: skip
    try:
        report = run_import(job.file.path, actor=job.created_by, options=options, progress=progress)
    except (ImportFileError, MappingError, PermissionDenied, ValueError) as error:
        _fail(job, str(error))
        return {"failed": str(error)}
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(job, _("The import stopped because of an internal error; nothing more was written."))
        raise
    finally:
        progress.close()
    _finish(job, report)
    return {"rows": report.rows_done, **report.counts(), "written": report.written}


def enqueue_import(job: ImportJob) -> None:
    """Queue the job; the task is enqueued once the job row is committed, so a worker finds it."""
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status"])

    def enqueue() -> None:
        result = run_import_job.enqueue(str(job.public_id))
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
