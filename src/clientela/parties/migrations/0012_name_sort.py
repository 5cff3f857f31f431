"""`name_sort`: the folded name in reading order ("kovacs anna"), which a search ranks by.

Filled for every record (batched). On PostgreSQL the column compares bytes (COLLATE "C")
and has an index in that order, limited to records not in the trash, so "names starting
with kovac", in order, is one index range (parties.searching). SQLite compares bytes anyway.
"""

from django.db import migrations, models

BATCH = 5000
INDEXES = [
    ("parties_contact_name_sort", "parties_contact (name_sort, id) WHERE deleted_at IS NULL"),
    ("parties_organization_name_sort", "parties_organization (name_sort, id) WHERE deleted_at IS NULL"),
]


def fill(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    from clientela.parties import normalize

    for model_name, parts in (("Contact", ("last_name", "first_name")), ("Organization", ("name",))):
        model = apps.get_model("parties", model_name)
        last = 0
        while True:
            batch = list(model.objects.filter(id__gt=last).order_by("id").only("id", *parts)[:BATCH])
            if not batch:
                break
            last = batch[-1].id
            for record in batch:
                record.name_sort = normalize.sort_name(*(getattr(record, part) for part in parts))
            model.objects.bulk_update(batch, ["name_sort"])


def byte_order_and_indexes(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("parties_contact", "parties_organization"):
        schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN name_sort TYPE varchar(200) COLLATE "C"')
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("parties", "0011_phones_in_e164")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="name_sort",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="organization",
            name="name_sort",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(byte_order_and_indexes, drop_indexes),
    ]
