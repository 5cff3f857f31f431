"""What the sales API routers share: list filters, and records turned into response bodies
(as the caller may see them: a linked organization or contact of another team shows as
null, exactly as a missing one)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from clientela.core.apikit.bodies import team_ref, user_ref
from clientela.core.errors import ApiError
from clientela.core.money import plain, round_money
from clientela.core.visibility import can_see
from clientela.parties import normalize
from clientela.sales.models import Deal, Lead
from clientela.sales.schemas import DealListParams, LeadListParams, stage_body

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _owner_filter(user: User, owner: str) -> Q:
    if owner == "me":
        return Q(owner_id=user.pk)
    try:
        return Q(owner__public_id=uuid.UUID(owner))
    except ValueError:
        raise ApiError.single(422, "owner", "invalid", _("must be `me` or a user id")) from None


def _words(text: str | None) -> list[str]:
    return [word for word in (text or "").split() if word][:8]


def leads_filtered(queryset: QuerySet[Lead], params: LeadListParams, *, user: User) -> QuerySet[Lead]:
    for word in _words(params.q):
        digits = normalize.phone_e164(word) if sum(c.isdigit() for c in word) >= 5 else ""
        condition = (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
        if digits:
            condition |= Q(phone_normalized__contains=digits.lstrip("+"))
        queryset = queryset.filter(condition)
    if params.status:
        queryset = queryset.filter(status=params.status)
    if params.source:
        queryset = queryset.filter(source=params.source)
    if params.owner:
        queryset = queryset.filter(_owner_filter(user, params.owner))
    if params.team:
        queryset = queryset.filter(team__public_id=params.team)
    if params.created_after:
        queryset = queryset.filter(created_at__gte=params.created_after)
    if params.created_before:
        queryset = queryset.filter(created_at__lt=params.created_before)
    return queryset


def deals_filtered(queryset: QuerySet[Deal], params: DealListParams, *, user: User) -> QuerySet[Deal]:
    for word in _words(params.q):
        queryset = queryset.filter(
            Q(name__icontains=word) | Q(organization__name__icontains=word) | Q(contact__last_name__icontains=word)
        )
    exact = {
        "pipeline__public_id": params.pipeline,
        "stage__public_id": params.stage,
        "team__public_id": params.team,
        "organization__public_id": params.organization,
        "contact__public_id": params.contact,
        "expected_close_date__gte": params.closing_after,
        "expected_close_date__lt": params.closing_before,
        "created_at__gte": params.created_after,
        "created_at__lt": params.created_before,
    }
    for lookup, value in exact.items():
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    if params.status == "open":  # open deals are exactly those without `closed_on` (indexed)
        queryset = queryset.filter(closed_on__isnull=True)
    elif params.status:
        queryset = queryset.filter(closed_on__isnull=False, stage__outcome=params.status)
    if params.owner:
        queryset = queryset.filter(_owner_filter(user, params.owner))
    return queryset


# --- bodies -----------------------------------------------------------------------------------


def _link(user: User, record: Any, name: str) -> dict[str, Any] | None:
    if record is None or record.deleted_at is not None or not can_see(user, record):
        return None
    return {"id": record.public_id, "name": name}


def _public_id(record: Any) -> Any:
    return None if record is None else record.public_id


def lead_body(user: User, lead: Lead) -> dict[str, Any]:
    organization = lead.converted_organization
    contact = lead.converted_contact
    deal = lead.converted_deal
    return {
        "id": lead.public_id,
        "version": lead.version,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
        "deleted_at": lead.deleted_at,
        **{name: getattr(lead, name) for name in _LEAD_VALUES},
        "owner": user_ref(lead.owner),
        "team": team_ref(lead.team),
        "full_name": lead.full_name,
        "disqualify_reason": lead.disqualify_reason,
        "disqualify_note": lead.disqualify_note,
        "converted_at": lead.converted_at,
        "converted_organization": _public_id(organization) if organization and can_see(user, organization) else None,
        "converted_contact": _public_id(contact) if contact and can_see(user, contact) else None,
        "converted_deal": _public_id(deal) if deal and can_see(user, deal) else None,
    }


_LEAD_VALUES = (
    "first_name", "last_name", "company", "title", "email", "phone", "website", "country", "source", "status",
    "estimated_amount", "currency", "qualification_notes",
)  # fmt: skip


def deal_status(deal: Deal) -> str:
    return str(deal.stage.outcome)


def deal_summary(user: User, deal: Deal) -> dict[str, Any]:
    contact = deal.contact
    return {
        "id": deal.public_id,
        "version": deal.version,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
        "deleted_at": deal.deleted_at,
        "name": deal.name,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
        "probability": deal.probability,
        "forecast_category": deal.forecast_category,
        "owner": user_ref(deal.owner),
        "team": team_ref(deal.team),
        "pipeline": deal.pipeline.public_id,
        "stage": stage_body(deal.stage),
        "organization": _link(user, deal.organization, deal.organization.name if deal.organization else ""),
        "contact": _link(user, contact, contact.full_name if contact else ""),
        "status": deal_status(deal),
        "weighted_amount": deal.weighted_amount,
        "stage_entered_at": deal.stage_entered_at,
        "closed_on": deal.closed_on,
    }


def deal_body(user: User, deal: Deal) -> dict[str, Any]:
    reason = deal.lost_reason
    return {
        **deal_summary(user, deal),
        "products_of_interest": deal.products_of_interest,
        "competitors": deal.competitors,
        "lost_note": deal.lost_note,
        "description": deal.description,
        "lost_reason": None if reason is None else {"id": reason.public_id, "name": reason.name},
        "lead": _public_id(deal.lead) if deal.lead_id and can_see(user, deal.lead) else None,
    }


def pipeline_body(pipeline: Any) -> dict[str, Any]:
    return {
        "id": pipeline.public_id,
        "version": pipeline.version,
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "position": pipeline.position,
        "stages": [stage_body(stage) for stage in pipeline.stages.all()],
    }


def lost_reason_body(reason: Any) -> dict[str, Any]:
    return {
        "id": reason.public_id,
        "version": reason.version,
        "name": reason.name,
        "position": reason.position,
        "active": reason.active,
    }


def lead_form_body(request: Any, lead_form: Any) -> dict[str, Any]:
    return {
        "id": lead_form.public_id,
        "version": lead_form.version,
        "name": lead_form.name,
        "active": lead_form.active,
        "source": lead_form.source,
        "redirect_url": lead_form.redirect_url,
        "team": team_ref(lead_form.team),
        "owner": user_ref(lead_form.owner),
        "url": request.build_absolute_uri(reverse("sales:webform", args=[lead_form.token])),
    }


def lead_rule_body(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.public_id,
        "version": rule.version,
        "position": rule.position,
        "name": rule.name,
        "active": rule.active,
        "source": rule.source,
        "country": rule.country,
        "contains": rule.contains,
        "owner": user_ref(rule.owner),
        "team": team_ref(rule.team),
    }


def product_body(product: Any) -> dict[str, Any]:
    return {
        "id": product.public_id,
        "version": product.version,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "unit": product.unit,
        "cost": product.cost,
        "currency": product.currency,
        "tax_rate": product.tax_rate,
        "active": product.active,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def products_filtered(queryset: QuerySet[Any], params: Any) -> QuerySet[Any]:
    if params.q:
        text = params.q.strip()
        queryset = queryset.filter(Q(sku__icontains=text) | Q(name__icontains=text))
    if params.active is not None:
        queryset = queryset.filter(active=params.active)
    return queryset


def price_list_body(user: User, price_list: Any) -> dict[str, Any]:
    return {
        "id": price_list.public_id,
        "version": price_list.version,
        "name": price_list.name,
        "currency": price_list.currency,
        "customer_category": price_list.customer_category,
        "organization": _link(user, price_list.organization, getattr(price_list.organization, "name", "")),
        "valid_from": price_list.valid_from,
        "valid_until": price_list.valid_until,
        "active": price_list.active,
        "items": [
            {
                "product": {"id": item.product.public_id, "name": f"{item.product.sku} {item.product.name}"},
                "min_quantity": item.min_quantity,
                "unit_price": item.unit_price,
                "discount_percent": item.discount_percent,
            }
            for item in price_list.items.all()
        ],
    }


def quote_body(user: User, quote: Any) -> dict[str, Any]:
    """A quote, an order (and later an invoice): number, status, parties, lines, exact totals."""
    money = quote.currency

    def exact(amount: Any) -> Any:
        return round_money(amount, money)

    return {
        "id": quote.public_id,
        "version": quote.version,
        "number": quote.number,
        "status": quote.status,
        "organization": _link(user, quote.organization, quote.organization.name),
        "contact": _link(user, quote.contact, getattr(quote.contact, "full_name", "")),
        "deal": _link(user, getattr(quote, "deal", None), getattr(getattr(quote, "deal", None), "name", "")),
        "currency": quote.currency,
        "valid_until": getattr(quote, "valid_until", None),
        "note": getattr(quote, "note", ""),
        "lines": [
            {
                "position": line.position,
                "product": None if line.product is None else {"id": line.product.public_id, "name": line.product.name},
                "description": line.description,
                "quantity": plain(line.quantity),
                "unit_price": plain(line.unit_price),
                "discount_percent": plain(line.discount_percent),
                "tax_rate": plain(line.tax_rate),
                "net": exact(line.net),
                "tax": exact(line.tax),
                "gross": exact(line.gross),
            }
            for line in quote.lines.all()
        ],
        "net_total": exact(quote.net_total),
        "tax_total": exact(quote.tax_total),
        "gross_total": exact(quote.gross_total),
        "owner": user_ref(quote.owner),
        "team": team_ref(quote.team),
        "created_at": quote.created_at,
    }


def _number_link(user: User, document: Any) -> dict[str, Any] | None:
    if document is None or not can_see(user, document):
        return None
    return {"id": document.public_id, "name": document.number}


def mail_body(mail: Any) -> dict[str, Any]:
    return {
        "id": mail.public_id, "to": mail.to, "subject": mail.subject, "status": mail.status,
        "message_id": mail.message_id, "attempts": mail.attempts, "error": mail.error, "sent_at": mail.sent_at,
        "created_at": mail.created_at,
    }  # fmt: skip


def quote_full_body(user: User, quote: Any) -> dict[str, Any]:
    """A quote with its place among its revisions, its order and its e-mails."""
    from clientela.sales.models import Order, Quote

    body = quote_body(user, quote)
    body.update(
        revision=quote.revision,
        revises=_number_link(user, quote.revises),
        revised_by=_number_link(user, Quote.objects.filter(revises=quote).first()),
        order=_number_link(user, Order.objects.filter(quote=quote).first()),
        sent_at=quote.sent_at,
        mails=[mail_body(m) for m in quote.mails.all()],
    )
    return body


def quote_summary(user: User, quote: Any) -> dict[str, Any]:
    return {
        "id": quote.public_id,
        "number": quote.number,
        "status": quote.status,
        "organization": _link(user, quote.organization, quote.organization.name),
        "currency": quote.currency,
        "gross_total": round_money(quote.gross_total, quote.currency),
        "created_at": quote.created_at,
    }


def order_body(user: User, order: Any) -> dict[str, Any]:
    body = quote_body(user, order)
    body["quote"] = _number_link(user, order.quote)
    for name in ("valid_until", "note"):
        body.pop(name)
    invoiced = {line.position: line.invoiced_quantity for line in order.lines.all()}
    for line in body["lines"]:
        line["invoiced_quantity"] = plain(invoiced[line["position"]])
    body["invoices"] = [link for link in (_number_link(user, i) for i in order.invoices.order_by("id")) if link]
    return body


def payment_body(payment: Any) -> dict[str, Any]:
    return {
        "id": payment.public_id,
        "version": payment.version,
        "invoice": payment.invoice.public_id,
        "amount": round_money(payment.amount, payment.invoice.currency),
        "paid_on": payment.paid_on,
        "note": payment.note,
    }


def invoice_body(user: User, invoice: Any) -> dict[str, Any]:
    from django.utils import timezone

    from clientela.sales.actions.invoices import outstanding

    body = quote_body(user, invoice)
    for name in ("valid_until", "note", "deal"):
        body.pop(name)
    body["order"] = _number_link(user, invoice.order)
    owed = outstanding(invoice)
    body.update(
        kind=invoice.kind,
        credits=_number_link(user, invoice.credits),
        credit_notes=[link for link in (_number_link(user, n) for n in invoice.credit_notes.order_by("id")) if link],
        reason=invoice.reason,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        paid_total=round_money(invoice.paid_total, invoice.currency),
        credited_total=round_money(invoice.credited_total, invoice.currency),
        outstanding=owed,
        overdue=invoice.kind == "invoice" and owed > 0 and invoice.due_on < timezone.localdate(),
        payments=[payment_body(p) for p in invoice.payments.all()],
        mails=[mail_body(m) for m in invoice.mails.all()],
    )
    return body
