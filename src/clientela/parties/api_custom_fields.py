"""REST endpoints for custom field definitions: everyone reads, administrators write."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from clientela.core.apikit.auth import caller
from clientela.core.apikit.errors import COMMON, PRECONDITIONS, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import (
    NOT_MODIFIED,
    IfMatch,
    IfNoneMatch,
    conditional_read,
    etag_for,
    etag_for_version,
    expected_version,
)
from clientela.core.apikit.idempotency import IdempotencyKeyHeader, run_idempotent
from clientela.core.context import acting_via, overwriting
from clientela.core.errors import Conflict, ConflictDetail, NotFound
from clientela.core.visibility import require_admin
from clientela.parties import actions, queries
from clientela.parties.api_support import API_PREFIX
from clientela.parties.models import CustomField
from clientela.parties.schemas import (
    CustomFieldCreate,
    CustomFieldList,
    CustomFieldListParams,
    CustomFieldOut,
    CustomFieldPatch,
)

router = Router(tags=["custom fields"])


def _out(definition: CustomField) -> dict[str, Any]:
    return {
        "id": definition.public_id,
        "version": definition.version,
        "entity": definition.entity,
        "key": definition.key,
        "label": definition.label,
        "type": definition.type,
        "choices": list(definition.choices or []),
        "required": definition.required,
        "position": definition.position,
    }


def _get(definition_id: uuid.UUID) -> CustomField:
    for entity in CustomField.Entity.values:
        for definition in queries.custom_fields(entity):
            if definition.public_id == definition_id:
                return definition
    raise NotFound("no such custom field")


def _headers(body: dict[str, Any]) -> dict[str, str]:
    return {"ETag": etag_for_version(int(body["version"])), "Location": f"{API_PREFIX}/custom-fields/{body['id']}"}


def _check_version(definition: CustomField, if_match: str | None) -> int | None:
    """The version the write goes ahead on (None: `If-Match: *`); 412 when it is not current."""
    expected = expected_version(if_match, definition.version)
    if expected is not None and definition.version != expected:
        raise Conflict(ConflictDetail(expected, definition.version), definition)
    return expected


@router.get("", response={200: CustomFieldList, **COMMON}, summary="List custom field definitions")
def custom_field_list(request: HttpRequest, params: Query[CustomFieldListParams]) -> dict[str, Any]:
    caller(request)
    entities = [params.entity] if params.entity else CustomField.Entity.values
    return {"items": [_out(d) for entity in entities for d in queries.custom_fields(entity)]}


@router.post("", response={201: CustomFieldOut, **COMMON, 409: ErrorOut}, summary="Define a custom field (admins)")
def custom_field_create(
    request: HttpRequest, payload: CustomFieldCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)
    data = payload.model_dump()

    def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
        with acting_via("api"):
            definition = actions.custom_field_create(actor=user, values=data)
        body = CustomFieldOut.model_validate(_out(definition)).model_dump()
        return 201, body, _headers(body)

    return run_idempotent(
        request,
        user=user,
        key=idempotency_key,
        payload=payload.model_dump(mode="json"),
        produce=produce,
        headers_for=_headers,
    )


@router.get(
    "/{field_id}",
    response={200: CustomFieldOut, **NOT_MODIFIED, **WITH_RECORD},
    summary="Read a custom field definition",
)
def custom_field_read(
    request: HttpRequest, field_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    """With `If-None-Match` naming the current ETag: 304 Not Modified, no body."""
    caller(request)
    definition = _get(field_id)
    return conditional_read(response, if_none_match, definition.version, _out(definition))


@router.patch("/{field_id}", response={200: CustomFieldOut, **PRECONDITIONS}, summary="Change a custom field (admins)")
def custom_field_patch(
    request: HttpRequest, field_id: uuid.UUID, payload: CustomFieldPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    require_admin(user)
    definition = _get(field_id)
    expected = expected_version(if_match, definition.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.custom_field_update(
            actor=user,
            definition=definition,
            values=payload.model_dump(exclude_unset=True),
            expected_version=expected,
        )
    response["ETag"] = etag_for(updated)
    return _out(updated)


@router.delete("/{field_id}", response={204: None, **PRECONDITIONS}, summary="Remove a custom field (admins)")
def custom_field_delete(request: HttpRequest, field_id: uuid.UUID, if_match: IfMatch) -> Status:
    """The definition goes; values stay in the records' history."""
    user = caller(request)
    require_admin(user)
    definition = _get(field_id)
    expected = _check_version(definition, if_match)
    with acting_via("api"), overwriting(expected is None):
        actions.custom_field_delete(actor=user, definition=definition)
    return Status(204, None)
