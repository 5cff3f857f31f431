"""The import as a background job: enqueued with django-tasks' database backend, run by the worker."""

from __future__ import annotations

import threading

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from clientela.core.models import Event
from clientela.parties.models import Contact, ImportJob
from clientela.parties.tasks import enqueue_import, run_import_job

from .importing_files import good_row, write_csv


def _job(cast, tmp_path, rows, **fields) -> ImportJob:
    path = write_csv(tmp_path / "upload.csv", rows)
    job = ImportJob(entity="contact", original_name="upload.csv", created_by=cast.sales_north, **fields)
    job.file.save("upload.csv", ContentFile(path.read_bytes()), save=False)
    job.save()
    return job


def _run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_import_to_100_percent(cast, tmp_path, settings, keep_signals):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [good_row(n) for n in range(120)]
    rows[5][4] = "31.12.1999"
    job = _job(cast, tmp_path, rows, mode="valid-rows-only")
    enqueue_import(job)
    job.refresh_from_db()
    assert job.status == "queued" and job.task_id
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"
    _run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.percent == 100
    assert (job.rows_done, job.rows_total, job.created_count, job.failed_count) == (120, 120, 119, 1)
    assert job.errors == [
        [7, "Birth date", "“31.12.1999” value has an invalid date format. It must be in YYYY-MM-DD format."]
    ]
    assert job.written and job.started_at and job.finished_at
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    assert Contact.objects.count() == 119
    event = Event.objects.filter(action="contact.create").first()
    assert event.data == {"import_job": str(job.public_id)} and event.source == "import"


@pytest.mark.django_db(transaction=True)
def test_an_all_or_nothing_job_with_errors_writes_nothing(cast, tmp_path, settings, keep_signals):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [good_row(n) for n in range(30)]
    rows[29][1] = ""
    job = _job(cast, tmp_path, rows, mode="all-or-nothing")
    enqueue_import(job)
    _run_worker()
    job.refresh_from_db()
    assert job.status == "succeeded" and not job.written
    assert job.errors == [[31, "Last name", "is required"]]
    assert Contact.objects.count() == 0 and not Event.objects.filter(source="import").exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_with_an_unusable_mapping_fails_with_its_reason(cast, tmp_path, settings, keep_signals):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = _job(cast, tmp_path, [good_row(1)], mapping={"Nope": "last_name"})
    enqueue_import(job)
    _run_worker()
    job.refresh_from_db()
    assert job.status == "failed" and "Nope" in job.message


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_others_during_an_all_or_nothing_import(cast, tmp_path, settings):
    """Inside the import's one transaction, progress goes through a second connection (PostgreSQL)."""
    from django.db import connection, connections, transaction

    from clientela.parties.import_jobs import ImportReport
    from clientela.parties.tasks import _Progress

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: progress shows when the transaction ends")
    settings.MEDIA_ROOT = tmp_path / "media"
    job = _job(cast, tmp_path, [good_row(1)], status="running")
    progress = _Progress(job)
    report = ImportReport(entity="contact", mode="all-or-nothing", match="update", dry_run=False)
    report.rows_total, report.rows_done, report.created = 1000, 250, 240
    observer = connections.create_connection("default")
    try:
        with transaction.atomic():
            progress(report)
            with observer.cursor() as cursor:
                cursor.execute("SELECT rows_done, created_count FROM parties_importjob WHERE id = %s", [job.pk])
                assert cursor.fetchone() == (250, 240)
    finally:
        progress.close()
        observer.close()


@pytest.mark.django_db(transaction=True)
def test_a_job_queued_twice_and_delivered_twice_imports_its_rows_once(cast, tmp_path, settings, keep_signals):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = _job(cast, tmp_path, [good_row(n) for n in range(12)], mode="valid-rows-only")

    assert enqueue_import(job) is True
    assert enqueue_import(job) is False  # already queued: nothing more is enqueued
    assert DBTaskResult.objects.count() == 1
    run_import_job.enqueue(str(job.public_id))  # the queue hands the same job out a second time
    _run_worker()

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("succeeded", 12)
    assert Contact.objects.count() == 12
    assert Event.objects.filter(action="contact.create").count() == 12
    assert run_import_job.call(str(job.public_id)) == {"skipped": "job is succeeded"}
    assert Contact.objects.count() == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_to_start_one_job_import_its_rows_once(cast, tmp_path, settings):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent workers")
    settings.MEDIA_ROOT = tmp_path / "media"
    job = _job(cast, tmp_path, [good_row(n) for n in range(40)], mode="valid-rows-only", status="queued")
    start = threading.Barrier(2)
    results: list[dict] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            results.append(run_import_job.call(str(job.public_id)))
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    assert sorted("skipped" in result for result in results) == [False, True]
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("succeeded", 40)
    assert Contact.objects.count() == 40
    assert Event.objects.filter(action="contact.create").count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_workers_that_both_saw_the_job_queued_exactly_one_starts_it(cast, tmp_path, settings):
    from django.db import connection, connections

    from clientela.parties import actions

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent workers")
    settings.MEDIA_ROOT = tmp_path / "media"
    job = _job(cast, tmp_path, [good_row(1)], status="queued")
    start = threading.Barrier(2)
    won: list[bool] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            mine = ImportJob.objects.get(pk=job.pk)
            assert mine.status == "queued"
            start.wait(timeout=10)
            won.append(actions.import_job_start(job=mine))
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not failures
    assert sorted(won) == [False, True]
    job.refresh_from_db()
    assert job.status == "running" and job.started_at is not None
