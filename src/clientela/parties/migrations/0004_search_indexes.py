"""Indexes that keep the API's list and search fast at a million records (PostgreSQL only).

- pg_trgm GIN indexes on search_text: `search_text LIKE '%fragment%'` (queries.search_filter)
  becomes an index scan instead of a sequential scan;
- btree indexes matching the lists' default sort with the id tiebreak, limited to
  records not in the trash, so the first page and every cursor page are index range scans.

SQLite (development, tests) needs none of them; the migration does nothing there.
"""

from django.db import migrations

INDEXES = [
    ("parties_contact_search_trgm", "parties_contact USING gin (search_text gin_trgm_ops)"),
    ("parties_organization_search_trgm", "parties_organization USING gin (search_text gin_trgm_ops)"),
    (
        "parties_contact_name_order",
        "parties_contact (last_name, first_name, id) WHERE deleted_at IS NULL",
    ),
    ("parties_organization_name_order", "parties_organization (name, id) WHERE deleted_at IS NULL"),
    ("parties_contact_updated_order", "parties_contact (updated_at, id) WHERE deleted_at IS NULL"),
]


def create(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("parties", "0003_savedview")]

    operations = [migrations.RunPython(create, drop)]
