"""REST endpoints for organizations, contacts and custom fields (/api/v1/...).

Each endpoint parses input, calls one scoped query or one action, and answers. The
caller sees only what their role may see: another team's record is a 404 here,
exactly as if it did not exist.
"""

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from clientela.core.apikit.auth import caller
from clientela.core.apikit.errors import COMMON, PRECONDITIONS, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import (
    NOT_MODIFIED,
    IfMatch,
    IfNoneMatch,
    conditional_read,
    etag_for,
    expected_version,
)
from clientela.core.apikit.idempotency import IdempotencyKeyHeader, run_idempotent
from clientela.core.apikit.pagination import Page, paginate, parse_sort
from clientela.core.context import acting_via, overwriting
from clientela.parties import actions, queries, restricted
from clientela.parties.api_support import (
    action_input,
    filtered,
    guarded_detail,
    keep_hidden_links,
    list_rows,
    record_detail,
    record_headers,
    reload,
    resolve_references,
    searching,
    summaries,
)
from clientela.parties.entities import CONTACT, ORGANIZATION
from clientela.parties.schemas import (
    CONTACT_SORTS,
    DEFAULT_SORT,
    ORGANIZATION_SORTS,
    ContactCreate,
    ContactListParams,
    ContactOut,
    ContactPage,
    ContactPatch,
    OrganizationCreate,
    OrganizationListParams,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatch,
)
from clientela.parties.searching import ranked_page

if TYPE_CHECKING:
    from clientela.accounts.models import User

contacts = Router(tags=["contacts"])
organizations = Router(tags=["organizations"])


def _json(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The body as the schema serialises it (the renderer's JSON encoder does the rest)."""
    return schema.model_validate(data).model_dump()


def _create(
    request: HttpRequest,
    user: Any,
    payload: Any,
    idempotency_key: str | None,
    collection: str,
    create: Callable[[dict[str, Any], actions.Collections], dict[str, Any]],
) -> HttpResponse:
    """A POST that creates one record: input to the action, 201 with its headers, at most once per key."""
    data = payload.model_dump(exclude_unset=True)

    def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
        values, collections = action_input(data)
        with acting_via("api"):
            body = create(values, collections)
        return 201, body, record_headers(collection)(body)

    return run_idempotent(
        request,
        user=user,
        key=idempotency_key,
        payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=produce,
        headers_for=record_headers(collection),
    )


def _page(user: "User", queryset: QuerySet, params: Any, allowed: tuple[str, ...], default: tuple[str, ...]) -> Page:
    """A page of `queryset` (filtered but for `q`): a search without a `sort` ranked (names
    starting with a word typed first, `searching.py`), anything else in the order asked for."""
    if searching(params.q) and not params.sort:
        return ranked_page(user, queryset, params.q, cursor=params.cursor, limit=params.limit)
    keys = parse_sort(params.sort, allowed=allowed, default=default)
    if params.q and params.q.strip():
        queryset = queryset.filter(queries.search_filter(params.q, user))
    return paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit, selective=searching(params.q))


# --- contacts ----------------------------------------------------------------------------------


@contacts.get("", response={200: ContactPage, **COMMON}, summary="List and search contacts")
def contact_list(request: HttpRequest, params: Query[ContactListParams]) -> dict[str, Any]:
    """Filter with the parameters below and `custom.<key>=value` for custom fields; search with `q`;
    page with `cursor` (from `next_cursor`) and `limit`."""
    user = caller(request)
    queryset = list_rows(user, CONTACT.name, trash=params.trash)
    queryset = filtered(queryset, params, user=user, entity=CONTACT.name, query=request.GET, search=False)
    page = _page(user, queryset, params, CONTACT_SORTS, DEFAULT_SORT[CONTACT.name])
    restricted.hide_in_rows(user, page.items)
    return {"items": summaries(page.items, CONTACT.name), "next_cursor": page.next_cursor}


@contacts.post("", response={201: ContactOut, **COMMON, 409: ErrorOut}, summary="Create a contact")
def contact_create(
    request: HttpRequest,
    payload: ContactCreate,
    idempotency_key: IdempotencyKeyHeader = None,
    allow_duplicates: bool = False,
) -> HttpResponse:
    """Refused with 409 `possible_duplicate` (listing the look-alikes you can see) when a
    contact with the same e-mail, phone or a similar name exists; send
    `?allow_duplicates=true` to create it anyway."""
    user = caller(request)

    def create(values: dict[str, Any], collections: actions.Collections) -> dict[str, Any]:
        contact = actions.contact_create_checked(
            actor=user, values=values, collections=collections, allow_duplicates=allow_duplicates
        )
        return _json(ContactOut, record_detail(user, reload(user, contact)))

    return _create(request, user, payload, idempotency_key, "contacts", create)


@contacts.get("/{contact_id}", response={200: ContactOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a contact")
def contact_read(
    request: HttpRequest, contact_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    """With `If-None-Match` naming the current ETag: 304 Not Modified, no body."""
    user = caller(request)
    contact = queries.contact_get(user, contact_id)
    return conditional_read(response, if_none_match, contact.version, guarded_detail(user, contact))


@contacts.patch("/{contact_id}", response={200: ContactOut, **PRECONDITIONS}, summary="Change a contact")
def contact_patch(
    request: HttpRequest, contact_id: uuid.UUID, payload: ContactPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Send only the fields to change, with `If-Match` set to the ETag you read. Affiliations to
    organizations you cannot see are not listed, and stay when you replace `organizations`."""
    user = caller(request)
    contact = queries.contact_get(user, contact_id)
    expected = expected_version(if_match, contact.version)
    values, collections = action_input(payload.model_dump(exclude_unset=True))
    keep_hidden_links(user, contact, values, collections)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.contact_update(
            actor=user,
            contact=contact,
            values=values,
            collections=collections,
            expected_version=expected,
            merge=False,
        )
    response["ETag"] = etag_for(updated)
    return record_detail(user, reload(user, updated))


@contacts.delete("/{contact_id}", response={200: ContactOut, **PRECONDITIONS}, summary="Move a contact to the trash")
def contact_delete(
    request: HttpRequest, contact_id: uuid.UUID, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    contact = queries.contact_get(user, contact_id)
    expected = expected_version(if_match, contact.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.contact_trash(actor=user, contact=contact, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return record_detail(user, reload(user, trashed))


@contacts.post("/{contact_id}/restore", response={200: ContactOut, **WITH_RECORD}, summary="Restore from the trash")
def contact_restore(request: HttpRequest, contact_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    contact = queries.contact_get(user, contact_id, include_trash=True)
    with acting_via("api"):
        restored = actions.contact_restore(actor=user, contact=contact)
    response["ETag"] = etag_for(restored)
    return record_detail(user, reload(user, restored))


# --- organizations -----------------------------------------------------------------------------


@organizations.get("", response={200: OrganizationPage, **COMMON}, summary="List and search organizations")
def organization_list(request: HttpRequest, params: Query[OrganizationListParams]) -> dict[str, Any]:
    """Filter with the parameters below and `custom.<key>=value` for custom fields; search with `q`;
    page with `cursor` (from `next_cursor`) and `limit`."""
    user = caller(request)
    queryset = list_rows(user, ORGANIZATION.name, trash=params.trash)
    queryset = filtered(queryset, params, user=user, entity=ORGANIZATION.name, query=request.GET, search=False)
    page = _page(user, queryset, params, ORGANIZATION_SORTS, DEFAULT_SORT[ORGANIZATION.name])
    return {"items": summaries(page.items, ORGANIZATION.name), "next_cursor": page.next_cursor}


@organizations.post("", response={201: OrganizationOut, **COMMON, 409: ErrorOut}, summary="Create an organization")
def organization_create(
    request: HttpRequest,
    payload: OrganizationCreate,
    idempotency_key: IdempotencyKeyHeader = None,
    allow_duplicates: bool = False,
) -> HttpResponse:
    """Refused with 409 `possible_duplicate` when an organization with the same tax id,
    e-mail, phone or a similar name exists; send `?allow_duplicates=true` to create it anyway."""
    user = caller(request)

    def create(values: dict[str, Any], collections: actions.Collections) -> dict[str, Any]:
        organization = actions.organization_create_checked(
            actor=user,
            values=resolve_references(user, ORGANIZATION, values),
            collections=collections,
            allow_duplicates=allow_duplicates,
        )
        return _json(OrganizationOut, record_detail(user, reload(user, organization)))

    return _create(request, user, payload, idempotency_key, "organizations", create)


@organizations.get(
    "/{organization_id}",
    response={200: OrganizationOut, **NOT_MODIFIED, **WITH_RECORD},
    summary="Read an organization",
)
def organization_read(
    request: HttpRequest, organization_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    """With `If-None-Match` naming the current ETag: 304 Not Modified, no body."""
    user = caller(request)
    organization = queries.organization_get(user, organization_id)
    return conditional_read(response, if_none_match, organization.version, record_detail(user, organization))


@organizations.patch(
    "/{organization_id}", response={200: OrganizationOut, **PRECONDITIONS}, summary="Change an organization"
)
def organization_patch(
    request: HttpRequest,
    organization_id: uuid.UUID,
    payload: OrganizationPatch,
    if_match: IfMatch,
    response: HttpResponse,
) -> dict[str, Any]:
    """Send only the fields to change, with `If-Match` set to the ETag you read. A parent you
    cannot see reads as `null`, and stays when you send `parent: null`."""
    user = caller(request)
    organization = queries.organization_get(user, organization_id)
    expected = expected_version(if_match, organization.version)
    values, collections = action_input(payload.model_dump(exclude_unset=True))
    keep_hidden_links(user, organization, values, collections)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.organization_update(
            actor=user,
            organization=organization,
            values=resolve_references(user, ORGANIZATION, values),
            collections=collections,
            expected_version=expected,
            merge=False,
        )
    response["ETag"] = etag_for(updated)
    return record_detail(user, reload(user, updated))


@organizations.delete(
    "/{organization_id}", response={200: OrganizationOut, **PRECONDITIONS}, summary="Move an organization to the trash"
)
def organization_delete(
    request: HttpRequest, organization_id: uuid.UUID, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    organization = queries.organization_get(user, organization_id)
    expected = expected_version(if_match, organization.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.organization_trash(actor=user, organization=organization, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return record_detail(user, reload(user, trashed))


@organizations.post(
    "/{organization_id}/restore", response={200: OrganizationOut, **WITH_RECORD}, summary="Restore from the trash"
)
def organization_restore(request: HttpRequest, organization_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    organization = queries.organization_get(user, organization_id, include_trash=True)
    with acting_via("api"):
        restored = actions.organization_restore(actor=user, organization=organization)
    response["ETag"] = etag_for(restored)
    return record_detail(user, reload(user, restored))
