"""What the parties API routers share: turning request bodies into action input,
list filters, and records into response bodies.

Reads go through `queries.py` (scoped to the caller); writes through `actions.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.apikit.etag import etag_for_version
from clientela.core.errors import ApiError, FieldError, NotFound
from clientela.core.visibility import can_see
from clientela.parties import queries
from clientela.parties.actions import Collections
from clientela.parties.customfields import _clean_one
from clientela.parties.models import Affiliation, Contact, ContactPoint, CustomField, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User
    from clientela.parties.schemas import ListParams

API_PREFIX = "/api/v1"
MAX_CUSTOM_FILTERS = 10
CUSTOM_PREFIX = "custom."


# --- request bodies -> action input ----------------------------------------------------------


def action_input(data: dict[str, Any]) -> tuple[dict[str, Any], Collections]:
    """Split a validated body (model_dump with exclude_unset) into values and collections."""
    values = dict(data)
    collections = Collections(
        emails=values.pop("emails", None),
        phones=values.pop("phones", None),
        addresses=values.pop("addresses", None),
        tags=values.pop("tags", None),
        affiliations=_distinct_affiliations(values.pop("organizations")) if "organizations" in values else None,
        custom=values.pop("custom", None),
    )
    for name in ("owner", "team", "parent"):
        if name in values and values[name] is not None:
            values[name] = str(values[name])
    return values, collections


def resolve_parent(user: User, values: dict[str, Any]) -> dict[str, Any]:
    """The parent organization as a record the caller can see (the action's cycle check walks it)."""
    if values.get("parent") is not None:
        try:
            values["parent"] = queries.organization_get(user, values["parent"])
        except NotFound:
            raise ApiError.single(422, "parent", "not_found", _("no such organization")) from None
    return values


def _distinct_affiliations(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per organization and role (the same link twice is the same link)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        key = (str(item["organization"]), str(item.get("role", "")).strip())
        if key in seen:
            seen[key]["is_primary"] = seen[key].get("is_primary", False) or item.get("is_primary", False)
        else:
            seen[key] = {**item, "organization": key[0]}
    return list(seen.values())


# --- list filters ------------------------------------------------------------------------------


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def custom_filters(entity: str, query: QueryDict) -> Q:
    """`custom.<key>=value` query parameters as a filter on the record's custom JSON."""
    wanted = [(name[len(CUSTOM_PREFIX) :], query.getlist(name)) for name in query if name.startswith(CUSTOM_PREFIX)]
    if not wanted:
        return Q()
    if len(wanted) > MAX_CUSTOM_FILTERS:
        raise ApiError.single(
            422, "custom", "too_many", _("at most %(n)s custom field filters") % {"n": MAX_CUSTOM_FILTERS}
        )
    definitions = {field.key: field for field in queries.custom_fields(entity)}
    condition = Q()
    errors: list[FieldError] = []
    for key, raw_values in wanted:
        where = f"{CUSTOM_PREFIX}{key}"[:80]
        field = definitions.get(key)
        if field is None:
            errors.append(FieldError(where, "unknown_field", _("is not a custom field of this list")))
            continue
        for raw in raw_values:
            if "\x00" in raw or len(raw) > 200:
                errors.append(FieldError(where, "invalid", _("must be at most 200 characters without NUL")))
                continue
            try:
                value = _clean_one(field, raw)
            except ValueError as error:
                errors.append(FieldError(where, "invalid", str(error)))
                continue
            condition &= _custom_condition(field, value)
    if errors:
        raise ApiError(422, errors)
    return condition


def _custom_condition(field: CustomField, value: Any) -> Q:
    lookup = f"custom__{field.key}"
    if value is None:
        return Q(**{f"{lookup}__isnull": True}) | ~Q(custom__has_key=field.key)
    if field.type == CustomField.Type.MULTI_CHOICE:
        condition = Q()
        for item in value:
            if connection.vendor == "postgresql":
                condition &= Q(**{f"{lookup}__contains": [item]})
            else:  # SQLite has no JSON containment: match the quoted item in the array's JSON text
                condition &= Q(**{f"{lookup}__icontains": json.dumps(item)})
        return condition
    return Q(**{lookup: value})


def searching(q: str | None) -> bool:
    """A search whose every word the trigram index can look up (3+ characters)."""
    words = (q or "").split()
    return bool(words) and all(len(word) >= 3 for word in words)


def filtered(queryset: QuerySet, params: ListParams, *, user: User, entity: str, query: QueryDict) -> QuerySet:
    if params.q and params.q.strip():
        queryset = queryset.filter(queries.search_filter(params.q))
    if params.lifecycle_stage:
        queryset = queryset.filter(lifecycle_stage=params.lifecycle_stage)
    if params.owner:
        if params.owner == "me":
            queryset = queryset.filter(owner_id=user.pk)
        else:
            queryset = queryset.filter(owner__public_id=_uuid_or_422("owner", params.owner))
    if params.team:
        queryset = queryset.filter(team__public_id=params.team)
    for name in params.tag:
        queryset = queryset.filter(tags__name=name)
    ranges = {
        "created_at__gte": params.created_after,
        "created_at__lt": params.created_before,
        "updated_at__gte": params.updated_after,
        "updated_at__lt": params.updated_before,
    }
    for lookup, value in ranges.items():
        if value is not None:
            queryset = queryset.filter(**{lookup: _aware(value)})
    return queryset.filter(custom_filters(entity, query))


def _uuid_or_422(field: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError.single(422, field, "invalid", _("must be `me` or a user id")) from None


# --- records -> response bodies ---------------------------------------------------------------


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.public_id, "username": user.username, "display_name": user.display_name}


def team_ref(team: Team | None) -> dict[str, Any] | None:
    return None if team is None else {"id": team.public_id, "name": team.name}


def _common(record: Contact | Organization) -> dict[str, Any]:
    return {
        "id": record.public_id,
        "version": record.version,
        "owner": user_ref(record.owner),
        "team": team_ref(record.team),
        "tags": sorted(tag.name for tag in record.tags.all()),
        "custom": record.custom or {},
        "lifecycle_stage": record.lifecycle_stage,
        "customer_category": record.customer_category,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "deleted_at": record.deleted_at,
    }


def _points(record: Contact | Organization, kind: str) -> list[dict[str, Any]]:
    return [{"value": p.value, "label": p.label, "is_primary": p.is_primary} for p in queries.points_of(record, kind)]


def _addresses(record: Contact | Organization) -> list[dict[str, Any]]:
    return [
        {
            "label": a.label,
            "street": a.street,
            "city": a.city,
            "postal_code": a.postal_code,
            "region": a.region,
            "country": a.country,
        }
        for a in record.addresses.all()
    ]


def contact_summary(contact: Contact) -> dict[str, Any]:
    return {
        **_common(contact),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "title": contact.title,
        "email": contact.primary_email,
        "phone": contact.primary_phone,
    }


def contact_detail(user: User, contact: Contact) -> dict[str, Any]:
    return {
        **contact_summary(contact),
        "birth_date": contact.birth_date,
        "gender": contact.gender,
        "marital_status": contact.marital_status,
        "children": contact.children,
        "occupation": contact.occupation,
        "income_band": contact.income_band,
        "language": contact.language,
        "preferred_channel": contact.preferred_channel,
        "source": contact.source,
        "notes": contact.notes,
        "emails": _points(contact, ContactPoint.Kind.EMAIL),
        "phones": _points(contact, ContactPoint.Kind.PHONE),
        "addresses": _addresses(contact),
        # Only organizations the caller may see, so a record never leaks another team's.
        "organizations": [
            {
                "organization": a.organization.public_id,
                "name": a.organization.name,
                "role": a.role,
                "is_primary": a.is_primary,
            }
            for a in contact.affiliations.all()
            if a.organization.deleted_at is None and can_see(user, a.organization)
        ],
    }


def organization_summary(organization: Organization) -> dict[str, Any]:
    return {
        **_common(organization),
        "name": organization.name,
        "legal_name": organization.legal_name,
        "tax_id": organization.tax_id,
        "industry": organization.industry,
        "size": organization.size,
        "website": organization.website,
    }


def organization_detail(user: User, organization: Organization) -> dict[str, Any]:
    return {
        **organization_summary(organization),
        "parent": organization.parent.public_id if organization.parent_id and organization.parent else None,
        "source": organization.source,
        "notes": organization.notes,
        "emails": _points(organization, ContactPoint.Kind.EMAIL),
        "phones": _points(organization, ContactPoint.Kind.PHONE),
        "addresses": _addresses(organization),
        "contacts": [
            {"contact": a.contact.public_id, "name": a.contact.full_name, "role": a.role, "is_primary": a.is_primary}
            for a in organization.affiliations.all()
            if a.contact.deleted_at is None and can_see(user, a.contact)
        ],
    }


def reload_contact(user: User, contact: Contact) -> Contact:
    """The contact as written, with its collections (trash included, for delete)."""
    try:
        return queries.contact_get(user, contact.public_id, include_trash=True)
    except NotFound:  # the caller gave it away to someone they cannot see: answer with what was written
        prefetch_related_objects(
            [contact],
            "points",
            "addresses",
            "tags",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
        )
        return contact


def reload_organization(user: User, organization: Organization) -> Organization:
    try:
        return queries.organization_get(user, organization.public_id, include_trash=True)
    except NotFound:
        prefetch_related_objects(
            [organization],
            "points",
            "addresses",
            "tags",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("contact")),
        )
        return organization


def record_headers(collection: str) -> Any:
    """ETag and Location for a response body of one record (also for idempotent replays)."""

    def headers(body: dict[str, Any]) -> dict[str, str]:
        return {"ETag": etag_for_version(int(body["version"])), "Location": f"{API_PREFIX}/{collection}/{body['id']}"}

    return headers
