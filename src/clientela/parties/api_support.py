"""What the parties API routers share: turning request bodies into action input,
list filters, and records into response bodies.

Reads go through `queries.py` (scoped to the caller); writes through `actions.py`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField, prefetch_related_objects
from django.db.models.query import ValuesIterable
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel

from clientela.core import entities
from clientela.core.apikit import entity_schemas
from clientela.core.apikit.bodies import team_ref, user_ref
from clientela.core.apikit.etag import etag_for_version
from clientela.core.entities import Entity, entity_of
from clientela.core.errors import ApiError, FieldError, NotFound
from clientela.core.visibility import can_see, visible
from clientela.parties import queries
from clientela.parties.actions import Collections
from clientela.parties.customfields import _clean_one
from clientela.parties.entities import ADDRESSES, CONTACT, EMAILS, ORGANIZATION, ORGANIZATIONS, PHONES
from clientela.parties.models import Affiliation, Contact, ContactPoint, CustomField, Organization
from clientela.parties.schemas import SCHEMAS

if TYPE_CHECKING:
    from clientela.accounts.models import User
    from clientela.parties.schemas import ListParams

Party: TypeAlias = Contact | Organization
# Fills one property of a response body: (the caller, for what they may see; the record) -> value.
Reader: TypeAlias = Callable[[Any, Any], Any]

API_PREFIX = "/api/v1"
MAX_CUSTOM_FILTERS = 10
CUSTOM_PREFIX = "custom."


# --- request bodies -> action input ----------------------------------------------------------


def action_input(data: dict[str, Any]) -> tuple[dict[str, Any], Collections]:
    """Split a validated body (model_dump with exclude_unset) into values and collections.

    People and references (owner, team, parent) are given to the action as id strings."""
    values = dict(data)
    collections = Collections(
        emails=values.pop("emails", None),
        phones=values.pop("phones", None),
        addresses=values.pop("addresses", None),
        tags=values.pop("tags", None),
        affiliations=_distinct_affiliations(values.pop("organizations")) if "organizations" in values else None,
        custom=values.pop("custom", None),
    )
    for name, value in values.items():
        if isinstance(value, uuid.UUID):
            values[name] = str(value)
    return values, collections


def resolve_references(user: User, entity: Entity, values: dict[str, Any]) -> dict[str, Any]:
    """Each reference (an organization's parent) as a record the caller can see (the action's
    cycle check walks it); a 422 on the field when there is none."""
    for reference in entity.references:
        if values.get(reference.name) is not None:
            target = entity_of(entity.model_field(reference.name).related_model)
            try:
                values[reference.name] = record_get(user, target, values[reference.name])
            except NotFound as error:
                raise ApiError.single(422, reference.name, "not_found", str(error)) from None
    return values


def keep_hidden_links(user: User, record: Party, values: dict[str, Any], collections: Collections) -> None:
    """What an update leaves of the record's links to records the caller may not see, which the
    read shows them as none: a parent they cannot see stays when they send `parent: null`, and
    a contact's affiliations to organizations they cannot see stay when they replace the list
    (as the page's form keeps them). Nothing the caller cannot see is lost by writing back
    what they read; what they can see, they change."""
    for reference in entity_of(record).references:
        if reference.name in values and values[reference.name] is None:
            current = getattr(record, reference.name)
            if current is not None and not can_see(user, current):
                del values[reference.name]
    if collections.affiliations is not None and isinstance(record, Contact):
        collections.affiliations = [
            *collections.affiliations,
            *(
                {"organization": a.organization, "role": a.role, "is_primary": False}
                for a in record.affiliations.all()
                if a.organization.deleted_at is not None or not can_see(user, a.organization)
            ),
        ]


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


def filtered(
    queryset: QuerySet, params: ListParams, *, user: User, entity: str, query: QueryDict, search: bool = True
) -> QuerySet:
    """`queryset` narrowed by the list's parameters (`search`: including `q`)."""
    if search and params.q and params.q.strip():
        queryset = queryset.filter(queries.search_filter(params.q, user))
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


def _emails(_user: User | None, record: Party) -> list[dict[str, Any]]:
    points = queries.points_of(record, ContactPoint.Kind.EMAIL)
    return [{"value": p.value, "label": p.label, "is_primary": p.is_primary} for p in points]


def _phones(_user: User | None, record: Party) -> list[dict[str, Any]]:
    points = queries.points_of(record, ContactPoint.Kind.PHONE)
    return [{"value": p.value, "e164": p.e164, "label": p.label, "is_primary": p.is_primary} for p in points]


def _addresses(_user: User | None, record: Party) -> list[dict[str, Any]]:
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


# Only linked records the caller may see, so a record never leaks another team's.
def _affiliations(user: User, contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "organization": a.organization.public_id,
            "name": a.organization.name,
            "role": a.role,
            "is_primary": a.is_primary,
        }
        for a in contact.affiliations.all()
        if a.organization.deleted_at is None and can_see(user, a.organization)
    ]


def _members(user: User, organization: Organization) -> list[dict[str, Any]]:
    return [
        {"contact": a.contact.public_id, "name": a.contact.full_name, "role": a.role, "is_primary": a.is_primary}
        for a in organization.affiliations.all()
        if a.contact.deleted_at is None and can_see(user, a.contact)
    ]


# How a response shows what is not one of the record's fields (the schema's other properties
# are the record's attributes; a reference is the other record's public id).
_READERS: dict[str, Reader] = {
    "id": lambda _user, record: record.public_id,
    "owner": lambda _user, record: user_ref(record.owner),
    "team": lambda _user, record: team_ref(record.team),
    "tags": lambda _user, record: sorted(tag.name for tag in record.tags.all()),
    "custom": lambda _user, record: record.custom or {},
    "email": lambda _user, contact: contact.primary_email,
    "phone": lambda _user, contact: contact.primary_phone,
    EMAILS: _emails,
    PHONES: _phones,
    ADDRESSES: _addresses,
    ORGANIZATIONS: _affiliations,
    "contacts": _members,
}


# What a list row reads beyond the summary's own fields: the sort keys, and the people's names.
_LIST_EXTRA = ("id", "name_sort", "primary_email", "primary_phone", "first_name", "last_name", "owner", "team")
# The owner's and team's columns a list row shows, read in the row's own query as plain values
# (not as User and Team objects: building two objects per row cost a list page a fifth of its time).
_PEOPLE_COLUMNS = {
    "listed_owner_id": F("owner__public_id"),
    "listed_owner_username": F("owner__username"),
    "listed_owner_first_name": F("owner__first_name"),
    "listed_owner_last_name": F("owner__last_name"),
    "listed_team_id": F("team__public_id"),
    "listed_team_name": F("team__name"),
}


def _listed_owner(row: ListRow) -> dict[str, Any] | None:
    """`user_ref` of a list row's owner, from the row's own columns (`list_rows`)."""
    if row["listed_owner_id"] is None:
        return None
    full_name = f"{row['listed_owner_first_name']} {row['listed_owner_last_name']}".strip()  # as User.get_full_name
    return {
        "id": row["listed_owner_id"],
        "username": row["listed_owner_username"],
        "display_name": full_name or row["listed_owner_username"],
    }


def _listed_team(row: ListRow) -> dict[str, Any] | None:
    """`team_ref` of a list row's team, from the row's own columns (`list_rows`)."""
    return None if row["listed_team_id"] is None else {"id": row["listed_team_id"], "name": row["listed_team_name"]}


def _listed_tags(row: ListRow) -> list[str]:
    """The row's tag names, sorted: an array on PostgreSQL, a JSON array on SQLite (`_TagNames`)."""
    names = row["listed_tags"]
    return sorted(json.loads(names) if isinstance(names, str) else names)


# How a list body reads a property that is not one of the row's columns under its own name.
_ROW_FUNCTIONS: dict[str, Callable[[ListRow], Any]] = {
    "owner": _listed_owner,
    "team": _listed_team,
    "tags": _listed_tags,
    "custom": lambda row: row["custom"] or {},
    "full_name": lambda row: row.full_name,
}
_ROW_COLUMNS = {"id": "public_id", "email": "primary_email", "phone": "primary_phone"}


@functools.cache
def _list_columns(entity_name: str) -> tuple[str, ...]:
    """The columns a list page loads: what its summaries and sorts read, no more (not the
    search text, notes or anything else a wide row carries)."""
    entity = entities.entity(entity_name)
    model = entity.model
    wanted = set(SCHEMAS[entity_name].summary.model_fields) | set(entity.sorts) | set(_LIST_EXTRA)
    concrete = {field.name for field in model._meta.concrete_fields}
    return (*sorted(wanted & concrete), "public_id")


class ListRow(dict[str, Any]):
    """A list page's row: the columns `list_rows` reads, as attributes as on a record (`row.last_name`,
    `row.pk`), without building a model object, which cost a list page a fifth of its time."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    @property
    def pk(self) -> Any:
        return self["id"]

    @property
    def full_name(self) -> str:
        return f"{self['first_name']} {self['last_name']}".strip()  # as Contact.full_name


class _ListRows(ValuesIterable):
    def __iter__(self) -> Any:
        for values in super().__iter__():
            yield ListRow(values)


def list_rows(user: User, entity_name: str, *, trash: bool = False) -> QuerySet[Any]:
    """The records of `entity_name` that `user` may see, reading only what a list page shows, as
    `ListRow`s; it may still be filtered, ordered and sliced."""
    return visible(_row_template(entity_name, trash).all(), user)


@functools.cache
def _row_template(entity_name: str, trash: bool) -> QuerySet[Any]:
    """The list rows' query before the reader's visibility: built once (resolving its annotated
    columns cost each request 0.4 ms), copied by each request (`list_rows`), never run itself."""
    model = entities.entity(entity_name).model
    columns = {**_PEOPLE_COLUMNS, "listed_tags": _TagNames(model)}
    rows = queries.records(model, trash=trash).values(*_list_columns(entity_name), **columns)
    rows._iterable_class = _ListRows
    return rows


class _TagNames(Subquery):
    """A record's tag names in its own row (no second query): an array on PostgreSQL, a JSON
    array (text) on SQLite; `summaries` reads either."""

    def __init__(self, model: type[Party]) -> None:
        side = model._meta.model_name
        links = model.tags.through.objects.filter(**{f"{side}_id": OuterRef("pk")})
        names = links.values(listed_tag=F("tag__name"))
        super().__init__(names, output_field=TextField())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(SELECT json_group_array(listed_tag) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra)


def summaries(rows: list[ListRow], entity_name: str) -> list[dict[str, Any]]:
    """The list bodies of `rows` (of `list_rows`, of one entity), in the summary schema's order."""
    getters = _row_getters(entity_name)
    return [{name: get(row) for name, get in getters} for row in rows]


@functools.cache
def _row_getters(entity_name: str) -> tuple[tuple[str, Callable[[ListRow], Any]], ...]:
    """How to fill each property of the entity's list body from a `ListRow`: a column read by
    key (no attribute lookup: a page reads some 800 values), or a function of the row."""
    columns = set(_list_columns(entity_name)) | set(_PEOPLE_COLUMNS)

    def getter(name: str) -> Callable[[ListRow], Any]:
        if name in _ROW_FUNCTIONS:
            return _ROW_FUNCTIONS[name]
        column = _ROW_COLUMNS.get(name, name)
        if column not in columns:
            raise LookupError(f"the {entity_name} list body's {name!r} is no column list_rows reads")
        return operator.itemgetter(column)

    return tuple((name, getter(name)) for name in SCHEMAS[entity_name].summary.model_fields)


def _attribute(name: str) -> Reader:
    return lambda _user, record: getattr(record, name)


def _public_id(name: str) -> Reader:
    """A reference (an organization's parent) as the other record's id; null when the caller may
    not see it, as when there is none: the read tells another team's record apart from nothing."""

    def read(user: User | None, record: Party) -> Any:
        other = getattr(record, name)
        if other is None or (user is not None and not can_see(user, other)):
            return None
        return other.public_id

    return read


@functools.cache
def _readers(entity_name: str) -> tuple[tuple[str, Reader], ...]:
    """How to fill each property of the entity's full body ("out") from a record."""
    entity = entities.entity(entity_name)
    settable = set(entity_schemas.settable(entity))
    schema: type[BaseModel] = SCHEMAS[entity_name].out

    def reader(name: str) -> Reader:
        if name in settable and entity.model_field(name).is_relation:
            return _public_id(name)
        return _READERS.get(name) or _attribute(name)

    return tuple((name, reader(name)) for name in schema.model_fields)


def record_detail(user: User, record: Party) -> dict[str, Any]:
    """One record with its collections, as `user` may see them."""
    return {name: read(user, record) for name, read in _readers(entity_of(record).name)}


def guarded_detail(user: User, contact: Contact) -> dict[str, Any]:
    """A contact as `record_detail` gives it, less the fields the person restricted (unless the
    reader may see them: `core.personal_data`, which also audits the sensitive fields read)."""
    from clientela.core import personal_data

    body = record_detail(user, contact)
    for name in personal_data.guard(user, "parties.contact", [contact], "api").get(contact.pk, set()):
        if name in body:
            body[name] = [] if isinstance(body[name], list) else {} if isinstance(body[name], dict) else None
    return body


# The scoped read of one record with its collections, by entity.
_GET: dict[str, Callable[..., Any]] = {CONTACT.name: queries.contact_get, ORGANIZATION.name: queries.organization_get}


def record_get(user: User, entity: Entity, public_id: Any, *, include_trash: bool = False) -> Any:
    return _GET[entity.name](user, public_id, include_trash=include_trash)


def reload(user: User, record: Party) -> Any:
    """The record as written, with its collections (trash included, for delete)."""
    try:
        return record_get(user, entity_of(record), record.public_id, include_trash=True)
    except NotFound:  # the caller gave it away to someone they cannot see: answer with what was written
        prefetch_related_objects(
            [record],
            "points",
            "addresses",
            "tags",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("contact", "organization")),
        )
        return record


def created_once(
    request: Any, user: User, payload: Any, key: str | None, collection: str, create: Callable[[], dict[str, Any]]
) -> Any:
    """A POST that creates one record: `create()` as the API, answered 201 with the record's ETag
    and Location, at most once per Idempotency-Key (a replay answers what the first did)."""
    from clientela.core.apikit.idempotency import run_idempotent
    from clientela.core.context import acting_via

    def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
        with acting_via("api"):
            body = create()
        return 201, body, record_headers(collection)(body)

    return run_idempotent(
        request,
        user=user,
        key=key,
        payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=produce,
        headers_for=record_headers(collection),
    )


def record_headers(collection: str) -> Any:
    """ETag and Location for a response body of one record (also for idempotent replays)."""

    def headers(body: dict[str, Any]) -> dict[str, str]:
        return {"ETag": etag_for_version(int(body["version"])), "Location": f"{API_PREFIX}/{collection}/{body['id']}"}

    return headers
