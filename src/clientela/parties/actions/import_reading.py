"""Reading an uploaded import file for its mapping page, in the job worker.

The upload's request only stores the file and queues the read (`import_job_queue_read`); the
worker keeps what it read on the job (`import_job_read_done`) or why the file cannot be read
(`import_job_read_failed`). Like a job's other steps this is bookkeeping, not a customer
record: no event, and each step is a conditional update, so a read queued or delivered twice
is stored once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from clientela.parties.actions.importing import _require_own_job
from clientela.parties.models import ImportJob

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _unread(job: ImportJob) -> Any:
    """The job, while it is a draft whose file has not been read."""
    return ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.DRAFT, read_at__isnull=True)


def import_job_queue_read(*, actor: User, job: ImportJob) -> bool:
    """Mark the draft's file as handed to the worker to read; False when it was already."""

    _require_own_job(actor, job)
    now = timezone.now()
    won = _unread(job).filter(read_queued_at__isnull=True).update(read_queued_at=now) == 1
    if won:
        job.read_queued_at = now
    return won


def _store(job: ImportJob, values: dict[str, Any]) -> bool:
    values = {**values, "read_at": timezone.now()}
    won = _unread(job).update(**values) == 1
    if won:
        for name, value in values.items():
            setattr(job, name, value)
    return won


def import_job_read_done(
    *,
    job: ImportJob,
    headers: list[str],
    rows: list[tuple[int, list[str]]],
    cut: bool,
    mapping: dict[str, str],
) -> bool:
    """Keep the file's headers, its first rows (`cut`: more rows were left out for their size)
    and the automatic mapping on the draft; False when it was read already or has left the draft."""

    sample = [[number, list(cells)] for number, cells in rows]
    return _store(
        job,
        {"file_headers": list(headers), "file_sample": sample, "file_sample_cut": cut,
         "suggested_mapping": dict(mapping), "file_error": ""},
    )  # fmt: skip


def import_job_read_failed(*, job: ImportJob, message: str) -> bool:
    """Keep why the draft's file cannot be read, to show its user."""

    return _store(job, {"file_error": message, "file_headers": [], "file_sample": []})
