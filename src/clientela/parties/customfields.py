"""Validation of custom field values, which live in each record's `custom` JSON."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, ValidationFailed
from clientela.parties.models import CustomField

MAX_TEXT = 2000
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def fields_for(entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(entity=entity).order_by("position", "id"))


def _clean_one(field: CustomField, raw: Any) -> Any:
    """The stored form of `raw`, or ValueError with a message for the user."""
    if raw is None or raw == "" or raw == []:
        return None
    if field.type == CustomField.Type.TEXT:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ValueError(_("must be text"))
        text = str(raw).strip()
        if "\x00" in text:
            raise ValueError(_("must not contain NUL characters"))
        if len(text) > MAX_TEXT:
            raise ValueError(_("must be at most %(count)d characters") % {"count": MAX_TEXT})
        return text
    if field.type == CustomField.Type.NUMBER:
        if isinstance(raw, bool):
            raise ValueError(_("must be a number"))
        try:
            number = decimal.Decimal(str(raw).strip().replace(",", ".") if isinstance(raw, str) else str(raw))
        except decimal.InvalidOperation:
            raise ValueError(_("must be a number")) from None
        if not number.is_finite() or abs(number) > decimal.Decimal("1e15"):
            raise ValueError(_("must be a finite number below 10^15"))
        return int(number) if number == number.to_integral_value() else float(number)
    if field.type == CustomField.Type.DATE:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(_("must be a date as YYYY-MM-DD")) from None
    if field.type == CustomField.Type.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("must be yes or no"))
    if field.type == CustomField.Type.CHOICE:
        if str(raw) not in field.choices:
            raise ValueError(_("must be one of: %(choices)s") % {"choices": ", ".join(field.choices)})
        return str(raw)
    if field.type == CustomField.Type.MULTI_CHOICE:
        items = raw if isinstance(raw, list) else [part.strip() for part in str(raw).split(";") if part.strip()]
        bad = [str(item) for item in items if str(item) not in field.choices]
        if bad:
            raise ValueError(
                _("%(values)s not among: %(choices)s") % {"values": ", ".join(bad), "choices": ", ".join(field.choices)}
            )
        return sorted({str(item) for item in items}, key=field.choices.index)
    raise ValueError(_("has an unknown type"))  # pragma: no cover


def clean_custom(
    entity: str,
    raw: dict[str, Any],
    *,
    existing: dict[str, Any] | None = None,
    creating: bool = False,
    definitions: dict[str, CustomField] | None = None,
) -> dict[str, Any]:
    """Merge `raw` onto `existing`, validating every value; errors name `custom.<key>`.

    A required field must be given when a record is created; on update it may not
    be cleared (records older than the field's definition are left as they are).
    """
    if not isinstance(raw, dict):
        raise ValidationFailed.single("custom", "invalid", _("must be an object of custom field values"))
    if definitions is None:  # the import passes them in once for every row
        definitions = {field.key: field for field in fields_for(entity)}
    result = dict(existing or {})
    errors: list[FieldError] = []
    for key, value in raw.items():
        field = definitions.get(key)
        if field is None:
            errors.append(FieldError(f"custom.{key}", "unknown_field", _("is not a custom field")))
            continue
        try:
            cleaned = _clean_one(field, value)
        except ValueError as error:
            errors.append(FieldError(f"custom.{key}", "invalid", str(error)))
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    for key, field in definitions.items():
        if (
            field.required
            and key not in result
            and (creating or key in raw)
            and not any(e.field == f"custom.{key}" for e in errors)
        ):
            errors.append(FieldError(f"custom.{key}", "required", _("is required")))
    if errors:
        raise ValidationFailed(errors)
    return result
