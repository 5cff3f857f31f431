"""Every write to organizations and contacts goes through these functions.

Each checks permission, validates, writes and appends one event per record, in
one transaction. Interfaces (pages, API, import, sync) call them and nothing else.

Collections (e-mails, phones, addresses, tags, affiliations): None leaves them as
they are; a list replaces them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.accounts.roles import Visibility
from clientela.core import records
from clientela.core.changelog import jsonable
from clientela.core.errors import FieldError, NotFound, ValidationFailed
from clientela.core.validation import check_text, clean_values
from clientela.core.visibility import require_delete, require_write
from clientela.parties import normalize
from clientela.parties.customfields import clean_custom
from clientela.parties.models import (
    Address,
    Affiliation,
    Contact,
    ContactPoint,
    CustomField,
    Organization,
    Relationship,
    Tag,
)

if TYPE_CHECKING:
    from clientela.accounts.models import User

ORGANIZATION_FIELDS = {
    "name",
    "legal_name",
    "tax_id",
    "industry",
    "size",
    "website",
    "parent",
    "customer_category",
    "lifecycle_stage",
    "source",
    "notes",
    "owner",
    "team",
}
CONTACT_FIELDS = {
    "first_name",
    "last_name",
    "title",
    "birth_date",
    "gender",
    "marital_status",
    "children",
    "occupation",
    "income_band",
    "language",
    "preferred_channel",
    "lifecycle_stage",
    "customer_category",
    "source",
    "notes",
    "owner",
    "team",
}
MAX_POINTS = 20
MAX_TAGS = 50


@dataclass
class Collections:
    """Child collections given to a create or update (None = unchanged)."""

    emails: list[dict[str, Any]] | None = None
    phones: list[dict[str, Any]] | None = None
    addresses: list[dict[str, Any]] | None = None
    tags: list[str] | None = None
    affiliations: list[dict[str, Any]] | None = None  # contacts only: organization, role, is_primary
    custom: dict[str, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)


# --- validation of collections -------------------------------------------------

class _EagerEmailValidator(EmailValidator):
    """Django's e-mail rule, its patterns compiled at import rather than looked up lazily per call
    (the import checks a million addresses; the rule is the same)."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)


_email_validator = _EagerEmailValidator()


def point_problem(kind: str, value: str) -> str | None:
    """Why `value` is not a valid e-mail address or phone number, or None when it is.

    The one rule for both the actions and the bulk import (which calls it per cell).
    """
    if kind == ContactPoint.Kind.EMAIL:
        try:
            if len(value) > 254:
                raise ValidationError("too long")
            _email_validator(value)
        except ValidationError:
            return _("%(value)r is not a valid e-mail address") % {"value": value[:80]}
        return None
    if not normalize.is_plausible_phone(value):
        return _("%(value)r is not a valid phone number") % {"value": value[:80]}
    return None


def point_key(kind: str, value: str) -> str:
    """The normalised form kept in `ContactPoint.normalized` for duplicate detection."""
    return normalize.email_key(value) if kind == ContactPoint.Kind.EMAIL else normalize.phone_key(value)


def _clean_points(kind: str, items: list[dict[str, Any]], errors: list[FieldError]) -> list[ContactPoint]:
    name = "emails" if kind == ContactPoint.Kind.EMAIL else "phones"
    if not isinstance(items, list):
        errors.append(FieldError(name, "invalid", _("must be a list")))
        return []
    if len(items) > MAX_POINTS:
        errors.append(FieldError(name, "too_many", _("at most %(count)d entries") % {"count": MAX_POINTS}))
        return []
    points: list[ContactPoint] = []
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object with a value")))
            continue
        value = str(item.get("value") or "").strip()
        label = item.get("label") or ContactPoint.Label.WORK
        check_text(where, value, errors)
        if errors and errors[-1].field == where:
            continue
        if not value:
            errors.append(FieldError(f"{where}.value", "required", _("is required")))
            continue
        if label not in ContactPoint.Label.values:
            errors.append(
                FieldError(
                    f"{where}.label",
                    "invalid",
                    _("must be one of: %(choices)s") % {"choices": ", ".join(ContactPoint.Label.values)},
                )
            )
            continue
        problem = point_problem(kind, value)
        if problem is not None:
            errors.append(FieldError(f"{where}.value", "invalid", problem))
            continue
        normalized = point_key(kind, value)
        points.append(
            ContactPoint(
                kind=kind, label=label, value=value, normalized=normalized, is_primary=bool(item.get("is_primary"))
            )
        )
    if points and not any(p.is_primary for p in points):
        points[0].is_primary = True
    seen_primary = False
    for point in points:  # exactly one primary
        if point.is_primary and seen_primary:
            point.is_primary = False
        seen_primary = seen_primary or point.is_primary
    return points


_ADDRESS_FIELDS = ("label", "street", "city", "postal_code", "region", "country")


def _clean_addresses(items: list[dict[str, Any]], errors: list[FieldError]) -> list[Address]:
    if not isinstance(items, list) or len(items) > MAX_POINTS:
        errors.append(
            FieldError(
                "addresses", "invalid", _("must be a list of at most %(count)d addresses") % {"count": MAX_POINTS}
            )
        )
        return []
    result: list[Address] = []
    for index, item in enumerate(items):
        where = f"addresses[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object")))
            continue
        unknown = set(item) - set(_ADDRESS_FIELDS)
        if unknown:
            errors.append(FieldError(f"{where}.{sorted(unknown)[0]}", "unknown_field", _("is not an address field")))
            continue
        raw_country = item.get("country")
        country = raw_country.strip() if isinstance(raw_country, str) else raw_country
        if country and (not isinstance(country, str) or len(country) != 2 or not country.isalpha()):
            errors.append(FieldError(f"{where}.country", "invalid", _("must be a two-letter ISO country code")))
            continue
        try:
            values = clean_values(Address, {k: v for k, v in item.items()}, allowed=set(_ADDRESS_FIELDS))
        except ValidationFailed as failed:
            errors.extend(FieldError(f"{where}.{e.field}", e.code, e.message) for e in failed.errors)
            continue
        values["country"] = values.get("country", "").upper()
        result.append(Address(**values))
    return result


def _clean_tags(items: list[str], errors: list[FieldError]) -> list[str]:
    if not isinstance(items, list) or len(items) > MAX_TAGS:
        errors.append(
            FieldError("tags", "invalid", _("must be a list of at most %(count)d tags") % {"count": MAX_TAGS})
        )
        return []
    names: list[str] = []
    for index, item in enumerate(items):
        name = str(item).strip() if isinstance(item, str) else ""
        if not name or len(name) > 60 or "\x00" in name:
            errors.append(FieldError(f"tags[{index}]", "invalid", _("a tag is 1 to 60 characters of text")))
            continue
        if name not in names:
            names.append(name)
    return names


def _clean_affiliations(actor: User, items: list[dict[str, Any]], errors: list[FieldError]) -> list[Affiliation]:
    if not isinstance(items, list) or len(items) > MAX_POINTS:
        errors.append(
            FieldError(
                "organizations", "invalid", _("must be a list of at most %(count)d entries") % {"count": MAX_POINTS}
            )
        )
        return []
    result: list[Affiliation] = []
    for index, item in enumerate(items):
        where = f"organizations[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object with an organization")))
            continue
        organization = item.get("organization")
        if not isinstance(organization, Organization):
            organization = _visible_organization(actor, organization)
        if organization is None:
            errors.append(FieldError(f"{where}.organization", "not_found", _("no such organization")))
            continue
        role = str(item.get("role") or "").strip()
        if len(role) > 100 or "\x00" in role:
            errors.append(FieldError(f"{where}.role", "invalid", _("must be at most 100 characters")))
            continue
        if any(a.organization.pk == organization.pk and a.role == role for a in result):
            continue  # the same organization with the same role twice is one affiliation
        result.append(Affiliation(organization=organization, role=role, is_primary=bool(item.get("is_primary"))))
    if result and not any(a.is_primary for a in result):
        result[0].is_primary = True
    return result


def _visible_organization(actor: User, public_id: Any) -> Organization | None:
    from clientela.parties.queries import organization_get

    try:
        return organization_get(actor, public_id)
    except NotFound:
        return None


def _check_assignment(actor: User, values: dict[str, Any], current: Any | None) -> None:
    """Who may own a record: a user may assign within what they can see."""
    owner = values.get("owner", getattr(current, "owner", None))
    team = values.get("team", getattr(current, "team", None))
    visibility = actor.policy.visibility
    if visibility == Visibility.ALL:
        return
    errors: list[FieldError] = []
    if "team" in values and team is not None and team.pk != actor.team_id:
        errors.append(FieldError("team", "forbidden", _("you may only assign records to your own team")))
    outside_team = owner is not None and (
        visibility == Visibility.OWN or owner.team_id is None or owner.team_id != actor.team_id
    )
    if "owner" in values and owner is not None and owner.pk != actor.pk and outside_team:
        errors.append(FieldError("owner", "forbidden", _("you may only assign records to members of your team")))
    if errors:
        raise ValidationFailed(errors)


def _resolve_people(values: dict[str, Any]) -> dict[str, Any]:
    """Owner/team may come as model instances or public ids (API, import)."""
    from clientela.accounts.models import Team, User

    errors: list[FieldError] = []
    for name, model in (("owner", User), ("team", Team)):
        if name in values and values[name] is not None and not isinstance(values[name], model):
            found = model.objects.filter(public_id=values[name]).first() if _is_uuid(values[name]) else None
            if found is None and name == "owner":
                found = User.objects.filter(username=str(values[name])).first()
            if found is None and name == "team":
                found = Team.objects.filter(name=str(values[name])).first()
            if found is None:
                errors.append(FieldError(name, "not_found", _("no such %(thing)s") % {"thing": name}))
            values[name] = found
    if errors:
        raise ValidationFailed(errors)
    return values


def _is_uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- shared write helpers ----------------------------------------------------------


def _replace_points(record: Contact | Organization, points: list[ContactPoint], kind: str) -> list[str]:
    owner_field = "contact" if isinstance(record, Contact) else "organization"
    old = list(record.points.filter(kind=kind).order_by("-is_primary", "id").values_list("value", flat=True))
    record.points.filter(kind=kind).delete()
    for point in points:
        setattr(point, owner_field, record)
    ContactPoint.objects.bulk_create(points)
    return old


def _replace_addresses(record: Contact | Organization, addresses: list[Address]) -> list[str]:
    owner_field = "contact" if isinstance(record, Contact) else "organization"
    old = [str(a) for a in record.addresses.all()]
    record.addresses.all().delete()
    for address in addresses:
        setattr(address, owner_field, record)
    Address.objects.bulk_create(addresses)
    return old


def _set_tags(record: Contact | Organization, names: list[str]) -> list[str]:
    old = sorted(record.tags.values_list("name", flat=True))
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    record.tags.set([existing[n] for n in names])
    return old


def _refresh_denormalised(record: Contact | Organization) -> None:
    points = list(record.points.order_by("-is_primary", "id").values_list("kind", "value"))
    emails = [v for k, v in points if k == ContactPoint.Kind.EMAIL]
    phones = [v for k, v in points if k == ContactPoint.Kind.PHONE]
    if isinstance(record, Contact):
        orgs = list(record.affiliations.values_list("organization__name", flat=True))
        derived = contact_derived_fields(record.full_name, emails, phones, orgs)
    else:
        derived = organization_derived_fields(
            record.name, record.legal_name, record.tax_id, record.website, emails, phones
        )
    for name, value in derived.items():
        setattr(record, name, value)
    type(record).all_objects.filter(pk=record.pk).update(**derived)


def contact_derived_fields(full_name: str, emails: list[str], phones: list[str], orgs: list[str]) -> dict[str, str]:
    """The denormalised columns of a contact (e-mails/phones primary first); pure, shared with the import."""
    return {
        "primary_email": emails[0] if emails else "",
        "primary_phone": phones[0] if phones else "",
        "name_key": normalize.name_key(full_name),
        "search_text": normalize.search_text(full_name, *emails, *phones, *orgs),
    }


def organization_derived_fields(
    name: str, legal_name: str, tax_id: str, website: str, emails: list[str], phones: list[str]
) -> dict[str, str]:
    """The denormalised columns of an organization; pure, shared with the import."""
    return {
        "name_key": normalize.name_key(name),
        "tax_id_normalized": normalize.tax_id_key(tax_id),
        "search_text": normalize.search_text(name, legal_name, tax_id, website, *emails, *phones),
    }


def _apply_collections(actor: User, record: Contact | Organization, cleaned: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if "emails" in cleaned:
        old = _replace_points(record, cleaned["emails"], ContactPoint.Kind.EMAIL)
        new = [p.value for p in cleaned["emails"]]
        if old != new:
            changes["emails"] = [old, new]
    if "phones" in cleaned:
        old = _replace_points(record, cleaned["phones"], ContactPoint.Kind.PHONE)
        new = [p.value for p in cleaned["phones"]]
        if old != new:
            changes["phones"] = [old, new]
    if "addresses" in cleaned:
        old = _replace_addresses(record, cleaned["addresses"])
        new = [str(a) for a in cleaned["addresses"]]
        if old != new:
            changes["addresses"] = [old, new]
    if "tags" in cleaned:
        old = _set_tags(record, cleaned["tags"])
        if old != sorted(cleaned["tags"]):
            changes["tags"] = [old, sorted(cleaned["tags"])]
    if "affiliations" in cleaned and isinstance(record, Contact):
        old = [
            f"{a.organization.name}: {a.role}".rstrip(": ") for a in record.affiliations.select_related("organization")
        ]
        record.affiliations.all().delete()
        for affiliation in cleaned["affiliations"]:
            affiliation.contact = record
        Affiliation.objects.bulk_create(cleaned["affiliations"])
        new = [f"{a.organization.name}: {a.role}".rstrip(": ") for a in cleaned["affiliations"]]
        if old != new:
            changes["organizations"] = [old, new]
    return changes


def _clean_collections(actor: User, entity: str, given: Collections, current: Any | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    if given.emails is not None:
        cleaned["emails"] = _clean_points(ContactPoint.Kind.EMAIL, given.emails, errors)
    if given.phones is not None:
        cleaned["phones"] = _clean_points(ContactPoint.Kind.PHONE, given.phones, errors)
    if given.addresses is not None:
        cleaned["addresses"] = _clean_addresses(given.addresses, errors)
    if given.tags is not None:
        cleaned["tags"] = _clean_tags(given.tags, errors)
    if given.affiliations is not None:
        cleaned["affiliations"] = _clean_affiliations(actor, given.affiliations, errors)
    if given.custom is not None or current is None:
        try:
            cleaned["custom"] = clean_custom(
                entity, given.custom or {}, existing=getattr(current, "custom", None), creating=current is None
            )
        except ValidationFailed as failed:
            errors.extend(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _clean_record_values(
    actor: User, model: type, values: dict[str, Any], allowed: set[str], current: Any | None
) -> dict[str, Any]:
    values = _resolve_people(dict(values))
    if "parent" in values and values["parent"] not in (None, "") and not isinstance(values["parent"], Organization):
        parent = _visible_organization(actor, values["parent"])
        if parent is None:
            raise ValidationFailed.single("parent", "not_found", _("no such organization"))
        values["parent"] = parent
    elif "parent" in values and values["parent"] == "":
        values["parent"] = None
    people = {k: values.pop(k) for k in ("owner", "team", "parent") if k in values}
    cleaned = clean_values(model, values, allowed=allowed)
    cleaned.update(people)
    if model is Organization and "website" in cleaned and cleaned["website"]:
        try:
            URLValidator(schemes=["http", "https"])(cleaned["website"])
        except ValidationError:
            raise ValidationFailed.single("website", "invalid", _("must be an http(s) address")) from None
    _check_assignment(actor, {k: v for k, v in cleaned.items() if k in {"owner", "team"}}, current)
    return cleaned


def _require_name(model: type, values: dict[str, Any], current: Any | None) -> None:
    name_field = "name" if model is Organization else "last_name"
    value = values.get(name_field, getattr(current, name_field, ""))
    if not value:
        raise ValidationFailed.single(name_field, "required", _("is required"))


def _clean_all(
    actor: User, model: type, entity: str, values: dict[str, Any], given: Collections, allowed: set[str], current: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every check at once, so the user sees all bad fields in one round."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    collections: dict[str, Any] = {}
    try:
        cleaned = _clean_record_values(actor, model, values, allowed, current)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    try:
        _require_name(model, {**values, **cleaned}, current)
    except ValidationFailed as failed:
        if not any(e.field == failed.errors[0].field for e in errors):
            errors.extend(failed.errors)
    try:
        collections = _clean_collections(actor, entity, given, current)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned, collections


def _create(
    actor: User, model: type, entity: str, values: dict[str, Any], given: Collections, allowed: set[str]
) -> Any:
    require_write(actor)
    cleaned, collections = _clean_all(actor, model, entity, values, given, allowed, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)
    cleaned["custom"] = collections.pop("custom", {})

    def after_insert(record: Any) -> dict[str, list[Any]]:
        changes = _apply_collections(actor, record, collections)
        _refresh_denormalised(record)
        return changes

    return records.create_record(
        model, actor=actor, values=cleaned, action=f"{entity}.create", after_insert=after_insert
    )


def _update(
    actor: User,
    record: Any,
    entity: str,
    values: dict[str, Any],
    given: Collections,
    allowed: set[str],
    expected_version: int | None,
    merge: bool,
) -> Any:
    require_write(actor, record)
    cleaned, collections = _clean_all(actor, type(record), entity, values, given, allowed, record)
    if "custom" in collections:
        cleaned["custom"] = collections.pop("custom")
    if isinstance(record, Organization) and cleaned.get("parent") is not None:
        _check_parent(record, cleaned["parent"])

    def after_write(current: Any) -> dict[str, list[Any]]:
        changes = _apply_collections(actor, current, collections)
        _refresh_denormalised(current)
        return changes

    return records.update_record(
        record, actor=actor, values=cleaned, action=f"{entity}.update",
        expected_version=expected_version, merge=merge, after_write=after_write,
    )  # fmt: skip


def _check_parent(organization: Organization, parent: Organization) -> None:
    """A parent may not be the organization itself or one of its subsidiaries."""
    ancestor: Organization | None = parent
    for _depth in range(100):
        if ancestor is None:
            return
        if ancestor.pk == organization.pk:
            raise ValidationFailed.single(
                "parent", "invalid", _("an organization cannot be its own parent or ancestor")
            )
        ancestor = Organization.all_objects.filter(pk=ancestor.parent_id).first() if ancestor.parent_id else None
    raise ValidationFailed.single("parent", "invalid", _("the parent chain is too deep"))


# --- public actions ------------------------------------------------------------------


def organization_create(*, actor: User, values: dict[str, Any], collections: Collections | None = None) -> Organization:
    return _create(actor, Organization, "organization", values, collections or Collections(), ORGANIZATION_FIELDS)


def organization_update(
    *,
    actor: User,
    organization: Organization,
    values: dict[str, Any],
    collections: Collections | None = None,
    expected_version: int | None = None,
    merge: bool = False,
) -> Organization:
    return _update(
        actor,
        organization,
        "organization",
        values,
        collections or Collections(),
        ORGANIZATION_FIELDS,
        expected_version,
        merge,
    )


def organization_trash(*, actor: User, organization: Organization, expected_version: int | None = None) -> Organization:
    require_delete(actor, organization)
    return records.trash_record(
        organization, actor=actor, action="organization.trash", expected_version=expected_version
    )


def organization_restore(*, actor: User, organization: Organization) -> Organization:
    require_delete(actor, organization)
    return records.restore_record(organization, actor=actor, action="organization.restore")


def contact_create(*, actor: User, values: dict[str, Any], collections: Collections | None = None) -> Contact:
    return _create(actor, Contact, "contact", values, collections or Collections(), CONTACT_FIELDS)


def contact_update(
    *,
    actor: User,
    contact: Contact,
    values: dict[str, Any],
    collections: Collections | None = None,
    expected_version: int | None = None,
    merge: bool = False,
) -> Contact:
    return _update(
        actor, contact, "contact", values, collections or Collections(), CONTACT_FIELDS, expected_version, merge
    )


def contact_trash(*, actor: User, contact: Contact, expected_version: int | None = None) -> Contact:
    require_delete(actor, contact)
    return records.trash_record(contact, actor=actor, action="contact.trash", expected_version=expected_version)


def contact_restore(*, actor: User, contact: Contact) -> Contact:
    require_delete(actor, contact)
    return records.restore_record(contact, actor=actor, action="contact.restore")


def record_add_tags(*, actor: User, record: Contact | Organization, names: list[str]) -> Contact | Organization:
    """Bulk action: add tags, keeping the ones the record has."""
    current = list(record.tags.values_list("name", flat=True))
    entity = "contact" if isinstance(record, Contact) else "organization"
    return _update(
        actor,
        record,
        entity,
        {},
        Collections(tags=current + [n for n in names if n not in current]),
        set(),
        None,
        False,
    )


def record_assign(
    *, actor: User, record: Contact | Organization, owner: Any, team: Any = None
) -> Contact | Organization:
    """Bulk action: give the record a new owner (and team, when given)."""
    entity = "contact" if isinstance(record, Contact) else "organization"
    allowed = ORGANIZATION_FIELDS if entity == "organization" else CONTACT_FIELDS
    values: dict[str, Any] = {"owner": owner}
    if team is not None:
        values["team"] = team
    return _update(actor, record, entity, values, Collections(), allowed, None, False)


# --- custom field definitions (administrators) ---------------------------------------


def custom_field_create(*, actor: User, values: dict[str, Any]) -> CustomField:
    from clientela.core.visibility import require_admin

    require_admin(actor)
    cleaned = clean_values(
        CustomField, values, allowed={"entity", "key", "label", "type", "choices", "required", "position"}
    )
    _check_custom_field(cleaned)
    if CustomField.objects.filter(entity=cleaned["entity"], key=cleaned["key"]).exists():
        raise ValidationFailed.single("key", "duplicate", _("a custom field with this key exists for this entity"))
    with transaction.atomic():
        definition = CustomField.objects.create(**cleaned)
        from clientela.core.changelog import append_event
        from clientela.core.models import Event

        append_event(
            actor=actor,
            action="custom_field.create",
            kind=Event.Kind.CREATED,
            record=definition,
            changes={k: [None, jsonable(v)] for k, v in cleaned.items()},
        )
    return definition


def custom_field_update(
    *, actor: User, definition: CustomField, values: dict[str, Any], expected_version: int | None = None
) -> CustomField:
    from clientela.core.errors import Conflict, ConflictDetail
    from clientela.core.visibility import require_admin

    require_admin(actor)
    cleaned = clean_values(CustomField, values, allowed={"label", "choices", "required", "position"})
    merged = {"type": definition.type, "choices": definition.choices, **cleaned}
    _check_custom_field(merged)
    with transaction.atomic():
        current = CustomField.objects.select_for_update().get(pk=definition.pk)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(ConflictDetail(expected_version, current.version), current)
        changes = {
            k: [jsonable(getattr(current, k)), jsonable(v)] for k, v in cleaned.items() if getattr(current, k) != v
        }
        if not changes:
            return current
        for k, v in cleaned.items():
            setattr(current, k, v)
        current.version += 1
        current.save()
        from clientela.core.changelog import append_event
        from clientela.core.models import Event

        append_event(
            actor=actor, action="custom_field.update", kind=Event.Kind.UPDATED, record=current, changes=changes
        )
    return current


def custom_field_delete(*, actor: User, definition: CustomField) -> None:
    """Removes the definition; values stay in records' JSON (and in history) but are no longer shown."""
    from clientela.core.visibility import require_admin

    require_admin(actor)
    with transaction.atomic():
        from clientela.core.changelog import append_event
        from clientela.core.models import Event

        append_event(
            actor=actor,
            action="custom_field.delete",
            kind=Event.Kind.TRASHED,
            record=definition,
            changes={"key": [definition.key, None]},
        )
        definition.delete()


def _check_custom_field(values: dict[str, Any]) -> None:
    import re

    key = values.get("key")
    if key is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
        raise ValidationFailed.single(
            "key", "invalid", _("use lower-case letters, digits and underscores, starting with a letter")
        )
    kind = values.get("type")
    choices = values.get("choices") or []
    if kind in (CustomField.Type.CHOICE, CustomField.Type.MULTI_CHOICE):
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() and len(c) <= 100 for c in choices)
        ):
            raise ValidationFailed.single(
                "choices", "invalid", _("a choice field needs a list of 1-100 character choices")
            )
        if len(set(choices)) != len(choices):
            raise ValidationFailed.single("choices", "invalid", _("choices must be distinct"))
    elif choices:
        raise ValidationFailed.single("choices", "invalid", _("only choice fields have choices"))


# --- duplicates, merge and relationships (code in duplicates.py, merge.py, relationships.py) ---


def contact_create_checked(
    *, actor: User, values: dict[str, Any], collections: Collections | None = None, allow_duplicates: bool = False
) -> Contact:
    """`contact_create`, refused with `DuplicateSuspected` when visible records look the same
    (same e-mail, phone or similar name) unless `allow_duplicates`."""
    from clientela.parties import duplicates

    given = collections or Collections()
    if not allow_duplicates:
        require_write(actor)
        _check_before_create(actor, Contact, "contact", values, given, CONTACT_FIELDS)
        probe = duplicates.probe_from_values("contact", values, emails=given.emails, phones=given.phones)
        found = duplicates.find_duplicates(actor, probe)
        if found:
            raise duplicates.DuplicateSuspected(found)
    return contact_create(actor=actor, values=values, collections=given)


def organization_create_checked(
    *, actor: User, values: dict[str, Any], collections: Collections | None = None, allow_duplicates: bool = False
) -> Organization:
    """`organization_create`, refused with `DuplicateSuspected` when visible records look the
    same (same tax id, e-mail, phone or similar name) unless `allow_duplicates`."""
    from clientela.parties import duplicates

    given = collections or Collections()
    if not allow_duplicates:
        require_write(actor)
        _check_before_create(actor, Organization, "organization", values, given, ORGANIZATION_FIELDS)
        probe = duplicates.probe_from_values("organization", values, emails=given.emails, phones=given.phones)
        found = duplicates.find_duplicates(actor, probe)
        if found:
            raise duplicates.DuplicateSuspected(found)
    return organization_create(actor=actor, values=values, collections=given)


def _check_before_create(
    actor: User, model: type, entity: str, values: dict[str, Any], given: Collections, allowed: set[str]
) -> None:
    """Validate as the create would (raising ValidationFailed), so bad input is reported
    before a duplicate warning; writes nothing."""
    cleaned = _clean_record_values(actor, model, values, allowed, None)
    _require_name(model, cleaned, None)
    _clean_collections(actor, entity, given, None)


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
    from clientela.parties import merge

    return merge.merge(  # type: ignore[return-value]
        actor=actor,
        survivor=survivor,
        duplicates=duplicates,
        field_choices=field_choices,
        expected_versions=expected_versions,
    )


def organization_merge(
    *,
    actor: User,
    survivor: Organization,
    duplicates: list[Organization],
    field_choices: dict[str, Any] | None = None,
    expected_versions: dict[Any, int] | None = None,
) -> Organization:
    """Merge organizations; subsidiaries, affiliations and relationships move to the survivor."""
    from clientela.parties import merge

    return merge.merge(  # type: ignore[return-value]
        actor=actor,
        survivor=survivor,
        duplicates=duplicates,
        field_choices=field_choices,
        expected_versions=expected_versions,
    )


def relationship_create(
    *, actor: User, from_party: Contact | Organization, to_party: Contact | Organization, kind: str, note: str = ""
) -> Relationship:
    """Link two parties the actor may change; one event on each."""
    from clientela.parties import relationships

    return relationships.create(actor=actor, from_party=from_party, to_party=to_party, kind=kind, note=note)


def relationship_delete(*, actor: User, relationship: Relationship) -> None:
    """Remove a link; both parties must be changeable by the actor; one event on each."""
    from clientela.parties import relationships

    relationships.delete(actor=actor, relationship=relationship)


# --- bulk import (parties.importing) ---------------------------------------------------
# The import checks rows with these same rules; public names for it, old names kept.

clean_record_values = _clean_record_values
clean_tags = _clean_tags
clean_addresses = _clean_addresses
clean_affiliations = _clean_affiliations
require_name = _require_name


def require_import(actor: User) -> None:
    """The actor may write records and import files."""
    from clientela.core.errors import PermissionDenied

    require_write(actor)
    if not actor.policy.can_import:
        raise PermissionDenied(_("your role may not import records"))


def contacts_import_batch(*, actor: User, rows: list[ValidatedRow], match: str, job: str | None = None) -> BatchResult:
    """Write a batch of validated import rows: create, update or skip each (`match`:
    update | skip | create), in one transaction, one event per record written.

    Rows are matched against existing contacts by e-mail, then phone; a match the
    actor cannot change is reported as an error for that row and left untouched.
    """
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    return bulkwrite.import_batch(actor=actor, entity="contact", rows=rows, match=match, job=job)


def organizations_import_batch(
    *, actor: User, rows: list[ValidatedRow], match: str, job: str | None = None
) -> BatchResult:
    """As `contacts_import_batch`, matching organizations by tax id, then normalised name."""
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    return bulkwrite.import_batch(actor=actor, entity="organization", rows=rows, match=match, job=job)


def records_import_prepare(
    *, actor: User, entity: str, rows: list[ValidatedRow], match: str, job: str | None = None
) -> PreparedBatch:
    """The first half of `contacts_import_batch` / `organizations_import_batch`: match the
    rows and build the new records, reading only. A large import on PostgreSQL prepares
    the next batch while `records_import_write` writes this one."""
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    return bulkwrite.prepare(actor=actor, entity=entity, rows=rows, match=match, job=job)


def records_import_write(*, actor: User, prepared: PreparedBatch) -> BatchResult:
    """The second half: write a prepared batch in one transaction (updates are checked
    again under lock: a record the actor cannot change is an error for its row)."""
    from clientela.core.errors import PermissionDenied
    from clientela.parties.importing import bulkwrite

    require_import(actor)
    if prepared.actor.pk != actor.pk:
        raise PermissionDenied(_("a prepared import belongs to the user who prepared it"))
    return bulkwrite.write(prepared)


if TYPE_CHECKING:
    from clientela.parties.importing.bulkwrite import PreparedBatch
    from clientela.parties.importing.rows import BatchResult, ValidatedRow
