"""The uploaded file is read by the job worker, not by the page: the mapping page waits for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.parties import actions, preview_jobs
from clientela.parties.importing import reading
from clientela.parties.models import ImportJob
from clientela.parties.preview_jobs import read_import_file
from clientela.testing import hostile_files as hostile

from .importing_files import good_row, write_csv


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, path, name=None):
    with path.open("rb") as handle:
        upload = SimpleUploadedFile(name or path.name, handle.read())
    return client.post(reverse("imports:index"), {"entity": "contact", "file": upload})


def _read(job: ImportJob) -> dict:
    result = read_import_file.call(str(job.public_id), "en")
    job.refresh_from_db()
    return result


def _refuse_to_read(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the page request read the file")

    monkeypatch.setattr(reading, "open_table", refuse)
    monkeypatch.setattr(reading.CsvTable, "__init__", refuse)
    monkeypatch.setattr(reading.XlsxTable, "__init__", refuse)


def test_the_upload_request_queues_the_reading_and_does_not_read_the_file(
    client, cast, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(cast.sales_north)
    path = hostile.huge_cell(tmp_path / "big.xlsx", 200_000_000)
    _refuse_to_read(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, path)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[job.public_id])
    assert job.read_queued_at is not None and job.read_at is None and job.file_headers == []
    task = DBTaskResult.objects.get()
    assert task.task_path == "clientela.parties.preview_jobs.read_import_file" and task.status == "READY"
    assert task.args_kwargs["args"] == [str(job.public_id), "en"]


def test_the_mapping_page_says_it_is_reading_and_polls_until_the_file_is_read(client, cast, tmp_path):
    client.force_login(cast.sales_north)
    _upload(client, write_csv(tmp_path / "people.csv", [good_row(1), good_row(2)]))
    job = ImportJob.objects.get()
    url = reverse("imports:mapping", args=[job.public_id])
    page = client.get(url).content.decode()
    assert "Reading the file…" in page and 'hx-trigger="every 1s"' in page and 'id="map-0"' not in page
    poll = client.get(url, headers={"HX-Request": "true"})
    assert poll.content.decode().lstrip().startswith('<div id="reading"')
    assert _read(job) == {"columns": 8, "rows": 2}
    poll = client.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and poll["HX-Refresh"] == "true"  # the page loads itself again
    page = client.get(url).content.decode()
    assert "Reading the file…" not in page
    assert 'value="first_name" selected' in page and "Would create 2, update 0, skip 0; 0 with errors." in page


def test_the_file_is_kept_with_its_headers_first_rows_and_suggested_mapping(client, cast, tmp_path):
    client.force_login(cast.sales_north)
    _upload(client, write_csv(tmp_path / "people.csv", [good_row(n) for n in range(30)]))
    job = ImportJob.objects.get()
    _read(job)
    assert job.file_headers[:3] == ["First name", "Last name", "E-mail"] and job.file_error == ""
    assert len(job.file_sample) == preview_jobs.PREVIEW_ROWS and job.file_sample[0] == [2, good_row(0)]
    assert job.suggested_mapping["E-mail"] == "email" and not job.file_sample_cut
    assert _read(job) == {"skipped": "read already"}  # a read delivered twice is stored once


def test_the_preview_of_a_chosen_mapping_uses_the_stored_rows_only(client, cast, tmp_path, monkeypatch):
    client.force_login(cast.sales_north)
    _upload(client, write_csv(tmp_path / "people.csv", [["Anna", "Kovács", "x"]], header=["A", "B", "C"]))
    job = ImportJob.objects.get()
    _read(job)
    _refuse_to_read(monkeypatch)
    response = client.post(
        reverse("imports:mapping", args=[job.public_id]),
        {"map-0": "first_name", "map-1": "last_name", "map-2": "", "mode": "all-or-nothing", "match": "update"},
        headers={"HX-Request": "true"},
    )
    assert "Would create 1" in response.content.decode() and "Kovács" in response.content.decode()


def test_a_hostile_workbook_gets_a_clear_cannot_read_page_not_an_error(client, cast, tmp_path):
    client.force_login(cast.sales_north)
    _upload(client, hostile.billion_laughs(tmp_path / "laughs.xlsx"))
    job = ImportJob.objects.get()
    assert "unreadable" in _read(job)
    response = client.get(reverse("imports:mapping", args=[job.public_id]))
    page = response.content.decode()
    assert response.status_code == 400 and "This file cannot be read as CSV or XLSX" in page
    assert "Upload another file" in page
    start = client.post(reverse("imports:mapping", args=[job.public_id]), {"action": "start", "mode": "all-or-nothing",
                                                                           "match": "update"})  # fmt: skip
    assert start.status_code == 400 and ImportJob.objects.get().status == ImportJob.Status.DRAFT


def test_a_file_over_a_limit_is_refused_by_the_reading_job_naming_the_limit(client, cast, tmp_path):
    client.force_login(cast.sales_north)
    _upload(client, hostile.wide_csv(tmp_path / "wide.csv", 200_000))
    job = ImportJob.objects.get()
    read_import_file.call(str(job.public_id), "en")
    job.refresh_from_db()
    assert job.file_error.startswith("Row 1 has a value in column SG (column 501); at most 500 columns")


def test_a_file_no_worker_reads_within_a_minute_says_so_plainly(client, cast, tmp_path):
    client.force_login(cast.sales_north)
    _upload(client, write_csv(tmp_path / "people.csv", [good_row(1)]))
    job = ImportJob.objects.get()
    url = reverse("imports:mapping", args=[job.public_id])
    assert 'data-testid="no-worker"' not in client.get(url).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(read_queued_at=timezone.now() - timedelta(minutes=2))
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="no-worker"' in fragment and "clientela worker" in fragment


def test_a_draft_whose_file_was_never_queued_for_reading_is_queued_by_its_page(client, cast, tmp_path):
    job = actions.import_job_create(
        actor=cast.sales_north, entity="contact", upload=SimpleUploadedFile("x.csv", b"First name\nAnna\n")
    )
    assert job.read_queued_at is None
    client.force_login(cast.sales_north)
    assert "Reading the file…" in client.get(reverse("imports:mapping", args=[job.public_id])).content.decode()
    job.refresh_from_db()
    assert job.read_queued_at is not None


def test_rows_too_large_for_the_preview_are_left_out_and_the_page_says_so(client, cast, tmp_path, monkeypatch):
    monkeypatch.setattr(preview_jobs, "PREVIEW_MAX_CHARS", 500)
    client.force_login(cast.sales_north)
    rows = [["Anna", "Kiss", "anna@example.test"], ["B" * 600, "Nagy", "b@example.test"]]
    _upload(client, write_csv(tmp_path / "people.csv", rows, header=["First name", "Last name", "E-mail"]))
    job = ImportJob.objects.get()
    _read(job)
    assert job.file_sample == [[2, rows[0]]] and job.file_sample_cut
    page = client.get(reverse("imports:mapping", args=[job.public_id])).content.decode()
    assert "The preview shows only the rows at the start of the file that fit in it" in page


@pytest.mark.django_db(transaction=True)
def test_the_worker_reads_the_file_an_upload_queued(client, cast, tmp_path, settings, keep_signals):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(cast.sales_north)
    _upload(client, write_csv(tmp_path / "people.csv", [good_row(1)]))
    job = ImportJob.objects.get()
    assert job.read_at is None
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    job.refresh_from_db()
    assert job.read_at is not None and job.file_sample == [[2, good_row(1)]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
