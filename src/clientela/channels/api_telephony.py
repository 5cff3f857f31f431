"""The telephony system's webhook: POST /api/v1/telephony/events, one call event per request.

Called by the PBX or call-centre system, not by a user: it authenticates with the shared
secret CLIENTELA_TELEPHONY_TOKEN (header `X-Clientela-Token`, `Authorization: Bearer`, or the
query parameter `token`), compared in constant time. Each event is applied once however often
it is posted (`actions.call_event_record`), so the system may retry freely.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from clientela.channels.actions import telephony as actions
from clientela.channels.api_support import shared_secret
from clientela.channels.telephony import read_event
from clientela.core.apikit.bodies import Out, Strict
from clientela.core.apikit.errors import ErrorOut
from clientela.core.apikit.text import text
from clientela.core.context import acting_via

telephony = Router(tags=["telephony"])


class CallEventIn(Strict):
    call_id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")] = Field(
        description="The telephony system's id of the call: every event of one call names it"
    )
    event: Literal["ringing", "answered", "hangup"]
    direction: Literal["inbound", "outbound"]
    from_: Annotated[str, text(40)] = Field(default="", alias="from", description="The calling number")
    to: Annotated[str, text(40)] = Field(default="", description="The called number")
    at: Annotated[str, text(40)] | None = Field(
        default=None, description="ISO 8601, e.g. 2026-12-05T14:30:00+01:00 (without an offset: the site's time "
        "zone); default: when the event arrives",
    )  # fmt: skip
    agent: Annotated[str, text(150)] | None = Field(
        default=None,
        description="Who took or made the call: a username or an extension (CLIENTELA_TELEPHONY_EXTENSIONS)",
    )


class CallOut(Out):
    call_id: str
    activity: uuid.UUID = Field(description="The call on the timeline (`GET /activities/{id}`)")
    contact: uuid.UUID | None = Field(description="The contact the number belongs to; null for an unknown number")
    organization: uuid.UUID | None = Field(description="The organization, when the number is its and no contact's")
    direction: str
    outcome: str = Field(description='"" while it rings, then answered, missed (inbound) or no_answer (outbound)')
    occurred_at: dt.datetime = Field(description="When it was answered, else when it first rang")
    ends_at: dt.datetime | None
    duration_seconds: int | None = Field(description="Talk time, from the answer to the hang-up")
    callback_task: uuid.UUID | None = Field(description="The call-back task of a missed inbound call")
    changed: bool = Field(description="false: the event told nothing new (a repeat)")


def telephony_token(request: HttpRequest) -> bool:
    return shared_secret(request, settings.CLIENTELA_TELEPHONY_TOKEN, "CLIENTELA_TELEPHONY_TOKEN")


def _public_id(record: Any) -> uuid.UUID | None:
    return None if record is None else record.public_id


@telephony.post("/events", auth=telephony_token,
                response={200: CallOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
                summary="A call rang, was answered or hung up (called by the telephony system)")  # fmt: skip
def call_event(request: HttpRequest, payload: CallEventIn) -> dict[str, Any]:
    """The call is logged on the contact whose phone is the customer's number (the caller of an
    inbound call, the called number of an outbound one), compared in E.164; a missed inbound
    call gets one call-back task for the contact's owner (else the agent), due within two
    working hours. Events may repeat or come out of order: the answer is the call's state."""
    event = read_event(payload.model_dump(by_alias=True))
    with acting_via("webhook"):
        logged = actions.call_event_record(event=event)
    call = logged.activity
    return {
        "call_id": event.call_id, "activity": call.public_id, "contact": _public_id(call.contact),
        "organization": _public_id(call.organization), "direction": call.direction, "outcome": call.outcome,
        "occurred_at": call.occurred_at, "ends_at": call.ends_at, "duration_seconds": call.duration_seconds,
        "callback_task": _public_id(logged.callback), "changed": logged.changed,
    }  # fmt: skip
