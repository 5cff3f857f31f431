"""Import jobs are made and configured through the actions, by the people allowed to."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.parties import actions
from clientela.parties.models import ImportJob


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("Customers 2026.CSV", b"First name,Last name\nAnna,Kiss\n", content_type="text/csv")


@pytest.fixture
def media(settings, tmp_path):  # noqa: ANN001, ANN201
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
    options = {"mapping": {"First name": "first_name"}, "mode": "valid-rows-only", "match": "skip", "dry_run": True}
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
