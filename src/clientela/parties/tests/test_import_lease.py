"""A running import job holds a lease; a job whose worker stopped is resumed or failed, never left running."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.core.models import Event
from clientela.parties import actions, import_jobs, import_lease
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.import_lease import JobLedger, lease_expired, this_worker
from clientela.parties.models import Contact, ImportJob
from clientela.parties.tasks import recover_import_jobs, run_import_job

from .importing_files import good_row, write_csv

# This machine and process namespace, and this process's id, but another start time: a process
# that is gone (the id was given to another).
STOPPED_WORKER = this_worker().rsplit(":", 1)[0] + ":0"
ELSEWHERE = "another-host:4242:1:1"
LONG_AGO = dt.timedelta(minutes=5)


class _Killed(BaseException):
    """Stands for SIGKILL: like it, nothing of the import's own handling runs after it."""


@pytest.fixture(autouse=True)
def _media_and_signals(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(import_jobs, "PIPELINE", False)  # batches written in order: a known stopping row
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield  # db_worker installs its own signal handlers: pytest's go back afterwards
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _rows() -> list[list[str]]:
    """60 contacts (file rows 2-61): bad birth dates on rows 7 and 47; row 52 repeats row 5's e-mail."""
    rows = [good_row(n) for n in range(60)]
    rows[5][4] = rows[45][4] = "31.12.1999"
    rows[50][2] = rows[3][2]
    return rows


def _job(cast, tmp_path, rows, **fields) -> ImportJob:
    path = write_csv(tmp_path / "upload.csv", rows)
    job = ImportJob(
        entity="contact", original_name="upload.csv", created_by=cast.sales_north, queued_at=timezone.now(), **fields
    )
    job.file.save("upload.csv", ContentFile(path.read_bytes()), save=False)
    job.save()
    return job


def _run_until_killed(job: ImportJob, *, after_rows: int, worker: str = STOPPED_WORKER) -> None:
    """Start the job as a worker does and stop it dead once `after_rows` rows are done (batches of 10):
    the job is left running, its worker gone, like after `kill -9`."""
    job.task_id = str(run_import_job.enqueue(str(job.public_id)).id)
    DBTaskResult.objects.get(id=job.task_id).claim("the-worker-that-is-killed")
    ImportJob.objects.filter(pk=job.pk).update(status="queued", task_id=job.task_id)
    job.status = "queued"
    assert actions.import_job_start(job=job, worker=worker)
    options = ImportOptions(
        entity=job.entity, mode=job.mode, match=job.match, dry_run=job.dry_run, batch_size=10, job=str(job.public_id)
    )

    def progress(report: import_jobs.ImportReport) -> None:
        if report.rows_done >= after_rows and not report.finished:
            raise _Killed

    with pytest.raises(_Killed):
        run_import(
            job.file.path, actor=job.created_by, options=options, progress=progress,
            ledger=None if job.dry_run else JobLedger(job),
        )  # fmt: skip


def _run_worker() -> None:
    """`clientela worker` until no task is left: its housekeeping checks run first."""
    call_command("worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0, housekeeping_every=0)


@pytest.mark.django_db(transaction=True)
def test_a_valid_rows_only_import_whose_worker_was_killed_resumes_where_it_stopped_and_writes_each_row_once(
    cast, tmp_path, client
):
    job = _job(cast, tmp_path, _rows(), mode="valid-rows-only")
    _run_until_killed(job, after_rows=30)
    job.refresh_from_db()
    assert (job.status, job.committed_rows, job.batches.count()) == ("running", 30, 3)
    assert Contact.objects.count() == 29  # rows 2-31, less row 7

    _run_worker()  # a worker starts again: it finds the job's worker gone, resumes the job and runs it

    job.refresh_from_db()
    assert job.status == "succeeded" and job.resumed_from_row == 32 and job.attempts == 2
    assert (job.rows_done, job.rows_total, job.created_count, job.failed_count) == (60, 60, 57, 3)
    assert [row for row, _column, _message in job.errors] == [7, 47, 52]
    assert job.errors[2][2] == "the same e-mail address as row 5"  # a duplicate of a row written before the stop
    assert job.committed_rows == 60 and job.written
    assert Contact.objects.count() == 57
    assert Contact.objects.filter(points__value=good_row(3)[2]).count() == 1
    assert Event.objects.filter(action="contact.create").count() == 57
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1  # the killed worker's task
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"  # the resumed one's

    client.force_login(cast.sales_north)
    page = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert "The worker stopped at row 32; the import was resumed from there." in page


@pytest.mark.django_db(transaction=True)
def test_an_all_or_nothing_import_whose_worker_was_killed_fails_and_has_written_nothing(cast, tmp_path, client):
    job = _job(cast, tmp_path, [good_row(n) for n in range(60)], mode="all-or-nothing")
    _run_until_killed(job, after_rows=30)
    assert Contact.objects.count() == 0  # its one transaction rolled back when the process died

    recovered = recover_import_jobs()

    assert recovered.failed == [str(job.public_id)] and not recovered.resumed
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at and not job.written and job.committed_rows == 0
    assert job.message.startswith("The worker stopped; nothing was written (all or nothing")
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    assert Contact.objects.count() == 0 and not Event.objects.filter(source="import").exists()
    client.force_login(cast.sales_north)
    page = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert "The worker stopped; nothing was written (all or nothing" in page


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_whose_worker_was_killed_fails_having_written_nothing(cast, tmp_path):
    job = _job(cast, tmp_path, [good_row(n) for n in range(40)], mode="valid-rows-only", dry_run=True)
    _run_until_killed(job, after_rows=20)
    assert recover_import_jobs().failed == [str(job.public_id)]
    job.refresh_from_db()
    assert job.status == "failed" and "dry run" in job.message and Contact.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_all_or_nothing_import_killed_just_after_it_committed_is_finished_with_what_it_wrote(cast, tmp_path):
    job = _job(cast, tmp_path, [good_row(n) for n in range(25)], mode="all-or-nothing", status="queued")
    assert actions.import_job_start(job=job, worker=STOPPED_WORKER)
    options = ImportOptions(entity="contact", mode="all-or-nothing", batch_size=10, job=str(job.public_id))
    run_import(job.file.path, actor=job.created_by, options=options, ledger=JobLedger(job))  # killed before finishing

    recover_import_jobs()

    job.refresh_from_db()
    assert (job.status, job.written, job.created_count, job.rows_done) == ("succeeded", True, 25, 25)
    assert "every row was written" in job.message and Contact.objects.count() == 25


@pytest.mark.django_db
def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(cast, tmp_path):
    job = _job(
        cast, tmp_path, [good_row(1)], mode="valid-rows-only", status="running", worker=ELSEWHERE,
        heartbeat_at=timezone.now(), started_at=timezone.now() - LONG_AGO, attempts=1,
    )  # fmt: skip
    assert not recover_import_jobs()
    job.refresh_from_db()
    assert job.status == "running" and job.worker == ELSEWHERE


@pytest.mark.django_db
def test_a_running_job_whose_heartbeat_stopped_on_another_host_is_resumed(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    job = _job(
        cast, tmp_path, [good_row(1)], mode="valid-rows-only", status="running", worker=ELSEWHERE,
        heartbeat_at=timezone.now() - LONG_AGO, attempts=1, task_id="",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):  # the new task is enqueued once the job is queued again
        assert recover_import_jobs().resumed == [str(job.public_id)]
    job.refresh_from_db()
    assert (job.status, job.resumed_from_row, job.worker, job.heartbeat_at) == ("queued", 2, "", None)
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"


@pytest.mark.django_db
def test_a_job_whose_worker_stopped_more_than_the_resume_limit_fails(cast, tmp_path):
    times = import_lease.MAX_RESUMES + 1
    job = _job(
        cast, tmp_path, [good_row(1)], mode="valid-rows-only", status="running", worker=STOPPED_WORKER,
        heartbeat_at=timezone.now(), attempts=times, committed_rows=0,
    )  # fmt: skip
    assert recover_import_jobs().failed == [str(job.public_id)]
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message.startswith(f"The worker stopped {times} times while importing this file, the last time at row 2")


@pytest.mark.parametrize(
    ("worker", "heartbeat_age", "vendor", "expired"),
    [
        ("a stopped process", 0, "sqlite", True),  # the process is gone: at once
        ("a stopped process", 0, "postgresql", True),
        ("this process", 120, "sqlite", False),  # alive on SQLite: maybe inside a long all-or-nothing transaction
        ("this process", 120, "postgresql", True),  # alive but silent for two minutes: hung
        ("this process", 10, "postgresql", False),
        ("elsewhere", 10, "sqlite", False),  # elsewhere: the heartbeat decides
        ("elsewhere", 120, "postgresql", True),
    ],
)
def test_a_lease_runs_out_when_the_process_is_gone_or_its_heartbeat_is_older_than_a_minute(
    worker, heartbeat_age, vendor, expired
):
    now = timezone.now()
    job = ImportJob(
        status="running",
        worker={"a stopped process": STOPPED_WORKER, "this process": this_worker(), "elsewhere": ELSEWHERE}[worker],
        heartbeat_at=now - dt.timedelta(seconds=heartbeat_age),
    )
    assert lease_expired(job, now, vendor) is expired


@pytest.mark.django_db
def test_a_worker_that_lost_its_job_to_another_writes_nothing_more(cast, tmp_path):
    job = _job(cast, tmp_path, [good_row(n) for n in range(20)], mode="valid-rows-only", status="queued")
    assert actions.import_job_start(job=job, worker=this_worker())
    ledger = JobLedger(job)
    judged = ImportJob.objects.get(pk=job.pk)  # a check took this worker for stopped and handed the job on
    assert actions.import_job_resume(job=judged, from_row=2)

    options = ImportOptions(entity="contact", mode="valid-rows-only", batch_size=10, job=str(job.public_id))
    with pytest.raises(actions.ImportLeaseLost):
        run_import(job.file.path, actor=job.created_by, options=options, ledger=ledger)
    assert Contact.objects.count() == 0 and not job.batches.exists()
    assert not actions.import_job_heartbeat(job=job)


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_whose_task_was_claimed_by_a_worker_that_stopped_gets_a_new_task(cast, tmp_path):
    job = _job(cast, tmp_path, [good_row(n) for n in range(5)], mode="valid-rows-only", status="queued")
    lost = run_import_job.enqueue(str(job.public_id))
    DBTaskResult.objects.get(id=lost.id).claim("a-worker-killed-before-it-started-the-job")
    long_ago = timezone.now() - LONG_AGO
    DBTaskResult.objects.filter(id=lost.id).update(started_at=long_ago)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(lost.id), queued_at=long_ago)

    _run_worker()

    job.refresh_from_db()
    assert job.status == "succeeded" and job.created_count == 5 and job.task_id != str(lost.id)
    assert DBTaskResult.objects.get(id=lost.id).status == "FAILED"


def test_the_worker_runs_the_import_jobs_check_as_part_of_its_housekeeping():
    from clientela.core import housekeeping

    assert "parties.import_jobs" in housekeeping.registered()
