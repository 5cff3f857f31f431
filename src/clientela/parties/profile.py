"""What the contact and organization 360° pages show, read within the user's scope.

Linked records (organizations of a contact, people of an organization, the other
side of a relationship) appear only when the user may see them; the page says how
many others there are without naming them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from clientela.core import references
from clientela.core.models import Event
from clientela.core.moments import shown_iso
from clientela.core.visibility import can_see
from clientela.parties import queries
from clientela.parties.forms import COLLECTION_LABELS, canonical_custom
from clientela.parties.models import Contact, CustomField, Organization, Relationship

if TYPE_CHECKING:
    from clientela.accounts.models import User

HISTORY_LIMIT = 100


@dataclass
class ChangeRow:
    label: str
    old: str
    new: str
    field: str = ""  # the field's name ("custom" for a custom field's key)


@dataclass
class HistoryEntry:
    event: Event
    rows: list[ChangeRow] = field(default_factory=list)
    # the event is about a record that was later merged into this one
    from_merged: bool = False


@dataclass
class Linked:
    record: Contact | Organization
    text: str
    relationship_id: uuid.UUID | None = None
    note: str = ""


def custom_values(record: Contact | Organization, definitions: list[CustomField]) -> list[tuple[str, str]]:
    """(label, display value) for every defined custom field, in order."""
    result = []
    for definition in definitions:
        value = record.custom.get(definition.key)
        shown = canonical_custom(definition, value)
        if definition.type == CustomField.Type.BOOLEAN and shown:
            shown = _("Yes") if value is True else _("No")
        result.append((definition.label, shown.replace("\n", ", ")))
    return result


def contact_organizations(user: User, contact: Contact) -> tuple[list[Any], list[Any]]:
    """The contact's affiliations to organizations the user can see, and the others."""
    shown, hidden = [], []
    for affiliation in contact.affiliations.all():
        organization = affiliation.organization
        if organization.deleted_at is None and can_see(user, organization):
            shown.append(affiliation)
        else:
            hidden.append(affiliation)
    return shown, hidden


def organization_people(user: User, organization: Organization) -> tuple[list[Any], int]:
    shown, hidden = [], 0
    for affiliation in organization.affiliations.all():
        contact = affiliation.contact
        if contact.deleted_at is None and can_see(user, contact):
            shown.append(affiliation)
        else:
            hidden += 1
    return shown, hidden


def subsidiaries(user: User, organization: Organization) -> list[Organization]:
    return list(queries.organizations_visible(user).filter(parent=organization).order_by("name")[:50])


def relationships(user: User, record: Contact | Organization) -> list[Linked]:
    """Relationships from or to the record whose other side the user can see, from its side."""
    return [
        Linked(
            record=link.other,
            text=link.label,
            relationship_id=link.relationship.public_id,
            note=link.relationship.note,
        )
        for link in queries.relationships_of(user, record)
    ]


def _display(value: Any, choices: dict[str, str] | None = None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_display(v)}" for k, v in sorted(value.items()))
    if choices and str(value) in choices:
        return str(choices[str(value)])
    if isinstance(value, str):
        shown = shown_iso(value)
        if shown is not None:
            return shown
    return str(value)


def _readable_link(text: Any, event: Event) -> Any:
    """Turn "A —reports_to→ B", as logged, into "A reports to B"."""
    link = event.data.get("relationship") if isinstance(event.data, dict) else None
    kind = link.get("kind") if isinstance(link, dict) else None
    if not isinstance(text, str) or kind not in Relationship.Kind.values:
        return text
    return text.replace(f" —{kind}→ ", f" {Relationship.Kind(kind).label} ", 1)


def _label_and_choices(model: type[Model], name: str) -> tuple[str, dict[str, str] | None]:
    """How a changed field is named in the history, and its choices' labels."""
    if name in COLLECTION_LABELS:  # collections are reverse relations or many-to-many
        return str(COLLECTION_LABELS[name]), None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # retired fields have no model field
        return name, None
    label = str(getattr(model_field, "verbose_name", name))
    choices = getattr(model_field, "choices", None)
    return label, ({str(k): str(v) for k, v in choices} if choices else None)


def history_entries(user: User, record: Contact | Organization, definitions: list[CustomField]) -> list[HistoryEntry]:
    """The record's change log, and those of records merged into it, newest first,
    with field names and values people read.

    Other records the log refers to (an owner, a parent, an organization the contact works
    for, the other side of a relationship) are named as `user` may see them now: by their
    current name, or as a record they cannot see (`core/references.py`), so the history names
    no more than the page does.
    """
    events = queries.merged_history(record, limit=HISTORY_LIMIT)
    return change_entries(user, record, events, definitions)


def change_entries(user: User, record: Any, events: list[Event], definitions: list[CustomField]) -> list[HistoryEntry]:
    """`events` of `record` (or of records merged into it) as the history shows them: each
    changed field by its label, old and new values people read, other records named as `user`
    may see them. Any record type's events read this way (another app's timeline uses it)."""
    names = references.names_for(user, events)
    model = type(record)
    hidden = _restricted(user, record)
    labels = {d.key: d.label for d in definitions}
    entries = []
    for event in events:
        entry = HistoryEntry(event=event, from_merged=event.record_id != record.public_id)
        for name, pair in sorted(references.shown_changes(event, names).items()):
            if not isinstance(pair, list) or len(pair) != 2 or name == "deleted_at":
                continue
            old, new = pair
            if name == "relationships":
                old, new = _readable_link(old, event), _readable_link(new, event)
            if name == "custom":
                old, new = old or {}, new or {}
                for key in sorted(set(old) | set(new)):
                    if old.get(key) != new.get(key):
                        entry.rows.append(
                            ChangeRow(labels.get(key, key), _display(old.get(key)), _display(new.get(key)), "custom")
                        )
                continue
            label, choices = _label_and_choices(model, name)
            entry.rows.append(
                ChangeRow(label[:1].upper() + label[1:], _display(old, choices), _display(new, choices), name)
            )
        entry.rows = [row for row in entry.rows if row.field not in hidden]
        entries.append(entry)
    return entries


def _restricted(user: User, record: Any) -> set[str]:
    """The fields of a contact its person restricted, unless the reader may see them (not audited:
    a change log shows what changed, the page's own read is audited once)."""
    if not isinstance(record, Contact):
        return set()
    known = getattr(record, "_restricted_fields", None)  # the page asked already
    if known is not None:
        return set(known)
    from clientela.core import personal_data

    return personal_data.guard(user, "parties.contact", [record], "").get(record.pk, set())


def recent_changes(user: User, *, limit: int = 15) -> list[Event]:
    """The latest events of contacts and organizations the user can see now."""
    from clientela.core.visibility import visibility_filter

    base = Event.objects.filter(record_type__in=("parties.contact", "parties.organization"))
    if visibility_filter(user) is not None:
        base = base.filter(
            Q(record_type="parties.contact", record_id__in=queries.contacts_visible(user).values("public_id"))
            | Q(
                record_type="parties.organization",
                record_id__in=queries.organizations_visible(user).values("public_id"),
            )
        )
    return list(base.select_related("actor").order_by("-id")[:limit])


# The collections of the 360° page a person may restrict, by the context key that shows them.
_RESTRICTABLE_COLLECTIONS = {"addresses": "addresses", "phones": "phones", "custom": "custom_values"}


def hide_restricted(user: Any, record: Any, context: dict[str, Any], *, via: str) -> list[str]:
    """Blank, on the page only, the fields the person restricted (unless the reader may see them,
    `core.personal_data`); returns their names. The guard audits the sensitive fields shown."""
    from clientela.core import personal_data

    hidden = personal_data.guard(user, "parties.contact", [record], via).get(record.pk, set())
    record._restricted_fields = frozenset(hidden)  # the page's history and timeline hide them too
    for name in hidden:
        if name in _RESTRICTABLE_COLLECTIONS:
            context[_RESTRICTABLE_COLLECTIONS[name]] = []
        elif hasattr(record, name):
            setattr(record, name, None if name in ("birth_date", "children") else "")
    return sorted(hidden)


def blank_restricted_inputs(user: Any, record: Any, state: Any) -> None:
    """The edit form starts with the fields the person restricted empty (for a reader who may not
    see them); the baseline it signs is empty too, so leaving them so changes nothing."""
    for name in _restricted(user, record):
        if name in state.values:
            state.values[name] = ""
