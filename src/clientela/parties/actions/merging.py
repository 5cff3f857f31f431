"""Merging duplicates into one record (the work is done in `parties/merge.py`).

Each action checks permission, validates, writes and logs, in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientela.parties import merge
from clientela.parties.models import Contact, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import User


def contact_merge(
    *,
    actor: User,
    survivor: Contact,
    duplicates: list[Contact],
    field_choices: dict[str, Any] | None = None,
    expected_versions: dict[Any, int] | None = None,
) -> Contact:
    """Merge `duplicates` into `survivor`, keeping every related record (see parties/merge.py).

    field_choices: {field or "custom.<key>": public id of the record whose value wins};
    expected_versions: {public id: version} checked against each record (Conflict when stale).
    """
    return merge.merge(actor=actor, survivor=survivor, duplicates=duplicates, field_choices=field_choices,
                       expected_versions=expected_versions)  # fmt: skip


def organization_merge(
    *,
    actor: User,
    survivor: Organization,
    duplicates: list[Organization],
    field_choices: dict[str, Any] | None = None,
    expected_versions: dict[Any, int] | None = None,
) -> Organization:
    """Merge organizations; subsidiaries, affiliations and relationships move to the survivor."""
    return merge.merge(actor=actor, survivor=survivor, duplicates=duplicates, field_choices=field_choices,
                       expected_versions=expected_versions)  # fmt: skip
