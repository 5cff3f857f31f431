"""A contact's search text no longer carries its organizations' names (issue: a reader found
another team's organization's people by that organization's name). Recomputes the search text of
every contact that has an organization, from its own names, e-mails and phones; batched."""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from clientela.parties import rules

    Contact = apps.get_model("parties", "Contact")
    ContactPoint = apps.get_model("parties", "ContactPoint")
    Affiliation = apps.get_model("parties", "Affiliation")
    linked = Affiliation.objects.values_list("contact_id", flat=True).distinct().order_by("contact_id")
    last = 0
    while True:
        ids = list(linked.filter(contact_id__gt=last)[:BATCH])
        if not ids:
            return
        last = ids[-1]
        points: dict[int, list[tuple[str, str, str]]] = {}
        rows = ContactPoint.objects.filter(contact_id__in=ids).order_by("-is_primary", "id")
        for contact_id, kind, value, normalized in rows.values_list("contact_id", "kind", "value", "normalized"):
            points.setdefault(contact_id, []).append((kind, value, normalized))
        changed = []
        for contact in Contact.objects.filter(pk__in=ids).only("first_name", "last_name", "search_text"):
            mine = points.get(contact.pk, [])
            emails = [v for k, v, _n in mine if k == "email"]
            phones = [v for k, v, _n in mine if k == "phone"]
            keys = [n for k, _v, n in mine if k == "phone"]
            text = rules.contact_derived_fields(contact.first_name, contact.last_name, emails, phones, keys)[
                "search_text"
            ]
            if text != contact.search_text:
                contact.search_text = text
                changed.append(contact)
        Contact.objects.bulk_update(changed, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("parties", "0015_event_references")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
