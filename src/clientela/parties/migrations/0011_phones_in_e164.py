"""Phones are matched by their E.164 form (issue: "+36209607198" and "06209607198" found nothing).

Recomputes `ContactPoint.normalized` of every phone with `normalize.phone_key`, reading a
number written without a country in its record's country (first address with one), else its
team's, else CLIENTELA_PHONE_REGION; and adds the E.164 form to the record's search text.
Batched, so it runs in bounded memory on a large database.
"""

from django.db import migrations

BATCH = 2000


def _regions(Address, side, ids):  # noqa: ANN001, ANN202, N803 - migration helpers
    found = {}
    rows = Address.objects.filter(**{f"{side}_id__in": ids}).exclude(country="").order_by("id")
    for owner, country in rows.values_list(f"{side}_id", "country"):
        found.setdefault(owner, country)
    return found


def forwards(apps, schema_editor):  # noqa: ANN001, ARG001 - migration signature
    from clientela.parties import normalize

    ContactPoint = apps.get_model("parties", "ContactPoint")  # noqa: N806
    Address = apps.get_model("parties", "Address")  # noqa: N806
    owners = {"contact": apps.get_model("parties", "Contact"), "organization": apps.get_model("parties", "Organization")}
    last = 0
    while True:
        batch = list(ContactPoint.objects.filter(kind="phone", id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        last = batch[-1].id
        for side, model in owners.items():
            points = [p for p in batch if getattr(p, f"{side}_id") is not None]
            if not points:
                continue
            ids = {getattr(p, f"{side}_id") for p in points}
            countries = _regions(Address, side, ids)
            records = {r.pk: r for r in model.objects.filter(pk__in=ids).select_related("team")}
            changed_points, changed_records = [], {}
            for point in points:
                record = records.get(getattr(point, f"{side}_id"))
                if record is None:
                    continue
                region = normalize.phone_region((countries.get(record.pk, ""),), record.team)
                key = normalize.phone_key(point.value, region)
                if key != point.normalized:
                    point.normalized = key
                    changed_points.append(point)
                if key.startswith("+") and key not in record.search_text:
                    record.search_text = f"{record.search_text} {key}".strip()
                    changed_records[record.pk] = record
            ContactPoint.objects.bulk_update(changed_points, ["normalized"])
            model.objects.bulk_update(list(changed_records.values()), ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("parties", "0010_importjob_queued_at"), ("accounts", "0004_team_country")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
