"""How the change log names other records: by reference, rendered for each reader.

An event never keeps another record's name. A logged value that mentions one holds a
reference to it, in one of three forms:

- a reference field of the record (an organization's `parent`, a record's `owner` or
  `team`) holds the other record's public id, as any field holds its value; the model
  field says which record type it refers to;
- a *reference*, `{"ref": "parties.organization", "id": "<public id>"}`;
- a *text naming records*, `{"text": [<piece of text or reference>, ...]}`, read by joining
  its pieces: `{"text": [{"ref": "parties.contact", "id": ...}, " —partner→ ", {...}]}`.

References and texts are recognised as a change's old or new value and as the items of a
list value, never inside an object (a custom field's JSON is the user's data).

Whoever reads the log gets it rendered through their own visibility (`names_for` asks the
record types that registered `names` in `core.recordtypes`, each scoped to the reader): a
record they may see by its current name; any other — another team's, deleted, or a
reference a data migration could not recover — as `HIDDEN`, the same words for all of
them, so nothing tells them apart. A text that names a record the reader may not see is
`HIDDEN` as a whole (its other pieces, a role or the kind of a link, are about that
record too). For machines (`ids=True`: the API and the sync feed) a reference field keeps
the other record's id when the reader may see it, as the record's read shows it, and is
None when not, as the read shows a link the reader may not see.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from clientela.core import recordtypes
from clientela.core.ids import is_uuid

if TYPE_CHECKING:
    from clientela.core.models import Event

# What a reader is shown instead of a record they may not see.
HIDDEN = gettext_lazy("a record you cannot see")

_PLAIN, _JSON = "", "json"  # the kinds of a change's field that are not reference fields


# --- writing: what an action puts in an event ---------------------------------------------


def ref(record: models.Model) -> dict[str, str]:
    """A reference to `record` as the change log keeps it: its type and public id, not its name."""
    return {"ref": record._meta.label_lower, "id": str(record.public_id)}


def ref_text(*pieces: str | models.Model | dict[str, Any]) -> dict[str, list[Any]]:
    """A text naming records, as the change log keeps it: records (or references) and text, in
    reading order — `ref_text(anna, " —partner→ ", bob)`. Empty pieces are left out."""
    parts: list[Any] = []
    for piece in pieces:
        if isinstance(piece, models.Model):
            parts.append(ref(piece))
        elif piece:
            parts.append(piece)
    return {"text": parts}


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"ref", "id"} and isinstance(value["ref"], str)


def is_ref_text(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"text"}
        and isinstance(value["text"], list)
        and all(isinstance(part, str) or is_ref(part) for part in value["text"])
    )


# --- reading: names the reader may see ------------------------------------------------------


@dataclass
class Names:
    """The names of the records some events refer to, as one reader may see them."""

    known: dict[tuple[str, str], str] = field(default_factory=dict)

    def of(self, record_type: Any, public_id: Any) -> str | None:
        """The record's current name, or None when the reader may not see it (or it is gone)."""
        if not isinstance(record_type, str) or not isinstance(public_id, str):
            return None
        return self.known.get((record_type, public_id.lower()))


@functools.lru_cache(maxsize=512)
def field_kind(record_type: str, name: str) -> str:
    """What the logged field `name` of `record_type` holds: the record type it refers to (an
    organization's `parent`: "parties.organization"), `_JSON` for a JSON object (custom fields),
    `_PLAIN` for anything else (a value, or a collection that is no model field)."""
    try:
        model = apps.get_model(record_type)
        model_field = model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return _PLAIN
    if model_field.is_relation and model_field.many_to_one and model_field.related_model is not None:
        return str(model_field.related_model._meta.label_lower)
    return _JSON if isinstance(model_field, models.JSONField) else _PLAIN


def _values(pair: Any) -> list[Any]:
    return pair if isinstance(pair, list) else [pair]


def _collect(value: Any, wanted: dict[str, set[str]]) -> None:
    if is_ref(value):
        if isinstance(value["id"], str) and is_uuid(value["id"]):
            wanted.setdefault(value["ref"], set()).add(value["id"].lower())
    elif is_ref_text(value):
        for part in value["text"]:
            _collect(part, wanted)
    elif isinstance(value, list):
        for item in value:
            _collect(item, wanted)


def references_in(record_type: str, changes: Mapping[str, Any], wanted: dict[str, set[str]]) -> None:
    """Add the records `changes` (of a `record_type` event) refer to, by type, to `wanted`."""
    for name, pair in changes.items():
        kind = field_kind(record_type, name)
        if kind == _JSON:
            continue
        if kind != _PLAIN:
            ids = {str(v).lower() for v in _values(pair) if isinstance(v, str) and is_uuid(v)}
            if ids:
                wanted.setdefault(kind, set()).update(ids)
            continue
        _collect(pair, wanted)


def names_for(reader: Any, events: Iterable[Event]) -> Names:
    """The names of every record `events` refer to that `reader` may see: one query per record
    type referred to, whatever the number of events."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if isinstance(event.changes, dict):
            references_in(event.record_type, event.changes, wanted)
    return names_of_refs(reader, wanted)


def names_of_refs(reader: Any, wanted: Mapping[str, set[str]]) -> Names:
    """`Names` of the records `wanted` (record type -> public ids) that `reader` may see."""
    known: dict[tuple[str, str], str] = {}
    for record_type, ids in wanted.items():
        for public_id, name in recordtypes.names_by_type(reader, record_type, ids).items():
            known[(record_type, public_id.lower())] = name
    return Names(known)


# --- reading: values as the reader may read them -------------------------------------------


def shown(value: Any, names: Names) -> Any:
    """A logged value with every reference and text naming records rendered for the reader
    (a name or `HIDDEN`); anything else as it was logged."""
    if is_ref(value):
        return names.of(value["ref"], value["id"]) or gettext(HIDDEN)
    if is_ref_text(value):
        pieces = []
        for part in value["text"]:
            if isinstance(part, str):
                pieces.append(part)
                continue
            name = names.of(part["ref"], part["id"])
            if name is None:
                return gettext(HIDDEN)
            pieces.append(name)
        return "".join(pieces)
    if isinstance(value, list):
        return [shown(item, names) for item in value]
    return value


def shown_reference(value: Any, record_type: str, names: Names, *, ids: bool) -> Any:
    """A reference field's logged value (the other record's public id, or None): its name for a
    page, its id for a machine (`ids`); `HIDDEN` or None when the reader may not see it."""
    if value is None or value == "":
        return value
    name = names.of(record_type, value)
    if ids:
        return value if name is not None else None
    return name if name is not None else gettext(HIDDEN)


def shown_changes(event: Event, names: Names, *, ids: bool = False) -> dict[str, Any]:
    """The event's changes as the reader may read them (see the module's docstring), field by
    field in the shape they were logged: `[old, new]` pairs."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    return {name: shown_change(event.record_type, name, pair, names, ids=ids) for name, pair in changes.items()}


def shown_change(record_type: str, name: str, pair: Any, names: Names, *, ids: bool = False) -> Any:
    """One logged change (`[old, new]`, or a value) of a `record_type` record, rendered for the reader."""
    kind = field_kind(record_type, name)
    if kind == _JSON:
        return pair
    if kind != _PLAIN:
        if isinstance(pair, list):
            return [shown_reference(v, kind, names, ids=ids) for v in pair]
        return shown_reference(pair, kind, names, ids=ids)
    return shown(pair, names)


def shown_change_set(reader: Any, record_type: str, changes: Mapping[str, Any], *, ids: bool) -> dict[str, Any]:
    """Changes not read from one event (a conflict's "their changes") rendered for `reader`."""
    wanted: dict[str, set[str]] = {}
    references_in(record_type, changes, wanted)
    names = names_of_refs(reader, wanted) if wanted else Names()
    return {name: shown_change(record_type, name, pair, names, ids=ids) for name, pair in changes.items()}
