"""Organizations and contacts: create, update, trash, restore, tag, assign, and create
unless a look-alike exists.

Collections (e-mails, phones, addresses, tags, affiliations): None leaves them as
they are; a list replaces them.

Each action checks permission, validates, writes and logs, in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from clientela.core import records
from clientela.core.entities import Entity, entity_of
from clientela.core.visibility import require_delete, require_write
from clientela.parties import duplicates
from clientela.parties.entities import CONTACT, ORGANIZATION
from clientela.parties.models import (
    Contact,
    Organization,
)
from clientela.parties.rules import (
    Collections,
    check_before_create,
    check_parent,
    clean_all,
    touched_collections,
)
from clientela.parties.writes import apply_collections, refresh_denormalised

if TYPE_CHECKING:
    from clientela.accounts.models import User


# --- shared write helpers ----------------------------------------------------------


def _create(actor: User, entity: Entity, values: dict[str, Any], given: Collections) -> Any:
    require_write(actor)
    cleaned, collections = clean_all(actor, entity, values, given, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)
    cleaned["custom"] = collections.pop("custom", {})

    def after_insert(record: Any) -> dict[str, list[Any]]:
        changes = apply_collections(actor, record, collections)
        refresh_denormalised(record)
        return changes

    return records.create_record(
        entity.model, actor=actor, values=cleaned, action=f"{entity.name}.create", after_insert=after_insert
    )


def _update(
    actor: User,
    record: Any,
    values: dict[str, Any],
    given: Collections,
    *,
    expected_version: int | None = None,
    merge: bool = False,
    allowed: frozenset[str] | set[str] | None = None,
) -> Any:
    entity = entity_of(record)
    require_write(actor, record)
    cleaned, collections = clean_all(actor, entity, values, given, record, allowed=allowed)
    if "custom" in collections:
        cleaned["custom"] = collections.pop("custom")
    if isinstance(record, Organization) and cleaned.get("parent") is not None:
        check_parent(record, cleaned["parent"])

    def after_write(current: Any) -> dict[str, list[Any]]:
        changes = apply_collections(actor, current, collections)
        refresh_denormalised(current)
        return changes

    return records.update_record(
        record, actor=actor, values=cleaned, action=f"{entity.name}.update",
        expected_version=expected_version, merge=merge, after_write=after_write, touched=touched_collections(given),
    )  # fmt: skip


def _trash(actor: User, record: Any, expected_version: int | None) -> Any:
    require_delete(actor, record)
    action = f"{entity_of(record).name}.trash"
    return records.trash_record(record, actor=actor, action=action, expected_version=expected_version)


def _restore(actor: User, record: Any) -> Any:
    require_delete(actor, record)
    return records.restore_record(record, actor=actor, action=f"{entity_of(record).name}.restore")


# --- public actions ------------------------------------------------------------------


def organization_create(*, actor: User, values: dict[str, Any], collections: Collections | None = None) -> Organization:
    return _create(actor, ORGANIZATION, values, collections or Collections())


def organization_update(
    *,
    actor: User,
    organization: Organization,
    values: dict[str, Any],
    collections: Collections | None = None,
    expected_version: int | None = None,
    merge: bool = False,
) -> Organization:
    given = collections or Collections()
    return _update(actor, organization, values, given, expected_version=expected_version, merge=merge)


def organization_trash(*, actor: User, organization: Organization, expected_version: int | None = None) -> Organization:
    return _trash(actor, organization, expected_version)


def organization_restore(*, actor: User, organization: Organization) -> Organization:
    return _restore(actor, organization)


def contact_create(*, actor: User, values: dict[str, Any], collections: Collections | None = None) -> Contact:
    return _create(actor, CONTACT, values, collections or Collections())


def contact_update(
    *,
    actor: User,
    contact: Contact,
    values: dict[str, Any],
    collections: Collections | None = None,
    expected_version: int | None = None,
    merge: bool = False,
) -> Contact:
    given = collections or Collections()
    return _update(actor, contact, values, given, expected_version=expected_version, merge=merge)


def contact_trash(*, actor: User, contact: Contact, expected_version: int | None = None) -> Contact:
    return _trash(actor, contact, expected_version)


def contact_restore(*, actor: User, contact: Contact) -> Contact:
    return _restore(actor, contact)


def record_add_tags(*, actor: User, record: Contact | Organization, names: list[str]) -> Contact | Organization:
    """Bulk action: add tags, keeping the ones the record has."""
    current = list(record.tags.values_list("name", flat=True))
    tags = current + [n for n in names if n not in current]
    return _update(actor, record, {}, Collections(tags=tags), allowed=set())


def record_assign(
    *, actor: User, record: Contact | Organization, owner: Any, team: Any = None
) -> Contact | Organization:
    """Bulk action: give the record a new owner (and team, when given)."""
    values: dict[str, Any] = {"owner": owner}
    if team is not None:
        values["team"] = team
    return _update(actor, record, values, Collections())


# --- duplicates, merge and relationships (code in duplicates.py, merge.py, relationships.py) ---


def contact_create_checked(
    *, actor: User, values: dict[str, Any], collections: Collections | None = None, allow_duplicates: bool = False
) -> Contact:
    """`contact_create`, refused with `DuplicateSuspected` when visible records look the same
    (same e-mail, phone or similar name) unless `allow_duplicates`."""

    given = collections or Collections()
    if allow_duplicates:
        return contact_create(actor=actor, values=values, collections=given)
    require_write(actor)
    region = check_before_create(actor, CONTACT, values, given)
    probe = duplicates.probe_from_values("contact", values, emails=given.emails, phones=given.phones, region=region)
    with transaction.atomic():  # one check-and-create at a time per e-mail, phone, tax id and name
        records.lock_keys("contact", duplicates.identity_keys(probe))
        found = duplicates.find_duplicates(actor, probe)
        if found:
            raise duplicates.DuplicateSuspected(found)
        return contact_create(actor=actor, values=values, collections=given)


def organization_create_checked(
    *, actor: User, values: dict[str, Any], collections: Collections | None = None, allow_duplicates: bool = False
) -> Organization:
    """`organization_create`, refused with `DuplicateSuspected` when visible records look the
    same (same tax id, e-mail, phone or similar name) unless `allow_duplicates`."""

    given = collections or Collections()
    if allow_duplicates:
        return organization_create(actor=actor, values=values, collections=given)
    require_write(actor)
    region = check_before_create(actor, ORGANIZATION, values, given)
    probe = duplicates.probe_from_values(
        "organization", values, emails=given.emails, phones=given.phones, region=region
    )
    with transaction.atomic():  # one check-and-create at a time per e-mail, phone, tax id and name
        records.lock_keys("organization", duplicates.identity_keys(probe))
        found = duplicates.find_duplicates(actor, probe)
        if found:
            raise duplicates.DuplicateSuspected(found)
        return organization_create(actor=actor, values=values, collections=given)
