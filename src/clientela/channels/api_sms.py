"""REST endpoints of SMS out: /api/v1/sms (send, list, read) and the gateway's delivery reports.

Sending only queues the message (`202`); the job worker hands it to the gateway
(`tasks_sms.send_queued_sms`). A message is seen by whoever may see its sender's records
(own, team, all by role), exactly like a record; another team's is a `404`.

The delivery-report webhook is called by the SMS gateway, not by a user: it authenticates
with the shared secret CLIENTELA_SMS_REPORT_TOKEN (header `X-Clientela-Token`, `Authorization:
Bearer`, or the query parameter `token`), compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import Field

from clientela.channels import queries, tasks_sms
from clientela.channels.actions import sms as actions
from clientela.channels.api_support import shared_secret
from clientela.channels.models import SmsStatus
from clientela.core.apikit.auth import caller
from clientela.core.apikit.bodies import Limit, Out, Strict, TeamRef, UserRef, team_ref, user_ref
from clientela.core.apikit.errors import COMMON, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import NOT_MODIFIED, IfNoneMatch, conditional_read
from clientela.core.apikit.idempotency import IdempotencyKeyHeader, run_idempotent
from clientela.core.apikit.pagination import CURSOR_PATTERN, paginate, parse_sort
from clientela.core.apikit.text import QueryParams, required_text
from clientela.core.apikit.text import text as bounded_text
from clientela.core.context import acting_via
from clientela.core.visibility import can_see

sms = Router(tags=["sms"])


class SmsIn(Strict):
    contact: uuid.UUID = Field(description="The contact the message is to (one you may see)")
    text: Annotated[str, required_text(actions.MAX_TEXT)] = Field(description=f"At most {actions.MAX_TEXT} characters")
    to: Annotated[str, bounded_text(40)] | None = Field(
        default=None, description="The number (default: the contact's mobile, else its first phone); kept in E.164"
    )


class ContactLink(Out):
    id: uuid.UUID
    name: str


class SmsOut(Out):
    id: uuid.UUID
    version: int
    direction: str
    status: str = Field(description="queued, sent, delivered or failed")
    number: str = Field(description="E.164")
    text: str
    contact: ContactLink | None = Field(description="null when you may not see the contact")
    activity: uuid.UUID | None = Field(description="Its entry on the timeline, once sent")
    owner: UserRef | None
    team: TeamRef | None
    provider_id: str = Field(description="The gateway's id for the message (what its delivery reports name)")
    attempts: int
    error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None


class SmsPage(Out):
    items: list[SmsOut]
    next_cursor: str | None


class SmsListParams(QueryParams):
    contact: uuid.UUID | None = None
    status: Literal["queued", "sent", "delivered", "failed", "received"] | None = None
    cursor: Annotated[str | None, Field(max_length=1000, pattern=CURSOR_PATTERN)] = None
    limit: Limit = 50


class DeliveryReportIn(Strict):
    id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")] = Field(
        description="The gateway's id for the message, as it answered when taking it (or our `reference`)"
    )
    status: Literal["delivered", "failed"]
    error: Annotated[str, bounded_text(500)] = ""


class DeliveryReportOut(Out):
    id: uuid.UUID = Field(description="The message's id here")
    status: str
    changed: bool = Field(description="false: the report told nothing new (a repeat)")


def sms_body(user: Any, message: Any) -> dict[str, Any]:
    contact = message.contact
    shown = contact is not None and contact.deleted_at is None and can_see(user, contact)
    return {
        "id": message.public_id, "version": message.version, "direction": message.direction,
        "status": message.status, "number": message.number, "text": message.body,
        "contact": {"id": contact.public_id, "name": contact.full_name} if shown else None,
        "activity": message.activity.public_id if message.activity_id is not None else None,
        "owner": user_ref(message.owner), "team": team_ref(message.team), "provider_id": message.provider_id,
        "attempts": message.attempts, "error": message.error, "created_at": message.created_at,
        "sent_at": message.sent_at, "delivered_at": message.delivered_at,
    }  # fmt: skip


def report_token(request: HttpRequest) -> bool:
    return shared_secret(request, settings.CLIENTELA_SMS_REPORT_TOKEN, "CLIENTELA_SMS_REPORT_TOKEN")


@sms.post("", response={202: SmsOut, **COMMON, 404: ErrorOut, 409: ErrorOut},
          summary="Send an SMS to a contact (queued; the background worker sends it)")  # fmt: skip
def sms_send(request: HttpRequest, payload: SmsIn, idempotency_key: IdempotencyKeyHeader = None) -> HttpResponse:
    """`202` with the message `queued`; the worker hands it to the gateway, then its `status` is
    `sent` (with `provider_id`, and the message is an activity with `channel` `sms` on the
    contact's timeline), later `delivered` or `failed` as the gateway reports. A gateway that is
    down is tried again for a while; one that refuses the message fails it with its answer.
    `409` (`sms_not_configured`) when no gateway is configured."""
    user = caller(request)

    def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
        with acting_via("api"):
            message = tasks_sms.send_sms(actor=user, contact=payload.contact, text=payload.text, to=payload.to)
        body = SmsOut.model_validate(sms_body(user, queries.sms_get(user, message.public_id))).model_dump()
        return 202, body, {"Location": f"/api/v1/sms/{body['id']}"}

    return run_idempotent(
        request, user=user, key=idempotency_key, payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=produce, headers_for=lambda body: {"Location": f"/api/v1/sms/{body['id']}"},
    )  # fmt: skip


@sms.get("", response={200: SmsPage, **COMMON}, summary="List the text messages you may see")
def sms_list(request: HttpRequest, params: Query[SmsListParams]) -> dict[str, Any]:
    """Newest first; filter by `contact` and `status`."""
    user = caller(request)
    queryset = queries.sms_visible(user).select_related("activity")
    if params.contact:
        queryset = queryset.filter(contact__public_id=params.contact)
    if params.status:
        queryset = queryset.filter(status=params.status)
    keys = parse_sort(None, allowed=("created_at",), default=["-created_at"])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [sms_body(user, m) for m in page.items], "next_cursor": page.next_cursor}


# Before "/{sms_id}", which would otherwise take its path.
@sms.post("/delivery-reports", auth=report_token,
          response={200: DeliveryReportOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
          summary="The SMS gateway reports whether a message reached the phone (shared secret)")  # fmt: skip
def sms_delivery_report(request: HttpRequest, payload: DeliveryReportIn) -> dict[str, Any]:
    """Called by the gateway with `{"id": "<its id>", "status": "delivered" | "failed", "error": "..."}`.
    `404` for an id no message has; a repeated report answers `200` with `changed: false`.
    `delivered` is final (a later `failed` changes nothing)."""
    with acting_via("webhook"):
        message, changed = actions.sms_delivery_report(provider_id=payload.id, status=payload.status,
                                                       error=payload.error)  # fmt: skip
    return {"id": message.public_id, "status": SmsStatus(message.status).value, "changed": changed}


@sms.get("/{sms_id}", response={200: SmsOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a text message")
def sms_read(request: HttpRequest, sms_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None) -> Any:
    user = caller(request)
    message = queries.sms_get(user, sms_id)
    return conditional_read(response, if_none_match, message.version, sms_body(user, message))
