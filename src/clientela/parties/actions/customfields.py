"""Custom field definitions (administrators): create, change, delete.

Each action checks permission, validates, writes and logs, in one transaction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.core.changelog import append_event, jsonable
from clientela.core.errors import Conflict, ConflictDetail, ValidationFailed
from clientela.core.models import Event
from clientela.core.validation import clean_values
from clientela.core.visibility import require_admin
from clientela.parties.models import (
    CustomField,
)

if TYPE_CHECKING:
    from clientela.accounts.models import User


# --- custom field definitions (administrators) ---------------------------------------


def custom_field_create(*, actor: User, values: dict[str, Any]) -> CustomField:

    require_admin(actor)
    if isinstance(values.get("key"), str):  # the key rule speaks first, in its own words (not "a valid slug")
        _check_custom_field({"key": values["key"]})
    cleaned = clean_values(
        CustomField, values, allowed={"entity", "key", "label", "type", "choices", "required", "position"}
    )
    _check_custom_field(cleaned)
    if CustomField.objects.filter(entity=cleaned["entity"], key=cleaned["key"]).exists():
        raise ValidationFailed.single("key", "duplicate", _("a custom field with this key exists for this entity"))
    with transaction.atomic():
        definition = CustomField.objects.create(**cleaned)

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

        append_event(
            actor=actor, action="custom_field.update", kind=Event.Kind.UPDATED, record=current, changes=changes
        )
    return current


def custom_field_delete(*, actor: User, definition: CustomField) -> None:
    """Removes the definition; values stay in records' JSON (and in history) but are no longer shown."""

    require_admin(actor)
    with transaction.atomic():
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
