"""Named links between two parties (contact or organization on either side).

The public surface is `actions.relationship_create` / `actions.relationship_delete`
(writes) and `queries.relationships_of` (reads); this module holds their code.
A relationship is part of both parties' state: creating or deleting one bumps
both records' versions and appends an event to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clientela.core import entities, records
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.references import ref_text
from clientela.core.visibility import can_see, require_write
from clientela.parties.models import Contact, Organization, Relationship

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from clientela.accounts.models import User

Party = Contact | Organization
MAX_NOTE = 200

# How a relationship reads from its "to" side ("Anna reports to Bob": Bob *manages* Anna).
INVERSE_LABELS: dict[str, Promise] = {
    Relationship.Kind.REPORTS_TO: _("manages"),
    Relationship.Kind.SPOUSE: _("spouse of"),
    Relationship.Kind.FAMILY: _("family of"),
    Relationship.Kind.REFERRED_BY: _("referred"),
    Relationship.Kind.PARTNER: _("partner of"),
    Relationship.Kind.SUPPLIER: _("customer of"),
    Relationship.Kind.COMPETITOR: _("competitor of"),
    Relationship.Kind.OTHER: _("related to"),
}


def entity_of(party: Party) -> str:
    """The party's entity name ("contact", "organization"), from its declaration."""
    return entities.entity_of(party).name


def ends(relationship: Relationship) -> tuple[Party | None, Party | None]:
    """(from, to) parties of a relationship."""
    return (
        relationship.from_contact or relationship.from_organization,
        relationship.to_contact or relationship.to_organization,
    )


def describe(from_party: Party, to_party: Party, kind: str) -> dict[str, list[Any]]:
    """The change-log form of a relationship, the same on both sides: a text naming both parties
    by reference ("<from> —partner→ <to>"), rendered for each reader (`core/references.py`)."""
    return ref_text(from_party, f" —{kind}→ ", to_party)


def _side_filter(prefix: str, party: Party) -> Q:
    return Q(**{f"{prefix}_{entity_of(party)}": party})


def _set_ends(relationship: Relationship, from_party: Party, to_party: Party) -> None:
    relationship.from_contact = from_party if isinstance(from_party, Contact) else None
    relationship.from_organization = from_party if isinstance(from_party, Organization) else None
    relationship.to_contact = to_party if isinstance(to_party, Contact) else None
    relationship.to_organization = to_party if isinstance(to_party, Organization) else None


def same_party(a: Party | None, b: Party | None) -> bool:
    return a is not None and b is not None and type(a) is type(b) and a.pk == b.pk


def create(*, actor: User, from_party: Party, to_party: Party, kind: str, note: str = "") -> Relationship:
    require_write(actor, from_party)
    require_write(actor, to_party)
    errors: list[FieldError] = []
    if not isinstance(from_party, Contact | Organization) or not isinstance(to_party, Contact | Organization):
        raise ValidationFailed.single("to", "invalid", gettext("both sides must be a contact or an organization"))
    if from_party.in_trash:
        errors.append(FieldError("from", "in_trash", gettext("this record is in the trash")))
    if to_party.in_trash:
        errors.append(FieldError("to", "in_trash", gettext("that record is in the trash")))
    if same_party(from_party, to_party):
        errors.append(FieldError("to", "self", gettext("a record cannot be related to itself")))
    if kind not in Relationship.Kind.values:
        errors.append(
            FieldError(
                "kind",
                "invalid",
                gettext("must be one of: %(choices)s") % {"choices": ", ".join(Relationship.Kind.values)},
            )
        )
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > MAX_NOTE:
        errors.append(
            FieldError("note", "invalid", gettext("must be at most %(count)d characters") % {"count": MAX_NOTE})
        )
    if "\x00" in note:
        errors.append(FieldError("note", "invalid", gettext("must not contain NUL characters")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        exists = Relationship.objects.filter(
            _side_filter("from", from_party), _side_filter("to", to_party), kind=kind
        ).exists()
        if exists:
            raise ValidationFailed.single("to", "duplicate", gettext("this relationship exists already"))
        relationship = Relationship(kind=kind, note=note)
        _set_ends(relationship, from_party, to_party)
        relationship.save()
        text = describe(from_party, to_party, kind)
        data = {"relationship": _as_data(relationship, from_party, to_party)}
        for party in (from_party, to_party):
            records.bump_record(
                party,
                actor=actor,
                action=f"{entity_of(party)}.relationship_add",
                changes={"relationships": [None, text]},
                data=data,
            )
    return relationship


def delete(*, actor: User, relationship: Relationship) -> None:
    from_party, to_party = ends(relationship)
    for party in (from_party, to_party):
        if party is not None:
            require_write(actor, party)
    with transaction.atomic():
        text = describe(from_party, to_party, relationship.kind) if from_party and to_party else None
        data = {"relationship": _as_data(relationship, from_party, to_party)}
        Relationship.objects.filter(pk=relationship.pk).delete()
        for party in (from_party, to_party):
            if party is not None:
                records.bump_record(
                    party,
                    actor=actor,
                    action=f"{entity_of(party)}.relationship_remove",
                    changes={"relationships": [text, None]},
                    data=data,
                )


def _as_data(relationship: Relationship, from_party: Party | None, to_party: Party | None) -> dict[str, Any]:
    """Enough to recreate a deleted relationship from the change log."""
    return {
        "id": str(relationship.public_id),
        "kind": relationship.kind,
        "note": relationship.note,
        "from": [entity_of(from_party), str(from_party.public_id)] if from_party else None,
        "to": [entity_of(to_party), str(to_party.public_id)] if to_party else None,
    }


@dataclass(frozen=True)
class RelatedParty:
    """One relationship as seen from one of its parties."""

    relationship: Relationship
    other: Party
    outgoing: bool  # the record is the relationship's "from" side

    @property
    def label(self) -> str:
        if self.outgoing:
            return str(Relationship.Kind(self.relationship.kind).label)
        return str(INVERSE_LABELS[self.relationship.kind])

    @property
    def entity(self) -> str:
        return entity_of(self.other)


def of(user: User, record: Party) -> list[RelatedParty]:
    """The record's relationships whose other side `user` may see (not in the trash); one query."""
    side = entity_of(record)
    rows = (
        Relationship.objects.filter(Q(**{f"from_{side}": record}) | Q(**{f"to_{side}": record}))
        .select_related("from_contact", "from_organization", "to_contact", "to_organization")
        .order_by("id")
    )
    result: list[RelatedParty] = []
    for relationship in rows:
        from_party, to_party = ends(relationship)
        outgoing = same_party(from_party, record)
        other = to_party if outgoing else from_party
        if other is None or other.in_trash or not can_see(user, other):
            continue
        result.append(RelatedParty(relationship, other, outgoing))
    return result
