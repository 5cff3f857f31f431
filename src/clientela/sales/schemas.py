"""Request and response shapes of the sales API (leads, deals, pipelines, lost reasons).

A lead's and a deal's bodies are derived from their declarations (`entities.py`) by
`core/apikit/entity_schemas.py`; this module adds who looks after a record, what a list
shows beside the declared fields (the names of linked records, the stage's outcome), the
conversion's and the pipeline's bodies, and the list parameters. Money is a decimal string
("53.97") beside an ISO 4217 `currency`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import Field

from clientela.core.apikit.bodies import (
    NEXT_CURSOR,
    OWNER_PATTERN,
    PEOPLE,
    Limit,
    Out,
    PatchBody,
    Strict,
    TeamRef,
    UserRef,
    sort_param,
)
from clientela.core.apikit.entity_schemas import (
    URL_PATTERN,
    Bases,
    EntitySchemas,
    Property,
    choice_type,
    entity_schemas,
)
from clientela.core.apikit.pagination import CURSOR_PATTERN
from clientela.core.apikit.text import (
    SEARCH_TEXT,
    DateParam,
    DateTimeParam,
    Day,
    OptionalDay,
    QueryParams,
    decimal_text,
    required_text,
    text,
    whole,
)
from clientela.core.money import currencies
from clientela.parties.schemas import PHONE_PATTERN
from clientela.sales.entities import DEAL, LEAD
from clientela.sales.models import DisqualifyReason, LeadSource, LeadStatus

MAX_NOTES = 20_000
LIMITS = {
    "qualification_notes": {"max_length": MAX_NOTES},
    "description": {"max_length": MAX_NOTES},
    "amount": {"ge": 0},
    "estimated_amount": {"ge": 0},
}
LEAD_SORTS = LEAD.sorts
DEAL_SORTS = DEAL.sorts
DEFAULT_SORT = {LEAD.name: ("-created_at",), DEAL.name: ("-created_at",)}
_PATCH_DOC = "Only the fields you send change."


class LinkOut(Out):
    id: uuid.UUID
    name: str


class StageOut(Out):
    id: uuid.UUID
    name: str
    position: int
    probability: int = Field(description="The default chance, in percent, that a deal in this stage is won")
    outcome: str


def _people_in() -> dict[str, Property]:
    return {name: PEOPLE[name][0] for name in ("owner", "team")}


# An ISO 4217 code in capitals (the list CLDR knows), as the actions check it.
if TYPE_CHECKING:
    Currency: TypeAlias = str
else:
    Currency = Annotated[choice_type(sorted(currencies()), blank=False), Field(description="ISO 4217, e.g. EUR")]
OpenLeadStatus = Literal["new", "working", "qualified"]
Email = Annotated[str, Field(min_length=3, max_length=254, json_schema_extra={"format": "email"})]


def _people_out() -> dict[str, Property]:
    return {name: PEOPLE[name][1] for name in ("owner", "team")}


_LEAD = entity_schemas(
    LEAD,
    bases=Bases(create=Strict, patch=PatchBody, out=Out),
    module=__name__,
    inputs={
        **_people_in(),
        "currency": (Currency | Literal[""], ""),
        "email": (Email | Literal[""], ""),
        "phone": (Annotated[str, Field(max_length=30, pattern=PHONE_PATTERN)] | Literal[""], ""),
        "country": (Annotated[str, Field(max_length=2, pattern=r"^(?:[A-Za-z]{2})?$")], ""),
        "status": (
            OpenLeadStatus,
            Field(default="new", description="converted and disqualified are reached by their own calls"),
        ),
    },
    summary=("first_name", "last_name", "company", "title", "email", "phone", "source", "status",
             "estimated_amount", "currency"),
    summary_extra={**_people_out(), "full_name": (str, ...)},
    detail_extra={
        "disqualify_reason": (str, ...),
        "disqualify_note": (str, ...),
        "converted_at": (dt.datetime | None, ...),
        "converted_organization": (uuid.UUID | None, ...),
        "converted_contact": (uuid.UUID | None, ...),
        "converted_deal": (uuid.UUID | None, ...),
    },
    limits=LIMITS,
    patch_doc=_PATCH_DOC,
)  # fmt: skip

_DEAL = entity_schemas(
    DEAL,
    bases=Bases(create=Strict, patch=PatchBody, out=Out),
    module=__name__,
    inputs={
        **_people_in(),
        "currency": (Currency | None, Field(default=None, description="ISO 4217; default: the site's currency")),
    },
    summary=("name", "amount", "currency", "expected_close_date", "probability", "forecast_category"),
    summary_extra={
        **_people_out(),
        "pipeline": (uuid.UUID, ...),
        "stage": (StageOut, ...),
        "organization": (LinkOut | None, ...),
        "contact": (LinkOut | None, ...),
        "status": (Literal["open", "won", "lost"], ...),
        "weighted_amount": (Decimal, Field(description="amount × probability / 100")),
        "stage_entered_at": (dt.datetime, ...),
        "closed_on": (dt.date | None, ...),
    },
    detail_extra={  # the references as the list shows them (not the bare ids the declaration gives)
        "stage": (StageOut, ...),
        "organization": (LinkOut | None, ...),
        "contact": (LinkOut | None, ...),
        "lost_reason": (LinkOut | None, ...),
        "lead": (uuid.UUID | None, ...),
    },
    limits=LIMITS,
    patch_doc=_PATCH_DOC + " Moving a deal is a change of `stage` (with `lost_reason` when the stage is a lost one);"
    " `probability` follows the new stage unless you send one.",
)
SCHEMAS: dict[str, EntitySchemas] = {LEAD.name: _LEAD, DEAL.name: _DEAL}

if TYPE_CHECKING:  # built at import time from the declarations: to mypy, bodies of their kind
    LeadCreate: TypeAlias = Strict
    LeadPatch: TypeAlias = PatchBody
    LeadSummary: TypeAlias = Out
    LeadOut: TypeAlias = Out
    DealCreate: TypeAlias = Strict
    DealPatch: TypeAlias = PatchBody
    DealSummary: TypeAlias = Out
    DealOut: TypeAlias = Out
    LeadStatusChoice: TypeAlias = str
    LeadSourceChoice: TypeAlias = str
    Reason: TypeAlias = str
    LeadSort: TypeAlias = list[str]
    DealSort: TypeAlias = list[str]
else:
    LeadCreate, LeadPatch, LeadSummary, LeadOut = (getattr(_LEAD, k) for k in ("create", "patch", "summary", "out"))
    DealCreate, DealPatch, DealSummary, DealOut = (getattr(_DEAL, k) for k in ("create", "patch", "summary", "out"))
    LeadStatusChoice = choice_type(LeadStatus.values, blank=False)
    LeadSourceChoice = choice_type(LeadSource.values, blank=False)
    Reason = choice_type(DisqualifyReason.values, blank=False)
    LeadSort = sort_param(LEAD_SORTS, ", ".join(DEFAULT_SORT[LEAD.name]))
    DealSort = sort_param(DEAL_SORTS, ", ".join(DEFAULT_SORT[DEAL.name]))


class LeadPage(Out):
    items: list[LeadSummary]
    next_cursor: str | None = NEXT_CURSOR


class DealPage(Out):
    items: list[DealSummary]
    next_cursor: str | None = NEXT_CURSOR


# --- list parameters -------------------------------------------------------------------------

Owner = Annotated[str | None, Field(pattern=OWNER_PATTERN, description="`me` or a user id")]
Cursor = Annotated[str | None, Field(max_length=1000, pattern=CURSOR_PATTERN)]


class LeadListParams(QueryParams):
    q: SEARCH_TEXT = Field(default=None, description="Words to find in names, companies, e-mails and phones")
    status: LeadStatusChoice | None = None
    source: LeadSourceChoice | None = None
    owner: Owner = None
    team: uuid.UUID | None = None
    created_after: DateTimeParam = None
    created_before: DateTimeParam = None
    trash: bool = Field(default=False, description="List the trash instead")
    sort: LeadSort = []
    cursor: Cursor = None
    limit: Limit = 50


class DealListParams(QueryParams):
    q: SEARCH_TEXT = Field(default=None, description="Words to find in deal, organization and contact names")
    pipeline: uuid.UUID | None = None
    stage: uuid.UUID | None = None
    status: Literal["open", "won", "lost"] | None = None
    owner: Owner = None
    team: uuid.UUID | None = None
    organization: uuid.UUID | None = None
    contact: uuid.UUID | None = None
    closing_after: DateParam = Field(default=None, description="Expected to close on or after this day")
    closing_before: DateParam = Field(default=None, description="Expected to close before this day")
    created_after: DateTimeParam = None
    created_before: DateTimeParam = None
    trash: bool = Field(default=False, description="List the trash instead")
    sort: DealSort = []
    cursor: Cursor = None
    limit: Limit = 50


# --- conversion and disqualification -------------------------------------------------------------


class ConvertDeal(Strict):
    """The deal a conversion makes; left out: named after the company, the lead's amount."""

    name: Annotated[str, required_text(200)] | None = None
    amount: Annotated[str, decimal_text(18, 2, signed=False)] | None = None
    currency: Currency | None = None
    pipeline: uuid.UUID | None = None
    stage: uuid.UUID | None = None
    expected_close_date: dt.date | None = None


class ConvertIn(Strict):
    organization: uuid.UUID | None = Field(
        default=None, description="An existing organization to link; default: a look-alike you can see, else a new one"
    )
    contact: uuid.UUID | None = Field(
        default=None, description="An existing contact to link; default: a look-alike you can see, else a new one"
    )
    create_deal: bool = True
    deal: ConvertDeal | None = None


class ConvertOut(Out):
    organization: uuid.UUID | None
    contact: uuid.UUID
    deal: uuid.UUID | None
    created: list[str] = Field(description="Which of them this call created (the others were linked); [] on a repeat")


class DisqualifyIn(Strict):
    reason: Reason
    note: Annotated[str, text(500)] = ""


# --- pipelines and lost reasons ------------------------------------------------------------------


class StageIn(Strict):
    id: uuid.UUID | None = Field(default=None, description="An existing stage to keep (its deals stay in it)")
    name: Annotated[str, required_text(100)]
    probability: Annotated[int, *whole(ge=0, le=100)] | None = Field(
        default=None, description="Percent; a won stage has 100, a lost one 0 (the default for them)"
    )
    outcome: Literal["open", "won", "lost"] = "open"


Stages = Annotated[list[StageIn], Field(min_length=1, max_length=20)]


class PipelineCreate(Strict):
    name: Annotated[str, required_text(100)]
    is_default: bool = False
    position: Annotated[int, *whole(ge=0, le=10_000)] = 0
    stages: Stages


class PipelinePatch(PatchBody):
    name: Annotated[str, required_text(100)] = None  # type: ignore[assignment]
    is_default: bool = None  # type: ignore[assignment]
    position: Annotated[int, *whole(ge=0, le=10_000)] = None  # type: ignore[assignment]
    stages: Stages = None  # type: ignore[assignment]


class LearnedOdds(Out):
    stage: uuid.UUID
    name: str
    probability: int = Field(description="The stage's default, in percent")
    learned: Decimal | None = Field(description="Percent of the closed deals that reached this stage and were won")
    deals: int = Field(description="The closed deals behind `learned`")


class PipelineOut(Out):
    id: uuid.UUID
    version: int
    name: str
    is_default: bool
    position: int
    stages: list[StageOut]


class PipelineList(Out):
    items: list[PipelineOut]


class LostReasonIn(Strict):
    name: Annotated[str, required_text(100)]
    position: Annotated[int, *whole(ge=0, le=10_000)] = 0
    active: bool = True


class LostReasonPatch(PatchBody):
    name: Annotated[str, required_text(100)] = None  # type: ignore[assignment]
    position: Annotated[int, *whole(ge=0, le=10_000)] = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]


class LostReasonOut(Out):
    id: uuid.UUID
    version: int
    name: str
    position: int
    active: bool


class LostReasonList(Out):
    items: list[LostReasonOut]


class StageChangeOut(Out):
    from_stage: LinkOut | None
    to_stage: LinkOut
    changed_at: dt.datetime
    seconds_in_previous: int | None = Field(description="How long the deal had been in `from_stage`")


class StageHistory(Out):
    items: list[StageChangeOut]


def stage_body(stage: Any) -> dict[str, Any]:
    return {
        "id": stage.public_id,
        "name": stage.name,
        "position": stage.position,
        "probability": stage.probability,
        "outcome": stage.outcome,
    }


# --- web-to-lead forms ---------------------------------------------------------------------------

if TYPE_CHECKING:
    Source: TypeAlias = str
else:
    Source = choice_type(LeadSource.values, blank=False)
RedirectUrl = Annotated[str, Field(max_length=300, pattern=URL_PATTERN)]


class LeadFormIn(Strict):
    name: Annotated[str, required_text(100)]
    active: bool = True
    source: Source = "web_form"
    redirect_url: RedirectUrl = ""
    team: uuid.UUID | None = Field(default=None, description="Leads go in turn to this team's sales people")
    owner: uuid.UUID | None = Field(default=None, description="Who owns the leads when no team member can")


class LeadFormPatch(PatchBody):
    name: Annotated[str, required_text(100)] = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]
    source: Source = None  # type: ignore[assignment]
    redirect_url: RedirectUrl = None  # type: ignore[assignment]
    team: uuid.UUID | None = None
    owner: uuid.UUID | None = None


class LeadFormOut(Out):
    id: uuid.UUID
    version: int
    name: str
    active: bool
    source: str
    redirect_url: str
    team: TeamRef | None
    owner: UserRef | None
    url: str = Field(description="Where a web page's form posts (HTML form fields or JSON)")


class LeadFormList(Out):
    items: list[LeadFormOut]


# --- lead assignment rules -----------------------------------------------------------------------

if TYPE_CHECKING:
    AnySource: TypeAlias = str
else:
    AnySource = choice_type(LeadSource.values, blank=True)
CountryCode = Annotated[str, Field(pattern=r"^([A-Za-z]{2})?$", description="ISO 3166 code such as PL; empty: any")]
RULE_OWNER = "The person the matching leads go to; else they go in turn to the team's sales people"


class LeadRuleIn(Strict):
    name: Annotated[str, required_text(100)]
    active: bool = True
    source: AnySource = Field(default="", description="The lead's source; empty: any")
    country: CountryCode = ""
    contains: Annotated[str, Field(max_length=100, description="Text the company or e-mail contains; empty: any")] = ""
    owner: uuid.UUID | None = Field(default=None, description=RULE_OWNER)
    team: uuid.UUID | None = None


class LeadRulePatch(PatchBody):
    name: Annotated[str, required_text(100)] = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]
    source: AnySource = None  # type: ignore[assignment]
    country: CountryCode = None  # type: ignore[assignment]
    contains: Annotated[str, Field(max_length=100)] = None  # type: ignore[assignment]
    owner: uuid.UUID | None = None
    team: uuid.UUID | None = None


class LeadRuleOut(Out):
    id: uuid.UUID
    version: int
    position: int = Field(description="Rules are tried in this order; the first that matches gives the lead")
    name: str
    active: bool
    source: str
    country: str
    contains: str
    owner: UserRef | None
    team: TeamRef | None


class LeadRuleList(Out):
    items: list[LeadRuleOut]


# --- forecasts -----------------------------------------------------------------------------------

Month = Annotated[str, Field(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$", description="A month: 2026-12")]


class ForecastParams(QueryParams):
    first: Month | None = Field(default=None, description="The first month (default: this month)")
    last: Month | None = Field(default=None, description="The last month (default: five months after the first)")
    team: uuid.UUID | None = None
    owner: Owner = None


class ForecastCellOut(Out):
    period: dt.date
    category: str
    currency: str
    deals: int
    amount: Decimal
    weighted: Decimal = Field(description="Σ amount × probability / 100")
    adjusted: Decimal | None = Field(description="The manager's figure, when adjusted (the latest counts)")
    adjustment_note: str


class UndatedOut(Out):
    category: str
    currency: str
    deals: int
    amount: Decimal
    weighted: Decimal


class ForecastOut(Out):
    periods: list[dt.date]
    cells: list[ForecastCellOut]
    undated: list[UndatedOut] = Field(description="Open deals without an expected close date")


class AdjustmentIn(Strict):
    period: Month
    category: Literal["pipeline", "best_case", "commit"]
    amount: Annotated[str, decimal_text(18, 2, signed=False)]
    currency: Currency
    team: uuid.UUID | None = Field(default=None, description="A team (no owner): the team's figure")
    owner: uuid.UUID | None = Field(default=None, description="A rep: the rep's figure")
    note: Annotated[str, text(500)] = ""


class AdjustmentOut(Out):
    id: uuid.UUID
    period: dt.date
    category: str
    amount: Decimal
    currency: str
    team: TeamRef | None
    owner: UserRef | None
    note: str
    created_at: dt.datetime


class SnapshotIn(Strict):
    first: Month
    last: Month
    label: Annotated[str, text(100)] = ""


class SnapshotOut(Out):
    id: uuid.UUID
    taken_at: dt.datetime
    label: str
    first_period: dt.date
    last_period: dt.date
    rows: int


class SnapshotList(Out):
    items: list[SnapshotOut]


class ComparisonRow(Out):
    period: dt.date
    owner: str | None
    team: str | None
    currency: str
    forecast_weighted: Decimal
    commit: Decimal
    best_case: Decimal
    won_deals: int
    won_amount: Decimal


class ComparisonOut(Out):
    snapshot: SnapshotOut
    items: list[ComparisonRow]


class LearnedList(Out):
    items: list[LearnedOdds]


# --- products ------------------------------------------------------------------------------------

PRODUCT_SORTS = ("name", "sku", "updated_at")
Money = Annotated[str, decimal_text(18, 2, signed=False)]
TaxRate = Annotated[str, decimal_text(5, 2, signed=False, description='Percent, 0 to 100: "27", "5.5"')]


class ProductIn(Strict):
    sku: Annotated[str, required_text(64, description="Unique among the live products")]
    name: Annotated[str, required_text(200)]
    description: Annotated[str, text(10_000)] = ""
    unit: Annotated[str, required_text(20)] = "pc"
    cost: Money | None = None
    currency: Currency | None = Field(default=None, description="ISO 4217; default: the reporting currency")
    tax_rate: TaxRate = "0"
    active: bool = True


class ProductPatch(PatchBody):
    sku: Annotated[str, required_text(64)] = None  # type: ignore[assignment]
    name: Annotated[str, required_text(200)] = None  # type: ignore[assignment]
    description: Annotated[str, text(10_000)] = None  # type: ignore[assignment]
    unit: Annotated[str, required_text(20)] = None  # type: ignore[assignment]
    cost: Money | None = None
    currency: Currency = None  # type: ignore[assignment]
    tax_rate: TaxRate = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]


class ProductOut(Out):
    id: uuid.UUID
    version: int
    sku: str
    name: str
    description: str
    unit: str
    cost: Decimal | None
    currency: str
    tax_rate: Decimal
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductPage(Out):
    items: list[ProductOut]
    next_cursor: str | None = NEXT_CURSOR


class ProductListParams(QueryParams):
    q: SEARCH_TEXT = Field(default=None, description="Text in the SKU or the name")
    active: bool | None = Field(default=None, description="Only the active (true) or the retired (false)")
    trash: bool = Field(default=False, description="List the trash instead")
    sort: sort_param(PRODUCT_SORTS, "name") = []  # type: ignore[valid-type]
    cursor: Cursor = None
    limit: Limit = 50


# --- price lists and exchange rates --------------------------------------------------------------

Quantity = Annotated[str, decimal_text(14, 3, signed=False)]
UnitPrice = Annotated[str, decimal_text(18, 4, signed=False)]
PERCENT_PATTERN = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$"
Percent = Annotated[str, Field(pattern=PERCENT_PATTERN, examples=["10"], description="Percent, 0 to 100")]


class PriceItemIn(Strict):
    product: uuid.UUID
    min_quantity: Quantity = Field(default="1", description="The price holds from this quantity up")
    unit_price: UnitPrice
    discount_percent: Percent = "0"


class PriceListIn(Strict):
    name: Annotated[str, required_text(100)]
    currency: Currency
    customer_category: Annotated[str, text(60)] = Field(default="", description="For organizations of this category")
    organization: uuid.UUID | None = Field(default=None, description="For this customer only (individual prices)")
    valid_from: OptionalDay = None
    valid_until: OptionalDay = None
    active: bool = True
    items: Annotated[list[PriceItemIn], Field(max_length=5000)] = []


class PriceListPatch(PatchBody):
    name: Annotated[str, required_text(100)] = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    customer_category: Annotated[str, text(60)] = None  # type: ignore[assignment]
    organization: uuid.UUID | None = None
    valid_from: OptionalDay = None
    valid_until: OptionalDay = None
    active: bool = None  # type: ignore[assignment]
    items: Annotated[list[PriceItemIn], Field(max_length=5000, description="Replaces every price")] = None  # type: ignore[assignment]


class PriceItemOut(Out):
    product: LinkOut
    min_quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal


class PriceListOut(Out):
    id: uuid.UUID
    version: int
    name: str
    currency: str
    customer_category: str
    organization: LinkOut | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    active: bool
    items: list[PriceItemOut]


class PriceListList(Out):
    items: list[PriceListOut]


class ExchangeRateIn(Strict):
    currency: Currency
    day: Day
    rate: Annotated[str, decimal_text(20, 10, signed=False, description="One unit in the reporting currency")]


class ExchangeRateOut(Out):
    currency: str
    day: dt.date
    rate: Decimal


class ExchangeRateList(Out):
    items: list[ExchangeRateOut]


# --- quotes ----------------------------------------------------------------------------------------


class QuoteLineIn(Strict):
    product: uuid.UUID | None = None
    description: Annotated[str, text(300)] = Field(default="", description="Default: the product's name")
    quantity: Quantity = "1"
    unit_price: UnitPrice | None = Field(default=None, description="Default: the customer's price list")
    discount_percent: Percent | None = Field(default=None, description="Default: the price list's")
    tax_rate: Percent | None = Field(default=None, description="Default: the product's")


class QuoteIn(Strict):
    organization: uuid.UUID
    contact: uuid.UUID | None = None
    deal: uuid.UUID | None = None
    currency: Currency | None = Field(default=None, description="ISO 4217; default: the reporting currency")
    valid_until: OptionalDay = None
    note: Annotated[str, text(10_000)] = ""
    lines: Annotated[list[QuoteLineIn], Field(min_length=1, max_length=500)]


class MailOut(Out):
    id: uuid.UUID
    to: str
    subject: str
    status: str = Field(description="queued, sent or failed")
    message_id: str
    attempts: int
    error: str
    sent_at: dt.datetime | None
    created_at: dt.datetime


class MailIn(Strict):
    to: Annotated[str, text(254)] | None = Field(default=None, description="Default: the document's contact's address")
    subject: Annotated[str, text(200)] | None = Field(default=None, description="Default: in the customer's language")
    body: Annotated[str, text(20_000)] | None = Field(default=None, description="Default: in the customer's language")


class QuoteReviseIn(Strict):
    contact: uuid.UUID | None = None
    deal: uuid.UUID | None = None
    currency: Currency | None = Field(default=None, description="ISO 4217; default: the reporting currency")
    valid_until: OptionalDay = None
    note: Annotated[str, text(10_000)] = ""
    lines: Annotated[list[QuoteLineIn], Field(min_length=1, max_length=500)]


class RejectIn(Strict):
    reason: Annotated[str, text(1000)] = ""


class QuoteLineOut(Out):
    position: int
    product: LinkOut | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


class QuoteOut(Out):
    id: uuid.UUID
    version: int
    number: str
    status: str
    organization: LinkOut | None
    contact: LinkOut | None
    deal: LinkOut | None
    currency: str
    valid_until: dt.date | None
    note: str
    revision: int = Field(description="1 for the first; a revision keeps the number with -2, -3... after it")
    revises: LinkOut | None = Field(description="The revision this one replaced")
    revised_by: LinkOut | None = Field(description="The revision that replaced this one (status superseded)")
    order: LinkOut | None = Field(description="The order made when the quote was accepted")
    sent_at: dt.datetime | None
    mails: list[MailOut]
    lines: list[QuoteLineOut]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    owner: UserRef | None
    team: TeamRef | None
    created_at: dt.datetime


class QuoteSummary(Out):
    id: uuid.UUID
    number: str
    status: str
    organization: LinkOut | None
    currency: str
    gross_total: Decimal
    created_at: dt.datetime


class QuotePage(Out):
    items: list[QuoteSummary]
    next_cursor: str | None = NEXT_CURSOR


class QuoteListParams(QueryParams):
    organization: uuid.UUID | None = None
    status: choice_type(["draft", "sent", "accepted", "rejected", "expired", "superseded"], blank=False) | None = None  # type: ignore[valid-type]
    cursor: Cursor = None
    limit: Limit = 50


class OrderLineOut(QuoteLineOut):
    invoiced_quantity: Decimal


class AcceptOut(Out):
    order: uuid.UUID


class OrderOut(Out):
    id: uuid.UUID
    version: int
    number: str
    status: str
    quote: LinkOut | None
    organization: LinkOut | None
    contact: LinkOut | None
    deal: LinkOut | None
    currency: str
    lines: list[OrderLineOut]
    invoices: list[LinkOut]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    owner: UserRef | None
    team: TeamRef | None
    created_at: dt.datetime


class OrderPage(Out):
    items: list[QuoteSummary]
    next_cursor: str | None = NEXT_CURSOR


class PartLineIn(Strict):
    line: Annotated[int, *whole(ge=1, le=100_000)] = Field(description="The line's position")
    quantity: Quantity | None = Field(default=None, description="Default: all that is left of the line")


class InvoiceIn(Strict):
    due_days: Annotated[int, *whole(ge=0, le=365)] = Field(default=14, description="Days until it is due")
    lines: Annotated[list[PartLineIn], Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="Invoice part of the order; default: all that is left to invoice"
    )


class CreditNoteIn(Strict):
    reason: Annotated[str, text(300)]
    lines: Annotated[list[PartLineIn], Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="Credit part of the invoice; default: all that is left to credit"
    )


class PaymentOut(Out):
    id: uuid.UUID
    version: int
    invoice: uuid.UUID
    amount: Decimal
    paid_on: dt.date
    note: str


class InvoiceOut(Out):
    id: uuid.UUID
    version: int
    number: str
    status: str
    order: LinkOut | None
    organization: LinkOut | None
    contact: LinkOut | None
    currency: str
    kind: str = Field(description="invoice or credit_note")
    credits: LinkOut | None = Field(description="A credit note's invoice")
    credit_notes: list[LinkOut]
    reason: str
    issued_on: dt.date
    due_on: dt.date
    overdue: bool
    lines: list[QuoteLineOut]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    paid_total: Decimal
    credited_total: Decimal
    outstanding: Decimal = Field(description="Gross less paid and credited; negative: money to return")
    payments: list[PaymentOut]
    mails: list[MailOut]
    owner: UserRef | None
    team: TeamRef | None
    created_at: dt.datetime


class InvoicePage(Out):
    items: list[QuoteSummary]
    next_cursor: str | None = NEXT_CURSOR


class PaymentIn(Strict):
    invoice: uuid.UUID
    amount: Annotated[str, decimal_text(16, 4, signed=False)]
    date: OptionalDay = Field(default=None, description="The day it was paid; default: today")
    note: Annotated[str, text(300)] = ""
