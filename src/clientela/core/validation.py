"""Turning raw input into clean model values, with errors that name the field."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, ValidationFailed


def is_country_code(text: Any) -> bool:
    """Two ASCII letters (ISO 3166-1 alpha-2, any case): "HU", "pl"."""
    return isinstance(text, str) and len(text) == 2 and text.isascii() and text.isalpha()


def _messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def check_text(name: str, value: Any, errors: list[FieldError]) -> None:
    if isinstance(value, str) and "\x00" in value:
        errors.append(FieldError(name, "invalid", _("must not contain NUL characters")))


def clean_values(model: type[models.Model], values: dict[str, Any], *, allowed: AbstractSet[str]) -> dict[str, Any]:
    """Validate and convert `values` with the model's own field rules.

    Unknown fields, NUL bytes, over-long text, bad choices, dates and numbers all
    become one `ValidationFailed` listing every bad field; nothing is written.
    """
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in allowed:
            errors.append(FieldError(name, "unknown_field", _("is not a field you can set")))
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # pragma: no cover - allowed names are model fields
            errors.append(FieldError(name, "unknown_field", _("is not a field you can set")))
            continue
        check_text(name, raw, errors)
        if errors and errors[-1].field == name:
            continue
        value = raw
        if value is None and isinstance(field, models.CharField | models.TextField):
            value = ""
        if isinstance(value, str) and isinstance(field, models.CharField | models.TextField):
            value = value.strip()
        if value == "" and not isinstance(field, models.CharField | models.TextField):
            value = None
        try:
            if value is None:
                if not field.null:
                    raise ValidationError(field.error_messages["null"])
            else:
                value = field.clean(value, None)
        except ValidationError as error:
            errors.append(FieldError(name, "invalid", _messages(error)))
            continue
        cleaned[name] = value
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def catch_errors(errors: list[FieldError], check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one check, collecting its errors so that every bad field is reported at once (None
    when it failed)."""
    try:
        return check(*args, **kwargs)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
        return None


def visible_reference(queryset: Any, value: Any, name: str, message: str, errors: list[FieldError]) -> Any:
    """The record of `queryset` (already scoped to what the writer may see) that `value` names —
    a record or its public id — or None; a value naming none of them is a "not_found" error on
    field `name`, so a record the writer may not see reads as one that does not exist."""
    from clientela.core.ids import is_uuid

    if value in (None, ""):
        return None
    if hasattr(value, "public_id"):
        value = value.public_id
    found = queryset.filter(public_id=value).first() if is_uuid(value) else None
    if found is None:
        errors.append(FieldError(name, "not_found", message))
    return found


def one_by_public_id(queryset: Any, public_id: Any, message: str) -> Any:
    """The record of `queryset` (already scoped to the reader) with this public id, else NotFound."""
    from clientela.core.errors import NotFound
    from clientela.core.ids import is_uuid

    found = queryset.filter(public_id=public_id).first() if is_uuid(public_id) else None
    if found is None:
        raise NotFound(message)
    return found
