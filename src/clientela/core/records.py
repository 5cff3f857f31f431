"""The mechanics every app's `actions.py` shares: create, update with a version
check, move to trash, restore — each inside one transaction with one event.

Actions decide *what* may change (permission, validation); these functions decide
*how* a change is written so that nothing is lost: a write based on an old version
is merged field by field when nobody else touched the same fields, and refused as
a `Conflict` when they did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.changelog import append_event, jsonable
from clientela.core.errors import Conflict, ConflictDetail, NotFound
from clientela.core.models import Event, Record

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User

R = TypeVar("R", bound=Record)


def field_value(record: Record, name: str) -> Any:
    field = record._meta.get_field(name)
    if field.is_relation and field.many_to_one:
        return getattr(record, field.attname)
    return getattr(record, name)


def logged_value(record: Record, name: str, value: Any) -> Any:
    """A field value as the change log holds it (and as conflicts compare it).

    References to other records are logged by their public id, so the log means the
    same thing to the API, the sync feed and another installation.
    """
    field = record._meta.get_field(name)
    if not (field.is_relation and field.many_to_one) or value is None:
        return jsonable(value)
    if not isinstance(value, Model):
        value = field.related_model._base_manager.filter(pk=value).first()
        if value is None:
            return None
    public_id = getattr(value, "public_id", None)
    return str(public_id) if public_id is not None else value.pk


def diff(record: Record, values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the values that differ from the record's."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = logged_value(record, name, field_value(record, name))
        new_logged = logged_value(record, name, new)
        if old != new_logged:
            changes[name] = [old, new_logged]
    return changes


def create_record(
    model: type[R],
    *,
    actor: User | None,
    values: dict[str, Any],
    action: str,
    after_insert: Callable[[R], dict[str, list[Any]]] | None = None,
) -> R:
    """Insert `model(**values)` and log it, in one transaction.

    `after_insert(record)` writes child rows (e-mails, tags...) and returns their
    changes for the same event.
    """
    with transaction.atomic():
        record = model(**values)
        if actor is not None and actor.pk:
            record.created_by = actor
            record.updated_by = actor
        record.save(force_insert=True)
        logged = {name: logged_value(record, name, field_value(record, name)) for name in values}
        changes = {name: [None, value] for name, value in logged.items() if value not in (None, "", {}, [])}
        if after_insert is not None:
            changes.update(after_insert(record))
        append_event(actor=actor, action=action, kind=Event.Kind.CREATED, record=record, changes=changes)
    return record


def changes_since(record: Record, version: int) -> tuple[dict[str, list[Any]], list[str]]:
    """What others changed after `version`: field -> [value at that version, current]."""
    events = (
        Event.objects.filter(record_type=record.record_type(), record_id=record.public_id, version__gt=version)
        .select_related("actor")
        .order_by("id")
    )
    merged: dict[str, list[Any]] = {}
    actors: list[str] = []
    for event in events:
        name = event.actor.display_name if event.actor else "system"
        if name not in actors:
            actors.append(name)
        for field_name, (old, new) in event.changes.items():
            if field_name in merged:
                merged[field_name][1] = new
            else:
                merged[field_name] = [old, new]
    return merged, actors


def update_record(
    record: R,
    *,
    actor: User | None,
    values: dict[str, Any],
    action: str,
    expected_version: int | None = None,
    merge: bool = False,
    after_write: Callable[[R], dict[str, list[Any]]] | None = None,
) -> R:
    """Write `values` onto `record` if it is still at `expected_version`.

    - expected_version None: the caller holds no version (internal writes); the row
      is locked and updated.
    - stale and merge=False (API `If-Match`): Conflict.
    - stale and merge=True (forms): the fields the writer meant to change are those
      that differ from the record *as the writer saw it*; if nobody else changed
      them, they are applied on top of the current record; otherwise Conflict,
      naming the overlapping fields.
    `after_write(record)` writes child rows and returns their changes, logged in
    the same event. Returns the refreshed record; one transaction.
    """
    with transaction.atomic():
        return _update_locked(
            record,
            actor=actor,
            values=values,
            action=action,
            expected_version=expected_version,
            merge=merge,
            after_write=after_write,
        )


def _update_locked(
    record: R,
    *,
    actor: User | None,
    values: dict[str, Any],
    action: str,
    expected_version: int | None,
    merge: bool,
    after_write: Callable[[R], dict[str, list[Any]]] | None,
) -> R:
    model = type(record)
    current = model.all_objects.select_for_update().filter(pk=record.pk).first()
    if current is None:
        raise NotFound(_("the record no longer exists"))
    if expected_version is not None and current.version != expected_version:
        theirs, actors = changes_since(current, expected_version)
        seen: dict[str, Any] = {
            name: theirs[name][0] if name in theirs else logged_value(current, name, field_value(current, name))
            for name in values
        }
        intended = {name: value for name, value in values.items() if logged_value(current, name, value) != seen[name]}
        overlapping = sorted(
            name
            for name, value in intended.items()
            if name in theirs
            and logged_value(current, name, value) != logged_value(current, name, field_value(current, name))
        )
        detail = ConflictDetail(
            expected_version=expected_version,
            current_version=current.version,
            their_changes=theirs,
            their_actors=actors,
            overlapping=overlapping,
        )
        if not merge or overlapping:
            raise Conflict(detail, current)
        values = intended
    changes = diff(current, values)
    for name, value in values.items():
        setattr(current, name, value)
    if after_write is not None:
        changes.update(after_write(current))
    if not changes:
        return current
    now = timezone.now()
    update_fields = dict(values)
    update_fields["updated_at"] = now
    if actor is not None and actor.pk:
        update_fields["updated_by"] = actor
    rows = model.all_objects.filter(pk=current.pk, version=current.version).update(
        version=F("version") + 1, **_db_values(current, update_fields)
    )
    if rows != 1:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(ConflictDetail(expected_version or current.version, current.version + 1))
    current.version += 1
    current.updated_at = now
    append_event(actor=actor, action=action, kind=Event.Kind.UPDATED, record=current, changes=changes)
    return current


def _db_values(record: Record, values: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in values:
        field = record._meta.get_field(name)
        result[field.attname if field.many_to_one else name] = getattr(record, field.attname)
    result["updated_at"] = values["updated_at"]
    return result


def touch_record(
    record: R, *, actor: User | None, action: str, changes: dict[str, list[Any]], kind: str = Event.Kind.UPDATED
) -> R:
    """Bump the version and log changes made outside the row (tags, child rows)."""
    now = timezone.now()
    type(record).all_objects.filter(pk=record.pk).update(
        version=F("version") + 1, updated_at=now, updated_by=actor if actor and actor.pk else None
    )
    record.version += 1
    record.updated_at = now
    append_event(actor=actor, action=action, kind=kind, record=record, changes=changes)
    return record


def trash_record(record: R, *, actor: User | None, action: str, expected_version: int | None = None) -> R:
    with transaction.atomic():
        current = type(record).all_objects.select_for_update().get(pk=record.pk)
        if expected_version is not None and current.version != expected_version:
            theirs, actors = changes_since(current, expected_version)
            raise Conflict(ConflictDetail(expected_version, current.version, theirs, actors), current)
        if current.deleted_at is not None:
            return current
        now = timezone.now()
        type(record).all_objects.filter(pk=current.pk).update(
            deleted_at=now, deleted_by=actor if actor and actor.pk else None, version=F("version") + 1, updated_at=now
        )
        current.deleted_at = now
        current.version += 1
        append_event(
            actor=actor,
            action=action,
            kind=Event.Kind.TRASHED,
            record=current,
            changes={"deleted_at": [None, jsonable(now)]},
        )
        return current


def restore_record(record: R, *, actor: User | None, action: str) -> R:
    with transaction.atomic():
        current = type(record).all_objects.select_for_update().get(pk=record.pk)
        if current.deleted_at is None:
            return current
        old = current.deleted_at
        now = timezone.now()
        type(record).all_objects.filter(pk=current.pk).update(
            deleted_at=None, deleted_by=None, version=F("version") + 1, updated_at=now
        )
        current.deleted_at = None
        current.version += 1
        append_event(
            actor=actor,
            action=action,
            kind=Event.Kind.RESTORED,
            record=current,
            changes={"deleted_at": [jsonable(old), None]},
        )
        return current
