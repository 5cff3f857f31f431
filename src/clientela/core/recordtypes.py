"""The record types the change log knows, each registered by the app that owns it.

An app registers its types in `AppConfig.ready()`, so `core` (the audit page, the
events API) lists and scopes events of every app without importing any of them:

- `scoped_get`: the app's permission-checked read, `get(user, public_id, include_trash=True)`
  raising `NotFound` when the user may not see the record now; the events API uses it to
  show a record's whole history to whoever may see the record today;
- `public`: definitions everyone may read (custom fields), so their events are everyone's;
- `admin_only`: account records (users, teams), whose events only administrators see;
- `names`: (reader, public ids) -> the names of those records the reader may see, for whatever
  shows a logged reference (an owner, a team, a parent, the other side of a link) by name
  rather than by id (`core/references.py`); a record left out is shown as one the reader
  cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clientela.core.ids import is_uuid

ScopedGet = Callable[..., Any]
Names = Callable[[Any, set[str]], dict[str, str]]


@dataclass(frozen=True)
class RecordType:
    name: str  # the model's label, lower case: "parties.contact"
    scoped_get: ScopedGet | None = None
    public: bool = False
    admin_only: bool = False
    names: Names | None = None


_REGISTRY: dict[str, RecordType] = {}


def register(
    name: str,
    *,
    scoped_get: ScopedGet | None = None,
    public: bool = False,
    admin_only: bool = False,
    names: Names | None = None,
) -> RecordType:
    """Declare a record type (idempotent for the same declaration)."""
    record_type = RecordType(name=name, scoped_get=scoped_get, public=public, admin_only=admin_only, names=names)
    existing = _REGISTRY.get(name)
    if existing is not None and existing != record_type:
        raise ValueError(f"record type {name!r} is registered twice, differently")
    _REGISTRY[name] = record_type
    return record_type


def known() -> list[str]:
    """Every registered record type, in the order the apps registered them."""
    return list(_REGISTRY)


def get(name: str) -> RecordType | None:
    return _REGISTRY.get(name)


def public_types() -> list[str]:
    return [t.name for t in _REGISTRY.values() if t.public]


def admin_only_types() -> list[str]:
    return [t.name for t in _REGISTRY.values() if t.admin_only]


def names_of(reader: Any, ids: set[str]) -> dict[str, str]:
    """Names of the records with these public ids that `reader` may see, asking each record type
    that can name them (one query per type asked, and only while some ids are still unnamed);
    the others keep their id."""
    found: dict[str, str] = {}
    for record_type in _REGISTRY.values():
        missing = ids - set(found)
        if not missing:
            break
        if record_type.names is not None:
            found.update(record_type.names(reader, missing))
    return found


def names_by_type(reader: Any, record_type: str, ids: set[str]) -> dict[str, str]:
    """Names of the `record_type` records with these public ids that `reader` may see (one
    query); none for a type that cannot name its records or for text that is no public id."""
    registered = _REGISTRY.get(record_type)
    valid = {public_id for public_id in ids if is_uuid(public_id)}
    if registered is None or registered.names is None or not valid:
        return {}
    return registered.names(reader, valid)
