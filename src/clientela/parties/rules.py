"""The rules of organizations and contacts, in one place: which fields each has, how its
derived columns are computed, how values and collections are cleaned, when a name is
required, where a parent may sit, who may import.

Pure rules: nothing here writes. The single-record actions (`actions.py`), the bulk
import (`importing/`), merge (`merge.py`) and the API/forms all check input with these
functions, so a value accepted by one interface is accepted by all and refused with
the same message by all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from clientela.core.entities import URL, Entity
from clientela.core.errors import FieldError, PermissionDenied, ValidationFailed
from clientela.core.validation import clean_values
from clientela.core.visibility import require_write
from clientela.parties import normalize
from clientela.parties.cleaning import (
    check_assignment,
    clean_addresses,
    clean_affiliations,
    clean_points,
    clean_tags,
    parent_links,
    parent_problem,
    resolve_people,
    visible_organization,
)
from clientela.parties.customfields import clean_custom
from clientela.parties.entities import CONTACT, ORGANIZATION, ORGANIZATIONS
from clientela.parties.models import Address, ContactPoint, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User

# The fields an action accepts in `values`, from each entity's one declaration (entities.py).
CONTACT_FIELDS = CONTACT.writable
ORGANIZATION_FIELDS = ORGANIZATION.writable


@dataclass
class Collections:
    """Child collections given to a create or update (None = unchanged)."""

    emails: list[dict[str, Any] | str] | None = None  # {"value": ..., "label": ...} or just the value
    phones: list[dict[str, Any] | str] | None = None
    addresses: list[dict[str, Any]] | None = None
    tags: list[str] | None = None
    affiliations: list[dict[str, Any]] | None = None  # contacts only: organization, role, is_primary
    custom: dict[str, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)


def touched_collections(given: Collections) -> list[str]:
    """The change-log names of the collections an update replaces (a stale writer who replaces
    one that somebody else changed meanwhile is in conflict)."""
    names = {"emails": given.emails, "phones": given.phones, "addresses": given.addresses, "tags": given.tags}
    touched = [name for name, items in names.items() if items is not None]
    if given.affiliations is not None:
        touched.append("organizations")
    return touched


# --- derived columns -----------------------------------------------------------------


def contact_derived_fields(
    first_name: str, last_name: str, emails: list[str], phones: list[str], phone_keys: list[str]
) -> dict[str, str]:
    """The denormalised columns of a contact (e-mails/phones primary first; `phone_keys`: the
    phones' normalised forms, so "+36209607198" finds "06 20 960 7198"); pure, shared with the import.

    The search text holds the contact's own words only, not its organizations' names: one text
    serves every reader, and a reader who may not see an organization must not find its
    people by its name (searching finds the organization itself, where it is visible)."""
    full_name = f"{first_name} {last_name}".strip()
    return {
        "primary_email": emails[0] if emails else "",
        "primary_phone": phones[0] if phones else "",
        "name_key": normalize.name_key(full_name),
        "name_sort": normalize.sort_name(last_name, first_name),
        "search_text": normalize.search_text(full_name, *emails, *phones, *_e164_only(phones, phone_keys)),
    }


def _e164_only(phones: list[str], keys: list[str]) -> list[str]:
    """The E.164 forms that are not already written as typed."""
    return [key for key in keys if key.startswith("+") and key not in phones]


def organization_derived_fields(
    name: str, legal_name: str, tax_id: str, website: str, emails: list[str], phones: list[str], phone_keys: list[str]
) -> dict[str, str]:
    """The denormalised columns of an organization; pure, shared with the import."""
    return {
        "name_key": normalize.name_key(name),
        "name_sort": normalize.sort_name(name),
        "tax_id_normalized": normalize.tax_id_key(tax_id),
        "search_text": normalize.search_text(
            name, legal_name, tax_id, website, *emails, *phones, *_e164_only(phones, phone_keys)
        ),
    }


# --- cleaning --------------------------------------------------------------------------


def record_phone_region(actor: User, addresses: list[Address] | None, current: Any | None, team: Team | None) -> str:
    """The country a record's phones written without one are read in: its addresses' (the
    given ones, else its current ones), else its team's (`team` given, else its current
    team, else the actor's), else the installation's."""
    if addresses is None:
        addresses = list(current.addresses.all()) if current is not None and current.pk else []
    if team is None:
        team = getattr(current, "team", None) or getattr(actor, "team", None)
    return normalize.phone_region((a.country for a in addresses), team)


def clean_collections(
    actor: User, entity: Entity, given: Collections, current: Any | None, *, team: Team | None = None
) -> dict[str, Any]:
    """The record's collections cleaned (`team`: the team the record is given, when it is
    given one; phones without a country are read as numbers of its region)."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    if given.emails is not None:
        cleaned["emails"] = clean_points(ContactPoint.Kind.EMAIL, given.emails, errors)
    if given.addresses is not None:
        cleaned["addresses"] = clean_addresses(given.addresses, errors)
    if given.phones is not None:
        region = record_phone_region(actor, cleaned.get("addresses"), current, team)
        cleaned["phones"] = clean_points(ContactPoint.Kind.PHONE, given.phones, errors, region)
    if given.tags is not None:
        cleaned["tags"] = clean_tags(given.tags, errors)
    if given.affiliations is not None and ORGANIZATIONS in entity.collections:
        cleaned["affiliations"] = clean_affiliations(actor, given.affiliations, errors)
    if given.custom is not None or current is None:
        try:
            cleaned["custom"] = clean_custom(
                entity.name, given.custom or {}, existing=getattr(current, "custom", None), creating=current is None
            )
        except ValidationFailed as failed:
            errors.extend(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def clean_record_values(
    actor: User,
    entity: Entity,
    values: dict[str, Any],
    current: Any | None,
    *,
    allowed: frozenset[str] | set[str] | None = None,
) -> dict[str, Any]:
    """The entity's own values, people and references, cleaned by the model's field rules
    (`allowed`: the fields that may be given; default every writable field of the entity)."""
    values = resolve_people(dict(values))
    for reference in entity.references:  # an organization's parent: a visible organization, by id
        given = values.get(reference.name)
        if given == "":
            values[reference.name] = None
        elif given is not None and not isinstance(given, Organization):
            found = visible_organization(actor, given)
            if found is None:
                raise ValidationFailed.single(reference.name, "not_found", _("no such organization"))
            values[reference.name] = found
    linked = (*entity.people, *(r.name for r in entity.references))
    people: dict[str, Any] = {k: values.pop(k) for k in linked if k in values}
    cleaned = clean_values(entity.model, values, allowed=entity.writable if allowed is None else allowed)
    cleaned.update(people)
    for name, value in cleaned.items():
        if value and name in entity.value_fields and entity.widget(name) == URL:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                raise ValidationFailed.single(name, "invalid", _("must be an http(s) address")) from None
    check_assignment(actor, {k: v for k, v in cleaned.items() if k in entity.people}, current)
    return cleaned


def require_name(entity: Entity, values: dict[str, Any], current: Any | None) -> None:
    value = values.get(entity.name_field, getattr(current, entity.name_field, ""))
    if not value:
        raise ValidationFailed.single(entity.name_field, "required", _("is required"))


def clean_all(
    actor: User,
    entity: Entity,
    values: dict[str, Any],
    given: Collections,
    current: Any,
    *,
    allowed: frozenset[str] | set[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every check at once, so the user sees all bad fields in one round."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    collections: dict[str, Any] = {}
    try:
        cleaned = clean_record_values(actor, entity, values, current, allowed=allowed)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    try:
        require_name(entity, {**values, **cleaned}, current)
    except ValidationFailed as failed:
        if not any(e.field == failed.errors[0].field for e in errors):
            errors.extend(failed.errors)
    try:
        collections = clean_collections(actor, entity, given, current, team=cleaned.get("team"))
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned, collections


def check_parent(organization: Organization, parent: Organization) -> None:
    """A parent may not be the organization itself or one of its subsidiaries."""
    problem = parent_problem(organization.pk, parent.pk, parent_links({parent.pk}))
    if problem is not None:
        raise ValidationFailed.single("parent", "invalid", problem)


def check_before_create(actor: User, entity: Entity, values: dict[str, Any], given: Collections) -> str:
    """Validate as the create would (raising ValidationFailed), so bad input is reported
    before a duplicate warning; writes nothing. Returns the country the record's phones are
    read in (for the duplicate check)."""
    cleaned = clean_record_values(actor, entity, values, None)
    require_name(entity, cleaned, None)
    collections = clean_collections(actor, entity, given, None, team=cleaned.get("team"))
    return record_phone_region(actor, collections.get("addresses"), None, cleaned.get("team"))


def require_import(actor: User) -> None:
    """The actor may write records and import files."""
    require_write(actor)
    if not actor.policy.can_import:
        raise PermissionDenied(_("your role may not import records"))
