"""Links between two parties (the work is done in `parties/relationships.py`).

Each action checks permission, validates, writes and logs, in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientela.parties import relationships
from clientela.parties.models import (
    Contact,
    Organization,
    Relationship,
)

if TYPE_CHECKING:
    from clientela.accounts.models import User


def relationship_create(
    *, actor: User, from_party: Contact | Organization, to_party: Contact | Organization, kind: str, note: str = ""
) -> Relationship:
    """Link two parties the actor may change; one event on each."""

    return relationships.create(actor=actor, from_party=from_party, to_party=to_party, kind=kind, note=note)


def relationship_delete(*, actor: User, relationship: Relationship) -> None:
    """Remove a link; both parties must be changeable by the actor; one event on each."""

    relationships.delete(actor=actor, relationship=relationship)
