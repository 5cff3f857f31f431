"""Many rows into one table in few statements, for the bulk import.

`insert(model, rows, constants=...)`: every row holds the same varying columns
(attname -> value); `constants` holds the columns that are the same for all of
them; every other column gets its model default. On PostgreSQL the rows go in with
one COPY (text format, the constant part of each line formatted once); on SQLite
with one executemany; elsewhere with `bulk_create`. With `want_ids` the new
primary keys are taken first (PostgreSQL: from the table's sequence; SQLite: past
its AUTOINCREMENT counter, under the write lock the transaction holds) and
returned in row order.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from clientela.core.changelog import bulk_append_events
from clientela.core.models import Event

_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


@cache
def columns(model: type[models.Model]) -> tuple[tuple[str, str, models.Field], ...]:
    """(attname, column, field) of every concrete column but the primary key."""
    return tuple((f.attname, f.column, f) for f in model._meta.concrete_fields if not f.primary_key)


@cache
def defaults(model: type[models.Model]) -> dict[str, Any]:
    """The model default of every column that has a constant one (callables are set per row)."""
    return {
        attname: field.get_default()
        for attname, _c, field in columns(model)
        if not (field.has_default() and callable(field.default))
    }


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPE)
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is dict or kind is list:
        text = json.dumps(value)  # escapes control characters itself; only its backslashes need doubling
        return text.replace("\\", "\\\\") if "\\" in text else text
    if kind is uuid.UUID:
        return str(value)
    if kind is dt.datetime or kind is dt.date:
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPE)


def copy_line(values: list[Any]) -> str:
    """Values as one COPY text line (without the newline).

    Text needs escaping only when it holds a backslash, tab, newline or carriage
    return; one search over all the row's text decides, instead of one per value.
    """
    if _NEEDS_ESCAPE.search("\x00".join([v for v in values if type(v) is str])):
        return "\t".join([copy_text(v) for v in values])
    return "\t".join([v if type(v) is str else copy_text(v) for v in values])


def uuid4_texts(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as text, as `uuid.uuid4()` makes them, from one read of os.urandom."""
    pool = bytearray(os.urandom(16 * count))
    result = []
    for start in range(0, 16 * count, 16):
        pool[start + 6] = (pool[start + 6] & 0x0F) | 0x40  # version 4
        pool[start + 8] = (pool[start + 8] & 0x3F) | 0x80  # RFC 4122 variant
        h = pool[start : start + 16].hex()
        result.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return result


def insert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    constants: dict[str, Any] | None = None,
    want_ids: bool = False,
) -> list[int]:
    """Insert `rows`; with `want_ids`, return their new primary keys in order."""
    if not rows:
        return []
    fixed = {**defaults(model), **(constants or {})}
    for name in rows[0]:
        fixed.pop(name, None)
    if connection.vendor == "postgresql":
        return _copy(model, rows, fixed, want_ids)
    if connection.vendor == "sqlite":
        return _executemany(model, rows, fixed, want_ids)
    objects = [model(**fixed, **row) for row in rows]
    if model is Event:
        bulk_append_events(objects)  # type: ignore[arg-type]
    else:
        model._default_manager.bulk_create(objects, batch_size=500)
    return [o.pk for o in objects] if want_ids else []


def _copy(model: type[models.Model], rows: list[dict[str, Any]], fixed: dict[str, Any], want_ids: bool) -> list[int]:
    quote = connection.ops.quote_name
    by_attname = {attname: column for attname, column, _f in columns(model)}
    varying = list(rows[0])
    names = [by_attname[a] for a in varying] + [by_attname[a] for a in fixed]
    suffix = "".join("\t" + copy_text(v) for v in fixed.values()) + "\n"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if want_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            names.insert(0, model._meta.pk.column)
        line = copy_line
        if want_ids:
            lines = [
                f"{pk}\t" + line([row[a] for a in varying]) + suffix for pk, row in zip(ids, rows, strict=True)
            ]
        else:
            lines = [line([row[a] for a in varying]) + suffix for row in rows]
        sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            copy.write("".join(lines))
    return ids


def _executemany(
    model: type[models.Model], rows: list[dict[str, Any]], fixed: dict[str, Any], want_ids: bool
) -> list[int]:
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked once per value below
    quote = db.ops.quote_name
    table = model._meta.db_table
    fields = {attname: (column, field) for attname, column, field in columns(model)}
    varying = list(rows[0])
    prepare = [None if isinstance(fields[a][1], _PLAIN_FIELDS) else fields[a][1] for a in varying]
    constant = [fields[a][1].get_db_prep_save(v, db) for a, v in fixed.items()]
    names = [fields[a][0] for a in varying] + [fields[a][0] for a in fixed]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if want_ids:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            # Table and column names come from the model, never from input.
            cursor.execute(f"SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(table)}")  # noqa: S608
            start = max(found[0] if found else 0, cursor.fetchone()[0] or 0) + 1
            ids = list(range(start, start + len(rows)))
            names.insert(0, model._meta.pk.column)
        params = []
        for index, row in enumerate(rows):
            values = [
                row[a] if field is None else field.get_db_prep_save(row[a], db)
                for a, field in zip(varying, prepare, strict=True)
            ]
            if want_ids:
                values.insert(0, ids[index])
            params.append(values + constant)
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) VALUES ({placeholders})",  # noqa: S608
            params,
        )
    return ids


def update(model: type[models.Model], records: list[models.Model], names: list[str]) -> None:
    """Write `names` of every record in one executemany of one-row UPDATEs (psycopg pipelines them).

    Unlike `bulk_update`, the statement stays small however many records there are.
    """
    if not records:
        return
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(getattr(record, field.attname), db) for field in fields] + [record.pk]
        for record in records
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)
