"""The import pages: upload, mapping with a preview, job status with progress, error report."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clientela.parties.models import Contact, ImportJob

from .importing_files import CONTACT_HEADER, good_row

XSS = "<script>alert(1)</script>"


def _csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or CONTACT_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _read_by_the_worker() -> None:
    """What the job worker does after an upload: read the file (the tests' transaction keeps
    the queued task from being committed, so the task is called here)."""
    from clientela.parties.preview_jobs import read_import_file

    for job in ImportJob.objects.filter(read_at__isnull=True, read_queued_at__isnull=False):
        read_import_file.call(str(job.public_id), "en")


def _upload(client, rows, header=None, name="people.csv"):
    upload = SimpleUploadedFile(name, _csv_bytes(rows, header), content_type="text/csv")
    response = client.post(reverse("imports:index"), {"entity": "contact", "file": upload})
    _read_by_the_worker()
    return response


def test_upload_then_map_then_start_queues_a_job(client, cast):
    client.force_login(cast.sales_north)
    assert client.get(reverse("imports:index")).status_code == 200
    rows = [good_row(n) for n in range(3)]
    rows[1][2] = "bad@"
    response = _upload(client, rows)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[job.public_id])
    page = client.get(response["Location"]).content.decode()
    assert 'value="first_name" selected' in page and 'value="email" selected' in page
    assert "Would create 2, update 0, skip 0; 1 with errors." in page
    assert "&#x27;bad@&#x27; is not a valid e-mail address" in page
    assert Contact.objects.count() == 0  # the preview writes nothing
    mapping = {
        f"map-{i}": key
        for i, key in enumerate(
            ["first_name", "last_name", "email", "phone", "birth_date", "gender", "lifecycle_stage", "tags"]
        )
    }
    start = client.post(
        reverse("imports:mapping", args=[job.public_id]),
        {**mapping, "mode": "valid-rows-only", "match": "update", "action": "start"},
    )
    assert start.status_code == 302 and start["Location"] == reverse("imports:job", args=[job.public_id])
    job.refresh_from_db()
    assert job.status == "queued" and job.mode == "valid-rows-only" and job.mapping["E-mail"] == "email"
    status = client.get(start["Location"]).content.decode()
    assert "Queued" in status and 'hx-trigger="every 1s"' in status


def test_the_preview_follows_a_changed_mapping_through_htmx(client, cast):
    client.force_login(cast.sales_north)
    _upload(client, [["Anna", "Kovács", "x"]], header=["A", "B", "C"])
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:mapping", args=[job.public_id])).content.decode()
    assert "No column" not in page
    response = client.post(
        reverse("imports:mapping", args=[job.public_id]),
        {"map-0": "first_name", "map-1": "last_name", "map-2": "", "mode": "all-or-nothing", "match": "update"},
        headers={"HX-Request": "true"},
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="preview">')
    assert "Would create 1" in fragment and "Kovács" in fragment
    clash = client.post(
        reverse("imports:mapping", args=[job.public_id]),
        {"map-0": "last_name", "map-1": "last_name"},
        headers={"HX-Request": "true"},
    )
    assert "both fill" in clash.content.decode()


def test_cell_values_are_escaped_in_the_preview(client, cast):
    client.force_login(cast.sales_north)
    _upload(client, [[XSS, XSS, "a@example.test"]], header=["First name", "Last name", "E-mail"])
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:mapping", args=[job.public_id])).content.decode()
    assert XSS not in page and "&lt;script&gt;" in page


def test_finished_job_shows_counts_and_the_error_report_downloads_as_csv(client, cast):
    job = ImportJob.objects.create(
        entity="contact",
        original_name="x.csv",
        created_by=cast.sales_north,
        status="succeeded",
        written=True,
        rows_total=10,
        rows_done=10,
        created_count=8,
        failed_count=2,
        error_count=2,
        errors=[[3, "E-mail", "'=cmd' is not a valid e-mail address"], [9, "Last name", "is required"]],
    )
    client.force_login(cast.sales_north)
    page = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert "every 1s" not in page and "The import is finished." in page
    assert "is required" in page
    response = client.get(reverse("imports:errors", args=[job.public_id]))
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [
        ["Row", "Column", "Message"],
        ["3", "E-mail", "'=cmd' is not a valid e-mail address"],
        ["9", "Last name", "is required"],
    ]


def test_the_polling_fragment_is_just_the_progress(client, cast):
    job = ImportJob.objects.create(
        entity="contact",
        original_name="x.csv",
        created_by=cast.sales_north,
        status="running",
        rows_total=200,
        rows_done=50,
    )
    client.force_login(cast.sales_north)
    fragment = client.get(reverse("imports:job", args=[job.public_id]), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="progress"') and "25%" in text and "<html" not in text


def test_other_peoples_jobs_are_not_found(client, cast):
    job = ImportJob.objects.create(entity="contact", original_name="x.csv", created_by=cast.sales_south)
    client.force_login(cast.sales_north)
    for name in ("imports:mapping", "imports:job", "imports:errors"):
        assert client.get(reverse(name, args=[job.public_id])).status_code == 404
    client.force_login(cast.admin)
    assert client.get(reverse("imports:job", args=[job.public_id])).status_code == 200


def test_roles_without_import_rights_get_403(client, cast):
    client.force_login(cast.readonly_north)
    assert client.get(reverse("imports:index")).status_code == 403
    assert _upload(client, [good_row(1)]).status_code == 403
    assert ImportJob.objects.count() == 0


def test_a_wrong_file_type_is_refused_on_the_form(client, cast):
    client.force_login(cast.sales_north)
    response = _upload(client, [good_row(1)], name="people.pdf")
    assert response.status_code == 200 and "Choose a .csv or .xlsx file." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_unreadable_upload_says_why(client, cast):
    client.force_login(cast.sales_north)
    upload = SimpleUploadedFile("x.csv", "Név\nMüller\n".encode("latin-1"), content_type="text/csv")
    client.post(reverse("imports:index"), {"entity": "contact", "file": upload})
    _read_by_the_worker()
    job = ImportJob.objects.get()
    response = client.get(reverse("imports:mapping", args=[job.public_id]))
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()


def test_job_pages_run_a_fixed_number_of_queries(client, cast, django_assert_max_num_queries):
    job = ImportJob.objects.create(
        entity="contact",
        original_name="x.csv",
        created_by=cast.sales_north,
        status="succeeded",
        errors=[[n, "E-mail", "bad"] for n in range(500)],
        error_count=500,
    )
    for n in range(5):
        ImportJob.objects.create(entity="contact", original_name=f"{n}.csv", created_by=cast.sales_north)
    client.force_login(cast.sales_north)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("imports:job", args=[job.public_id])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("imports:index")).status_code == 200


def test_a_job_no_worker_picked_up_for_a_minute_says_so_plainly(client, cast):
    from datetime import timedelta

    from django.utils import timezone

    from clientela.parties import actions

    job = ImportJob.objects.create(entity="contact", original_name="x.csv", created_by=cast.sales_north)
    assert actions.import_job_queue(actor=cast.sales_north, job=job)
    job.refresh_from_db()
    assert job.queued_at is not None
    client.force_login(cast.sales_north)
    page = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert 'data-testid="no-worker"' not in page  # just queued: a worker has a minute to take it
    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=2))
    fragment = client.get(reverse("imports:job", args=[job.public_id]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="no-worker"' in fragment and "clientela worker" in fragment
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    page = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert 'data-testid="no-worker"' not in page  # a worker took it


def test_the_error_report_carries_each_bad_row_as_it_was_in_the_file(client, cast):
    from clientela.parties.import_jobs import ImportOptions, run_import

    client.force_login(cast.sales_north)
    rows = [good_row(n) for n in range(4)]
    rows[1][2] = "not-an-email"
    rows[3][2] = "=HYPERLINK(1)"
    _upload(client, rows)
    job = ImportJob.objects.get()
    report = run_import(job.file.path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    ImportJob.objects.filter(pk=job.pk).update(
        status="succeeded", errors=[[e.row, e.column, e.message] for e in report.errors], error_count=2
    )
    body = b"".join(client.get(reverse("imports:errors", args=[job.public_id])).streaming_content).decode()
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0] == ["Row", "Column", "Message", *CONTACT_HEADER]
    assert [line[0] for line in lines[1:]] == ["3", "5"]
    from clientela.parties.exporting import neutralise

    assert lines[1][3:] == [neutralise(cell) for cell in rows[1]]  # the original row, beside its error
    assert lines[2][3 + 2] == "'=HYPERLINK(1)"  # neutralised like every export
