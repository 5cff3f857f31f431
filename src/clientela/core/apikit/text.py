"""Constrained string types for API schemas, so the OpenAPI document says exactly
what the actions accept: no NUL characters, bounded lengths, and — where a value is
required — at least one character that survives stripping."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic.fields import FieldInfo

# No NUL anywhere (databases refuse it).
NO_NUL = r"^[^\x00]*$"
# Python's str.strip() removes these; a required name needs one character outside them.
_STRIPPED = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
VISIBLE = rf"^[^\x00]*[^{_STRIPPED}][^\x00]*$"


def text(max_length: int, **extra: Any) -> FieldInfo:
    """Optional text: up to `max_length` characters, no NUL (`Annotated[str, text(100)]`);
    `extra` may narrow the pattern."""
    return Field(**{"max_length": max_length, "pattern": NO_NUL, **extra})


def decimal_text(max_digits: int, decimal_places: int, *, signed: bool = True, **extra: Any) -> FieldInfo:
    """A decimal number written as a string ("53.97"): what a Decimal column of `max_digits`
    with `decimal_places` holds (money is never a JSON number, which readers take for a float)."""
    whole = max_digits - decimal_places
    pattern = rf"^{'-?' if signed else ''}[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{decimal_places}}})?$"
    return Field(pattern=pattern, examples=["53.97"], **extra)


def required_text(max_length: int, **extra: Any) -> FieldInfo:
    """Text that must contain something besides spaces (`Annotated[str, required_text(100)]`)."""
    return Field(min_length=1, max_length=max_length, pattern=VISIBLE, **extra)


SEARCH_TEXT = Annotated[str | None, Field(max_length=200, pattern=NO_NUL)]


def _drop_null(schema: dict[str, Any]) -> None:
    """Query parameters are absent or a value, never JSON null: document just the value."""
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf")
        if options and any(o.get("type") == "null" for o in options):
            rest = [o for o in options if o.get("type") != "null"]
            prop.pop("anyOf")
            if len(rest) == 1:
                prop.update(rest[0])
            else:
                prop["anyOf"] = rest
            if prop.get("default", "") is None:
                prop.pop("default")
        schema["properties"][name] = prop


class QueryParams(Schema):
    """Base of a list's query parameters."""

    model_config = ConfigDict(json_schema_extra=_drop_null)


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError(_("must be a date-time with a time zone, e.g. 2024-05-01T12:00:00Z"))
    return value


def _to_utc(value: dt.datetime | None) -> dt.datetime | None:
    # Databases take offsets up to about ±16 h; RFC 3339 allows ±23:59. UTC fits everywhere.
    if value is None:
        return None
    try:
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except OverflowError:  # within hours of year 1 or 9999: the range's end is as good a bound
        edge = dt.datetime.max if value.year > 5000 else dt.datetime.min
        return edge.replace(tzinfo=dt.UTC)


# A date-time in a query string: RFC 3339 with an offset, nothing looser (no epoch numbers).
DateTimeParam = Annotated[dt.datetime | None, BeforeValidator(_rfc3339), AfterValidator(_to_utc)]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    if not (isinstance(value, str) and _ISO_DATE.match(value)) and not isinstance(value, dt.date):
        raise ValueError(_("must be a date, e.g. 2024-05-01"))
    return value


# A day in a query string: YYYY-MM-DD, nothing looser (no epoch numbers).
DateParam = Annotated[dt.date | None, BeforeValidator(_iso_date)]


def _iso_date_or_null(value: Any) -> Any:
    return value if value is None else _iso_date(value)


# A day in a body: YYYY-MM-DD (no epoch numbers), required or — `OptionalDay` — null.
Day = Annotated[dt.date, BeforeValidator(_iso_date)]
OptionalDay = Annotated[dt.date | None, BeforeValidator(_iso_date_or_null)]


def _whole_number(value: Any) -> Any:
    """JSON's integers (5, and 5.0, which JSON Schema counts as one); not true, "5" or 5.5."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(_("must be a whole number"))
    return int(value)


def whole(**bounds: Any) -> Any:
    """`Annotated[int, *whole(ge=0, le=100)]`: a whole number within `bounds`, nothing looser."""
    return (Field(**bounds), BeforeValidator(_whole_number))
