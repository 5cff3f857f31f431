"""Personal and sensitive fields: how they are classified, and the guard every read of them
passes through, without the app that shows a record knowing the app that guards it.

Fields are classified in the entity declarations (`core.entities.Field(privacy=...)`): PERSONAL
(names a person or reaches them: names, e-mail addresses, phones, addresses, notes) or SENSITIVE
(personal and more: birth date, gender, marital status, children, income). The privacy app
registers a guard per record type in its `AppConfig.ready()`; a page or endpoint that shows
records of that type asks `guard(reader, record_type, records, via)` which fields to hide for
each record (a person restricted them and the reader lacks the privacy permission), and the
guard audits the reads of sensitive fields it lets through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

PERSONAL = "personal"
SENSITIVE = "sensitive"

# (reader, records, via) -> {record pk: field names to hide}
Guard = Callable[[Any, Sequence[Any], str], dict[Any, set[str]]]
_GUARDS: dict[str, Guard] = {}


def register_guard(record_type: str, guard: Guard) -> None:
    _GUARDS[record_type] = guard


def guard(reader: Any, record_type: str, records: Sequence[Any], via: str) -> dict[Any, set[str]]:
    """The fields of each record to hide from `reader` (by record pk); reads of sensitive fields
    are audited by the registered guard, unless `via` is "" (a change log asking only what to hide)."""
    check = _GUARDS.get(record_type)
    if check is None or not records:
        return {}
    return check(reader, records, via)


def classified(entity: Any, level: str | None = None) -> list[str]:
    """The entity's fields classified PERSONAL or SENSITIVE (`level` names one; sensitive is personal too)."""
    found = []
    for field in entity.fields:
        if field.privacy == SENSITIVE or (field.privacy == PERSONAL and level != SENSITIVE):
            found.append(field.name)
    return found
