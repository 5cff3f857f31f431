"""The change log names other records by reference, not by name (issue 9, item 6: a contact's
history showed another team's names: "Péter Próba —partner→ Zbigniew Sekretny",
"Tajna Probe Polska: Advisor").

Events logged before kept the names of the records a contact's or organization's change
mentioned. This rewrites them into the reference form that `core/references.py` renders for
each reader (data only; the schema is unchanged):

- `relationships`: "A —kind→ B" becomes {"text": [<ref A>, " —kind→ ", <ref B>]}, the two
  sides taken from the event's `data["relationship"]`, or, for an event a merge logged on
  the other side of a moved relationship, from the record itself (its label at the time) and
  the merged records (`data["merged_from"]`, `data["merged_into"]`);
- `organizations`: each "Organization: role" becomes {"text": [<ref>, ": role"]}, the
  organization found by its name among the contact's organizations, else among all
  organizations when exactly one has it; a merge's "Old name" -> "New name" on the contacts
  of merged organizations becomes references to the two organizations.

A name that cannot be traced to one record is blanked: the value becomes a reference to no
record, which every reader is shown as "a record you cannot see". Batched, so it runs in
bounded memory on a large log. Going back writes the names again, as they are now.
"""

import re
import uuid

from django.db import migrations
from django.db.models import Q

BATCH = 1000
TYPES = ("parties.contact", "parties.organization")
UNKNOWN = {"ref": "", "id": None}  # a reference to no record: shown to everyone as one they cannot see
_LINK = re.compile(r"^(?P<left>.*) —(?P<kind>[a-z_]+)→ (?P<right>.*)$", re.DOTALL)


def _ref(record_type, public_id):
    return {"ref": record_type, "id": str(public_id)}


def _is_ref(value):
    return isinstance(value, dict) and set(value) == {"ref", "id"}


def _is_text(value):
    return isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], list)


def _uuid(value):
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None


class _Lookups:
    """What one batch of events needs to find the records their names meant (a few queries)."""

    def __init__(self, apps, events):
        Organization = apps.get_model("parties", "Organization")  # noqa: N806
        Contact = apps.get_model("parties", "Contact")  # noqa: N806
        Affiliation = apps.get_model("parties", "Affiliation")  # noqa: N806
        names = set()
        contacts = set()
        merged = set()
        for event in events:
            organizations = event.changes.get("organizations")
            if event.record_type == "parties.contact" and isinstance(organizations, list):
                contacts.add(event.record_id)
                for side in organizations:
                    for item in side if isinstance(side, list) else []:
                        if isinstance(item, str):
                            names.update(_candidate_names(item))
            data = event.data if isinstance(event.data, dict) else {}
            merged.update(x for x in (_uuid(data.get("merged_from")), _uuid(data.get("merged_into"))) if x)
        self.by_name = {}
        ordered = sorted(names)
        for first in range(0, len(ordered), 500):
            rows = Organization._base_manager.filter(name__in=ordered[first : first + 500]).values_list("name", "public_id")
            for name, public_id in rows:
                self.by_name.setdefault(name, set()).add(str(public_id))
        self.affiliated = {}
        if contacts:
            rows = Affiliation.objects.filter(contact__public_id__in=contacts).values_list(
                "contact__public_id", "organization__name", "organization__public_id"
            )
            for contact_id, name, public_id in rows:
                self.affiliated.setdefault(str(contact_id), {}).setdefault(name, set()).add(str(public_id))
        self.type_of = {}
        if merged:
            for model, record_type in ((Contact, "parties.contact"), (Organization, "parties.organization")):
                for public_id in model._base_manager.filter(public_id__in=merged).values_list("public_id", flat=True):
                    self.type_of[str(public_id)] = record_type

    def organization(self, contact_id, name):
        """The public id of the organization `name` meant on this contact's event, or None."""
        mine = self.affiliated.get(str(contact_id), {}).get(name, set())
        if len(mine) == 1:
            return next(iter(mine))
        everyone = self.by_name.get(name, set())
        return next(iter(everyone)) if len(everyone) == 1 else None


def _candidate_names(text):
    """The organization names "Name: role" may start with: the whole text, then each cut at ": "."""
    names = [text]
    at = text.find(": ")
    while at != -1:
        names.append(text[:at])
        at = text.find(": ", at + 1)
    return names


def _affiliation(text, contact_id, lookups):
    for name in _candidate_names(text):
        public_id = lookups.organization(contact_id, name)
        if public_id is not None:
            role = text[len(name) + 2 :] if len(text) > len(name) else ""
            return {"text": [_ref("parties.organization", public_id), *([f": {role}"] if role else [])]}
    return {"text": [UNKNOWN]}


def _organizations(value, index, event, lookups):
    if isinstance(value, list):
        return [_affiliation(item, event.record_id, lookups) if isinstance(item, str) else item for item in value]
    if isinstance(value, str):  # a merge moved the contact to the surviving organization: "old" -> "new"
        data = event.data if isinstance(event.data, dict) else {}
        public_id = _uuid(data.get("merged_from" if index == 0 else "merged_into"))
        if public_id is None:
            return {"text": [UNKNOWN]}
        return {"text": [_ref("parties.organization", public_id)]}
    return value


def _end(end):
    if isinstance(end, list) and len(end) == 2 and end[0] in ("contact", "organization") and _uuid(end[1]):
        return _ref(f"parties.{end[0]}", _uuid(end[1]))
    return UNKNOWN


def _relationship(value, index, event, lookups):
    if not isinstance(value, str):
        return value
    data = event.data if isinstance(event.data, dict) else {}
    link = data.get("relationship")
    if isinstance(link, dict) and isinstance(link.get("kind"), str):
        return {"text": [_end(link.get("from")), f" —{link['kind']}→ ", _end(link.get("to"))]}
    match = _LINK.match(value)
    other_id = _uuid(data.get("merged_from" if index == 0 else "merged_into"))
    other_type = lookups.type_of.get(other_id) if other_id else None
    if match is None or other_type is None:
        return {"text": [UNKNOWN]}
    own = _ref(event.record_type, event.record_id)
    other = _ref(other_type, other_id)
    arrow = f" —{match['kind']}→ "
    if match["left"] == event.record_label:
        return {"text": [own, arrow, other]}
    if match["right"] == event.record_label:
        return {"text": [other, arrow, own]}
    return {"text": [UNKNOWN]}


_CONVERT = {"relationships": _relationship, "organizations": _organizations}


def _converted(event, lookups):
    changes = dict(event.changes)
    touched = False
    for name, convert in _CONVERT.items():
        pair = changes.get(name)
        if isinstance(pair, list) and len(pair) == 2:
            new = [convert(value, index, event, lookups) for index, value in enumerate(pair)]
            if new != pair:
                changes[name] = new
                touched = True
    return changes if touched else None


def _events(apps):
    Event = apps.get_model("core", "Event")  # noqa: N806
    mentions = Q(changes__has_key="relationships") | Q(changes__has_key="organizations")
    last = 0
    while True:
        batch = list(Event.objects.filter(mentions, record_type__in=TYPES, id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        last = batch[-1].id
        yield Event, batch


def forwards(apps, schema_editor):  # noqa: ARG001 - migration signature
    for Event, batch in _events(apps):  # noqa: N806
        lookups = _Lookups(apps, batch)
        changed = []
        for event in batch:
            changes = _converted(event, lookups)
            if changes is not None:
                event.changes = changes
                changed.append(event)
        Event.objects.bulk_update(changed, ["changes"])


def _names(apps, events):
    wanted = set()

    def collect(value):
        if _is_ref(value) and _uuid(value["id"]):
            wanted.add(_uuid(value["id"]))
        elif _is_text(value):
            for part in value["text"]:
                collect(part)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for event in events:
        for name in _CONVERT:
            collect(event.changes.get(name))
    names = {}
    if wanted:
        Contact = apps.get_model("parties", "Contact")  # noqa: N806
        Organization = apps.get_model("parties", "Organization")  # noqa: N806
        for public_id, first, last in Contact._base_manager.filter(public_id__in=wanted).values_list(
            "public_id", "first_name", "last_name"
        ):
            names[str(public_id)] = f"{first} {last}".strip()
        for public_id, name in Organization._base_manager.filter(public_id__in=wanted).values_list("public_id", "name"):
            names[str(public_id)] = name
    return names


def _as_text(value, names):
    if _is_ref(value):
        return names.get(_uuid(value["id"]) or "", "?")
    if _is_text(value):
        return "".join(part if isinstance(part, str) else _as_text(part, names) for part in value["text"])
    if isinstance(value, list):
        return [_as_text(item, names) for item in value]
    return value


def backwards(apps, schema_editor):  # noqa: ARG001 - migration signature
    for Event, batch in _events(apps):  # noqa: N806
        names = _names(apps, batch)
        changed = []
        for event in batch:
            changes = dict(event.changes)
            for name in _CONVERT:
                if name in changes:
                    changes[name] = _as_text(changes[name], names)
            if changes != event.changes:
                event.changes = changes
                changed.append(event)
        Event.objects.bulk_update(changed, ["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_stamps_unchecked"),
        ("parties", "0014_import_job_lease"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
