"""Request and response shapes of the parties API (organizations, contacts, custom fields).

Input constraints mirror what `actions.py` accepts, so the OpenAPI document is a
truthful contract: lengths, choices, e-mail and phone forms, no NUL characters.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from django.conf import settings
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

from clientela.core.apikit.pagination import CURSOR_PATTERN
from clientela.core.apikit.text import NO_NUL, SEARCH_TEXT, DateTimeParam, QueryParams, required_text, text
from clientela.parties.models import (
    Address,
    Channel,
    ContactPoint,
    CustomField,
    Gender,
    IncomeBand,
    LifecycleStage,
    MaritalStatus,
    OrganizationSize,
)

MAX_ITEMS = 20
CONTACT_SORTS = ("last_name", "first_name", "created_at", "updated_at", "lifecycle_stage")
ORGANIZATION_SORTS = ("name", "created_at", "updated_at", "lifecycle_stage")
MAX_TAGS = 50
MAX_NOTES = 20_000


def _choices(values: list[str], *, blank: bool) -> Any:
    return Literal[tuple(([""] if blank else []) + list(values))]


if TYPE_CHECKING:  # a Literal built from the models' choices is beyond mypy: to it they are strings
    Stage: TypeAlias = str
    PointLabel: TypeAlias = str
    AddressLabel: TypeAlias = str
    GenderChoice: TypeAlias = str
    MaritalStatusChoice: TypeAlias = str
    IncomeBandChoice: TypeAlias = str
    ChannelChoice: TypeAlias = str
    SizeChoice: TypeAlias = str
else:
    Stage = _choices(LifecycleStage.values, blank=False)
    PointLabel = _choices(ContactPoint.Label.values, blank=False)
    AddressLabel = _choices(Address.Label.values, blank=False)
    GenderChoice = _choices(Gender.values, blank=True)
    MaritalStatusChoice = _choices(MaritalStatus.values, blank=True)
    IncomeBandChoice = _choices(IncomeBand.values, blank=True)
    ChannelChoice = _choices(Channel.values, blank=True)
    SizeChoice = _choices(OrganizationSize.values, blank=True)

# What `normalize.is_plausible_phone` accepts: digits and ( ) . / - spaces, an optional
# leading +, at least five digits.
PHONE_PATTERN = r"^\+?[ ()./-]*(?:[0-9][ ()./-]*){5,}$"
# What Django's URLValidator accepts, narrowed to plain http(s) host names.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?"
WEBSITE_PATTERN = rf"^(?:https?://{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,12}}(?:/[A-Za-z0-9._~/-]{{0,100}})?)?$"


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def _no_defaults(schema: dict[str, Any]) -> None:
    """A PATCH body documents no defaults: a field you leave out stays as it is."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class PatchBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_defaults)


# --- nested input -------------------------------------------------------------------------


class EmailIn(Strict):
    value: Annotated[str, Field(min_length=3, max_length=254, json_schema_extra={"format": "email"})]
    label: PointLabel = "work"
    is_primary: bool = False


class PhoneIn(Strict):
    value: Annotated[str, Field(min_length=5, max_length=30, pattern=PHONE_PATTERN)]
    label: PointLabel = "work"
    is_primary: bool = False


class AddressIn(Strict):
    label: AddressLabel = "work"
    street: Annotated[str, text(200)] = ""
    city: Annotated[str, text(100)] = ""
    postal_code: Annotated[str, text(20)] = ""
    region: Annotated[str, text(100)] = ""
    country: Annotated[str, Field(max_length=2, pattern=r"^(?:[A-Za-z]{2})?$", description="ISO 3166-1 alpha-2")] = ""


class AffiliationIn(Strict):
    organization: uuid.UUID
    role: Annotated[str, text(100)] = ""
    is_primary: bool = False


Emails = Annotated[list[EmailIn], Field(max_length=MAX_ITEMS)]
Phones = Annotated[list[PhoneIn], Field(max_length=MAX_ITEMS)]
Addresses = Annotated[list[AddressIn], Field(max_length=MAX_ITEMS)]
Tags = Annotated[list[Annotated[str, required_text(60)]], Field(max_length=MAX_TAGS)]
Affiliations = Annotated[list[AffiliationIn], Field(max_length=MAX_ITEMS)]
Custom = Annotated[
    dict[str, Any],
    Field(description="Values of the custom fields defined for this entity (GET /custom-fields), by key."),
]
Notes = Annotated[str, text(MAX_NOTES)]


# --- contacts -----------------------------------------------------------------------------


class ContactFieldsIn(Strict):
    first_name: Annotated[str, text(100)] = ""
    title: Annotated[str, text(100)] = ""
    birth_date: dt.date | None = None
    gender: GenderChoice = ""
    marital_status: MaritalStatusChoice = ""
    children: Annotated[int, Field(ge=0, le=100)] | None = None
    occupation: Annotated[str, text(100)] = ""
    income_band: IncomeBandChoice = ""
    language: Annotated[str, text(8)] = ""
    preferred_channel: ChannelChoice = ""
    lifecycle_stage: Stage = "target"
    customer_category: Annotated[str, text(60)] = ""
    source: Annotated[str, text(100)] = ""
    notes: Notes = ""
    owner: uuid.UUID | None = Field(default=None, description="A user's id; default: you")
    team: uuid.UUID | None = Field(default=None, description="A team's id; default: your team")
    emails: Emails = []
    phones: Phones = []
    addresses: Addresses = []
    tags: Tags = []
    organizations: Affiliations = []
    custom: Custom = {}


class ContactCreate(ContactFieldsIn):
    last_name: Annotated[str, required_text(100)]


class ContactPatch(ContactFieldsIn, PatchBody):
    """Only the fields you send change; lists replace the whole list."""

    last_name: Annotated[str, required_text(100)] = None  # type: ignore[assignment]


# --- organizations ------------------------------------------------------------------------


class OrganizationFieldsIn(Strict):
    legal_name: Annotated[str, text(200)] = ""
    tax_id: Annotated[str, text(40)] = ""
    industry: Annotated[str, text(100)] = ""
    size: SizeChoice = ""
    website: Annotated[str, Field(max_length=300, pattern=WEBSITE_PATTERN)] = ""
    parent: uuid.UUID | None = Field(default=None, description="The parent organization's id")
    customer_category: Annotated[str, text(60)] = ""
    lifecycle_stage: Stage = "target"
    source: Annotated[str, text(100)] = ""
    notes: Notes = ""
    owner: uuid.UUID | None = Field(default=None, description="A user's id; default: you")
    team: uuid.UUID | None = Field(default=None, description="A team's id; default: your team")
    emails: Emails = []
    phones: Phones = []
    addresses: Addresses = []
    tags: Tags = []
    custom: Custom = {}


class OrganizationCreate(OrganizationFieldsIn):
    name: Annotated[str, required_text(200)]


class OrganizationPatch(OrganizationFieldsIn, PatchBody):
    """Only the fields you send change; lists replace the whole list."""

    name: Annotated[str, required_text(200)] = None  # type: ignore[assignment]


# --- output -------------------------------------------------------------------------------
# Plain pydantic models: the API builds response dicts itself, so ninja's ORM-attribute
# resolution (which costs ~5x per object in a 50-row list) is not needed.


class Out(BaseModel):
    pass


class UserRef(Out):
    id: uuid.UUID
    username: str
    display_name: str


class TeamRef(Out):
    id: uuid.UUID
    name: str


class PointOut(Out):
    value: str
    label: str
    is_primary: bool


class AddressOut(Out):
    label: str
    street: str
    city: str
    postal_code: str
    region: str
    country: str


class AffiliationOut(Out):
    organization: uuid.UUID
    name: str
    role: str
    is_primary: bool


class MemberOut(Out):
    contact: uuid.UUID
    name: str
    role: str
    is_primary: bool


class RecordOut(Out):
    id: uuid.UUID
    version: int
    owner: UserRef | None
    team: TeamRef | None
    tags: list[str]
    custom: dict[str, Any]
    lifecycle_stage: str
    customer_category: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class ContactSummary(RecordOut):
    first_name: str
    last_name: str
    full_name: str
    title: str
    email: str
    phone: str


class ContactOut(ContactSummary):
    birth_date: dt.date | None
    gender: str
    marital_status: str
    children: int | None
    occupation: str
    income_band: str
    language: str
    preferred_channel: str
    source: str
    notes: str
    emails: list[PointOut]
    phones: list[PointOut]
    addresses: list[AddressOut]
    organizations: list[AffiliationOut]


class OrganizationSummary(RecordOut):
    name: str
    legal_name: str
    tax_id: str
    industry: str
    size: str
    website: str


class OrganizationOut(OrganizationSummary):
    parent: uuid.UUID | None
    source: str
    notes: str
    emails: list[PointOut]
    phones: list[PointOut]
    addresses: list[AddressOut]
    contacts: list[MemberOut]


class ContactPage(Out):
    items: list[ContactSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class OrganizationPage(Out):
    items: list[OrganizationSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


_HEX = "[0-9a-fA-F]"
_OWNER_PATTERN = rf"^(me|{_HEX}{{8}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{12}})$"

# --- list parameters ----------------------------------------------------------------------

Limit = Annotated[int, Field(ge=1, le=settings.API_MAX_PAGE_SIZE)]


class ListParams(QueryParams):
    q: SEARCH_TEXT = Field(default=None, description="Words to find in names, e-mails, phones and tax ids")
    lifecycle_stage: Stage | None = None
    owner: Annotated[str | None, Field(pattern=_OWNER_PATTERN, description="`me` or a user id")] = None
    team: uuid.UUID | None = None
    tag: Annotated[list[Annotated[str, Field(max_length=60, pattern=NO_NUL)]], Field(max_length=10)] = Field(
        default=[], description="Records carrying every one of these tags"
    )
    created_after: DateTimeParam = None
    created_before: DateTimeParam = None
    updated_after: DateTimeParam = None
    updated_before: DateTimeParam = None
    trash: bool = Field(default=False, description="List the trash instead")
    cursor: Annotated[str | None, Field(max_length=1000, pattern=CURSOR_PATTERN)] = None
    limit: Limit = settings.API_DEFAULT_PAGE_SIZE


def _sort_param(fields: tuple[str, ...], default: str) -> Any:
    signed = tuple(f"{sign}{name}" for name in fields for sign in ("", "-"))
    return Annotated[
        list[Literal[signed]],  # type: ignore[valid-type]
        Field(
            max_length=3,
            description=f"Repeat for several keys, `-` for descending (default {default}); ties break by id",
        ),
    ]


if TYPE_CHECKING:  # to mypy the sort keys (a Literal built at import time) are strings
    ContactSort: TypeAlias = list[str]
    OrganizationSort: TypeAlias = list[str]
else:
    ContactSort = _sort_param(CONTACT_SORTS, "last_name, first_name")
    OrganizationSort = _sort_param(ORGANIZATION_SORTS, "name")


class ContactListParams(ListParams):
    sort: ContactSort = []


class OrganizationListParams(ListParams):
    sort: OrganizationSort = []


# --- custom fields ------------------------------------------------------------------------

if TYPE_CHECKING:
    Entity: TypeAlias = str
else:
    Entity = _choices(CustomField.Entity.values, blank=False)
Choices = Annotated[list[Annotated[str, required_text(100)]], Field(max_length=100)]


class CustomFieldOut(Out):
    id: uuid.UUID
    version: int
    entity: str
    key: str
    label: str
    type: str
    choices: list[str]
    required: bool
    position: int


class CustomFieldList(Out):
    items: list[CustomFieldOut]


class _CustomFieldBase(Strict):
    entity: Entity
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$", description="lower-case letters, digits, _")]
    label: Annotated[str, required_text(100)]
    required: bool = False
    position: Annotated[int, Field(ge=0, le=100_000)] = 0


class PlainCustomFieldCreate(_CustomFieldBase):
    type: Literal["text", "number", "date", "boolean"]
    choices: Annotated[list[str], Field(max_length=0, description="only choice fields have choices")] = []


class ChoiceCustomFieldCreate(_CustomFieldBase):
    type: Literal["choice", "multi_choice"]
    choices: Annotated[
        list[Annotated[str, required_text(100)]],
        Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True}),
    ]


CustomFieldCreate = Annotated[PlainCustomFieldCreate | ChoiceCustomFieldCreate, Field(discriminator="type")]


class CustomFieldPatch(PatchBody):
    label: Annotated[str, required_text(100)] = None  # type: ignore[assignment]
    choices: Choices = []
    required: bool = False
    position: Annotated[int, Field(ge=0, le=100_000)] = 0


class CustomFieldListParams(QueryParams):
    entity: Entity | None = None
