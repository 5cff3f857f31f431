"""Cursor (keyset) pagination over a whitelisted sort, with the id as tiebreak.

A cursor is opaque to clients: base64url JSON of the sort it was made for and the
sort values of the last row served. The next page starts strictly after that row,
so rows are neither repeated nor skipped however deep the page, and a page costs
one index range scan instead of an OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.models import CharField, ExpressionWrapper, F, Model, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from clientela.core.errors import ApiError

try:  # Django 5.2's row-value lookups (made for composite keys)
    from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
except ImportError:  # pragma: no cover - older Django: the OR-expansion below
    Tuple = TupleGreaterThan = TupleLessThan = None

MAX_SORT_FIELDS = 3
CURSOR_PATTERN = r"^[A-Za-z0-9_=-]*$"


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool

    @property
    def order_by(self) -> str:
        return f"-{self.field}" if self.descending else self.field


def parse_sort(raw: Sequence[str] | None, *, allowed: Sequence[str], default: Sequence[str]) -> list[SortKey]:
    """`["-updated_at", "last_name"]` -> sort keys, plus `id` as the tiebreak (same direction as the last)."""
    keys: list[SortKey] = []
    for part in [p.strip() for p in (raw or default) if p.strip()]:
        name = part.removeprefix("-")
        if name not in allowed:
            raise ApiError.single(
                422,
                "sort",
                "invalid_choice",
                _("cannot sort by %(name)r; use one of: %(allowed)s")
                % {"name": name[:50], "allowed": ", ".join(allowed)},
            )
        if any(k.field == name for k in keys):
            continue
        keys.append(SortKey(name, part.startswith("-")))
    if not keys or len(keys) > MAX_SORT_FIELDS:
        raise ApiError.single(422, "sort", "invalid", _("give 1 to %(max)s sort fields") % {"max": MAX_SORT_FIELDS})
    if keys[-1].field != "id":
        keys.append(SortKey("id", keys[-1].descending))
    return keys


def _spec(keys: list[SortKey]) -> str:
    return ",".join(k.order_by for k in keys)


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return dt.datetime.fromisoformat(value["dt"])
    if isinstance(value, dict) and "d" in value:
        return dt.date.fromisoformat(value["d"])
    if isinstance(value, dict) and "n" in value and isinstance(value["n"], str):
        try:
            number = Decimal(value["n"])
        except InvalidOperation:
            raise ValueError("unexpected cursor value") from None
        if not number.is_finite():
            raise ValueError("unexpected cursor value")
        return number
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unexpected cursor value")


def encode_cursor(keys: list[SortKey], row: Model, *, tag: str = "") -> str:
    """A cursor after `row` in the order of `keys` (`tag`: which of several orders of one
    list it belongs to, checked again by `decode_cursor`)."""
    values = [_encode_value(getattr(row, k.field)) for k in keys]
    raw = json.dumps({"s": tag + _spec(keys), "v": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[SortKey], *, tag: str = "") -> list[Any]:
    invalid = ApiError.single(422, "cursor", "invalid_cursor", _("the cursor is not one this list gave out"))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or data.get("s") != tag + _spec(keys):
            raise invalid
        values = data.get("v")
        if not isinstance(values, list) or len(values) != len(keys):
            raise invalid
        decoded = [_decode_value(v) for v in values]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise invalid from None
    if any(v is None for v in decoded) or not isinstance(decoded[-1], int) or isinstance(decoded[-1], bool):
        raise invalid
    return decoded


def after(keys: list[SortKey], values: list[Any]) -> Any:
    """Rows strictly after `values` in the order of `keys` (sort fields are never NULL)."""
    if len({k.descending for k in keys}) == 1 and TupleGreaterThan is not None:
        # One direction: a row comparison, (a, b, id) > (x, y, z), which the database
        # answers with a single seek on the matching index.
        columns = Tuple(*(F(k.field) for k in keys))
        lookup = TupleLessThan if keys[0].descending else TupleGreaterThan
        return lookup(columns, tuple(values))
    condition = Q()
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        operator = "lt" if key.descending else "gt"
        condition |= equal & Q(**{f"{key.field}__{operator}": value})
        equal &= Q(**{key.field: value})
    # A redundant bound on the first key lets the database seek its index to the start.
    first = keys[0]
    return Q(**{f"{first.field}__{'lte' if first.descending else 'gte'}": values[0]}) & condition


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


_PYTHON_TYPES: dict[str, type] = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "DateTimeField": dt.datetime,
    "DateField": dt.date,
    "AutoField": int,
    "BigAutoField": int,
    "IntegerField": int,
    "BigIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "DecimalField": Decimal,
}


def check_cursor_types(model: type[Model], keys: list[SortKey], values: list[Any]) -> None:
    """A cursor's values must have the sort fields' types (a forged cursor is refused, not run)."""
    for key, value in zip(keys, values, strict=True):
        expected = _PYTHON_TYPES.get(model._meta.get_field(key.field).get_internal_type())
        if expected is None or not isinstance(value, expected) or isinstance(value, bool):
            raise ApiError.single(422, "cursor", "invalid_cursor", _("the cursor is not one this list gave out"))


def _unindexed(model: type[Model], key: SortKey) -> Any:
    """The same order as `key`, as an expression no index matches."""
    field = model._meta.get_field(key.field)
    if isinstance(field, CharField | TextField):
        expression: Any = Concat(F(key.field), Value(""), output_field=field)
    else:
        expression = ExpressionWrapper(F(key.field) + Value(dt.timedelta(0)), output_field=field)
    return expression.desc() if key.descending else expression.asc()


def paginate(
    queryset: QuerySet, *, keys: list[SortKey], cursor: str | None, limit: int, selective: bool = False
) -> Page:
    """One page of `queryset` in the order of `keys`: one query (plus its prefetches).

    `selective`: the filter matches few rows (a trigram-indexed search). PostgreSQL would
    otherwise walk the sort index and test every row against the filter — fine when
    matches are spread evenly, ruinous when they cluster (a surname search sorted by
    surname) — so the sort is given as an expression no index matches, and the planner
    finds the matches first and sorts just those.
    """
    if cursor:
        values = decode_cursor(cursor, keys)
        check_cursor_types(queryset.model, keys, values)
        queryset = queryset.filter(after(keys, values))
    order: list[Any] = [k.order_by for k in keys]
    if selective and connection.vendor == "postgresql":
        order[0] = _unindexed(queryset.model, keys[0])
    rows = list(queryset.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(keys, rows[-1]) if more and rows else None)
