"""Reading an uploaded import file in the job worker, for the mapping page.

The upload's request only stores the file and queues `read_import_file`; the worker reads
the header and the first rows (`reading.read_sample`, which stops there whatever the file's
size, within the reader's limits) and keeps them on the job with the automatic mapping, or
keeps why the file cannot be read. The mapping page polls until they are there, and
previews the chosen mapping on the stored rows only: no page request parses an uploaded file.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from clientela.parties import actions
from clientela.parties.importing.mapping import auto_map
from clientela.parties.importing.reading import ImportFileError, read_sample
from clientela.parties.models import WORKER_PICKUP_LIMIT, ImportJob

if TYPE_CHECKING:
    from clientela.accounts.models import User

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20  # rows kept for the mapping page's preview
PREVIEW_MAX_CHARS = 1_000_000  # characters of those rows' cells together
# Ahead of queued imports: somebody is looking at the page, waiting for it.
READ_PRIORITY = 50


@task(priority=READ_PRIORITY)
def read_import_file(job_id: str, language: str) -> dict[str, Any]:
    """Read the start of the draft job `job_id`'s file (messages in `language`) and keep it on the job."""
    job = ImportJob.objects.filter(public_id=job_id).first()
    if job is None:
        return {"skipped": "no such job"}
    if job.status != ImportJob.Status.DRAFT or job.read_at is not None:
        return {"skipped": "read already"}
    with translation.override(language):
        try:
            sample = read_sample(job.file.path, rows=PREVIEW_ROWS, max_chars=PREVIEW_MAX_CHARS)
        except ImportFileError as error:
            actions.import_job_read_failed(job=job, message=str(error))
            return {"unreadable": str(error)}
        except Exception:
            logger.exception("reading the file of import job %s failed", job_id)
            actions.import_job_read_failed(
                job=job, message=_("The file could not be read because of an internal error.")
            )
            raise
    mapping = auto_map(job.entity, sample.headers)
    actions.import_job_read_done(job=job, headers=sample.headers, rows=sample.rows, cut=sample.cut, mapping=mapping)
    return {"columns": len(sample.headers), "rows": len(sample.rows)}


def enqueue_file_read(job: ImportJob, *, actor: User, language: str | None = None) -> bool:
    """Queue the reading of the draft's file, once the job row is committed (so a worker finds it);
    False when it was queued already."""
    if not actions.import_job_queue_read(actor=actor, job=job):
        return False
    language = language or translation.get_language() or "en"
    public_id = str(job.public_id)
    transaction.on_commit(lambda: read_import_file.enqueue(public_id, language))
    return True


def waiting_for_reader(job: ImportJob, now: dt.datetime) -> bool:
    """The file was queued for reading longer ago than a worker takes to pick a job up, and is not read."""
    return job.read_at is None and job.read_queued_at is not None and now - job.read_queued_at > WORKER_PICKUP_LIMIT
