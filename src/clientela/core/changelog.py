"""Appending to and reading the change log."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone

from clientela.core.context import current_source
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


def append_event(
    *,
    actor: User | None,
    action: str,
    kind: str,
    record: Model,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    return Event.objects.create(
        occurred_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        kind=kind,
        record_type=record._meta.label_lower,
        record_id=record.public_id,
        record_label=record_label(record),
        owner_id_at_event=getattr(record, "owner_id", None),
        team_id_at_event=getattr(record, "team_id", None),
        changes=changes or {},
        data=data or {},
        version=getattr(record, "version", None),
        source=current_source(),
    )


def bulk_append_events(events: Iterable[Event], *, batch_size: int = 2000) -> None:
    """For imports: many events in few statements (each built with `event_for`)."""
    Event.objects.bulk_create(list(events), batch_size=batch_size)


def event_for(*, actor: User | None, action: str, kind: str, record: Model, changes: dict[str, list[Any]]) -> Event:
    return Event(
        occurred_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        kind=kind,
        record_type=record._meta.label_lower,
        record_id=record.public_id,
        record_label=record_label(record),
        owner_id_at_event=getattr(record, "owner_id", None),
        team_id_at_event=getattr(record, "team_id", None),
        changes=changes,
        data={},
        version=getattr(record, "version", None),
        source=current_source(),
    )


def history(record: Model, *, limit: int = 200) -> list[Event]:
    """The record's own events, newest first."""
    return list(
        Event.objects.filter(record_type=record._meta.label_lower, record_id=record.public_id)
        .select_related("actor")
        .order_by("-id")[:limit]
    )
