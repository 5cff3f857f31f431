"""Every write to organizations and contacts goes through these functions.

Each checks permission, validates, writes and appends one event per record, in
one transaction. Interfaces (pages, API, import, sync) call them and nothing else.

Collections (e-mails, phones, addresses, tags, affiliations): None leaves them as
they are; a list replaces them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.changelog import jsonable
from clientela.core.entities import Entity, entity_of
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.validation import clean_values
from clientela.core.visibility import require_delete, require_write
from clientela.parties.entities import CONTACT, ORGANIZATION
from clientela.parties.models import (
    Contact,
    CustomField,
    ImportJob,
    Organization,
    Relationship,
    SavedView,
)
from clientela.parties.rules import (
    Collections,
    check_before_create,
    check_parent,
    clean_all,
    require_import,
    touched_collections,
)
from clientela.parties.writes import apply_collections, refresh_denormalised

if TYPE_CHECKING:
    from clientela.accounts.models import User

# --- shared write helpers ----------------------------------------------------------


def _create(actor: User, entity: Entity, values: dict[str, Any], given: Collections) -> Any:
    require_write(actor)
    cleaned, collections = clean_all(actor, entity, values, given, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)
    cleaned["custom"] = collections.pop("custom", {})

    def after_insert(record: Any) -> dict[str, list[Any]]:
        changes = apply_collections(actor, record, collections)
        refresh_denormalised(record)
        return changes

    return records.create_record(
        entity.model, actor=actor, values=cleaned, action=f"{entity.name}.create", after_insert=after_insert
    )


def _update(
    actor: User,
    record: Any,
    values: dict[str, Any],
    given: Collections,
    *,
    expected_version: int | None = None,
    merge: bool = False,
    allowed: frozenset[str] | set[str] | None = None,
) -> Any:
    entity = entity_of(record)
    require_write(actor, record)
    cleaned, collections = clean_all(actor, entity, values, given, record, allowed=allowed)
    if "custom" in collections:
        cleaned["custom"] = collections.pop("custom")
    if isinstance(record, Organization) and cleaned.get("parent") is not None:
        check_parent(record, cleaned["parent"])

    def after_write(current: Any) -> dict[str, list[Any]]:
        changes = apply_collections(actor, current, collections)
        refresh_denormalised(current)
        return changes

    return records.update_record(
        record, actor=actor, values=cleaned, action=f"{entity.name}.update",
        expected_version=expected_version, merge=merge, after_write=after_write, touched=touched_collections(given),
    )  # fmt: skip


def _trash(actor: User, record: Any, expected_version: int | None) -> Any:
    require_delete(actor, record)
    action = f"{entity_of(record).name}.trash"
    return records.trash_record(record, actor=actor, action=action, expected_version=expected_version)


def _restore(actor: User, record: Any) -> Any:
    require_delete(actor, record)
    return records.restore_record(record, actor=actor, action=f"{entity_of(record).name}.restore")


# --- public actions ------------------------------------------------------------------


def organization_create(*, actor: User, values: dict[str, Any], collections: Collections | None = None) -> Organization:
    return _create(actor, ORGANIZATION, values, collections or Collections())


def organization_update(
    *,
    actor: User,
    organization: Organization,
    values: dict[str, Any],
    collections: Collections | None = None,
    expected_version: int | None = None,
    merge: bool = False,
) -> Organization:
    given = collections or Collections()
    return _update(actor, organization, values, given, expected_version=expected_version, merge=merge)


def organization_trash(*, actor: User, organization: Organization, expected_version: int | None = None) -> Organization:
    return _trash(actor, organization, expected_version)


def organization_restore(*, actor: User, organization: Organization) -> Organization:
    return _restore(actor, organization)


def contact_create(*, actor: User, values: dict[str, Any], collections: Collections | None = None) -> Contact:
    return _create(actor, CONTACT, values, collections or Collections())


def contact_update(
    *,
    actor: User,
    contact: Contact,
    values: dict[str, Any],
    collections: Collections | None = None,
    expected_version: int | None = None,
    merge: bool = False,
) -> Contact:
    given = collections or Collections()
    return _update(actor, contact, values, given, expected_version=expected_version, merge=merge)


def contact_trash(*, actor: User, contact: Contact, expected_version: int | None = None) -> Contact:
    return _trash(actor, contact, expected_version)


def contact_restore(*, actor: User, contact: Contact) -> Contact:
    return _restore(actor, contact)


def record_add_tags(*, actor: User, record: Contact | Organization, names: list[str]) -> Contact | Organization:
    """Bulk action: add tags, keeping the ones the record has."""
    current = list(record.tags.values_list("name", flat=True))
    tags = current + [n for n in names if n not in current]
    return _update(actor, record, {}, Collections(tags=tags), allowed=set())


def record_assign(
    *, actor: User, record: Contact | Organization, owner: Any, team: Any = None
) -> Contact | Organization:
    """Bulk action: give the record a new owner (and team, when given)."""
    values: dict[str, Any] = {"owner": owner}
    if team is not None:
        values["team"] = team
    return _update(actor, record, values, Collections())


# --- custom field definitions (administrators) ---------------------------------------


def custom_field_create(*, actor: User, values: dict[str, Any]) -> CustomField:
    from clientela.core.visibility import require_admin

    require_admin(actor)
    cleaned = clean_values(
        CustomField, values, allowed={"entity", "key", "label", "type", "choices", "required", "position"}
    )
    _check_custom_field(cleaned)
    if CustomField.objects.filter(entity=cleaned["entity"], key=cleaned["key"]).exists():
        raise ValidationFailed.single("key", "duplicate", _("a custom field with this key exists for this entity"))
    with transaction.atomic():
        definition = CustomField.objects.create(**cleaned)
        from clientela.core.changelog import append_event
        from clientela.core.models import Event

        append_event(
            actor=actor,
            action="custom_field.create",
            kind=Event.Kind.CREATED,
            record=definition,
            changes={k: [None, jsonable(v)] for k, v in cleaned.items()},
        )
    return definition


def custom_field_update(
    *, actor: User, definition: CustomField, values: dict[str, Any], expected_version: int | None = None
) -> CustomField:
    from clientela.core.errors import Conflict, ConflictDetail
    from clientela.core.visibility import require_admin

    require_admin(actor)
    cleaned = clean_values(CustomField, values, allowed={"label", "choices", "required", "position"})
    merged = {"type": definition.type, "choices": definition.choices, **cleaned}
    _check_custom_field(merged)
    with transaction.atomic():
        current = CustomField.objects.select_for_update().get(pk=definition.pk)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(ConflictDetail(expected_version, current.version), current)
        changes = {
            k: [jsonable(getattr(current, k)), jsonable(v)] for k, v in cleaned.items() if getattr(current, k) != v
        }
        if not changes:
            return current
        for k, v in cleaned.items():
            setattr(current, k, v)
        current.version += 1
        current.save()
        from clientela.core.changelog import append_event
        from clientela.core.models import Event

        append_event(
            actor=actor, action="custom_field.update", kind=Event.Kind.UPDATED, record=current, changes=changes
        )
    return current


def custom_field_delete(*, actor: User, definition: CustomField) -> None:
    """Removes the definition; values stay in records' JSON (and in history) but are no longer shown."""
    from clientela.core.visibility import require_admin

    require_admin(actor)
    with transaction.atomic():
        from clientela.core.changelog import append_event
        from clientela.core.models import Event

        append_event(
            actor=actor,
            action="custom_field.delete",
            kind=Event.Kind.TRASHED,
            record=definition,
            changes={"key": [definition.key, None]},
        )
        definition.delete()


def _check_custom_field(values: dict[str, Any]) -> None:

    key = values.get("key")
    if key is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
        raise ValidationFailed.single(
            "key", "invalid", _("use lower-case letters, digits and underscores, starting with a letter")
        )
    kind = values.get("type")
    choices = values.get("choices") or []
    if kind in (CustomField.Type.CHOICE, CustomField.Type.MULTI_CHOICE):
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() and len(c) <= 100 for c in choices)
        ):
            raise ValidationFailed.single(
                "choices", "invalid", _("a choice field needs a list of 1-100 character choices")
            )
        if len(set(choices)) != len(choices):
            raise ValidationFailed.single("choices", "invalid", _("choices must be distinct"))
    elif choices:
        raise ValidationFailed.single("choices", "invalid", _("only choice fields have choices"))


# --- duplicates, merge and relationships (code in duplicates.py, merge.py, relationships.py) ---


def contact_create_checked(
    *, actor: User, values: dict[str, Any], collections: Collections | None = None, allow_duplicates: bool = False
) -> Contact:
    """`contact_create`, refused with `DuplicateSuspected` when visible records look the same
    (same e-mail, phone or similar name) unless `allow_duplicates`."""
    from clientela.parties import duplicates

    given = collections or Collections()
    if not allow_duplicates:
        require_write(actor)
        check_before_create(actor, CONTACT, values, given)
        probe = duplicates.probe_from_values("contact", values, emails=given.emails, phones=given.phones)
        found = duplicates.find_duplicates(actor, probe)
        if found:
            raise duplicates.DuplicateSuspected(found)
    return contact_create(actor=actor, values=values, collections=given)


def organization_create_checked(
    *, actor: User, values: dict[str, Any], collections: Collections | None = None, allow_duplicates: bool = False
) -> Organization:
    """`organization_create`, refused with `DuplicateSuspected` when visible records look the
    same (same tax id, e-mail, phone or similar name) unless `allow_duplicates`."""
    from clientela.parties import duplicates

    given = collections or Collections()
    if not allow_duplicates:
        require_write(actor)
        check_before_create(actor, ORGANIZATION, values, given)
        probe = duplicates.probe_from_values("organization", values, emails=given.emails, phones=given.phones)
        found = duplicates.find_duplicates(actor, probe)
        if found:
            raise duplicates.DuplicateSuspected(found)
    return organization_create(actor=actor, values=values, collections=given)


def contact_merge(
    *,
    actor: User,
    survivor: Contact,
    duplicates: list[Contact],
    field_choices: dict[str, Any] | None = None,
    expected_versions: dict[Any, int] | None = None,
) -> Contact:
    """Merge `duplicates` into `survivor`, keeping every related record (see parties/merge.py).

    field_choices: {field or "custom.<key>": public id of the record whose value wins};
    expected_versions: {public id: version} checked against each record (Conflict when stale).
    """
    from clientela.parties import merge

    return merge.merge(
        actor=actor,
        survivor=survivor,
        duplicates=duplicates,
        field_choices=field_choices,
        expected_versions=expected_versions,
    )


def organization_merge(
    *,
    actor: User,
    survivor: Organization,
    duplicates: list[Organization],
    field_choices: dict[str, Any] | None = None,
    expected_versions: dict[Any, int] | None = None,
) -> Organization:
    """Merge organizations; subsidiaries, affiliations and relationships move to the survivor."""
    from clientela.parties import merge

    return merge.merge(
        actor=actor,
        survivor=survivor,
        duplicates=duplicates,
        field_choices=field_choices,
        expected_versions=expected_versions,
    )


def relationship_create(
    *, actor: User, from_party: Contact | Organization, to_party: Contact | Organization, kind: str, note: str = ""
) -> Relationship:
    """Link two parties the actor may change; one event on each."""
    from clientela.parties import relationships

    return relationships.create(actor=actor, from_party=from_party, to_party=to_party, kind=kind, note=note)


def relationship_delete(*, actor: User, relationship: Relationship) -> None:
    """Remove a link; both parties must be changeable by the actor; one event on each."""
    from clientela.parties import relationships

    relationships.delete(actor=actor, relationship=relationship)


# --- a user's own list preferences and import jobs ------------------------------------
# Neither is a customer record: they have no version and no change-log entry (the import's
# records are logged, each event naming its job). They are written here all the same, so
# every write of the app has one place.

MAX_SAVED_VIEWS = 100


def saved_view_save(*, user: User, entity: str, name: str, query_string: str, is_shared: bool) -> SavedView:
    """Create the view, or replace the user's view of the same name."""
    from clientela.parties.listing import clean_query_string

    name = name.replace("\x00", "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed([FieldError("name", "invalid", _("a view name is 1 to 80 characters"))])
    query = clean_query_string(entity, query_string)
    with transaction.atomic():
        existing = SavedView.objects.select_for_update().filter(user=user, entity=entity, name=name).first()
        if existing is not None:
            existing.query_string = query
            existing.is_shared = is_shared
            existing.save(update_fields=["query_string", "is_shared"])
            return existing
        if SavedView.objects.filter(user=user).count() >= MAX_SAVED_VIEWS:
            raise ValidationFailed(
                [FieldError("name", "too_many", _("you can keep at most %(count)d views") % {"count": MAX_SAVED_VIEWS})]
            )
        return SavedView.objects.create(user=user, entity=entity, name=name, query_string=query, is_shared=is_shared)


def saved_view_delete(*, user: User, entity: str, pk: int) -> bool:
    """Delete the user's own view; False when there is no such view of theirs."""
    deleted, _count = SavedView.objects.filter(user=user, entity=entity, pk=pk).delete()
    return deleted > 0


def import_job_create(*, actor: User, entity: str, upload: Any) -> ImportJob:
    """A draft import of an uploaded file (kept under MEDIA_ROOT/imports/), waiting for its mapping."""
    from pathlib import Path

    require_import(actor)
    job = ImportJob(
        entity=entity,
        original_name=Path(upload.name).name[:255],
        created_by=actor,
        mode=ImportJob.Mode.ALL_OR_NOTHING,
        match=ImportJob.Match.UPDATE,
    )
    job.file.save(f"{job.public_id}{Path(upload.name).suffix.lower()}", upload, save=False)
    job.save()
    return job


def import_job_configure(
    *, actor: User, job: ImportJob, mapping: dict[str, str], mode: str, match: str, dry_run: bool
) -> ImportJob:
    """Set a draft job's column mapping and options (before it is queued)."""
    from clientela.core.errors import PermissionDenied

    require_import(actor)
    if job.created_by_id != actor.pk and not actor.policy.can_administer:
        raise PermissionDenied(_("an import belongs to the user who uploaded it"))
    if job.status != ImportJob.Status.DRAFT:
        raise ValidationFailed([FieldError("status", "invalid", _("the import has already started"))])
    job.mapping, job.mode, job.match, job.dry_run = mapping, mode, match, dry_run
    job.save(update_fields=["mapping", "mode", "match", "dry_run"])
    return job


@dataclass
class ImportFilesPurged:
    files_removed: int = 0
    drafts_deleted: int = 0


def import_files_purge(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> ImportFilesPurged:
    """Delete uploaded import files once they are no longer needed (`clientela purge_imports`).

    A finished job (succeeded or failed) loses its file `older_than` after it finished;
    its counts and error report stay. A draft nobody started within `older_than` of its
    upload is deleted with its file. Queued and running jobs are never touched.
    """
    from django.utils import timezone

    cutoff = (now or timezone.now()) - older_than
    result = ImportFilesPurged()
    finished = ImportJob.objects.filter(
        status__in=[ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED], finished_at__lt=cutoff
    ).exclude(file="")
    for job in finished.iterator():
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        result.files_removed += 1
    for job in ImportJob.objects.filter(status=ImportJob.Status.DRAFT, created_at__lt=cutoff).iterator():
        if job.file:
            job.file.delete(save=False)
            result.files_removed += 1
        job.delete()
        result.drafts_deleted += 1
    return result


def contacts_import_batch(*, actor: User, rows: list[ValidatedRow], match: str, job: str | None = None) -> BatchResult:
    """Write a batch of validated import rows: create, update or skip each (`match`:
    update | skip | create), in one transaction, one event per record written.

    Rows are matched against existing contacts by e-mail, then phone; a match the
    actor cannot change is reported as an error for that row and left untouched.
    """
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    return bulkwrite.import_batch(actor=actor, entity="contact", rows=rows, match=match, job=job)


def organizations_import_batch(
    *, actor: User, rows: list[ValidatedRow], match: str, job: str | None = None
) -> BatchResult:
    """As `contacts_import_batch`, matching organizations by tax id, then normalised name."""
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    return bulkwrite.import_batch(actor=actor, entity="organization", rows=rows, match=match, job=job)


def records_import_prepare(
    *, actor: User, entity: str, rows: list[ValidatedRow], match: str, job: str | None = None
) -> PreparedBatch:
    """The first half of `contacts_import_batch` / `organizations_import_batch`: match the
    rows and build the new records, reading only. A large import on PostgreSQL prepares
    the next batch while `records_import_write` writes this one."""
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    return bulkwrite.prepare(actor=actor, entity=entity, rows=rows, match=match, job=job)


def records_import_write(*, actor: User, prepared: PreparedBatch) -> BatchResult:
    """The second half: write a prepared batch in one transaction (updates are checked
    again under lock: a record the actor cannot change is an error for its row)."""
    from clientela.core.errors import PermissionDenied
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    if prepared.actor.pk != actor.pk:
        raise PermissionDenied(_("a prepared import belongs to the user who prepared it"))
    return bulkwrite.write(prepared)


# An import job's state moves one way: draft -> queued -> running -> succeeded | failed.
# Each step is a conditional UPDATE on the state it leaves, so of two callers (a job
# queued twice, two workers handed the same task) exactly one moves it; each returns
# whether it did. The worker's steps take no actor: the job's creator was checked when
# it was queued, and the import checks the creator's rights again as it runs.


def _import_job_step(job: ImportJob, expected: str, values: dict[str, Any], using: Any = None) -> bool:
    """UPDATE the job WHERE status = `expected`; True when this caller moved it."""
    changed = ImportJob.objects.filter(pk=job.pk, status=expected)
    if using is None:
        won = changed.update(**values) == 1
    else:  # another connection than this thread's (progress from inside an import's transaction)
        from django.db.models.sql import UpdateQuery

        query = changed.query.chain(UpdateQuery)
        query.add_update_values(values)
        won = query.get_compiler(connection=using).execute_sql(None) == 1
    if won:
        for name, value in values.items():
            setattr(job, name, value)
    return won


def import_job_queue(*, actor: User, job: ImportJob) -> bool:
    """Hand a configured draft to the worker (draft -> queued); False when it had left the draft already."""
    from clientela.core.errors import PermissionDenied

    require_import(actor)
    if job.created_by_id != actor.pk and not actor.policy.can_administer:
        raise PermissionDenied(_("an import belongs to the user who uploaded it"))
    return _import_job_step(job, ImportJob.Status.DRAFT, {"status": ImportJob.Status.QUEUED})


def import_job_record_task(*, job: ImportJob, task_id: str) -> None:
    """Keep the id of the queued task that runs the job (bookkeeping, whatever the job's state)."""
    ImportJob.objects.filter(pk=job.pk).update(task_id=task_id)
    job.task_id = task_id


def import_job_start(*, job: ImportJob) -> bool:
    """The worker takes the job (queued -> running); False when it is not queued (another worker
    took it, or it ran already): the caller must not run it."""
    from django.utils import timezone

    return _import_job_step(
        job, ImportJob.Status.QUEUED, {"status": ImportJob.Status.RUNNING, "started_at": timezone.now()}
    )


class ImportProgress(Protocol):
    """What the job's steps read of the import's report (`import_jobs.ImportReport`)."""

    rows_done: int
    rows_total: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    error_count: int
    errors: list[RowError]
    written: bool


def _import_counts(report: ImportProgress) -> dict[str, Any]:
    return {
        "rows_done": report.rows_done,
        "rows_total": max(report.rows_total, report.rows_done),
        "created_count": report.created,
        "updated_count": report.updated,
        "unchanged_count": report.unchanged,
        "skipped_count": report.skipped,
        "failed_count": report.failed,
        "error_count": report.error_count,
    }


def import_job_progress(*, job: ImportJob, report: ImportProgress, using: Any = None) -> bool:
    """A running job's counts so far; `using`: another database connection to write them through
    (so others see them while the import's own transaction is open)."""
    return _import_job_step(job, ImportJob.Status.RUNNING, _import_counts(report), using=using)


def import_job_finish(*, job: ImportJob, report: ImportProgress) -> bool:
    """A running job finished (running -> succeeded) with its counts and error report."""
    from django.utils import timezone

    values = {
        **_import_counts(report),
        "status": ImportJob.Status.SUCCEEDED,
        "rows_total": report.rows_done,
        "errors": [e.as_list() for e in report.errors],
        "written": report.written,
        "finished_at": timezone.now(),
    }
    return _import_job_step(job, ImportJob.Status.RUNNING, values)


def import_job_fail(*, job: ImportJob, message: str) -> bool:
    """A running job stopped (running -> failed), with the reason to show its user."""
    from django.utils import timezone

    values = {"status": ImportJob.Status.FAILED, "message": message, "finished_at": timezone.now()}
    return _import_job_step(job, ImportJob.Status.RUNNING, values)


if TYPE_CHECKING:
    from clientela.parties.importing.bulkwrite import PreparedBatch
    from clientela.parties.importing.rows import BatchResult, RowError, ValidatedRow
