"""REST endpoints of the sales app: /api/v1/leads, /deals, /pipelines, /lost-reasons.

Each endpoint parses input, calls one scoped query or one action, and answers. A lead or
deal the caller may not see is a 404, exactly as if it did not exist. Writes of one record
need `If-Match` (428 without, 412 when stale); creates honour `Idempotency-Key`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from clientela.accounts.people import resolve_team, resolve_user
from clientela.core.apikit.auth import caller
from clientela.core.apikit.bodies import team_ref, user_ref
from clientela.core.apikit.errors import COMMON, PRECONDITIONS, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import NOT_MODIFIED, IfMatch, IfNoneMatch, conditional_read, etag_for, expected_version
from clientela.core.apikit.idempotency import IdempotencyKeyHeader, run_idempotent
from clientela.core.apikit.pagination import paginate, parse_sort
from clientela.core.context import acting_via, overwriting
from clientela.core.errors import FieldError, NotFound, ValidationFailed
from clientela.core.visibility import require_admin
from clientela.parties import queries as parties_queries
from clientela.parties.api_support import created_once
from clientela.sales import actions, forecasting, queries, tasks
from clientela.sales.api_support import (
    deal_body,
    deal_summary,
    deals_filtered,
    invoice_body,
    lead_body,
    lead_form_body,
    lead_rule_body,
    leads_filtered,
    lost_reason_body,
    mail_body,
    order_body,
    payment_body,
    pipeline_body,
    price_list_body,
    product_body,
    products_filtered,
    quote_full_body,
    quote_summary,
)
from clientela.sales.entities import DEAL, LEAD
from clientela.sales.schemas import (
    DEAL_SORTS,
    DEFAULT_SORT,
    LEAD_SORTS,
    PRODUCT_SORTS,
    AcceptOut,
    AdjustmentIn,
    AdjustmentOut,
    ComparisonOut,
    ConvertIn,
    ConvertOut,
    CreditNoteIn,
    DealCreate,
    DealListParams,
    DealOut,
    DealPage,
    DealPatch,
    DisqualifyIn,
    ExchangeRateIn,
    ExchangeRateList,
    ExchangeRateOut,
    ForecastOut,
    ForecastParams,
    InvoiceIn,
    InvoiceOut,
    InvoicePage,
    LeadCreate,
    LeadFormIn,
    LeadFormList,
    LeadFormOut,
    LeadFormPatch,
    LeadListParams,
    LeadOut,
    LeadPage,
    LeadPatch,
    LeadRuleIn,
    LeadRuleList,
    LeadRuleOut,
    LeadRulePatch,
    LearnedList,
    LostReasonIn,
    LostReasonList,
    LostReasonOut,
    LostReasonPatch,
    MailIn,
    MailOut,
    OrderOut,
    OrderPage,
    PaymentIn,
    PaymentOut,
    PipelineCreate,
    PipelineList,
    PipelineOut,
    PipelinePatch,
    PriceListIn,
    PriceListList,
    PriceListOut,
    PriceListPatch,
    ProductIn,
    ProductListParams,
    ProductOut,
    ProductPage,
    ProductPatch,
    QuoteIn,
    QuoteListParams,
    QuoteOut,
    QuotePage,
    QuoteReviseIn,
    RejectIn,
    SnapshotIn,
    SnapshotList,
    SnapshotOut,
    StageHistory,
)

if TYPE_CHECKING:
    pass

leads = Router(tags=["leads"])
deals = Router(tags=["deals"])
pipelines = Router(tags=["pipelines"])
lost_reasons = Router(tags=["lost reasons"])
lead_forms = Router(tags=["lead forms"])
lead_rules = Router(tags=["lead assignment rules"])
products = Router(tags=["products"])
price_lists = Router(tags=["price lists"])
exchange_rates = Router(tags=["exchange rates"])
quotes = Router(tags=["quotes"])
orders = Router(tags=["orders"])
invoices = Router(tags=["invoices"])
payments = Router(tags=["payments"])


def _json(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    return schema.model_validate(data).model_dump()


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """A validated body as action values: ids as strings (the action resolves them)."""
    return {name: str(value) if isinstance(value, uuid.UUID) else value for name, value in data.items()}


def _part_lines(lines: list[Any] | None) -> list[dict[str, Any]] | None:
    """An invoice's or a credit note's chosen lines; a quantity left out is the line's rest."""
    return None if lines is None else [line.model_dump(exclude_none=True) for line in lines]


# --- leads -------------------------------------------------------------------------------------


@leads.get("", response={200: LeadPage, **COMMON}, summary="List and search leads")
def lead_list(request: HttpRequest, params: Query[LeadListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = leads_filtered(queries.leads_visible(user, trash=params.trash), params, user=user)
    keys = parse_sort(params.sort, allowed=LEAD_SORTS, default=DEFAULT_SORT[LEAD.name])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [lead_body(user, lead) for lead in page.items], "next_cursor": page.next_cursor}


@leads.post("", response={201: LeadOut, **COMMON, 409: ErrorOut}, summary="Capture a lead")
def lead_create(
    request: HttpRequest, payload: LeadCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)

    def create() -> dict[str, Any]:
        lead = actions.lead_create(actor=user, values=_values(payload.model_dump(exclude_unset=True)))
        return _json(LeadOut, lead_body(user, queries.lead_get(user, lead.public_id)))

    return created_once(request, user, payload, idempotency_key, "leads", create)


@leads.get("/{lead_id}", response={200: LeadOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a lead")
def lead_read(
    request: HttpRequest, lead_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    user = caller(request)
    lead = queries.lead_get(user, lead_id)
    return conditional_read(response, if_none_match, lead.version, lead_body(user, lead))


@leads.patch("/{lead_id}", response={200: LeadOut, **PRECONDITIONS}, summary="Change a lead")
def lead_patch(
    request: HttpRequest, lead_id: uuid.UUID, payload: LeadPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    lead = queries.lead_get(user, lead_id)
    expected = expected_version(if_match, lead.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.lead_update(
            actor=user, lead=lead, values=_values(payload.model_dump(exclude_unset=True)), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return lead_body(user, queries.lead_get(user, lead_id))


@leads.delete("/{lead_id}", response={200: LeadOut, **PRECONDITIONS}, summary="Move a lead to the trash")
def lead_delete(request: HttpRequest, lead_id: uuid.UUID, if_match: IfMatch, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    lead = queries.lead_get(user, lead_id)
    expected = expected_version(if_match, lead.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.lead_trash(actor=user, lead=lead, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return lead_body(user, queries.lead_get(user, lead_id, include_trash=True))


@leads.post("/{lead_id}/restore", response={200: LeadOut, **WITH_RECORD}, summary="Restore a lead from the trash")
def lead_restore(request: HttpRequest, lead_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    lead = queries.lead_get(user, lead_id, include_trash=True)
    with acting_via("api"):
        restored = actions.lead_restore(actor=user, lead=lead)
    response["ETag"] = etag_for(restored)
    return lead_body(user, queries.lead_get(user, lead_id))


@leads.post("/{lead_id}/disqualify", response={200: LeadOut, **WITH_RECORD, 409: ErrorOut}, summary="Disqualify")
def lead_disqualify(request: HttpRequest, lead_id: uuid.UUID, payload: DisqualifyIn, response: HttpResponse) -> Any:
    """Close the lead as not worth pursuing, with a reason (409 `lead_closed` once converted)."""
    user = caller(request)
    lead = queries.lead_get(user, lead_id)
    with acting_via("api"):
        updated = actions.lead_disqualify(actor=user, lead=lead, reason=payload.reason, note=payload.note)
    response["ETag"] = etag_for(updated)
    return lead_body(user, queries.lead_get(user, lead_id))


@leads.post(
    "/{lead_id}/convert",
    response={200: ConvertOut, 201: ConvertOut, **WITH_RECORD, 409: ErrorOut},
    summary="Convert a lead into an organization, a contact and a deal",
)
def lead_convert(request: HttpRequest, lead_id: uuid.UUID, payload: ConvertIn) -> Any:
    """Links existing records instead of duplicating them: the `organization` and `contact` you
    name, else look-alikes you can see (same e-mail or phone, same company name). 201 when this
    call converted the lead; converting it again creates nothing and answers 200 with the same ids.
    A disqualified lead is refused (409 `lead_closed`)."""
    user = caller(request)
    lead = queries.lead_get(user, lead_id)
    organization = parties_queries.organization_get(user, payload.organization) if payload.organization else None
    contact = parties_queries.contact_get(user, payload.contact) if payload.contact else None
    deal_values = _values(payload.deal.model_dump(exclude_unset=True)) if payload.deal else None
    already = lead.status == "converted"
    with acting_via("api"):
        made = actions.lead_convert(
            actor=user,
            lead=lead,
            organization=organization,
            contact=contact,
            deal_values=deal_values,
            create_deal=payload.create_deal,
        )
    body = {
        "organization": made.organization.public_id if made.organization else None,
        "contact": made.contact.public_id,
        "deal": made.deal.public_id if made.deal else None,
        "created": sorted(made.created),
    }
    return Status(200 if already or not made.created else 201, body)


# --- deals -------------------------------------------------------------------------------------


@deals.get("", response={200: DealPage, **COMMON}, summary="List and search deals")
def deal_list(request: HttpRequest, params: Query[DealListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = deals_filtered(queries.deals_visible(user, trash=params.trash), params, user=user)
    keys = parse_sort(params.sort, allowed=DEAL_SORTS, default=DEFAULT_SORT[DEAL.name])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [deal_summary(user, deal) for deal in page.items], "next_cursor": page.next_cursor}


@deals.post("", response={201: DealOut, **COMMON, 409: ErrorOut}, summary="Create a deal")
def deal_create(
    request: HttpRequest, payload: DealCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Without `pipeline` and `stage` the deal starts in the default pipeline's first stage; its
    `probability` is the stage's unless you send one."""
    user = caller(request)

    def create() -> dict[str, Any]:
        deal = actions.deal_create(actor=user, values=_values(payload.model_dump(exclude_unset=True)))
        return _json(DealOut, deal_body(user, queries.deal_get(user, deal.public_id)))

    return created_once(request, user, payload, idempotency_key, "deals", create)


@deals.get("/{deal_id}", response={200: DealOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a deal")
def deal_read(
    request: HttpRequest, deal_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    user = caller(request)
    deal = queries.deal_get(user, deal_id)
    return conditional_read(response, if_none_match, deal.version, deal_body(user, deal))


@deals.patch("/{deal_id}", response={200: DealOut, **PRECONDITIONS}, summary="Change or move a deal")
def deal_patch(
    request: HttpRequest, deal_id: uuid.UUID, payload: DealPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Send only the fields to change, with `If-Match` set to the ETag you read: a deal somebody
    moved or changed since is a 412 with what changed, never overwritten."""
    user = caller(request)
    deal = queries.deal_get(user, deal_id)
    expected = expected_version(if_match, deal.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.deal_update(
            actor=user, deal=deal, values=_values(payload.model_dump(exclude_unset=True)), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return deal_body(user, queries.deal_get(user, deal_id))


@deals.delete("/{deal_id}", response={200: DealOut, **PRECONDITIONS}, summary="Move a deal to the trash")
def deal_delete(request: HttpRequest, deal_id: uuid.UUID, if_match: IfMatch, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    deal = queries.deal_get(user, deal_id)
    expected = expected_version(if_match, deal.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.deal_trash(actor=user, deal=deal, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return deal_body(user, queries.deal_get(user, deal_id, include_trash=True))


@deals.post("/{deal_id}/restore", response={200: DealOut, **WITH_RECORD}, summary="Restore a deal from the trash")
def deal_restore(request: HttpRequest, deal_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    deal = queries.deal_get(user, deal_id, include_trash=True)
    with acting_via("api"):
        restored = actions.deal_restore(actor=user, deal=deal)
    response["ETag"] = etag_for(restored)
    return deal_body(user, queries.deal_get(user, deal_id))


@deals.get("/{deal_id}/history", response={200: StageHistory, **WITH_RECORD}, summary="A deal's stage history")
def deal_history(request: HttpRequest, deal_id: uuid.UUID) -> dict[str, Any]:
    """The stages in the order the deal entered them, with how long it stayed in the one before."""
    user = caller(request)
    deal = queries.deal_get(user, deal_id)

    def link(stage: Any) -> dict[str, Any] | None:
        return None if stage is None else {"id": stage.public_id, "name": stage.name}

    return {
        "items": [
            {
                "from_stage": link(change.from_stage),
                "to_stage": link(change.to_stage),
                "changed_at": change.changed_at,
                "seconds_in_previous": change.seconds_in_previous,
            }
            for change in queries.stage_history(deal)
        ]
    }


# --- pipelines -----------------------------------------------------------------------------------


@pipelines.get("", response={200: PipelineList, **COMMON}, summary="List the pipelines and their stages")
def pipeline_list(request: HttpRequest) -> dict[str, Any]:
    caller(request)
    return {"items": [pipeline_body(p) for p in queries.pipelines()]}


@pipelines.post("", response={201: PipelineOut, **COMMON, 409: ErrorOut}, summary="Create a pipeline (administrators)")
def pipeline_create(
    request: HttpRequest, payload: PipelineCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)
    data = payload.model_dump(exclude_unset=True)
    stages = [_values(stage) for stage in data.pop("stages")]

    def create() -> dict[str, Any]:
        pipeline = actions.pipeline_create(actor=user, values=data, stages=stages)
        return _json(PipelineOut, pipeline_body(queries.pipeline_get(pipeline.public_id)))

    return created_once(request, user, payload, idempotency_key, "pipelines", create)


@pipelines.get("/{pipeline_id}", response={200: PipelineOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a pipeline")
def pipeline_read(
    request: HttpRequest, pipeline_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    caller(request)
    pipeline = queries.pipeline_get(pipeline_id)
    return conditional_read(response, if_none_match, pipeline.version, pipeline_body(pipeline))


@pipelines.patch("/{pipeline_id}", response={200: PipelineOut, **PRECONDITIONS}, summary="Change a pipeline")
def pipeline_patch(
    request: HttpRequest, pipeline_id: uuid.UUID, payload: PipelinePatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """`stages` replaces the stages in the order given: name an existing stage by `id` to keep
    it and its deals; a stage left out is removed, refused while deals are in it."""
    user = caller(request)
    pipeline = queries.pipeline_get(pipeline_id)
    expected = expected_version(if_match, pipeline.version)
    data = payload.model_dump(exclude_unset=True)
    stages = [_values(stage) for stage in data.pop("stages")] if "stages" in data else None
    with acting_via("api"), overwriting(expected is None):
        updated = actions.pipeline_update(
            actor=user, pipeline=pipeline, values=data, stages=stages, expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return pipeline_body(queries.pipeline_get(pipeline_id))


# --- lost reasons ----------------------------------------------------------------------------------


@lost_reasons.get("", response={200: LostReasonList, **COMMON}, summary="List the reasons deals are lost for")
def lost_reason_list(request: HttpRequest, active: bool = False) -> dict[str, Any]:
    caller(request)
    return {"items": [lost_reason_body(r) for r in queries.lost_reasons(active_only=active)]}


@lost_reasons.post(
    "", response={201: LostReasonOut, **COMMON, 409: ErrorOut}, summary="Add a lost reason (administrators)"
)
def lost_reason_create(
    request: HttpRequest, payload: LostReasonIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)

    def create() -> dict[str, Any]:
        reason = actions.lost_reason_create(actor=user, values=payload.model_dump(exclude_unset=True))
        return _json(LostReasonOut, lost_reason_body(reason))

    return created_once(request, user, payload, idempotency_key, "lost-reasons", create)


@lost_reasons.patch("/{reason_id}", response={200: LostReasonOut, **PRECONDITIONS}, summary="Change a lost reason")
def lost_reason_patch(
    request: HttpRequest, reason_id: uuid.UUID, payload: LostReasonPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Rename, reorder or retire (`active: false`): a retired reason stays on the deals lost for it."""
    user = caller(request)
    reason = queries.lost_reason_get(reason_id)
    expected = expected_version(if_match, reason.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.lost_reason_update(
            actor=user, lost_reason=reason, values=payload.model_dump(exclude_unset=True), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return lost_reason_body(updated)


# --- web-to-lead forms ------------------------------------------------------------------------------


def _lead_form(user: Any, form_id: uuid.UUID) -> Any:
    require_admin(user)
    found = queries.lead_forms().filter(public_id=form_id).first()
    if found is None:
        raise NotFound(_("no such form"))
    return found


@lead_forms.get("", response={200: LeadFormList, **COMMON}, summary="List the web-to-lead forms (administrators)")
def lead_form_list(request: HttpRequest) -> dict[str, Any]:
    require_admin(caller(request))
    return {"items": [lead_form_body(request, f) for f in queries.lead_forms()]}


@lead_forms.post("", response={201: LeadFormOut, **COMMON, 409: ErrorOut}, summary="Create a web-to-lead form")
def lead_form_create(
    request: HttpRequest, payload: LeadFormIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """The answer's `url` is where a website's form posts its fields (`first_name`, `last_name`,
    `company`, `title`, `email`, `phone`, `website`, `country`, `message`)."""
    user = caller(request)

    def create() -> dict[str, Any]:
        form = actions.lead_form_create(actor=user, values=_values(payload.model_dump(exclude_unset=True)))
        return _json(LeadFormOut, lead_form_body(request, form))

    return created_once(request, user, payload, idempotency_key, "lead-forms", create)


@lead_forms.patch("/{form_id}", response={200: LeadFormOut, **PRECONDITIONS}, summary="Change a web-to-lead form")
def lead_form_patch(
    request: HttpRequest, form_id: uuid.UUID, payload: LeadFormPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    form = _lead_form(user, form_id)
    expected = expected_version(if_match, form.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.lead_form_update(
            actor=user,
            lead_form=form,
            values=_values(payload.model_dump(exclude_unset=True)),
            expected_version=expected,
        )
    response["ETag"] = etag_for(updated)
    return lead_form_body(request, _lead_form(user, form_id))


# --- forecasts -----------------------------------------------------------------------------------------

forecasts = Router(tags=["forecasts"])


def _month(text: str | None, default: dt.date) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01") if text else default


def _scope_people(user: Any, team: uuid.UUID | None, owner: str | None) -> tuple[Any, Any, bool]:
    """The team and owner a forecast is narrowed to, and whether both exist (a filter naming a
    team or rep that does not exist matches nothing, as the lists' filters do)."""
    errors: list[FieldError] = []
    found_team = resolve_team(str(team), errors, field="team") if team else None
    found_owner = user if owner == "me" else (resolve_user(owner, errors, field="owner") if owner else None)
    return found_team, found_owner, not errors


@forecasts.get("", response={200: ForecastOut, **COMMON}, summary="The forecast by month and category")
def forecast_read(request: HttpRequest, params: Query[ForecastParams]) -> dict[str, Any]:
    """Weighted pipeline of the deals you may see, per month, forecast category (pipeline, best
    case, commit, closed) and currency, with a manager's adjusted figure where there is one, and
    the open deals without an expected close date apart. Amounts in different currencies are
    never added together."""
    user = caller(request)
    first = _month(params.first, forecasting.month_start(timezone.localdate()))
    last = _month(params.last, first + dt.timedelta(days=5 * 31))
    if last < first or len(forecasting.periods_between(first, last)) > 36:
        raise ValidationFailed.single("last", "invalid", _("at most 36 months, not before the first"))
    team, owner, exist = _scope_people(user, params.team, params.owner)
    if not exist:
        return {
            "periods": forecasting.periods_between(first, forecasting.month_start(last)),
            "cells": [],
            "undated": [],
        }
    result = forecasting.forecast(
        user, first_period=first, last_period=forecasting.month_start(last), team=team, owner=owner
    )
    return {
        "periods": list(result.periods),
        "cells": [
            {
                "period": c.period, "category": c.category, "currency": c.currency, "deals": c.deals,
                "amount": c.amount, "weighted": c.weighted, "adjusted": c.adjusted,
                "adjustment_note": c.adjustment_note,
            }
            for c in result.cells
        ],
        "undated": [
            {
                "category": r.category, "currency": r.currency, "deals": r.deals,
                "amount": r.amount, "weighted": r.weighted,
            }
            for r in result.undated
        ],
    }  # fmt: skip


def _adjustment_body(adjustment: Any) -> dict[str, Any]:
    return {
        "id": adjustment.public_id,
        "period": adjustment.period,
        "category": adjustment.category,
        "amount": adjustment.amount,
        "currency": adjustment.currency,
        "team": team_ref(adjustment.team),
        "owner": user_ref(adjustment.owner),
        "note": adjustment.note,
        "created_at": adjustment.created_at,
    }


@forecasts.post("/adjustments", response={201: AdjustmentOut, **COMMON, 409: ErrorOut}, summary="Adjust the forecast")
def forecast_adjustment_create(
    request: HttpRequest, payload: AdjustmentIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """A manager's figure for one month, category and currency: of one rep (`owner`), of a team
    (`team`), or — administrators — of the whole company. Managers adjust their own team only."""
    user = caller(request)
    data = _values(payload.model_dump(exclude_unset=True))

    def create() -> dict[str, Any]:
        adjustment = actions.forecast_adjust(actor=user, **data)
        return _json(AdjustmentOut, _adjustment_body(adjustment))

    def headers(body: dict[str, Any]) -> dict[str, str]:
        return {}

    return run_idempotent(
        request, user=user, key=idempotency_key, payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=lambda: _produced(create), headers_for=headers,
    )  # fmt: skip


def _produced(create: Callable[[], dict[str, Any]]) -> tuple[int, dict[str, Any], dict[str, str]]:
    with acting_via("api"):
        return 201, create(), {}


def _snapshot_body(snapshot: Any) -> dict[str, Any]:
    return {
        "id": snapshot.public_id,
        "taken_at": snapshot.taken_at,
        "label": snapshot.label,
        "first_period": snapshot.first_period,
        "last_period": snapshot.last_period,
        "rows": len(snapshot.rows),
    }


@forecasts.get("/snapshots", response={200: SnapshotList, **COMMON}, summary="The forecast's dated snapshots")
def forecast_snapshot_list(request: HttpRequest) -> dict[str, Any]:
    caller(request)
    return {"items": [_snapshot_body(s) for s in forecasting.snapshots()[:100]]}


@forecasts.post(
    "/snapshots", response={201: SnapshotOut, **COMMON, 409: ErrorOut}, summary="Keep the forecast as it is now"
)
def forecast_snapshot_create(
    request: HttpRequest, payload: SnapshotIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Stores the forecast of the deals you may see for the months given, to compare later with
    what closed (`GET /forecasts/snapshots/{id}/comparison`). The worker also takes one on the
    first day of each month."""
    user = caller(request)
    data = payload.model_dump(exclude_unset=True)

    def create() -> dict[str, Any]:
        snapshot = actions.forecast_snapshot_take(
            actor=user, first_period=data["first"], last_period=data["last"], label=data.get("label", "")
        )
        return _json(SnapshotOut, _snapshot_body(snapshot))

    return run_idempotent(
        request, user=user, key=idempotency_key, payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=lambda: _produced(create), headers_for=lambda body: {},
    )  # fmt: skip


@forecasts.get(
    "/snapshots/{snapshot_id}/comparison",
    response={200: ComparisonOut, **WITH_RECORD},
    summary="A snapshot beside what has been won since",
)
def forecast_snapshot_comparison(request: HttpRequest, snapshot_id: uuid.UUID) -> dict[str, Any]:
    user = caller(request)
    snapshot = forecasting.snapshot_get(snapshot_id)
    rows = forecasting.compare_snapshot(user, snapshot)
    return {
        "snapshot": _snapshot_body(snapshot),
        "items": [
            {
                "period": r.period, "owner": r.owner, "team": r.team, "currency": r.currency,
                "forecast_weighted": r.weighted, "commit": r.commit, "best_case": r.best_case,
                "won_deals": r.won_deals, "won_amount": r.won_amount,
            }
            for r in rows
        ],
    }  # fmt: skip


@pipelines.get(
    "/{pipeline_id}/learned", response={200: LearnedList, **WITH_RECORD}, summary="Learned win probabilities"
)
def pipeline_learned(request: HttpRequest, pipeline_id: uuid.UUID) -> dict[str, Any]:
    """For each stage, beside its default probability: the share of the closed deals you may see
    that reached the stage and were won, and how many closed deals that is."""
    user = caller(request)
    pipeline = queries.pipeline_get(pipeline_id)
    return {
        "items": [
            {
                "stage": o.stage.public_id,
                "name": o.stage.name,
                "probability": o.default,
                "learned": o.learned,
                "deals": o.deals,
            }
            for o in forecasting.learned_probabilities(user, pipeline)
        ]
    }


# --- lead assignment rules ------------------------------------------------------------------------


def _lead_rule(user: Any, rule_id: uuid.UUID) -> Any:
    require_admin(user)
    return queries.assignment_rule_get(rule_id)


@lead_rules.get("", response={200: LeadRuleList, **COMMON}, summary="List the lead assignment rules (administrators)")
def lead_rule_list(request: HttpRequest) -> dict[str, Any]:
    """In the order they are tried: a lead that arrives without an owner (a web form's post, an
    imported row) goes by the first active rule that matches it."""
    require_admin(caller(request))
    return {"items": [lead_rule_body(rule) for rule in queries.assignment_rules()]}


@lead_rules.post("", response={201: LeadRuleOut, **COMMON, 409: ErrorOut}, summary="Add a lead assignment rule")
def lead_rule_create(
    request: HttpRequest, payload: LeadRuleIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """A new rule is tried after the existing ones."""
    user = caller(request)

    def create() -> dict[str, Any]:
        rule = actions.lead_rule_create(actor=user, values=_values(payload.model_dump(exclude_unset=True)))
        return _json(LeadRuleOut, lead_rule_body(rule))

    return created_once(request, user, payload, idempotency_key, "lead-assignment-rules", create)


@lead_rules.patch("/{rule_id}", response={200: LeadRuleOut, **PRECONDITIONS}, summary="Change a lead assignment rule")
def lead_rule_patch(
    request: HttpRequest, rule_id: uuid.UUID, payload: LeadRulePatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    rule = _lead_rule(user, rule_id)
    expected = expected_version(if_match, rule.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.lead_rule_update(
            actor=user, rule=rule, values=_values(payload.model_dump(exclude_unset=True)), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return lead_rule_body(_lead_rule(user, rule_id))


@lead_rules.delete("/{rule_id}", response={200: LeadRuleOut, **PRECONDITIONS}, summary="Delete a lead assignment rule")
def lead_rule_delete(request: HttpRequest, rule_id: uuid.UUID, if_match: IfMatch, response: HttpResponse) -> Any:
    """The rule goes to the trash and is tried no more."""
    user = caller(request)
    rule = _lead_rule(user, rule_id)
    expected = expected_version(if_match, rule.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.lead_rule_trash(actor=user, rule=rule, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return lead_rule_body(trashed)


# --- products --------------------------------------------------------------------------------------


@products.get("", response={200: ProductPage, **COMMON}, summary="List and search the product catalogue")
def product_list(request: HttpRequest, params: Query[ProductListParams]) -> dict[str, Any]:
    """Everyone reads the catalogue; `q` finds text in the SKU or the name."""
    caller(request)
    queryset = products_filtered(queries.products(trash=params.trash), params)
    keys = parse_sort(params.sort, allowed=PRODUCT_SORTS, default=["name"])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [product_body(p) for p in page.items], "next_cursor": page.next_cursor}


@products.post("", response={201: ProductOut, **COMMON, 409: ErrorOut}, summary="Add a product (administrators)")
def product_create(
    request: HttpRequest, payload: ProductIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """A SKU another live product has is a `409` naming that product."""
    user = caller(request)

    def create() -> dict[str, Any]:
        values = payload.model_dump(exclude_unset=True)
        if values.get("currency") is None:
            values.pop("currency", None)  # the reporting currency
        product = actions.product_create(actor=user, values=values)
        return _json(ProductOut, product_body(product))

    return created_once(request, user, payload, idempotency_key, "products", create)


@products.get("/{product_id}", response={200: ProductOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a product")
def product_read(
    request: HttpRequest, product_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> Any:
    caller(request)
    product = queries.product_get(product_id, include_trash=True)
    return conditional_read(response, if_none_match, product.version, product_body(product))


@products.patch("/{product_id}", response={200: ProductOut, **PRECONDITIONS, 409: ErrorOut}, summary="Change a product")
def product_patch(
    request: HttpRequest, product_id: uuid.UUID, payload: ProductPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Retire a product with `"active": false`: documents keep naming it, new ones should not."""
    user = caller(request)
    product = queries.product_get(product_id)
    expected = expected_version(if_match, product.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.product_update(
            actor=user, product=product, values=payload.model_dump(exclude_unset=True), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return product_body(updated)


@products.delete("/{product_id}", response={200: ProductOut, **PRECONDITIONS}, summary="Move a product to the trash")
def product_delete(request: HttpRequest, product_id: uuid.UUID, if_match: IfMatch, response: HttpResponse) -> Any:
    user = caller(request)
    product = queries.product_get(product_id)
    expected = expected_version(if_match, product.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.product_trash(actor=user, product=product, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return product_body(trashed)


# --- price lists and exchange rates -------------------------------------------------------------------


def _price_values(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    items = data.pop("items", None)
    prices = None if items is None else [_values(item) for item in items]
    return _values(data), prices


@price_lists.get("", response={200: PriceListList, **COMMON}, summary="List the price lists with their prices")
def price_list_list(
    request: HttpRequest, currency: str | None = Query(None, pattern="^[A-Z]{3}$", description="ISO 4217: EUR, HUF")
) -> dict[str, Any]:
    """Everyone reads prices. A customer's own list names the customer only to those who see it."""
    user = caller(request)
    lists = queries.price_lists()
    if currency:
        lists = lists.filter(currency=currency)
    return {"items": [price_list_body(user, p) for p in lists]}


@price_lists.post(
    "", response={201: PriceListOut, **COMMON, 409: ErrorOut}, summary="Add a price list (administrators)"
)
def price_list_create(
    request: HttpRequest, payload: PriceListIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)

    def create() -> dict[str, Any]:
        values, items = _price_values(payload.model_dump(exclude_unset=True))
        price_list = actions.price_list_create(actor=user, values=values, items=items)
        return _json(PriceListOut, price_list_body(user, queries.price_list_get(price_list.public_id)))

    return created_once(request, user, payload, idempotency_key, "price-lists", create)


@price_lists.get("/{list_id}", response={200: PriceListOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a price list")
def price_list_read(
    request: HttpRequest, list_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> Any:
    user = caller(request)
    price_list = queries.price_list_get(list_id)
    return conditional_read(response, if_none_match, price_list.version, price_list_body(user, price_list))


@price_lists.patch("/{list_id}", response={200: PriceListOut, **PRECONDITIONS}, summary="Change a price list")
def price_list_patch(
    request: HttpRequest, list_id: uuid.UUID, payload: PriceListPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """`items`, when given, replace every price of the list."""
    user = caller(request)
    price_list = queries.price_list_get(list_id)
    expected = expected_version(if_match, price_list.version)
    values, items = _price_values(payload.model_dump(exclude_unset=True))
    with acting_via("api"), overwriting(expected is None):
        updated = actions.price_list_update(
            actor=user, price_list=price_list, values=values, items=items, expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return price_list_body(user, queries.price_list_get(list_id))


@price_lists.delete(
    "/{list_id}", response={200: PriceListOut, **PRECONDITIONS}, summary="Move a price list to the trash"
)
def price_list_delete(request: HttpRequest, list_id: uuid.UUID, if_match: IfMatch, response: HttpResponse) -> Any:
    user = caller(request)
    price_list = queries.price_list_get(list_id)
    expected = expected_version(if_match, price_list.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.price_list_trash(actor=user, price_list=price_list, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return price_list_body(user, queries.price_list_get(list_id, include_trash=True))


@exchange_rates.get("", response={200: ExchangeRateList, **COMMON}, summary="List the exchange rates")
def exchange_rate_list(request: HttpRequest, currency: str | None = None) -> dict[str, Any]:
    """Newest first: what one unit of each currency is worth in the reporting currency."""
    caller(request)
    rates = queries.exchange_rates(currency)
    return {"items": [{"currency": r.currency, "day": r.day, "rate": r.rate} for r in rates]}


@exchange_rates.put("", response={200: ExchangeRateOut, **COMMON}, summary="Set the rate of a currency on a day")
def exchange_rate_put(request: HttpRequest, payload: ExchangeRateIn) -> dict[str, Any]:
    """Administrators; setting a day's rate again replaces it (the request can be repeated)."""
    user = caller(request)
    with acting_via("api"):
        rate = actions.exchange_rate_set(actor=user, currency=payload.currency, day=payload.day,
                                         rate=Decimal(payload.rate))  # fmt: skip
    return {"currency": rate.currency, "day": rate.day, "rate": rate.rate}


# --- quotes -----------------------------------------------------------------------------------------


@quotes.get("", response={200: QuotePage, **COMMON}, summary="List the quotes you may see")
def quote_list(request: HttpRequest, params: Query[QuoteListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = queries.quotes_visible(user)
    if params.organization:
        queryset = queryset.filter(organization__public_id=params.organization)
    if params.status:
        queryset = queryset.filter(status=params.status)
    keys = parse_sort(None, allowed=("created_at",), default=["-created_at"])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [quote_summary(user, q) for q in page.items], "next_cursor": page.next_cursor}


@quotes.post("", response={201: QuoteOut, **COMMON, 409: ErrorOut}, summary="Make a quote")
def quote_create(request: HttpRequest, payload: QuoteIn, idempotency_key: IdempotencyKeyHeader = None) -> HttpResponse:
    """Lines from products: `unit_price` and `discount_percent` default from the customer's price
    lists for the line's quantity, `tax_rate` from the product. A line's net = quantity × unit
    price × (1 − discount/100), its tax = net × rate/100, each rounded half-up to the currency's
    minor unit; the totals are the sums of the lines. Numbered gap-free in the year's series."""
    user = caller(request)

    def create() -> dict[str, Any]:
        data = payload.model_dump(exclude_unset=True)
        lines = [_values(line) for line in data.pop("lines")]
        values = _values(data)
        if values.get("currency") is None:
            values.pop("currency", None)
        quote = actions.quote_create(actor=user, values=values, lines=lines)
        return _json(QuoteOut, quote_full_body(user, queries.quote_get(user, quote.public_id)))

    return created_once(request, user, payload, idempotency_key, "quotes", create)


@quotes.get("/{quote_id}", response={200: QuoteOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a quote")
def quote_read(
    request: HttpRequest, quote_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> Any:
    user = caller(request)
    quote = queries.quote_get(user, quote_id)
    return conditional_read(response, if_none_match, quote.version, quote_full_body(user, quote))


@quotes.post("/{quote_id}/accept", response={200: AcceptOut, 201: AcceptOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
             summary="The customer accepted the quote: make its order")  # fmt: skip
def quote_accept(request: HttpRequest, quote_id: uuid.UUID) -> Any:
    """`201 {"order": id}` the first time; accepting again answers `200` with the same order and
    makes nothing. A rejected or expired quote is a `409`."""
    user = caller(request)
    quote = queries.quote_get(user, quote_id)
    with acting_via("api"):
        order, made = actions.quote_accept(actor=user, quote=quote)
    return Status(201 if made else 200, {"order": order.public_id})


def _rendering() -> Any:
    """The PDF and e-invoice module, imported on first use (WeasyPrint is slow to import)."""
    from clientela.sales import rendering

    return rendering


def pdf_response(content: bytes, number: str, *, download: bool) -> HttpResponse:
    """A document's PDF, shown in the browser (or saved, with `download`), never sniffed as HTML."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _language(language: str | None) -> str | None:
    """A language the pages speak, asked for by name; None: the customer's."""
    from django.conf import settings

    if language is None:
        return None
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed.single("language", "invalid", _("one of the languages the application speaks"))
    return language


PDF_DOC = {"responses": {"200": {"description": "The PDF", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}  # fmt: skip


@quotes.get("/{quote_id}/pdf", response={**WITH_RECORD}, openapi_extra=PDF_DOC,
            summary="The quote as a PDF, in the customer's language")  # fmt: skip
def quote_pdf(request: HttpRequest, quote_id: uuid.UUID, language: str | None = None) -> HttpResponse:
    """`language` (en, hu, tr, ru, pl, ro) overrides the customer's."""
    quote = queries.quote_get(caller(request), quote_id)
    chosen = _language(language) or _rendering().document_language(quote)
    return pdf_response(_rendering().quote_pdf(quote, chosen), quote.number, download=False)


@quotes.post("/{quote_id}/revise", response={201: QuoteOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
             summary="Revise an open quote: a new revision, the old one superseded")  # fmt: skip
def quote_revise(request: HttpRequest, quote_id: uuid.UUID, payload: QuoteReviseIn) -> HttpResponse:
    """The new revision keeps the number with `-2`, `-3`... after it and the customer; its lines
    are priced like a new quote's. An accepted, rejected or superseded quote is a `409`."""
    user = caller(request)
    quote = queries.quote_get(user, quote_id)
    data = payload.model_dump(exclude_unset=True)
    lines = [_values(line) for line in data.pop("lines")]
    values = _values(data)
    if values.get("currency") is None:
        values["currency"] = quote.currency
    with acting_via("api"):
        revision = actions.quote_revise(actor=user, quote=quote, values=values, lines=lines)
    return Status(201, _json(QuoteOut, quote_full_body(user, queries.quote_get(user, revision.public_id))))


@quotes.post("/{quote_id}/reject", response={200: QuoteOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
             summary="The customer declined the quote")  # fmt: skip
def quote_reject(request: HttpRequest, quote_id: uuid.UUID, payload: RejectIn) -> Any:
    user = caller(request)
    quote = queries.quote_get(user, quote_id)
    with acting_via("api"):
        actions.quote_reject(actor=user, quote=quote, reason=payload.reason)
    return quote_full_body(user, queries.quote_get(user, quote_id))


def _send(request: HttpRequest, document: Any, payload: MailIn) -> Any:
    user = caller(request)
    with acting_via("api"):
        mail = tasks.send_document(
            actor=user, document=document, to=payload.to, subject=payload.subject, body=payload.body,
            language=_rendering().document_language(document),
        )  # fmt: skip
    return Status(202, mail_body(mail))


@quotes.post("/{quote_id}/send", response={202: MailOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
             summary="E-mail the quote's PDF to the customer (sent by the background worker)")  # fmt: skip
def quote_send(request: HttpRequest, quote_id: uuid.UUID, payload: MailIn) -> Any:
    """`202` with the e-mail `queued`; the worker sends it through the SMTP server, then the
    quote's `mails` show it `sent` with its `message_id`, and a draft quote becomes `sent`."""
    return _send(request, queries.quote_get(caller(request), quote_id), payload)


# --- orders ---------------------------------------------------------------------------------------


@orders.get("", response={200: OrderPage, **COMMON}, summary="List the orders you may see")
def order_list(request: HttpRequest, params: Query[QuoteListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = queries.orders_visible(user)
    if params.organization:
        queryset = queryset.filter(organization__public_id=params.organization)
    keys = parse_sort(None, allowed=("created_at",), default=["-created_at"])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [quote_summary(user, o) for o in page.items], "next_cursor": page.next_cursor}


@orders.get("/{order_id}", response={200: OrderOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read an order")
def order_read(
    request: HttpRequest, order_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> Any:
    user = caller(request)
    order = queries.order_get(user, order_id)
    return conditional_read(response, if_none_match, order.version, order_body(user, order))


@orders.post("/{order_id}/invoice", response={201: InvoiceOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
             summary="Invoice the order")  # fmt: skip
def order_invoice(
    request: HttpRequest, order_id: uuid.UUID, payload: InvoiceIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """All that is left of the order, or the `lines` given (by position, with a quantity): an
    order is never invoiced beyond what it holds — with nothing left, a `409` (send an
    `Idempotency-Key` to repeat a request safely). Numbered gap-free in the year's series
    (INV-2026-000001)."""
    user = caller(request)
    order = queries.order_get(user, order_id)

    def create() -> dict[str, Any]:
        lines = (
            None if payload.lines is None else [_values(line.model_dump(exclude_none=True)) for line in payload.lines]
        )
        invoice = actions.order_invoice(actor=user, order=order, lines=lines, due_days=payload.due_days)
        return _json(InvoiceOut, invoice_body(user, queries.invoice_get(user, invoice.public_id)))

    return created_once(request, user, payload, idempotency_key, "invoices", create)


# --- invoices and payments ----------------------------------------------------------------------------


@invoices.get("", response={200: InvoicePage, **COMMON}, summary="List the invoices you may see")
def invoice_list(request: HttpRequest, params: Query[QuoteListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = queries.invoices_visible(user)
    if params.organization:
        queryset = queryset.filter(organization__public_id=params.organization)
    keys = parse_sort(None, allowed=("created_at",), default=["-created_at"])
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [quote_summary(user, i) for i in page.items], "next_cursor": page.next_cursor}


@invoices.get("/{invoice_id}", response={200: InvoiceOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read an invoice")
def invoice_read(
    request: HttpRequest, invoice_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> Any:
    user = caller(request)
    invoice = queries.invoice_get(user, invoice_id)
    return conditional_read(response, if_none_match, invoice.version, invoice_body(user, invoice))


@invoices.get("/{invoice_id}/pdf", response={**WITH_RECORD}, openapi_extra=PDF_DOC,
              summary="The invoice as a Factur-X PDF/A-3 (EN 16931), in the customer's language")  # fmt: skip
def invoice_pdf(request: HttpRequest, invoice_id: uuid.UUID, language: str | None = None) -> HttpResponse:
    """The PDF carries the invoice's EN 16931 data as `factur-x.xml` (profile EN 16931), so a
    buyer's accounting software reads it without retyping."""
    invoice = queries.invoice_get(caller(request), invoice_id)
    chosen = _language(language) or _rendering().document_language(invoice)
    return pdf_response(_rendering().invoice_facturx(invoice, chosen), invoice.number, download=False)


XML_DOC = {"responses": {"200": {"description": "The CII XML", "content": {
    "application/xml": {"schema": {"type": "string"}}}}}}  # fmt: skip


@invoices.get("/{invoice_id}/xml", response={**WITH_RECORD}, openapi_extra=XML_DOC,
              summary="The invoice's EN 16931 data alone (UN/CEFACT CII XML, Factur-X profile EN 16931)")  # fmt: skip
def invoice_xml(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = queries.invoice_get(caller(request), invoice_id)
    response = HttpResponse(_rendering().invoice_cii_xml(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response


@invoices.post("/{invoice_id}/credit-note", response={201: InvoiceOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
               summary="Take back some or all of an invoice with a credit note")  # fmt: skip
def invoice_credit(
    request: HttpRequest, invoice_id: uuid.UUID, payload: CreditNoteIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """All that is left to credit, or the `lines` given (by position, with a quantity), with a
    `reason`; numbered in its own gap-free series (CN-2026-000001). The invoice's
    `credited_total` grows and its `outstanding` falls by the credit note's gross."""
    user = caller(request)
    invoice = queries.invoice_get(user, invoice_id)

    def create() -> dict[str, Any]:
        lines = (
            None if payload.lines is None else [_values(line.model_dump(exclude_none=True)) for line in payload.lines]
        )
        note = actions.invoice_credit(actor=user, invoice=invoice, lines=lines, reason=payload.reason)
        return _json(InvoiceOut, invoice_body(user, queries.invoice_get(user, note.public_id)))

    return created_once(request, user, payload, idempotency_key, "invoices", create)


@invoices.post("/{invoice_id}/send", response={202: MailOut, **COMMON, **WITH_RECORD, 409: ErrorOut},
               summary="E-mail the invoice (Factur-X PDF) to the customer (sent by the background worker)")  # fmt: skip
def invoice_send(request: HttpRequest, invoice_id: uuid.UUID, payload: MailIn) -> Any:
    return _send(request, queries.invoice_get(caller(request), invoice_id), payload)


@payments.post(
    "", response={201: PaymentOut, **COMMON, **WITH_RECORD, 409: ErrorOut}, summary="Record a payment of an invoice"
)
def payment_create(
    request: HttpRequest, payload: PaymentIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """The invoice's `status` becomes `partially_paid`, then `paid` when nothing is owed; a
    payment above what is owed is a `422` naming the amount owed."""
    user = caller(request)

    def create() -> dict[str, Any]:
        invoice = queries.invoice_get(user, payload.invoice)
        payment = actions.payment_record(actor=user, invoice=invoice, amount=payload.amount, paid_on=payload.date,
                                         note=payload.note)  # fmt: skip
        return _json(PaymentOut, payment_body(payment))

    return created_once(request, user, payload, idempotency_key, "payments", create)


@payments.get("/{payment_id}", response={200: PaymentOut, **WITH_RECORD}, summary="Read a payment")
def payment_read(request: HttpRequest, payment_id: uuid.UUID) -> dict[str, Any]:
    return payment_body(queries.payment_get(caller(request), payment_id))
