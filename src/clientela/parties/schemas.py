"""Request and response shapes of the parties API (organizations, contacts, custom fields).

Input constraints mirror what `actions.py` accepts, so the OpenAPI document is a
truthful contract: lengths, choices, e-mail and phone forms, no NUL characters.

A contact's and an organization's bodies are derived from their declarations
(`entities.py`) by `core/apikit/entity_schemas.py`: every value field once, typed and
bounded by its model field. This module adds what is the app's: who looks after a
record (`people`), the child collections, what a list shows, and the limits the API
sets beyond the model's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from django.conf import settings
from pydantic import Field

from clientela.core.apikit.bodies import (
    NEXT_CURSOR,
    OWNER_PATTERN,
    PEOPLE,
    Limit,
    Out,
    PatchBody,
    Strict,
    sort_param,
)
from clientela.core.apikit.entity_schemas import Bases, EntitySchemas, Property, choice_type, entity_schemas
from clientela.core.apikit.pagination import CURSOR_PATTERN
from clientela.core.apikit.text import NO_NUL, SEARCH_TEXT, DateTimeParam, QueryParams, required_text, text
from clientela.parties.entities import (
    ADDRESSES,
    CONTACT,
    CUSTOM,
    DECLARATIONS,
    EMAILS,
    MOBILE,
    ORGANIZATION,
    ORGANIZATIONS,
    PHONES,
    TAGS,
)
from clientela.parties.models import Address, ContactPoint, CustomField, LifecycleStage

if TYPE_CHECKING:
    from clientela.core.entities import Entity as Declaration

MAX_ITEMS = 20
CONTACT_SORTS = CONTACT.sorts
ORGANIZATION_SORTS = ORGANIZATION.sorts
# A list's order when none is asked for.
DEFAULT_SORT = {CONTACT.name: ("last_name", "first_name"), ORGANIZATION.name: ("name",)}
MAX_TAGS = 50
MAX_NOTES = 20_000
# What the API accepts beyond the model's rules (a text without max_length, a tighter bound).
LIMITS = {"notes": {"max_length": MAX_NOTES}, "children": {"le": 100}}


if TYPE_CHECKING:  # a Literal built from the models' choices is beyond mypy: to it they are strings
    Stage: TypeAlias = str
    PointLabel: TypeAlias = str
    AddressLabel: TypeAlias = str
else:
    Stage = choice_type(LifecycleStage.values, blank=False)
    PointLabel = choice_type(ContactPoint.Label.values, blank=False)
    AddressLabel = choice_type(Address.Label.values, blank=False)

# What `normalize.is_plausible_phone` accepts: digits and ( ) . / - spaces, an optional
# leading +, at least five digits.
PHONE_PATTERN = r"^\+?[ ()./-]*(?:[0-9][ ()./-]*){5,}$"


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


# --- output -------------------------------------------------------------------------------


class PointOut(Out):
    value: str
    label: str
    is_primary: bool


class PhoneOut(PointOut):
    e164: str | None = Field(
        description="The number in E.164 (+36209607198); null when it could not be read as one "
        "(written without a country, and none known for the record)"
    )


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


# --- contacts and organizations, from their declarations ---------------------------------------

_PEOPLE = PEOPLE
# The child collections, as a request replaces them and a response shows them.
_COLLECTIONS: dict[str, tuple[Property, Property]] = {
    EMAILS: ((Emails, []), (list[PointOut], ...)),
    PHONES: ((Phones, []), (list[PhoneOut], ...)),
    ADDRESSES: ((Addresses, []), (list[AddressOut], ...)),
    TAGS: ((Tags, []), (list[str], ...)),
    ORGANIZATIONS: ((Affiliations, []), (list[AffiliationOut], ...)),
    CUSTOM: ((Custom, {}), (dict[str, Any], ...)),
}
_IMPORT_ONLY = (MOBILE,)  # a contact's mobile is one of its `phones` here, with no property of its own
_LISTED_COLLECTIONS = (TAGS, CUSTOM)  # shown in a list too; the others only in one record
# The value fields a list shows (one record shows them all), and what it shows besides them.
_SUMMARY: dict[str, tuple[str, ...]] = {
    CONTACT.name: ("first_name", "last_name", "title", "lifecycle_stage", "customer_category"),
    ORGANIZATION.name: (
        "name", "legal_name", "tax_id", "industry", "size", "website", "lifecycle_stage", "customer_category",
    ),
}  # fmt: skip
_SUMMARY_EXTRA: dict[str, dict[str, Property]] = {
    CONTACT.name: {"full_name": (str, ...), "email": (str, ...), "phone": (str, ...)},
}
# An organization lists its people: the other side of the contacts' `organizations`.
_DETAIL_EXTRA: dict[str, dict[str, Property]] = {ORGANIZATION.name: {"contacts": (list[MemberOut], ...)}}
_PATCH_DOC = "Only the fields you send change; lists replace the whole list."


def _schemas(entity: Declaration) -> EntitySchemas:
    collections = [name for name in entity.collections if name not in _IMPORT_ONLY]
    return entity_schemas(
        entity,
        bases=Bases(create=Strict, patch=PatchBody, out=Out),
        module=__name__,
        inputs={
            **{name: _PEOPLE[name][0] for name in entity.people},
            **{name: _COLLECTIONS[name][0] for name in collections},
        },
        summary=_SUMMARY[entity.name],
        summary_extra={
            **{name: _PEOPLE[name][1] for name in entity.people},
            **{name: _COLLECTIONS[name][1] for name in collections if name in _LISTED_COLLECTIONS},
            **_SUMMARY_EXTRA.get(entity.name, {}),
        },
        detail_extra={
            **{name: _COLLECTIONS[name][1] for name in collections if name not in _LISTED_COLLECTIONS},
            **_DETAIL_EXTRA.get(entity.name, {}),
        },
        limits=LIMITS,
        patch_doc=_PATCH_DOC,
    )


SCHEMAS: dict[str, EntitySchemas] = {name: _schemas(entity) for name, entity in DECLARATIONS.items()}

if TYPE_CHECKING:  # built at import time from the declarations: to mypy, bodies of their kind
    ContactCreate: TypeAlias = Strict
    ContactPatch: TypeAlias = PatchBody
    ContactSummary: TypeAlias = Out
    ContactOut: TypeAlias = Out
    OrganizationCreate: TypeAlias = Strict
    OrganizationPatch: TypeAlias = PatchBody
    OrganizationSummary: TypeAlias = Out
    OrganizationOut: TypeAlias = Out
else:
    ContactCreate, ContactPatch, ContactSummary, ContactOut = (
        getattr(SCHEMAS[CONTACT.name], kind) for kind in ("create", "patch", "summary", "out")
    )
    OrganizationCreate, OrganizationPatch, OrganizationSummary, OrganizationOut = (
        getattr(SCHEMAS[ORGANIZATION.name], kind) for kind in ("create", "patch", "summary", "out")
    )


class ContactPage(Out):
    items: list[ContactSummary]
    next_cursor: str | None = NEXT_CURSOR


class OrganizationPage(Out):
    items: list[OrganizationSummary]
    next_cursor: str | None = NEXT_CURSOR


_OWNER_PATTERN = OWNER_PATTERN

# --- list parameters ----------------------------------------------------------------------


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


_sort_param = sort_param


if TYPE_CHECKING:  # to mypy the sort keys (a Literal built at import time) are strings
    ContactSort: TypeAlias = list[str]
    OrganizationSort: TypeAlias = list[str]
else:
    ContactSort = _sort_param(CONTACT_SORTS, ", ".join(DEFAULT_SORT[CONTACT.name]))
    OrganizationSort = _sort_param(ORGANIZATION_SORTS, ", ".join(DEFAULT_SORT[ORGANIZATION.name]))


class ContactListParams(ListParams):
    sort: ContactSort = []


class OrganizationListParams(ListParams):
    sort: OrganizationSort = []


# --- custom fields ------------------------------------------------------------------------

if TYPE_CHECKING:
    Entity: TypeAlias = str
else:
    Entity = choice_type(CustomField.Entity.values, blank=False)
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
