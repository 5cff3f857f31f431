"""Many rows into one table in few statements, for the bulk import.

`prepare_insert(model, rows, constants=..., ids=...)`: every row holds the same
varying columns (attname -> value); `constants` holds the columns that are the
same for all of them; every other column gets its model default; `ids` (from
`new_ids`) are the rows' primary keys, when children need them. On PostgreSQL the
rows become COPY text (the constant part of each line formatted once); on SQLite
parameters for one executemany; elsewhere model instances for `bulk_create`.
`Insert.execute()` sends them; `insert()` does both at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from functools import cache
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models, transaction

from clientela.core.changelog import bulk_append_events
from clientela.core.models import Event

_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
COPY_CHUNK = 5000  # rows per write to the server during a COPY
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


# mypy takes a class for unhashable when it is passed to a cached function (python/mypy#11470),
# hence the `type: ignore[arg-type]` where `columns` and `defaults` are called.
@cache
def columns(model: type[models.Model]) -> tuple[tuple[str, str, models.Field], ...]:
    """(attname, column, field) of every concrete column but the primary key."""
    return tuple((f.attname, f.column, f) for f in model._meta.concrete_fields if not f.primary_key)


@cache
def defaults(model: type[models.Model]) -> dict[str, Any]:
    """The model default of every column that has a constant one (callables are set per row)."""
    return {
        attname: field.get_default()
        for attname, _c, field in columns(model)  # type: ignore[arg-type]
        if not (field.has_default() and callable(field.default))
    }


def _json_bytes(value: Any) -> bytes:
    """JSON for a JSON column: orjson's, which PostgreSQL reads as the same value as `json.dumps`'s
    (it differs only in spacing and in leaving non-ASCII characters unescaped)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # what orjson does not take (e.g. integers past 64 bits) goes the slow way
        return json.dumps(value).encode()


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
        text = _json_bytes(value).decode()  # control characters come escaped; only backslashes need doubling
        return text.replace("\\", "\\\\") if "\\" in text else text
    if kind is uuid.UUID:
        return str(value)
    if kind is dt.datetime or kind is dt.date:
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPE)


def copy_column(values: list[Any] | tuple[Any, ...]) -> list[str] | tuple[str, ...]:
    """One column of values in COPY text format, worked out per column rather than per value.

    Text needs escaping only when it holds a backslash, tab, newline or carriage return;
    one search over the whole column decides. Columns of one plain type take a fast path.
    """
    kinds = set(map(type, values))
    if kinds == {str}:
        if _NEEDS_ESCAPE.search("\x00".join(values)):
            return [v.translate(_COPY_ESCAPE) for v in values]
        return values
    if kinds == {int}:
        return list(map(str, values))
    if kinds <= {dict, list}:
        texts = [_json_bytes(v) for v in values]
        joined = b"\x00".join(texts)
        if b"\\" in joined:
            joined = joined.replace(b"\\", b"\\\\")
        return joined.decode().split("\x00") if texts else []
    return [copy_text(v) for v in values]


_sequences: dict[str, str] = {}  # table -> its id sequence (PostgreSQL)


def new_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, taken before the rows are built (children refer to them).

    PostgreSQL: from the table's sequence (safe from any connection, any time). SQLite: past the
    AUTOINCREMENT counter and the largest id; call it inside the writing transaction, whose write
    lock keeps anyone else from taking the same numbers.
    """
    if count == 0:
        return []
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name looked up once: asked inside the query, PostgreSQL would
            # look it up again for every id (10x the cost of the ids themselves).
            sequence = _sequences.get(table)
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
                sequence = _sequences[table] = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [r[0] for r in cursor.fetchall()]
        seq = 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            seq = found[0] if found else 0
        # Table and column names come from the model, never from input.
        cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")  # noqa: S608
        start = max(seq, cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))


# PostgreSQL settings for the transaction that writes a batch (see docs/import-export.md):
# - synchronous_commit off: the commit returns before its WAL reaches the disk. The data
#   stays consistent; a server crash may lose the last fraction of a second of committed
#   batches, which the import then reports as not done (its progress shows how far it got);
# - a larger GIN pending list: the trigram search index takes new entries into its
#   pending list and merges them in fewer, larger steps (`settle_search_indexes` merges
#   the rest at the end of the import, so searches do not scan a long pending list).
BULK_SETTINGS = {"synchronous_commit": "off", "gin_pending_list_limit": "32MB"}


def tune_bulk_transaction() -> None:
    """Apply BULK_SETTINGS to the current transaction only (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in BULK_SETTINGS),
            [item for pair in BULK_SETTINGS.items() for item in pair],
        )


def settle_search_indexes(model: type[models.Model]) -> None:
    """PostgreSQL: merge the pending entries of the table's GIN indexes now, as the import's
    work, rather than leaving them to the next user who inserts a record."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(c.oid::regclass) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
                [model._meta.db_table],
            )
    except DatabaseError:  # e.g. a database user who does not own the index: autovacuum will do it
        return


class Insert:
    """Rows made ready for one table: COPY text on PostgreSQL, parameter rows on SQLite,
    model instances elsewhere. Preparing (the Python work) and executing (the database's)
    may happen in different threads."""

    sql: str
    payload: list[Any]  # COPY text chunks, parameter rows or model instances

    def __init__(
        self,
        model: type[models.Model],
        names: list[str],
        values: list[list[Any]],
        constants: dict[str, Any] | None,
        ids: list[int] | None,
    ) -> None:
        self.model = model
        fixed = {**defaults(model), **(constants or {})}  # type: ignore[arg-type]
        for name in names:
            fixed.pop(name, None)
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.sql, self.payload = _copy_text(model, names, values, fixed, ids)
        elif self.vendor == "sqlite":
            self.sql, self.payload = _parameters(model, names, values, fixed, ids)
        else:
            self.payload = [model(**fixed, **dict(zip(names, row, strict=True))) for row in values]
            for obj, pk in zip(self.payload, ids or [], strict=False):
                obj.pk = pk

    def execute(self) -> None:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
                for chunk in self.payload:
                    copy.write(chunk)
        elif self.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.payload)
        elif self.model is Event:
            bulk_append_events(self.payload)
        else:
            self.model._default_manager.bulk_create(self.payload, batch_size=500)


def prepare_values(
    model: type[models.Model],
    names: list[str],
    values: list[list[Any]],
    *,
    constants: dict[str, Any] | None = None,
    ids: list[int] | None = None,
) -> Insert | None:
    """Rows given as lists of the `names` columns, ready to insert; `ids` gives their primary keys."""
    return Insert(model, names, values, constants, ids) if values else None


def prepare_insert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    constants: dict[str, Any] | None = None,
    ids: list[int] | None = None,
) -> Insert | None:
    """`rows` (dicts with the same varying columns) ready to insert."""
    if not rows:
        return None
    names = list(rows[0])
    return Insert(model, names, [[row[n] for n in names] for row in rows], constants, ids)


def insert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    constants: dict[str, Any] | None = None,
    ids: list[int] | None = None,
) -> None:
    """Prepare and execute at once."""
    prepared = prepare_insert(model, rows, constants=constants, ids=ids)
    if prepared is not None:
        prepared.execute()


def _copy_text(
    model: type[models.Model], varying: list[str], values: list[list[Any]], fixed: dict[str, Any], ids: list[int] | None
) -> tuple[str, list[str]]:
    """COPY text, formatted a column at a time (see `copy_column`), the constant columns once."""
    quote = connection.ops.quote_name
    by_attname = {attname: column for attname, column, _f in columns(model)}  # type: ignore[arg-type]
    names = [by_attname[a] for a in varying] + [by_attname[a] for a in fixed]
    if ids:
        names.insert(0, model._meta.pk.column)
    suffix = "".join("\t" + copy_text(v) for v in fixed.values()) + "\n"
    chunks: list[str] = []
    for start in range(0, len(values), COPY_CHUNK):
        chunk = values[start : start + COPY_CHUNK]
        formatted = [copy_column(column) for column in zip(*chunk, strict=True)]
        if ids:
            formatted.insert(0, list(map(str, ids[start : start + COPY_CHUNK])))
        chunks.append(suffix.join(map("\t".join, zip(*formatted, strict=True))) + suffix)
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    return sql, chunks


def _parameters(
    model: type[models.Model], varying: list[str], values: list[list[Any]], fixed: dict[str, Any], ids: list[int] | None
) -> tuple[str, list[list[Any]]]:
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked once per value below
    quote = db.ops.quote_name
    fields = {attname: (column, field) for attname, column, field in columns(model)}  # type: ignore[arg-type]
    prepare = [None if isinstance(fields[a][1], _PLAIN_FIELDS) else fields[a][1] for a in varying]
    constant = [fields[a][1].get_db_prep_save(v, db) for a, v in fixed.items()]
    names = [fields[a][0] for a in varying] + [fields[a][0] for a in fixed]
    if ids:
        names.insert(0, model._meta.pk.column)
    params = []
    for index, row in enumerate(values):
        prepared = [
            value if field is None else field.get_db_prep_save(value, db)
            for value, field in zip(row, prepare, strict=True)
        ]
        if ids:
            prepared.insert(0, ids[index])
        params.append(prepared + constant)
    placeholders = ", ".join(["%s"] * len(names))
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES ({placeholders})"  # noqa: S608
    return sql, params


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
