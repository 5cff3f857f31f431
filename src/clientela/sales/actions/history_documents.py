"""Quotes, orders, invoices, credit notes and payments written with their whole history.

As `history.py` does for deals and leads: the single-record actions (`quote_create`,
`quote_accept`, `order_invoice`, `invoice_credit`, `payment_record`) stamp every change "now";
a history planned in full is written here as they would have written it, each change at its
moment: the rows (their version one more per change, `created_at`/`updated_at` from the plan),
one creation event per document and one update event per change ("quote.send", "quote.accept",
"quote.reject", "quote.expire" by no one, "order.invoice", "invoice.pay", "invoice.credit"),
totals by `pricing.totals`, and numbers taken gap-free in date order per series and year,
continuing each year's `DocumentCounter` (which is left at the last number used).

Everything is checked before anything is written; a bad plan raises `ValidationFailed` naming
it (`plans[3].invoices[0].payments[1].amount`). One transaction per call, a few multi-row
statements per table. Numbers follow the plans' dates only within one call: write a history in
one call, before documents of later dates exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.changelog import bulk_append_events, event_fields, record_label
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.ids import uuid7
from clientela.core.models import Event
from clientela.core.money import is_currency, round_money
from clientela.core.records import logged_value
from clientela.core.visibility import require_admin, require_write
from clientela.sales import pricing
from clientela.sales.actions.history import _Checks
from clientela.sales.actions.invoices import CREDIT_SERIES, INVOICE_SERIES, invoice_status, priced_part
from clientela.sales.actions.quotes import ORDER_SERIES, QUOTE_SERIES
from clientela.sales.models import (
    DocumentCounter,
    ExchangeRate,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Quote,
    QuoteLine,
    QuoteStatus,
)

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User
    from clientela.parties.models import Contact, Organization
    from clientela.sales.models import Deal, Product

BATCH_SIZE = 500
EMPTY: tuple[Any, ...] = (None, "", {}, [])
ANSWERS = (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED, QuoteStatus.EXPIRED)


@dataclass
class LinePlan:
    product: Product | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    description: str = ""  # the product's name when empty


@dataclass
class PaymentPlan:
    paid_at: dt.datetime
    amount: Decimal | None = None  # None: all that is owed at that moment (or `share` of it)
    note: str = ""
    share: Decimal | None = None


@dataclass
class CreditPlan:
    at: dt.datetime
    reason: str
    lines: dict[int, Decimal] | None = None  # invoice line position -> quantity; None: all that is left


@dataclass
class InvoicePlan:
    issued_at: dt.datetime
    due_days: int = 14
    lines: dict[int, Decimal] | None = None  # order line position -> quantity; None: all that is left
    payments: list[PaymentPlan] = field(default_factory=list)
    credit: CreditPlan | None = None


@dataclass
class QuotePlan:
    """A quote and what came of it: sent (`sent_at`), then accepted (an order at `answered_at`,
    invoiced by `invoices`), rejected, expired (`answered_at`: when the housekeeping marked it)
    or still open (draft or sent, no `answered_at`)."""

    organization: Organization
    contact: Contact | None
    deal: Deal | None
    owner: User
    team: Team | None
    currency: str
    lines: list[LinePlan]
    created_at: dt.datetime
    valid_until: dt.date
    status: str = QuoteStatus.DRAFT
    sent_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    note: str = ""
    invoices: list[InvoicePlan] = field(default_factory=list)
    public_id: uuid.UUID | None = None  # the order's, invoices' and payments' ids derive from it


@dataclass
class DocumentsWritten:
    quotes: int = 0
    orders: int = 0
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0


@dataclass
class _Change:
    record: Any
    action: str
    kind: str
    changes: dict[str, Any]
    version: int
    at: dt.datetime
    by_system: bool = False


@dataclass
class _Build:
    """Everything of one call built in memory, in the order it is written."""

    quotes: list[Quote] = field(default_factory=list)
    quote_lines: list[QuoteLine] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    order_lines: list[OrderLine] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    invoice_lines: list[InvoiceLine] = field(default_factory=list)
    notes: list[Invoice] = field(default_factory=list)
    note_lines: list[InvoiceLine] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    changes: list[_Change] = field(default_factory=list)
    stamps: dict[int, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)  # id(record) -> moments
    numbered: list[tuple[str, dt.datetime, int, Any, dict[str, Any]]] = field(default_factory=list)

    def change(
        self, record: Any, action: str, changes: dict[str, Any], at: dt.datetime, *, system: bool = False
    ) -> None:
        created = action.endswith((".create", ".credit_note"))
        if not created:
            record.version += 1
        kind = Event.Kind.CREATED if created else Event.Kind.UPDATED
        self.changes.append(_Change(record, action, kind, changes, record.version, at, system))
        first = self.stamps.get(id(record), (at, at))[0]
        self.stamps[id(record)] = (first, at)

    def create(
        self, record: Any, action: str, values: dict[str, Any], at: dt.datetime, series: str, lines: int
    ) -> None:
        for name, value in values.items():
            setattr(record, name, value)
        changes: dict[str, Any] = {"number": None}  # filled in when numbered
        for name, value in values.items():
            logged = logged_value(record, name, value)
            if logged not in EMPTY:
                changes[name] = [None, logged]
        changes["lines"] = [None, lines]
        self.numbered.append((series, at, len(self.numbered), record, changes))
        self.change(record, action, changes, at)


def _derived(base: uuid.UUID | None, name: str) -> uuid.UUID:
    return uuid.uuid5(base, name) if base is not None else uuid7()


def _update(build: _Build, record: Any, action: str, values: dict[str, Any], at: dt.datetime, **kw: Any) -> None:
    changes = {}
    for name, new in values.items():
        old, logged = logged_value(record, name, getattr(record, name)), logged_value(record, name, new)
        if old != logged:
            changes[name] = [old, logged]
        setattr(record, name, new)
    if changes:
        build.change(record, action, changes, at, **kw)


def _priced(
    source: list[Any], chosen: dict[int, Decimal], currency: str
) -> tuple[list[tuple[Any, dict[str, Any]]], pricing.Totals]:
    """`invoices.priced_part`, each row beside the source line it was made from."""
    rows, result = priced_part(source, chosen, currency)
    taken = [line for line in source if line.position in chosen]
    return list(zip(taken, rows, strict=True)), result


def _chosen(
    where: str, wanted: dict[int, Decimal] | None, left: dict[int, Decimal], errors: list[FieldError]
) -> dict[int, Decimal]:
    if wanted is None:
        return {position: quantity for position, quantity in left.items() if quantity > 0}
    chosen = {}
    for position, quantity in wanted.items():
        if position not in left or not 0 < quantity <= left[position]:
            errors.append(FieldError(f"{where}.lines[{position}]", "too_much", _("more than is left of this line")))
        else:
            chosen[position] = quantity
    return chosen


def _check_moments(checks: _Checks, where: str, moments: list[dt.datetime], errors: list[FieldError]) -> None:
    for number, moment in enumerate(moments):
        if timezone.is_naive(moment) or moment > checks.now:
            errors.append(
                FieldError(f"{where}.moments[{number}]", "invalid", _("needs a past, time-zone-aware moment"))
            )
        elif number and moment < moments[number - 1]:
            errors.append(FieldError(f"{where}.moments[{number}]", "invalid", _("is before the step before it")))


def _build_chain(
    actor: User, checks: _Checks, where: str, plan: QuotePlan, build: _Build, errors: list[FieldError]
) -> None:
    found = len(errors)
    checks.people(where, plan.owner, plan.team, errors)
    for name in ("organization", "contact", "deal"):
        checks.linked(where, name, getattr(plan, name), errors)
    if plan.organization is None:
        errors.append(FieldError(f"{where}.organization", "required", _("is required")))
    if not is_currency(plan.currency):
        errors.append(FieldError(f"{where}.currency", "invalid", _("is not an ISO 4217 currency code such as EUR")))
    if not plan.lines:
        errors.append(FieldError(f"{where}.lines", "required", _("a quote has at least one line")))
    for number, line in enumerate(plan.lines):
        bad = line.quantity < 0 or line.unit_price < 0 or not 0 <= line.discount_percent <= 100
        if bad or not 0 <= line.tax_rate <= 100 or not (line.description or line.product is not None):
            errors.append(FieldError(f"{where}.lines[{number}]", "invalid", _("is not a number in the allowed range")))
    if plan.status not in QuoteStatus.values or plan.status == QuoteStatus.SUPERSEDED:
        errors.append(FieldError(f"{where}.status", "invalid", _("is not a status a quote can have")))
    if (plan.status in ANSWERS) != (plan.answered_at is not None) or (plan.invoices and plan.status != "accepted"):
        errors.append(FieldError(f"{where}.answered_at", "invalid", _("only an answered quote has an answer")))
    moments = [
        plan.created_at,
        *([plan.sent_at] if plan.sent_at else []),
        *([plan.answered_at] if plan.answered_at else []),
    ]
    moments += [invoice.issued_at for invoice in plan.invoices]
    _check_moments(checks, where, moments, errors)
    if len(errors) > found:
        return
    currency = plan.currency
    lines: list[dict[str, Any]] = [
        {"product": line.product, "description": (line.description or getattr(line.product, "name", ""))[:300],
         "quantity": line.quantity, "unit_price": line.unit_price, "discount_percent": line.discount_percent,
         "tax_rate": line.tax_rate}
        for line in plan.lines
    ]  # fmt: skip
    result = pricing.totals(
        [pricing.Line(p["quantity"], p["unit_price"], p["discount_percent"], p["tax_rate"]) for p in lines], currency
    )
    people: dict[str, Any] = {"owner": plan.owner, "team": plan.team}
    base = plan.public_id
    quote = Quote(public_id=base or uuid7(), created_by=actor, updated_by=actor, version=1)
    totals = {"net_total": result.net, "tax_total": result.tax, "gross_total": result.gross}
    own = {"organization": plan.organization, "contact": plan.contact, "deal": plan.deal, "currency": currency,
           "valid_until": plan.valid_until, "note": plan.note, **totals, **people}  # fmt: skip
    build.quotes.append(quote)
    build.create(quote, "quote.create", own, plan.created_at, QUOTE_SERIES, len(lines))
    quote_lines = [
        QuoteLine(quote=quote, position=n, net=t.net, tax=t.tax, gross=t.gross, **line)
        for n, (line, t) in enumerate(zip(lines, result.lines, strict=True), start=1)
    ]
    build.quote_lines += quote_lines
    if plan.sent_at is not None:
        _update(build, quote, "quote.send", {"status": QuoteStatus.SENT, "sent_at": plan.sent_at}, plan.sent_at)
    if plan.answered_at is None:
        return
    if plan.status == QuoteStatus.REJECTED:
        _update(build, quote, "quote.reject", {"status": QuoteStatus.REJECTED}, plan.answered_at)
        return
    if plan.status == QuoteStatus.EXPIRED:
        _update(build, quote, "quote.expire", {"status": QuoteStatus.EXPIRED}, plan.answered_at, system=True)
        return
    accepted = plan.answered_at
    if timezone.localdate(accepted) > plan.valid_until:
        errors.append(FieldError(f"{where}.answered_at", "invalid", _("the quote had expired")))
        return
    order = Order(public_id=_derived(base, "order"), created_by=actor, updated_by=actor, version=1)
    build.orders.append(order)
    build.create(order, "order.create", {"quote": quote, "organization": plan.organization, "contact": plan.contact,
                                          "deal": plan.deal, "currency": currency, **totals, **people},
                 accepted, ORDER_SERIES, len(lines))  # fmt: skip
    order_lines = [
        OrderLine(order=order, **{name: getattr(line, name) for name in ("position", "product", "description",
                  "quantity", "unit_price", "discount_percent", "tax_rate", "net", "tax", "gross")})
        for line in quote_lines
    ]  # fmt: skip
    build.order_lines += order_lines
    _update(build, quote, "quote.accept", {"status": QuoteStatus.ACCEPTED}, accepted)
    for number, invoice_plan in enumerate(plan.invoices):
        _build_invoice(actor, checks, f"{where}.invoices[{number}]", invoice_plan, order, order_lines, build, errors)


def _build_invoice(
    actor: User, checks: _Checks, where: str, plan: InvoicePlan, order: Order, source: list[OrderLine],
    build: _Build, errors: list[FieldError],
) -> None:  # fmt: skip
    left = {line.position: line.quantity - line.invoiced_quantity for line in source}
    chosen = _chosen(where, plan.lines, left, errors)
    if not chosen or not 0 <= plan.due_days <= 365:
        errors.append(FieldError(where, "invalid", _("nothing is left to invoice on this order")))
        return
    rows, result = _priced(source, chosen, order.currency)
    issued = plan.issued_at
    day = timezone.localdate(issued)
    invoice = Invoice(public_id=_derived(order.public_id, f"invoice {issued.isoformat()}"), created_by=actor,
                      updated_by=actor, version=1)  # fmt: skip
    people: dict[str, Any] = {"owner": order.owner, "team": order.team}
    build.invoices.append(invoice)
    build.create(invoice, "invoice.create", {
        "order": order, "organization": order.organization, "contact": order.contact, "currency": order.currency,
        "issued_on": day, "due_on": day + dt.timedelta(days=plan.due_days), "net_total": result.net,
        "tax_total": result.tax, "gross_total": result.gross, **people}, issued, INVOICE_SERIES, len(rows))  # fmt: skip
    lines = [InvoiceLine(invoice=invoice, order_line=line, **row) for line, row in rows]
    build.invoice_lines += lines
    for line in source:
        line.invoiced_quantity += chosen.get(line.position, Decimal(0))
    done = all(line.invoiced_quantity >= line.quantity for line in source)
    order_status = OrderStatus.INVOICED if done else OrderStatus.PARTIALLY_INVOICED
    _update(build, order, "order.invoice", {"status": order_status}, issued)
    steps: list[tuple[dt.datetime, Any]] = [(p.paid_at, p) for p in plan.payments]
    if plan.credit is not None:
        steps.append((plan.credit.at, plan.credit))
    steps.sort(key=lambda step: step[0])
    _check_moments(checks, where, [issued, *(at for at, _step in steps)], errors)
    credited: dict[int, Decimal] = {}
    for number, (at, step) in enumerate(steps):
        owed = invoice.gross_total - invoice.paid_total - invoice.credited_total
        if isinstance(step, PaymentPlan):
            amount = owed if step.amount is None else step.amount
            if step.amount is None and step.share is not None:
                amount = round_money(owed * step.share, invoice.currency)
            if amount <= 0 or amount > owed or amount != round_money(amount, invoice.currency):
                errors.append(FieldError(f"{where}.payments[{number}].amount", "too_much", _("more than is owed")))
                return
            payment = Payment(public_id=_derived(invoice.public_id, f"payment {number}"), created_by=actor,
                              updated_by=actor, version=1)  # fmt: skip
            build.payments.append(payment)
            values = {"invoice": invoice, "amount": amount, "paid_on": timezone.localdate(at), "note": step.note,
                      **people}  # fmt: skip
            for name, value in values.items():
                setattr(payment, name, value)
            changes = {n: [None, logged_value(payment, n, v)] for n, v in values.items() if v not in EMPTY}
            build.change(payment, "payment.create", changes, at)
            paid = invoice.paid_total + amount
            status = invoice_status(invoice.gross_total, paid, invoice.credited_total)
            _update(build, invoice, "invoice.pay", {"paid_total": paid, "status": status}, at)
            continue
        available = {line.position: line.quantity - credited.get(line.position, Decimal(0)) for line in lines}
        taken = _chosen(f"{where}.credit", step.lines, available, errors)
        note_rows, note_result = _priced(lines, taken, invoice.currency)
        if not taken or note_result.gross > invoice.gross_total - invoice.credited_total or not step.reason.strip():
            errors.append(FieldError(f"{where}.credit", "too_much", _("more than is left to credit")))
            return
        for position, quantity in taken.items():
            credited[position] = credited.get(position, Decimal(0)) + quantity
        note = Invoice(public_id=_derived(invoice.public_id, "credit note"), created_by=actor, updated_by=actor,
                       version=1)  # fmt: skip
        build.notes.append(note)
        day = timezone.localdate(at)
        build.create(note, "invoice.credit_note", {
            "kind": InvoiceKind.CREDIT_NOTE, "credits": invoice, "reason": step.reason.strip(), "order": order,
            "organization": invoice.organization, "contact": invoice.contact, "currency": invoice.currency,
            "issued_on": day, "due_on": day, "net_total": note_result.net, "tax_total": note_result.tax,
            "gross_total": note_result.gross, **people}, at, CREDIT_SERIES, len(note_rows))  # fmt: skip
        build.note_lines += [InvoiceLine(invoice=note, **row) for _line, row in note_rows]
        total = invoice.credited_total + note_result.gross
        status = invoice_status(invoice.gross_total, invoice.paid_total, total)
        _update(build, invoice, "invoice.credit", {"credited_total": total, "status": status}, at)


def _number(build: _Build) -> None:
    """Numbers in date order per series and local year, after each year's counter (locked)."""
    keys = {(series, timezone.localdate(at).year) for series, at, _n, _r, _c in build.numbered}
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(series=s, year=y, last=0) for s, y in sorted(keys)], ignore_conflicts=True
    )
    counters = {
        (c.series, c.year): c
        for c in DocumentCounter.objects.select_for_update().filter(
            series__in={s for s, _y in keys}, year__in={y for _s, y in keys}
        )
    }
    for series, at, _n, record, changes in sorted(build.numbered, key=lambda item: (item[0], item[1], item[2])):
        year = timezone.localdate(at).year
        counter = counters[(series, year)]
        counter.last += 1
        record.number = f"{series}-{year}-{counter.last:06d}"
        changes["number"] = [None, record.number]
    DocumentCounter.objects.bulk_update([counters[key] for key in keys], ["last"])


def _insert(model: Any, records: list[Any], build: _Build) -> None:
    """Insert the records, then put back their planned moments (an insert stamps them "now"):
    one prepared UPDATE run for all rows, which is much quicker than a CASE per batch."""
    model.all_objects.bulk_create(records, batch_size=BATCH_SIZE)
    stamp = model._meta.get_field("created_at")
    rows = []
    for record in records:
        record.created_at, record.updated_at = build.stamps[id(record)]
        moments = [stamp.get_db_prep_value(moment, connection) for moment in (record.created_at, record.updated_at)]
        rows.append([*moments, record.pk])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET created_at = %s, updated_at = %s WHERE id = %s", rows)  # noqa: S608


def documents_load_history(*, actor: User, plans: list[QuotePlan]) -> DocumentsWritten:
    """Write the planned quotes with their orders, invoices, credit notes and payments and every
    change's event (see the module). Nothing is written if any plan is refused."""
    require_write(actor)
    checks = _Checks.of(actor, (plan.owner for plan in plans))
    errors: list[FieldError] = []
    build = _Build()
    for index, plan in enumerate(plans):
        _build_chain(actor, checks, f"plans[{index}]", plan, build, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        _number(build)
        _insert(Quote, build.quotes, build)
        QuoteLine.objects.bulk_create(build.quote_lines, batch_size=BATCH_SIZE)
        _insert(Order, build.orders, build)
        OrderLine.objects.bulk_create(build.order_lines, batch_size=BATCH_SIZE)
        _insert(Invoice, build.invoices, build)
        InvoiceLine.objects.bulk_create(build.invoice_lines, batch_size=BATCH_SIZE)
        _insert(Invoice, build.notes, build)
        InvoiceLine.objects.bulk_create(build.note_lines, batch_size=BATCH_SIZE)
        _insert(Payment, build.payments, build)
        ordered = sorted(enumerate(build.changes), key=lambda pair: (pair[1].at, pair[0]))
        bulk_append_events(
            (
                Event(
                    **event_fields(
                        actor=None if c.by_system else actor,
                        action=c.action,
                        kind=c.kind,
                        record_type=c.record._meta.label_lower,
                        record_id=c.record.public_id,
                        label=record_label(c.record),
                        owner_id=c.record.owner_id,
                        team_id=c.record.team_id,
                        changes=c.changes,
                        version=c.version,
                        occurred_at=c.at,
                    )
                )  # fmt: skip
                for _n, c in ordered
            ),
            batch_size=BATCH_SIZE * 4,
        )
    return DocumentsWritten(
        quotes=len(build.quotes), orders=len(build.orders), invoices=len(build.invoices),
        credit_notes=len(build.notes), payments=len(build.payments),
    )  # fmt: skip


def exchange_rates_load(*, actor: User, rates: list[tuple[str, dt.date, Decimal]]) -> int:
    """Many days' exchange rates at once (as `exchange_rate_set`, a day's rate given again replaces it)."""
    require_admin(actor)
    errors = [
        FieldError(f"rates[{n}]", "invalid", _("must be a positive number"))
        for n, (currency, _day, rate) in enumerate(rates)
        if not is_currency(currency) or not rate.is_finite() or rate <= 0
    ]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        ExchangeRate.objects.bulk_create(
            [ExchangeRate(currency=c, day=d, rate=r.quantize(Decimal("1e-10"))) for c, d, r in rates],
            batch_size=BATCH_SIZE * 2, update_conflicts=True, unique_fields=["currency", "day"], update_fields=["rate"],
        )  # fmt: skip
    return len(rates)
