"""Every row linked to a person, found by walking the foreign keys of the data model.

The walk reads Django's model metadata, so a model an app adds later is found without this
module knowing it: the rows whose foreign key (or many-to-many link) points at the contact,
then, from each of those, the rows that belong to it (a foreign key with `on_delete=CASCADE`:
an e-mail's attachments, a quote's lines), as deep as they go. The change log's events of
every record found are read by `events_of`. The access export writes all of it; the erasure
blanks it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from clientela.core.models import Event, Record

# Rows that are not the person's data, though they point at the contact: the queue of jobs and
# sessions know nothing of it, and the change log is read by record id (`events_of`).
_SKIPPED = {"core.event", "core.idempotencykey", "privacy.erasure", "privacy.sensitiveread"}
_MAX_DEPTH = 4


@dataclass
class LinkedRows:
    model: type[models.Model]
    via: str  # "activities.activity.contact": the relation that led here
    depth: int
    rows: list[models.Model] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _reverse_relations(model: type[models.Model]) -> Iterator[Any]:
    for relation in model._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one):
            yield relation


def _reverse_many_to_many(model: type[models.Model]) -> Iterator[Any]:
    for relation in model._meta.get_fields():
        if relation.auto_created and not relation.concrete and relation.many_to_many:
            yield relation


def linked_rows(root: models.Model) -> list[LinkedRows]:
    """Every row linked to `root` (trash included), grouped by model and relation, root excluded."""
    found: list[LinkedRows] = []
    seen: set[tuple[str, Any]] = {(root._meta.label_lower, root.pk)}

    def add(model: type[models.Model], via: str, depth: int, rows: list[models.Model]) -> list[models.Model]:
        fresh = [row for row in rows if (model._meta.label_lower, row.pk) not in seen]
        seen.update((model._meta.label_lower, row.pk) for row in fresh)
        if fresh:
            found.append(LinkedRows(model, via, depth, fresh))
        return fresh

    def walk(model: type[models.Model], pks: list[Any], depth: int) -> None:
        for relation in _reverse_relations(model):
            child = relation.related_model
            if child._meta.label_lower in _SKIPPED:
                continue
            if depth > 0 and relation.on_delete is not models.CASCADE:
                continue  # below the first level only what belongs to a row (its lines, attachments)
            rows = list(child._base_manager.filter(**{f"{relation.field.name}__in": pks}).order_by("pk"))
            fresh = add(child, f"{child._meta.label_lower}.{relation.field.name}", depth + 1, rows)
            if fresh and depth + 1 < _MAX_DEPTH:
                walk(child, [row.pk for row in fresh], depth + 1)
        if depth == 0:
            for relation in _reverse_many_to_many(model):
                other = relation.related_model
                rows = list(other._base_manager.filter(**{f"{relation.field.name}__in": pks}).order_by("pk"))
                add(other, f"{other._meta.label_lower}.{relation.field.name}", 1, rows)

    walk(type(root), [root.pk], 0)
    return found


def record_ids(root: models.Model, linked: list[LinkedRows]) -> list[Any]:
    """The public ids of the root and of every linked record (the change log's `record_id`s)."""
    ids = [root.public_id] if isinstance(root, Record) else []
    for group in linked:
        if issubclass(group.model, Record):
            ids.extend(row.public_id for row in group.rows)
    return ids


def events_of(ids: list[Any]) -> models.QuerySet[Event]:
    return Event.objects.filter(record_id__in=ids).order_by("id")


def row_values(row: models.Model) -> dict[str, Any]:
    """A row's own columns, by column name, as JSON-able values."""
    from clientela.core.changelog import jsonable

    values: dict[str, Any] = {}
    for column in row._meta.concrete_fields:
        value = getattr(row, column.attname)
        if isinstance(value, memoryview | bytes):
            value = bytes(value).decode("utf-8", errors="replace")
        values[column.attname] = jsonable(value)
    return values
