"""The mechanics every app's `actions.py` shares: create, update with a version
check, move to trash, restore — each inside one transaction with one event — and
the one way a change made around a record (a link, moved child rows, a merge) raises
its version and is logged (`bump_record`, `bump_records`).

Actions decide *what* may change (permission, validation); these functions decide
*how* a change is written so that nothing is lost: a write based on an old version
is merged field by field when nobody else touched the same fields, and refused as
a `Conflict` when they did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import tallies
from clientela.core.changelog import append_event, bulk_append_events, event_for, jsonable
from clientela.core.errors import Conflict, ConflictDetail, NotFound
from clientela.core.models import Event, Record

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User

R = TypeVar("R", bound=Record)


def lock_keys(namespace: str, keys: Iterable[str]) -> None:
    """Within the current transaction, wait until no other transaction holds any of `keys`
    (in `namespace`), and hold them until this one ends: check-then-write steps on the same
    key (is this e-mail taken? then create) run one after another. PostgreSQL's transaction
    advisory locks, taken in one order so two writers never wait on each other; SQLite has
    one writer at a time and needs none."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({_lock_id(f"{namespace}:{key}") for key in keys if key})
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _lock_id(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


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
        tallies.settle(record, None)
    return record


def changes_since(record: Record, version: int) -> tuple[dict[str, list[Any]], list[str]]:
    """What others changed after `version`: field -> [value at that version, current], and who."""
    theirs = their_changes(record, version)
    return theirs.changes, theirs.actors


@dataclass
class TheirChanges:
    """The changes made to a record after a version, from the change log.

    A change to a JSON object field (custom fields) is also listed key by key as
    "<field>.<key>", so two people who changed different keys do not clash.
    """

    changes: dict[str, list[Any]] = field(default_factory=dict)
    actors: list[str] = field(default_factory=list)
    actors_by_field: dict[str, list[str]] = field(default_factory=dict)


def their_changes(record: Record, version: int) -> TheirChanges:
    events = (
        Event.objects.filter(record_type=record.record_type(), record_id=record.public_id, version__gt=version)
        .select_related("actor")
        .order_by("id")
    )
    result = TheirChanges()
    for event in events:
        name = event.actor.display_name if event.actor else "system"
        if name not in result.actors:
            result.actors.append(name)
        for field_name, pair in event.changes.items():
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            for key, (old, new) in _with_object_keys(field_name, pair[0], pair[1]):
                if key in result.changes:
                    result.changes[key][1] = new
                else:
                    result.changes[key] = [old, new]
                who = result.actors_by_field.setdefault(key, [])
                if name not in who:
                    who.append(name)
    return result


def _with_object_keys(name: str, old: Any, new: Any) -> list[tuple[str, tuple[Any, Any]]]:
    pairs: list[tuple[str, tuple[Any, Any]]] = [(name, (old, new))]
    if isinstance(old, dict | type(None)) and isinstance(new, dict | type(None)) and (old or new):
        before, after = old or {}, new or {}
        pairs += [(f"{name}.{k}", (before.get(k), after.get(k))) for k in sorted(set(before) | set(after), key=str)
                  if before.get(k) != after.get(k)]  # fmt: skip
    return pairs


def update_record(
    record: R,
    *,
    actor: User | None,
    values: dict[str, Any],
    action: str,
    expected_version: int | None = None,
    merge: bool = False,
    after_write: Callable[[R], dict[str, list[Any]]] | None = None,
    touched: Collection[str] = (),
) -> R:
    """Write `values` onto `record` if it is still at `expected_version`.

    - expected_version None: the caller holds no version (internal writes); the row
      is locked and updated.
    - stale and merge=False (API `If-Match`): Conflict.
    - stale and merge=True (forms): the fields the writer meant to change are those
      that differ from the record *as the writer saw it*; if nobody else changed
      them, they are applied on top of the current record; otherwise Conflict,
      naming the overlapping fields.
      A JSON object field (custom fields) is merged key by key.
    `after_write(record)` writes child rows and returns their changes, logged in
    the same event; `touched` names the logged changes outside `values` the writer
    means to make (child collections: "emails", "tags"...): when merging, a name
    somebody else changed since `expected_version` is a conflict too.
    Returns the refreshed record; one transaction.
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
            touched=touched,
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
    touched: Collection[str] = (),
) -> R:
    model = type(record)
    current = model.all_objects.select_for_update().filter(pk=record.pk).first()
    if current is None:
        raise NotFound(_("the record no longer exists"))
    if expected_version is not None and current.version != expected_version:
        theirs = their_changes(current, expected_version)
        intended, overlapping = _merge_onto(current, values, theirs.changes)
        overlapping += sorted(name for name in touched if name in theirs.changes and name not in overlapping)
        detail = ConflictDetail(
            expected_version=expected_version,
            current_version=current.version,
            their_changes={k: v for k, v in theirs.changes.items() if "." not in k},  # fields, not object keys
            their_actors=theirs.actors,
            overlapping=sorted(overlapping),
            their_actors_by_field=theirs.actors_by_field,
        )
        if not merge or overlapping:
            raise Conflict(detail, current)
        values = intended
    counted = tallies.count(current)
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
    tallies.settle(current, counted)
    return current


def _merge_onto(
    current: Record, values: dict[str, Any], theirs: dict[str, list[Any]]
) -> tuple[dict[str, Any], list[str]]:
    """A stale writer's `values` put on top of the current record, field by field (a JSON object
    field key by key): what the writer meant to change (what differs from the value at the
    writer's version) and the names both sides changed to different values."""
    intended: dict[str, Any] = {}
    overlapping: list[str] = []
    for name, value in values.items():
        now = field_value(current, name)
        if isinstance(value, dict) and isinstance(now, dict | type(None)):
            merged, clashes = _merge_object(name, value, now or {}, theirs)
            overlapping += clashes
            if merged != (now or {}):
                intended[name] = merged
            continue
        seen = theirs[name][0] if name in theirs else logged_value(current, name, now)
        ours = logged_value(current, name, value)
        if ours == seen:
            continue  # the writer left it as it was
        intended[name] = value
        if name in theirs and ours != logged_value(current, name, now):
            overlapping.append(name)
    return intended, overlapping


def _merge_object(
    name: str, ours: dict[str, Any], now: dict[str, Any], theirs: dict[str, list[Any]]
) -> tuple[dict[str, Any], list[str]]:
    merged = dict(now)
    clashes: list[str] = []
    for key in set(ours) | set(now):
        path = f"{name}.{key}"
        seen = theirs[path][0] if path in theirs else jsonable(now.get(key))
        mine = jsonable(ours.get(key))
        if mine == seen:
            continue
        if path in theirs and mine != jsonable(now.get(key)):
            clashes.append(path)
        if key in ours:
            merged[key] = ours[key]
        else:
            merged.pop(key, None)
    return merged, clashes


def _db_values(record: Record, values: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in values:
        field = record._meta.get_field(name)
        result[field.attname if field.many_to_one else name] = getattr(record, field.attname)
    result["updated_at"] = values["updated_at"]
    return result


def _who(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


def bump_record(
    record: R,
    *,
    actor: User | None,
    action: str,
    changes: dict[str, list[Any]],
    kind: str = Event.Kind.UPDATED,
    data: dict[str, Any] | None = None,
    fields: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> R:
    """Log a change the caller made around the record (a link, moved child rows) — and write
    the named `fields`, already set on it — as one new version of the record, with one event.

    For writes that do not go through `update_record` (no version check or field diff: a
    merge, a relationship); the caller holds the transaction. The version is read back, so a
    record loaded before someone else's change still logs the right one.
    """
    now = now or timezone.now()
    model = type(record)
    row = {record._meta.get_field(name).attname: field_value(record, name) for name in fields}
    model.all_objects.filter(pk=record.pk).update(
        **row, version=F("version") + 1, updated_at=now, updated_by=_who(actor)
    )
    record.version = model.all_objects.values_list("version", flat=True).get(pk=record.pk)
    record.updated_at = now
    append_event(actor=actor, action=action, kind=kind, record=record, changes=changes, data=data, occurred_at=now)
    return record


def bump_records(
    model: type[Record],
    changes_by_pk: dict[int, dict[str, list[Any]]],
    *,
    actor: User | None,
    action: str,
    kind: str = Event.Kind.UPDATED,
    data: dict[str, Any] | None = None,
) -> None:
    """`bump_record` for many records of one model, each with its own changes, in three statements."""
    if not changes_by_pk:
        return
    now = timezone.now()
    pks = list(changes_by_pk)
    model.all_objects.filter(pk__in=pks).update(version=F("version") + 1, updated_at=now, updated_by=_who(actor))
    bulk_append_events(
        event_for(
            actor=actor,
            action=action,
            kind=kind,
            record=record,
            changes=changes_by_pk[record.pk],
            data=data,
            occurred_at=now,
        )
        for record in model.all_objects.filter(pk__in=pks)
    )


def trash_locked(
    record: R,
    *,
    actor: User | None,
    action: str,
    kind: str = Event.Kind.TRASHED,
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> R:
    """Move a record the caller has locked (and checked) to the trash, as a new version, with one event."""
    now = now or timezone.now()
    counted = tallies.count(record)
    type(record).all_objects.filter(pk=record.pk).update(
        deleted_at=now, deleted_by=_who(actor), version=F("version") + 1, updated_at=now
    )
    record.deleted_at = now
    record.version += 1
    tallies.settle(record, counted)
    changes = {"deleted_at": [None, jsonable(now)]}
    append_event(actor=actor, action=action, kind=kind, record=record, changes=changes, data=data, occurred_at=now)
    return record


def trash_record(record: R, *, actor: User | None, action: str, expected_version: int | None = None) -> R:
    with transaction.atomic():
        current = type(record).all_objects.select_for_update().get(pk=record.pk)
        if expected_version is not None and current.version != expected_version:
            theirs, actors = changes_since(current, expected_version)
            raise Conflict(ConflictDetail(expected_version, current.version, theirs, actors), current)
        if current.deleted_at is not None:
            return current
        return trash_locked(current, actor=actor, action=action)


def restore_record(record: R, *, actor: User | None, action: str) -> R:
    with transaction.atomic():
        current = type(record).all_objects.select_for_update().get(pk=record.pk)
        if current.deleted_at is None:
            return current
        counted = tallies.count(current)
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
        tallies.settle(current, counted)
        return current
