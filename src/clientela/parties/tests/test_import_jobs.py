"""Import jobs are made and configured through the actions, by the people allowed to."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.parties import actions
from clientela.parties.models import ImportJob


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("Customers 2026.CSV", b"First name,Last name\nAnna,Kiss\n", content_type="text/csv")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_an_upload_becomes_a_draft_job_of_its_uploader(cast, media):
    job = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    assert job.status == ImportJob.Status.DRAFT and job.created_by == cast.sales_north
    assert job.original_name == "Customers 2026.CSV"
    assert job.file.name.endswith(f"{job.public_id}.csv")
    assert (media / job.file.name).read_bytes().startswith(b"First name")


def test_a_read_only_user_cannot_upload_an_import(cast, media):
    with pytest.raises(PermissionDenied):
        actions.import_job_create(actor=cast.readonly_north, entity="contact", upload=_upload())
    assert not ImportJob.objects.exists()


def test_only_the_uploader_or_an_administrator_configures_a_job(cast, media):
    job = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    options: dict[str, Any] = {
        "mapping": {"First name": "first_name"},
        "mode": "valid-rows-only",
        "match": "skip",
        "dry_run": True,
    }
    with pytest.raises(PermissionDenied):
        actions.import_job_configure(actor=cast.sales_north_2, job=job, **options)
    job.refresh_from_db()
    assert job.mapping == {} and job.mode == "all-or-nothing"
    actions.import_job_configure(actor=cast.admin, job=job, **options)
    job.refresh_from_db()
    assert (job.mapping, job.mode, job.match, job.dry_run) == ({"First name": "first_name"}, "valid-rows-only",
                                                               "skip", True)  # fmt: skip


def test_a_job_that_has_started_keeps_its_options(cast, media):
    job = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    job.refresh_from_db()
    with pytest.raises(ValidationFailed):
        actions.import_job_configure(actor=cast.sales_north, job=job, mapping={}, mode="valid-rows-only",
                                     match="update", dry_run=False)  # fmt: skip
    job.refresh_from_db()
    assert job.mode == "all-or-nothing"


def test_a_saved_view_needs_a_name(cast):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationFailed) as failed:
        actions.saved_view_save(user=cast.sales_north, entity="contact", name=" ", query_string="", is_shared=False)
    assert failed.value.errors[0].field == "name"
    assert "1 to 80 characters" in failed.value.errors[0].message


def _finished(job: ImportJob, days_ago: int, status: str = ImportJob.Status.SUCCEEDED) -> None:
    from django.utils import timezone

    when = timezone.now() - dt.timedelta(days=days_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=when, failed_count=2)


def test_purging_removes_old_finished_uploads_and_unstarted_drafts_and_keeps_reports(cast, media):
    old_done = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    old_failed = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    recent = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    running = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    draft = actions.import_job_create(actor=cast.sales_north, entity="contact", upload=_upload())
    _finished(old_done, 31)
    _finished(old_failed, 45, ImportJob.Status.FAILED)
    _finished(recent, 29)
    ImportJob.objects.filter(pk=running.pk).update(status=ImportJob.Status.RUNNING)
    ImportJob.objects.filter(pk=draft.pk).update(created_at=draft.created_at - dt.timedelta(days=31))
    paths = {job.pk: media / job.file.name for job in (old_done, old_failed, recent, running, draft)}
    sample = {"file_headers": ["E-mail"], "file_sample": [[2, ["ada@example.test"]]], "suggested_mapping": {"a": 1}}
    ImportJob.objects.filter(pk__in=[old_done.pk, recent.pk]).update(**sample)

    out = StringIO()
    call_command("purge_imports", "--days", "30", stdout=out)

    assert out.getvalue().strip() == "removed 3 uploaded file(s); deleted 1 unstarted draft(s)"
    assert not paths[old_done.pk].exists() and not paths[old_failed.pk].exists() and not paths[draft.pk].exists()
    assert paths[recent.pk].exists() and paths[running.pk].exists()
    assert not ImportJob.objects.filter(pk=draft.pk).exists()
    kept = ImportJob.objects.get(pk=old_done.pk)
    assert kept.file.name == "" and kept.failed_count == 2  # the report stays
    # The preview's copy of the file's first rows goes with the file; a recent job keeps it.
    assert (kept.file_headers, kept.file_sample, kept.suggested_mapping) == ([], [], {})
    assert ImportJob.objects.get(pk=recent.pk).file_sample == sample["file_sample"]
    call_command("purge_imports", stdout=StringIO())  # again: nothing left to do, no error
    assert ImportJob.objects.count() == 4


def test_purging_refuses_a_negative_number_of_days(cast, media):
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("purge_imports", "--days", "-1")
