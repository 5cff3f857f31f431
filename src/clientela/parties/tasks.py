"""Background jobs of the parties app, run by `clientela worker` (django-tasks, database backend)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext as _
from django_tasks import task

from clientela.core.errors import PermissionDenied
from clientela.parties import actions
from clientela.parties.import_jobs import ImportOptions, ImportReport, run_import
from clientela.parties.importing.mapping import MappingError
from clientela.parties.importing.reading import ImportFileError
from clientela.parties.models import ImportJob

if TYPE_CHECKING:
    from clientela.accounts.models import User

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
        if not connection.in_atomic_block:
            actions.import_job_progress(job=self.job, report=report)
        elif connection.vendor == "postgresql":
            self._side_update(report)

    def _side_update(self, report: ImportReport) -> None:
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                self.side.inc_thread_sharing()  # the import may write from its writer thread
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            actions.import_job_progress(job=self.job, report=report, using=self.side)
        except Exception:  # progress is a nicety; the import goes on without it
            logger.warning("could not write import progress", exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


@task()
def run_import_job(job_id: str) -> dict[str, Any]:
    """Run the queued import job `job_id` (its public id) and store its report."""
    job = ImportJob.objects.select_related("created_by", "created_by__team").get(public_id=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return {"skipped": f"job is {job.status}"}
    if not actions.import_job_start(job=job):  # a job delivered twice runs once
        return {"skipped": "job was started by another worker"}
    progress = _Progress(job)
    options = ImportOptions(
        entity=job.entity, mapping=job.mapping or None, mode=job.mode, match=job.match, dry_run=job.dry_run,
        job=str(job.public_id),
    )  # fmt: skip
    try:
        report = run_import(job.file.path, actor=job.created_by, options=options, progress=progress)
    except (ImportFileError, MappingError, PermissionDenied, ValueError) as error:
        actions.import_job_fail(job=job, message=str(error))
        return {"failed": str(error)}
    except Exception:
        logger.exception("import job %s failed", job_id)
        actions.import_job_fail(
            job=job, message=_("The import stopped because of an internal error; nothing more was written.")
        )
        raise
    finally:
        progress.close()
    actions.import_job_finish(job=job, report=report)
    return {"rows": report.rows_done, **report.counts(), "written": report.written}


def enqueue_import(job: ImportJob, *, actor: User | None = None) -> bool:
    """Queue the draft job for `actor` (by default its creator); the task is enqueued once the
    job row is committed, so a worker finds it. False when the job was queued already."""
    if not actions.import_job_queue(actor=actor or job.created_by, job=job):
        return False

    def enqueue() -> None:
        result = run_import_job.enqueue(str(job.public_id))
        actions.import_job_record_task(job=job, task_id=str(result.id))

    transaction.on_commit(enqueue)
    return True
