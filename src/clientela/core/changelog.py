"""Appending to and reading the change log.

An event names other records only by reference (`core/references.py`: `ref`, `ref_text`),
so whoever reads it later is shown them as they may see them then.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone

from clientela.core.context import current_source, is_overwrite
from clientela.core.models import Event

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User


def jsonable(value: Any) -> Any:
    """A value as the change log stores it: JSON, stable, comparable."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        public_id = getattr(value, "public_id", None)
        return str(public_id) if public_id is not None else value.pk
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def record_label(record: Model) -> str:
    return str(record)[:300]


def event_fields(
    *,
    actor: User | None,
    action: str,
    kind: str,
    record_type: str,
    record_id: Any,
    label: str,
    owner_id: int | None,
    team_id: int | None,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
    version: int | None = None,
    occurred_at: dt.datetime | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """The columns of one event (attname -> value): the one place they are written out.

    `event_for` / `append_event` build an event of a record with it, and the bulk import
    builds its COPY rows with it (column names and values), so they cannot drift apart.
    `occurred_at` and `source` default to now and the interface the change came through.
    """
    return {
        "occurred_at": occurred_at if occurred_at is not None else timezone.now(),
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "action": action,
        "kind": kind,
        "record_type": record_type,
        "record_id": record_id,
        "record_label": label[:300],
        "owner_id_at_event": owner_id,
        "team_id_at_event": team_id,
        "changes": changes if changes is not None else {},
        "data": _with_overwrite(data if data is not None else {}),
        "version": version,
        "source": source if source is not None else current_source(),
    }


def _with_overwrite(data: dict[str, Any]) -> dict[str, Any]:
    """An explicit overwrite (`If-Match: *`) is recorded as such in the event."""
    return {**data, "overwrite": True} if is_overwrite() else data


def event_for(
    *,
    actor: User | None,
    action: str,
    kind: str,
    record: Model,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> Event:
    """The (unsaved) event of a change to `record`, as it is now (its version, owner and team)."""
    return Event(
        **event_fields(
            actor=actor,
            action=action,
            kind=kind,
            record_type=record._meta.label_lower,
            record_id=record.public_id,
            label=record_label(record),
            owner_id=getattr(record, "owner_id", None),
            team_id=getattr(record, "team_id", None),
            changes=changes,
            data=data,
            version=getattr(record, "version", None),
            occurred_at=occurred_at,
        )
    )


def append_event(
    *,
    actor: User | None,
    action: str,
    kind: str,
    record: Model,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> Event:
    """Log a change to `record` (inside the action's transaction)."""
    event = event_for(
        actor=actor, action=action, kind=kind, record=record, changes=changes, data=data, occurred_at=occurred_at
    )
    event.save(force_insert=True)
    return event


def bulk_append_events(events: Iterable[Event], *, batch_size: int = 2000) -> None:
    """Many events in few statements (each built with `event_for`)."""
    Event.objects.bulk_create(list(events), batch_size=batch_size)
