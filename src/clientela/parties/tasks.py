"""Background jobs of the parties app, run by `clientela worker` (django-tasks, database backend).

An import job holds a lease while it runs (`import_lease`); `recover_import_jobs`, which the
worker runs when it starts and every minute or so (`core.housekeeping`), hands on a job whose
worker stopped: resumed where it stopped (valid-rows-only) or failed with what was written.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from clientela.core.errors import PermissionDenied
from clientela.parties import actions, import_lease
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
            try:  # the connection goes back to the pool: without the session setting made above
                with self.side.cursor() as cursor:
                    cursor.execute("RESET lock_timeout")
            except Exception:  # a broken connection is dropped by the pool anyway
                logger.debug("could not reset the progress connection", exc_info=True)
            self.side.close()


@task()
def run_import_job(job_id: str) -> dict[str, Any]:
    """Run the queued import job `job_id` (its public id) and store its report; a job resumed
    after its worker stopped goes on from the first row that was not committed."""
    job = ImportJob.objects.select_related("created_by", "created_by__team").get(public_id=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return {"skipped": f"job is {job.status}"}
    if not actions.import_job_start(job=job, worker=import_lease.this_worker()):  # a job delivered twice runs once
        return {"skipped": "job was started by another worker"}
    with import_lease.Heartbeat(job) as heartbeat:
        return _run_started_job(job, heartbeat)


def _run_started_job(job: ImportJob, heartbeat: import_lease.Heartbeat) -> dict[str, Any]:
    progress = _Progress(job)
    options = ImportOptions(
        entity=job.entity, mapping=job.mapping or None, mode=job.mode, match=job.match, dry_run=job.dry_run,
        job=str(job.public_id),
    )  # fmt: skip
    ledger = None if job.dry_run else import_lease.JobLedger(job, heartbeat)
    try:
        report = run_import(job.file.path, actor=job.created_by, options=options, progress=progress, ledger=ledger)
    except actions.ImportLeaseLost:
        # A check took this worker for stopped and handed the job on; what it was writing rolled back.
        logger.warning("import job %s was handed on to another worker; this one stops", job.public_id)
        return {"abandoned": "the job was handed on to another worker"}
    except (ImportFileError, MappingError, PermissionDenied, ValueError) as error:
        actions.import_job_fail(job=job, message=str(error))
        return {"failed": str(error)}
    except Exception:
        logger.exception("import job %s failed", job.public_id)
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
    transaction.on_commit(lambda: _enqueue_task(job))
    return True


def _enqueue_task(job: ImportJob) -> None:
    result = run_import_job.enqueue(str(job.public_id))
    actions.import_job_record_task(job=job, task_id=str(result.id))


# --- jobs whose worker stopped ---------------------------------------------------------------


@dataclass
class Recovered:
    """What `recover_import_jobs` did: the public ids of the jobs resumed, failed, finished
    (an all-or-nothing import that had committed) and handed to a worker again."""

    resumed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.resumed or self.failed or self.finished or self.requeued)

    def __str__(self) -> str:
        return ", ".join(f"{name} {len(ids)}" for name, ids in vars(self).items()) + " import job(s)"


def recover_import_jobs(now: dt.datetime | None = None) -> Recovered:
    """Hand on every running import job whose lease ran out (`import_lease.lease_expired`):

    - valid-rows-only: queued again, to resume from the first row not committed (the rows
      committed are skipped, their counts carried over), at most MAX_RESUMES times, then failed;
    - all-or-nothing: failed — its one transaction rolled back, nothing was written (or, had it
      committed just before the worker stopped, finished with what it wrote);
    - a dry run: failed, nothing was written.

    The dead worker's django-tasks result is marked failed. A queued job whose task a worker
    claimed but never started (it stopped in between), or whose task was never enqueued, gets a
    new task. Run by the job worker (`clientela worker`) when it starts and every minute or so,
    and by `clientela recover_jobs`.
    """
    now = now or timezone.now()
    recovered = Recovered()
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING).order_by("pk"):
        if import_lease.lease_expired(job, now):
            _hand_on(job, recovered)
    for job in ImportJob.objects.filter(status=ImportJob.Status.QUEUED, queued_at__lt=now - import_lease.LEASE):
        if _task_lost(job, now):
            actions.import_task_abandon(task_id=job.task_id, reason=_("The worker stopped before it started the job."))
            _enqueue_task(job)
            recovered.requeued.append(str(job.public_id))
    return recovered


def _hand_on(job: ImportJob, recovered: Recovered) -> None:
    """The job's worker stopped: resume it, or fail it saying what was written. The job's step
    and the end of the dead worker's task commit together, and only when the step wins (a
    heartbeat that came in meanwhile leaves both to the worker that is alive after all)."""
    dead_task = job.task_id  # the step may give the job a new one
    with transaction.atomic():
        if not _hand_on_job(job, recovered):
            return
        actions.import_task_abandon(task_id=dead_task, reason=_("The worker running this task stopped."))


def _hand_on_job(job: ImportJob, recovered: Recovered) -> bool:
    public_id = str(job.public_id)
    resumable = job.mode == ImportJob.Mode.VALID_ROWS_ONLY and not job.dry_run and job.worker
    if resumable and job.attempts <= import_lease.MAX_RESUMES:
        row = import_lease.stopped_at_row(job)
        if not actions.import_job_resume(job=job, from_row=row):
            return False
        transaction.on_commit(lambda: _enqueue_task(job))
        logger.warning("import job %s: its worker stopped at row %s; resumed from there", public_id, row)
        recovered.resumed.append(public_id)
    elif job.mode == ImportJob.Mode.ALL_OR_NOTHING and not job.dry_run and job.committed_rows:
        message = _("The worker stopped just after the import was written: every row was written.")
        if not actions.import_job_abandon(job=job, message=message, succeeded=True):
            return False
        recovered.finished.append(public_id)
    else:
        if not actions.import_job_abandon(job=job, message=_stopped_message(job)):
            return False
        logger.warning("import job %s: its worker stopped; the job failed", public_id)
        recovered.failed.append(public_id)
    return True


def _stopped_message(job: ImportJob) -> str:
    """Why a job whose worker stopped failed, and what of it was written."""
    if job.dry_run:
        return _("The worker stopped during this dry run; nothing was written. Start it again.")
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        return _(
            "The worker stopped; nothing was written (all or nothing: its transaction was rolled back). "
            "Import the file again."
        )
    if not job.worker:  # started before jobs kept track of the rows they committed
        return _("The worker stopped; the rows it had written stay, the others were not written.")
    return _(
        "The worker stopped %(times)s times while importing this file, the last time at row %(row)s; "
        "%(written)s rows before it were written, the others were not. Check the file from that row."
    ) % {"times": job.attempts, "row": import_lease.stopped_at_row(job), "written": job.committed_rows}


def _task_lost(job: ImportJob, now: dt.datetime) -> bool:
    """A queued job's task is lost: never enqueued, gone, or claimed by a worker that did not start
    the job within the lease (starting takes a moment: that worker stopped in between)."""
    if not job.task_id:
        return True
    try:
        task_result = DBTaskResult.objects.filter(id=job.task_id).only("status", "started_at").first()
    except ValidationError:  # another backend's id: nothing to tell
        return False
    if task_result is None:
        return True
    return (
        task_result.status == TaskResultStatus.RUNNING
        and task_result.started_at is not None
        and now - task_result.started_at > import_lease.LEASE
    )
