"""Pages of the lead-to-cash chain: lists of quotes, orders and invoices; the quote builder
(lines from the catalogue, priced from the customer's price lists as the user types); a
quote's, an order's and an invoice's page with the next step of the chain (send, accept,
reject, revise; invoice all or part; record a payment, credit); the PDFs.

Views parse input, call one query or action and render. A document the user cannot see is a
404; a change the user's role may not make is a 403; a refused step (a quote answered already,
an order invoiced already) is said on the page and changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.core.errors import FieldError, NotFound, Refused, ValidationFailed
from clientela.core.money import default_currency
from clientela.core.visibility import can_see
from clientela.parties import queries as parties_queries
from clientela.sales import actions, queries, tasks
from clientela.sales.actions.invoices import outstanding
from clientela.sales.models import InvoiceStatus, OrderStatus, QuoteStatus
from clientela.sales.rules import decimal_or_none

PAGE_SIZE = 50
MAX_ROWS = 100  # lines the builder shows at once (the API takes up to 500)
LINE_INPUTS = ("product", "description", "quantity", "unit_price", "discount_percent", "tax_rate")


def _require_writer(request: HttpRequest) -> None:
    if not request.user.policy.can_write:
        raise DjangoPermissionDenied(_("your role may not change records"))


def _found(getter: Any, request: HttpRequest, public_id: Any, message: str) -> Any:
    try:
        return getter(request.user, public_id)
    except NotFound:
        raise Http404(message) from None


def _quote(request: HttpRequest, public_id: Any) -> Any:
    return _found(queries.quote_get, request, public_id, _("no such quote"))


def _order(request: HttpRequest, public_id: Any) -> Any:
    return _found(queries.order_get, request, public_id, _("no such order"))


def _invoice(request: HttpRequest, public_id: Any) -> Any:
    return _found(queries.invoice_get, request, public_id, _("no such invoice"))


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationFailed):
        return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in error.errors)
    return str(getattr(error, "message", "") or error)


# --- lists -------------------------------------------------------------------------------------------

LIST_TITLES = {"quotes": gettext_lazy("Quotes"), "orders": gettext_lazy("Orders"), "invoices": gettext_lazy("Invoices")}
DETAIL_ROUTES = {"quotes": "sales:quote_detail", "orders": "sales:order_detail", "invoices": "sales:invoice_detail"}
STATUS_CHOICES = {"quotes": QuoteStatus.choices, "orders": OrderStatus.choices, "invoices": InvoiceStatus.choices}


def _document_list(request: HttpRequest, kind: str) -> HttpResponse:
    statuses = dict(STATUS_CHOICES[kind])
    status = request.GET.get("status", "")
    status = status if status in statuses else ""
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    overdue = kind == "invoices" and request.GET.get("overdue") == "1"
    listed = queries.documents_listed(request.user, kind, status=status, text=text, overdue=overdue)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind, "title": LIST_TITLES[kind], "page": page, "status": status, "statuses": STATUS_CHOICES[kind],
        "text": text, "overdue": overdue, "detail_route": DETAIL_ROUTES[kind], "today": timezone.localdate(),
    }  # fmt: skip
    return render(request, "sales/documents/list.html", context)


@login_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    return _document_list(request, "quotes")


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    return _document_list(request, "orders")


@login_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    return _document_list(request, "invoices")


# --- the quote builder ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the builder as typed, and what pricing made of it."""

    index: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    priced: dict[str, Any] | None = None
    amounts: Any = None


@dataclass
class Builder:
    values: dict[str, str]
    rows: list[Row]
    errors: list[FieldError]
    organization: Any = None
    totals: Any = None


def _posted_rows(request: HttpRequest) -> list[Row]:
    rows: list[Row] = []
    for index in range(MAX_ROWS):
        values = {name: request.POST.get(f"line-{index}-{name}", "").strip() for name in LINE_INPUTS}
        if request.POST.get(f"line-{index}-remove") or not (values["product"] or values["description"]):
            continue
        rows.append(Row(index=len(rows), values=values))
    return rows


def _line_input(row: Row) -> dict[str, Any]:
    """A typed row as the action takes it: a blank price, discount or tax rate is left to the
    price lists and the product."""
    line: dict[str, Any] = {
        name: row.values[name] for name in ("product", "description", "quantity") if row.values[name]
    }
    line.setdefault("quantity", "1")
    for name in ("unit_price", "discount_percent", "tax_rate"):
        if row.values[name]:
            line[name] = row.values[name].replace(",", ".")
    line["quantity"] = str(line["quantity"]).replace(",", ".")
    return line


def _builder(request: HttpRequest, *, revising: Any = None) -> Builder:
    """The posted builder, priced: every row's price and totals, or what is wrong with it."""
    values = {name: request.POST.get(name, "").strip() for name in
              ("organization_name", "contact", "deal", "currency", "valid_until", "note")}  # fmt: skip
    rows = _posted_rows(request)
    errors: list[FieldError] = []
    organization = revising.organization if revising is not None else None
    if revising is None and values["organization_name"]:
        organization = (
            parties_queries.organizations_visible(request.user).filter(name=values["organization_name"]).first()
        )
        if organization is None:
            errors.append(FieldError("organization", "not_found", _("no organization you can see has this name")))
    elif revising is None:
        errors.append(FieldError("organization", "required", _("choose the customer")))
    builder = Builder(values=values, rows=rows, errors=errors, organization=organization)
    if organization is None:
        return builder
    action_values: dict[str, Any] = {
        "organization": str(organization.public_id), "currency": values["currency"] or None, "note": values["note"]
    }  # fmt: skip
    for name in ("contact", "deal", "valid_until"):
        if values[name]:
            action_values[name] = values[name]
    try:
        priced = actions.quote_price(actor=request.user, values=action_values, lines=[_line_input(r) for r in rows])
    except ValidationFailed as failed:
        for error in failed.errors:
            where, _dot, name = error.field.partition(".")
            if where.startswith("lines[") and where.endswith("]"):
                rows[int(where[6:-1])].errors[name or "product"] = error.message
            else:
                builder.errors.append(error)
        return builder
    for row, line, amounts in zip(rows, priced.lines, priced.totals.lines, strict=True):
        row.priced, row.amounts = line, amounts
    builder.totals = priced.totals
    return builder


def _builder_context(request: HttpRequest, builder: Builder, *, quote: Any = None) -> dict[str, Any]:
    organization = builder.organization
    contacts = []
    deals = []
    if organization is not None:
        contacts = list(
            parties_queries.contacts_visible(request.user)
            .filter(affiliations__organization=organization)
            .distinct()[:200]
        )
        deals = queries.deals_of(request.user, organization)[:100]
    rows = [*builder.rows, Row(index=len(builder.rows), values=dict.fromkeys(LINE_INPUTS, ""))]  # one blank row
    currencies = sorted({default_currency(), *queries.price_list_currencies()})
    return {
        "builder": builder, "rows": rows, "quote": quote, "contacts": contacts, "deals": deals,
        "products": list(queries.products_for_quotes()), "currencies": currencies,
        "error_fields": {e.field for e in builder.errors},
    }  # fmt: skip


def _builder_page(request: HttpRequest, builder: Builder, *, quote: Any = None, status: int = 200) -> HttpResponse:
    template = "sales/documents/_quote_builder.html" if request.htmx else "sales/documents/quote_form.html"
    return render(request, template, _builder_context(request, builder, quote=quote), status=status)


def _starting_builder(request: HttpRequest) -> Builder:
    """A new quote's builder, its customer (and deal, contact) from the page it was opened on."""
    values = dict.fromkeys(("organization_name", "contact", "deal", "currency", "valid_until", "note"), "")
    values["currency"] = default_currency()
    organization = None
    with contextlib.suppress(NotFound):
        if request.GET.get("deal"):
            deal = queries.deal_get(request.user, request.GET["deal"])
            values["deal"], values["currency"] = str(deal.public_id), deal.currency
            if deal.contact is not None:
                values["contact"] = str(deal.contact.public_id)
            if deal.organization is not None and can_see(request.user, deal.organization):
                organization = deal.organization
        if request.GET.get("organization"):
            organization = parties_queries.organization_get(request.user, request.GET["organization"])
    if organization is not None:
        values["organization_name"] = organization.name
        if not values["deal"]:
            values["currency"] = queries.usual_currency(request.user, organization) or values["currency"]
    return Builder(values=values, rows=[], errors=[], organization=organization)


@login_required
@require_http_methods(["GET", "POST"])
def quote_new(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    if request.method == "GET":
        return _builder_page(request, _starting_builder(request))
    builder = _builder(request)
    if request.htmx or request.POST.get("preview"):  # priced as the user types; nothing is written
        return _builder_page(request, builder)
    if builder.errors or any(row.errors for row in builder.rows) or builder.totals is None:
        return _builder_page(request, builder, status=422)
    try:
        quote = actions.quote_create(actor=request.user, values=_quote_values(builder), lines=_lines(builder))
    except ValidationFailed as failed:
        builder.errors.extend(failed.errors)
        return _builder_page(request, builder, status=422)
    messages.success(request, _("Quote %(number)s created.") % {"number": quote.number})
    return HttpResponseRedirect(reverse("sales:quote_detail", args=[quote.public_id]))


def _quote_values(builder: Builder) -> dict[str, Any]:
    values: dict[str, Any] = {"organization": str(builder.organization.public_id), "note": builder.values["note"]}
    for name in ("contact", "deal", "currency", "valid_until"):
        if builder.values[name]:
            values[name] = builder.values[name]
    return values


def _lines(builder: Builder) -> list[dict[str, Any]]:
    return [_line_input(row) for row in builder.rows]


@login_required
@require_http_methods(["GET", "POST"])
def quote_revise(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_writer(request)
    quote = _quote(request, public_id)
    if request.method == "GET":
        values = {
            "organization_name": quote.organization.name,
            "contact": str(quote.contact.public_id) if quote.contact else "",
            "deal": str(quote.deal.public_id) if quote.deal else "", "currency": quote.currency, "valid_until": "",
            "note": quote.note,
        }  # fmt: skip
        rows = [
            Row(
                index=n,
                values={
                    "product": str(line.product.public_id) if line.product else "",
                    "description": line.description,
                    "quantity": _plain(line.quantity),
                    "unit_price": _plain(line.unit_price),
                    "discount_percent": _plain(line.discount_percent),
                    "tax_rate": _plain(line.tax_rate),
                },
            )  # fmt: skip
            for n, line in enumerate(quote.lines.all())
        ]
        return _builder_page(request, Builder(values=values, rows=rows, errors=[], organization=quote.organization),
                             quote=quote)  # fmt: skip
    builder = _builder(request, revising=quote)
    if request.htmx or request.POST.get("preview"):
        return _builder_page(request, builder, quote=quote)
    if builder.errors or any(row.errors for row in builder.rows) or builder.totals is None:
        return _builder_page(request, builder, quote=quote, status=422)
    values = _quote_values(builder)
    values.pop("organization")
    try:
        revision = actions.quote_revise(actor=request.user, quote=quote, values=values, lines=_lines(builder))
    except ValidationFailed as failed:
        builder.errors.extend(failed.errors)
        return _builder_page(request, builder, quote=quote, status=422)
    except Refused as refused:
        messages.error(request, _refusal(refused))
        return HttpResponseRedirect(reverse("sales:quote_detail", args=[quote.public_id]))
    messages.success(request, _("Revision %(number)s created.") % {"number": revision.number})
    return HttpResponseRedirect(reverse("sales:quote_detail", args=[revision.public_id]))


def _plain(number: Decimal) -> str:
    from clientela.core.money import plain

    return str(plain(number))


# --- a quote's page and its steps -------------------------------------------------------------------


@login_required
@require_GET
def quote_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = _quote(request, public_id)
    from clientela.sales.models import Order, Quote

    revisions: list[Any] = []
    step = quote
    while step.revises_id is not None and len(revisions) < 50:
        step = Quote.all_objects.get(pk=step.revises_id)
        revisions.append(step)
    newer = Quote.objects.filter(revises=quote).first()
    order = Order.objects.filter(quote=quote).first()
    writer = request.user.policy.can_write
    is_open = quote.status in (QuoteStatus.DRAFT, QuoteStatus.SENT)
    context = {
        "quote": quote, "document": quote, "lines": list(quote.lines.all()),
        "revisions": [r for r in revisions if can_see(request.user, r)],
        "newer": newer if newer and can_see(request.user, newer) else None,
        "order": order if order and can_see(request.user, order) else None,
        "mails": list(quote.mails.all()), "can_act": writer and is_open,
        "can_revise": writer and quote.status in (QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.EXPIRED),
        "send_to": quote.contact.primary_email if quote.contact else "",
        "expired": is_open and quote.valid_until is not None and quote.valid_until < timezone.localdate(),
    }  # fmt: skip
    return render(request, "sales/documents/quote_detail.html", context)


def _pdf(content: bytes, number: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def quote_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = _quote(request, public_id)
    from clientela.sales import rendering  # WeasyPrint is slow to import: only where PDFs are made

    return _pdf(rendering.quote_pdf(quote, rendering.document_language(quote)), quote.number)


def _step(request: HttpRequest, back: str, run: Any, done: str) -> HttpResponse:
    """Run one step of the chain; a refusal is said on the page the user came from."""
    _require_writer(request)
    try:
        target = run()
    except (ValidationFailed, Refused) as refused:
        messages.error(request, _refusal(refused))
        return HttpResponseRedirect(back)
    messages.success(request, done)
    return HttpResponseRedirect(target)


@login_required
@require_POST
def quote_accept(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = _quote(request, public_id)

    def run() -> str:
        order, _made = actions.quote_accept(actor=request.user, quote=quote)
        return reverse("sales:order_detail", args=[order.public_id])

    back = reverse("sales:quote_detail", args=[quote.public_id])
    return _step(request, back, run, _("The quote was accepted: here is its order."))


@login_required
@require_POST
def quote_reject(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = _quote(request, public_id)
    back = reverse("sales:quote_detail", args=[quote.public_id])

    def run() -> str:
        actions.quote_reject(actor=request.user, quote=quote, reason=request.POST.get("reason", "")[:1000])
        return back

    return _step(request, back, run, _("The quote is marked rejected."))


def _send(request: HttpRequest, document: Any, back: str) -> HttpResponse:
    from clientela.sales import rendering

    def run() -> str:
        tasks.send_document(
            actor=request.user, document=document, to=request.POST.get("to", ""),
            subject=request.POST.get("subject") or None, body=request.POST.get("body") or None,
            language=rendering.document_language(document),
        )  # fmt: skip
        return back

    return _step(request, back, run, _("The e-mail is queued: it goes out in a moment."))


@login_required
@require_POST
def quote_send(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = _quote(request, public_id)
    return _send(request, quote, reverse("sales:quote_detail", args=[quote.public_id]))


# --- an order's page: invoicing ---------------------------------------------------------------------


@login_required
@require_GET
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    order = _order(request, public_id)
    lines = list(order.lines.all())
    context = {
        "order": order, "document": order, "lines": lines,
        "left": [(line, line.quantity - line.invoiced_quantity) for line in lines],
        "invoices": [i for i in order.invoices.order_by("created_at", "id") if can_see(request.user, i)],
        "quote": order.quote if order.quote and can_see(request.user, order.quote) else None,
        "can_invoice": request.user.policy.can_write and order.status in (OrderStatus.OPEN,
                                                                            OrderStatus.PARTIALLY_INVOICED),
    }  # fmt: skip
    return render(request, "sales/documents/order_detail.html", context)


def _typed_quantities(request: HttpRequest, lines: Any, prefix: str) -> list[dict[str, Any]]:
    """The quantities typed beside a document's lines (`quantity-3`: "2"), as an action takes
    them; a line left empty or at zero is not taken."""
    chosen = []
    for line in lines:
        typed = request.POST.get(f"{prefix}-{line.position}", "").strip().replace(",", ".")
        if typed and decimal_or_none(typed) != 0:
            chosen.append({"line": line.position, "quantity": typed})
    return chosen


@login_required
@require_POST
def order_invoice(request: HttpRequest, public_id: str) -> HttpResponse:
    order = _order(request, public_id)
    back = reverse("sales:order_detail", args=[order.public_id])
    chosen = _typed_quantities(request, order.lines.all(), "quantity")
    try:
        due_days = int(request.POST.get("due_days", "14"))
    except ValueError:
        due_days = -1  # refused by the action, by name

    def run() -> str:
        everything = request.POST.get("all") == "1"
        if not everything and not chosen:
            raise ValidationFailed.single("lines", "required", _("give the quantity to invoice of at least one line"))
        invoice = actions.order_invoice(actor=request.user, order=order, lines=None if everything else chosen,
                                        due_days=due_days)  # fmt: skip
        return reverse("sales:invoice_detail", args=[invoice.public_id])

    return _step(request, back, run, _("Invoice made."))


# --- an invoice's page: payments, credit notes ---------------------------------------------------------


@login_required
@require_GET
def invoice_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _invoice(request, public_id)
    writer = request.user.policy.can_write
    live = invoice.kind == "invoice" and invoice.status != InvoiceStatus.CANCELLED
    context = {
        "invoice": invoice, "document": invoice, "lines": list(invoice.lines.all()),
        "payments": list(invoice.payments.all()), "mails": list(invoice.mails.all()),
        "order": invoice.order if invoice.order and can_see(request.user, invoice.order) else None,
        "credits": invoice.credits if invoice.credits and can_see(request.user, invoice.credits) else None,
        "credit_notes": [n for n in invoice.credit_notes.order_by("id") if can_see(request.user, n)],
        "owed": outstanding(invoice), "can_pay": writer and live and invoice.owed > 0,
        "can_credit": writer and live and invoice.credited_total < invoice.gross_total,
        "overdue": live and invoice.owed > 0 and invoice.due_on < timezone.localdate(),
        "today": timezone.localdate(), "send_to": invoice.contact.primary_email if invoice.contact else "",
        "can_send": writer,
    }  # fmt: skip
    return render(request, "sales/documents/invoice_detail.html", context)


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _invoice(request, public_id)
    from clientela.sales import rendering  # WeasyPrint is slow to import: only where PDFs are made

    return _pdf(rendering.invoice_facturx(invoice, rendering.document_language(invoice)), invoice.number)


@login_required
@require_GET
def invoice_xml(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _invoice(request, public_id)
    from clientela.sales import rendering  # WeasyPrint is slow to import: only where PDFs are made

    response = HttpResponse(rendering.invoice_cii_xml(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response


@login_required
@require_POST
def invoice_pay(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _invoice(request, public_id)
    back = reverse("sales:invoice_detail", args=[invoice.public_id])
    day = None
    with contextlib.suppress(ValueError):
        day = dt.date.fromisoformat(request.POST.get("date", ""))

    def run() -> str:
        if request.POST.get("date") and day is None:
            raise ValidationFailed.single("date", "invalid", _("is not a date (YYYY-MM-DD)"))
        amount = request.POST.get("amount", "").replace(",", ".")
        note = request.POST.get("note", "")[:300]
        actions.payment_record(actor=request.user, invoice=invoice, amount=amount, paid_on=day, note=note)
        return back

    return _step(request, back, run, _("Payment recorded."))


@login_required
@require_POST
def invoice_credit(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _invoice(request, public_id)
    back = reverse("sales:invoice_detail", args=[invoice.public_id])
    chosen = _typed_quantities(request, invoice.lines.all(), "credit")

    def run() -> str:
        everything = request.POST.get("all") == "1"
        note = actions.invoice_credit(actor=request.user, invoice=invoice, lines=None if everything else chosen or [],
                                      reason=request.POST.get("reason", ""))  # fmt: skip
        return reverse("sales:invoice_detail", args=[note.public_id])

    return _step(request, back, run, _("Credit note made."))


@login_required
@require_POST
def invoice_send(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _invoice(request, public_id)
    return _send(request, invoice, reverse("sales:invoice_detail", args=[invoice.public_id]))
