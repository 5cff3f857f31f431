"""Contacts' fields their person restricted, left out of what a reader without the privacy
permission is shown (the privacy app decides, through `core.personal_data`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clientela.core import personal_data

# A restricted collection, by the attribute a list row shows it in.
_ROW_ATTRIBUTES = {"phones": ("primary_phone",), "addresses": (), "custom": ("custom",)}
_EMPTY: dict[str, Any] = {"birth_date": None, "children": None, "custom": {}}


def hide_in_rows(reader: Any, rows: Sequence[Any]) -> None:
    """Blank, in these list rows (records or `ListRow`s) only, what each person restricted."""
    hidden = personal_data.guard(reader, "parties.contact", rows, "")
    for row in rows:
        for name in hidden.get(row.pk, ()):
            for attribute in _ROW_ATTRIBUTES.get(name, (name,)):
                setattr(row, attribute, _EMPTY.get(attribute, ""))
