"""Request and response shapes of the privacy API: /api/v1/purposes, /policy-versions,
/consents, /restrictions, /privacy-requests and /retention-rules. Bodies are strict (an unknown
property is an error); what a value may hold beyond its type is the actions' to say, with the
same field errors as the pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Field, StrictBool

from clientela.core.apikit.bodies import NEXT_CURSOR, Limit, Out, PatchBody, Strict
from clientela.core.apikit.pagination import CURSOR_PATTERN
from clientela.core.apikit.text import DateTimeParam, OptionalDay, QueryParams, required_text, text
from clientela.privacy.models import (
    ConsentStatus,
    ContactChannel,
    LegalBasis,
    PurposeKind,
    RequestStatus,
    RequestType,
    RestrictionKind,
    RetentionAction,
)
from clientela.privacy.rules import RESTRICTABLE_FIELDS, RETENTION_TYPES

Channel: TypeAlias = Literal[("", *ContactChannel.values)]  # type: ignore[valid-type]
Kind: TypeAlias = Literal[tuple(PurposeKind.values)]  # type: ignore[valid-type]
Basis: TypeAlias = Literal[tuple(LegalBasis.values)]  # type: ignore[valid-type]
Status: TypeAlias = Literal[tuple(ConsentStatus.values)]  # type: ignore[valid-type]
SettableStatus: TypeAlias = Literal["granted", "withdrawn", "refused"]
Source: TypeAlias = Literal["api", "import", "form"]
RestrictionChoice: TypeAlias = Literal[tuple(RestrictionKind.values)]  # type: ignore[valid-type]
RestrictableField: TypeAlias = Literal[RESTRICTABLE_FIELDS]  # type: ignore[valid-type]
TypeChoice: TypeAlias = Literal[tuple(RequestType.values)]  # type: ignore[valid-type]
StatusChoice: TypeAlias = Literal[tuple(RequestStatus.values)]  # type: ignore[valid-type]
RecordTypeChoice: TypeAlias = Literal[RETENTION_TYPES]  # type: ignore[valid-type]
ActionChoice: TypeAlias = Literal[tuple(RetentionAction.values)]  # type: ignore[valid-type]
Cursor = Annotated[str | None, Field(max_length=1000, pattern=CURSOR_PATTERN)]
CODE = r"^[-a-zA-Z0-9_]+$"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
WEB_ADDRESS = rf"^(?:https?://{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,24}}(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?)?$"


class PurposeCreate(Strict):
    code: Annotated[str, Field(min_length=1, max_length=50, pattern=CODE)]
    name: Annotated[str, required_text(100)]
    description: Annotated[str, text(5000)] = ""
    kind: Kind = "other"
    legal_basis: Basis
    channel: Channel = ""
    double_opt_in: StrictBool = False
    active: StrictBool = True


class PurposePatch(PatchBody):
    code: Annotated[str, Field(min_length=1, max_length=50, pattern=CODE)] | None = None
    name: Annotated[str, required_text(100)] | None = None
    description: Annotated[str, text(5000)] | None = None
    kind: Kind | None = None
    legal_basis: Basis | None = None
    channel: Channel | None = None
    double_opt_in: StrictBool | None = None
    active: StrictBool | None = None


class PurposeOut(Out):
    id: uuid.UUID
    code: str
    name: str
    description: str
    kind: str
    legal_basis: str
    channel: str
    double_opt_in: bool
    needs_consent: bool
    active: bool
    version: int


class PolicyCreate(Strict):
    name: Annotated[str, required_text(20, description="The version's name: 2026-1, v3")]
    effective_from: dt.date
    summary: Annotated[str, text(10000)] = ""
    url: Annotated[str, Field(max_length=300, pattern=WEB_ADDRESS, description="https://... of the full text")] = ""


class PolicyOut(Out):
    id: uuid.UUID
    name: str
    effective_from: dt.date
    summary: str
    url: str
    version: int


class ConsentCreate(Strict):
    contact: uuid.UUID
    purpose: Annotated[str, Field(min_length=1, max_length=50, description="The purpose's id or code")]
    channel: Channel = ""
    status: SettableStatus
    captured_at: DateTimeParam = None
    source: Source = "api"
    form: Annotated[str, text(200)] = ""
    evidence: Annotated[str, text(5000)] = ""
    valid_from: OptionalDay = None
    valid_until: OptionalDay = None


class ConsentOut(Out):
    id: uuid.UUID
    contact: uuid.UUID
    purpose: uuid.UUID
    purpose_code: str
    channel: str
    status: str
    captured_at: dt.datetime
    source: str
    form: str
    policy_version: str | None
    evidence: str
    confirmed_at: dt.datetime | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    in_force: bool
    version: int


class ConsentPage(Out):
    items: list[ConsentOut]
    next_cursor: str | None = NEXT_CURSOR


class ConsentListParams(QueryParams):
    contact: uuid.UUID | None = None
    purpose: Annotated[str | None, Field(max_length=50)] = None
    cursor: Cursor = None
    limit: Limit = 50


class ConsentEventOut(Out):
    occurred_at: dt.datetime
    action: str
    by: str | None
    changes: dict[str, Any]


class RestrictionCreate(Strict):
    contact: uuid.UUID
    kind: RestrictionChoice
    channel: Channel = ""
    purpose: Annotated[str, Field(max_length=50, description="The purpose's id or code")] = ""
    fields: Annotated[list[RestrictableField], Field(max_length=len(RESTRICTABLE_FIELDS))] = []
    reason: Annotated[str, text(5000)] = ""


class RestrictionOut(Out):
    id: uuid.UUID
    contact: uuid.UUID
    kind: str
    channel: str
    purpose: str | None
    fields: list[str]
    reason: str
    starts_at: dt.datetime
    lifted_at: dt.datetime | None
    version: int


class RestrictionPage(Out):
    items: list[RestrictionOut]
    next_cursor: str | None = NEXT_CURSOR


class RestrictionListParams(QueryParams):
    contact: uuid.UUID | None = None
    cursor: Cursor = None
    limit: Limit = 50


class PrivacyRequestCreate(Strict):
    contact: uuid.UUID
    type: TypeChoice
    received_at: DateTimeParam = None
    channel: Annotated[str, text(100)] = ""
    details: Annotated[str, text(10000)] = ""
    verification: Annotated[str, text(5000)] = ""
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description='An objection: {"kind": "profiling"|"channel"|"purpose"|"fields", "channel", "purpose", '
        '"fields"}; a rectification: {"values": {"field": value}}',
    )


class FulfilBody(Strict):
    verification: Annotated[str, text(5000)] = ""


class RejectBody(Strict):
    outcome: Annotated[str, required_text(5000)]


class PrivacyRequestOut(Out):
    id: uuid.UUID
    contact: uuid.UUID | None
    type: str
    status: str
    received_at: dt.datetime
    due_on: dt.date
    overdue: bool
    channel: str
    details: str
    verification: str
    verified_at: dt.datetime | None
    payload: dict[str, Any]
    outcome: str
    fulfilled_at: dt.datetime | None
    export: str | None = Field(description="Where the access export's ZIP is downloaded, once fulfilled")
    version: int


class PrivacyRequestPage(Out):
    items: list[PrivacyRequestOut]
    next_cursor: str | None = NEXT_CURSOR


class PrivacyRequestListParams(QueryParams):
    contact: uuid.UUID | None = None
    status: StatusChoice | Literal["pending"] | None = None
    type: TypeChoice | None = None
    cursor: Cursor = None
    limit: Limit = 50


class RetentionRuleCreate(Strict):
    name: Annotated[str, required_text(100)]
    record_type: RecordTypeChoice
    months: Annotated[int, Field(ge=1, le=1200)]
    action: ActionChoice = "trash"
    active: StrictBool = True


class RetentionRuleOut(Out):
    id: uuid.UUID
    name: str
    record_type: str
    months: int
    action: str
    active: bool
    last_run_at: dt.datetime | None
    version: int


class RetentionPreviewOut(Out):
    found: int
    cutoff: dt.datetime
    records: list[uuid.UUID]


class RetentionRunOut(Out):
    started_at: dt.datetime
    finished_at: dt.datetime | None
    found: int
    done: int
    records: list[str]
    error: str
