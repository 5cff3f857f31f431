"""Invoices, credit notes and payments: an order is invoiced wholly or in parts (never more than
it holds), each invoice numbered gap-free in the year's series (the counter is taken in the
invoice's own transaction, so a failed invoice gives its number back); a credit note takes back
some or all of an invoice; payments move an invoice to partially paid, then paid, and never past
what it is owed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import FieldError, Refused, ValidationFailed
from clientela.core.money import plain, round_money
from clientela.core.visibility import require_write
from clientela.sales import pricing
from clientela.sales.actions.quotes import next_number
from clientela.sales.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
)
from clientela.sales.rules import decimal_or_none

if TYPE_CHECKING:
    from clientela.accounts.models import User

INVOICE_SERIES = "INV"
PAYMENT_DAYS = 14  # an invoice is due this many days after it is issued


class AlreadyInvoiced(Refused):
    status = 409
    code = "already_invoiced"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


CREDIT_SERIES = "CN"


def _quantities(raw: Any, available: dict[int, Decimal], errors: list[FieldError]) -> dict[int, Decimal]:
    """The quantity to take of each line, by position: every line's whole `available` when `raw`
    is None, else `[{"line": position, "quantity": "2"}, ...]`, each checked against what is left."""
    if raw is None:
        return {position: left for position, left in available.items() if left > 0}
    if not isinstance(raw, list) or not raw or len(raw) > 500:
        errors.append(FieldError("lines", "invalid", _("a list of the lines to take, with their quantities")))
        return {}
    chosen: dict[int, Decimal] = {}
    for index, item in enumerate(raw):
        where = f"lines[{index}]"
        position = item.get("line") if isinstance(item, dict) else None
        if not isinstance(position, int) or isinstance(position, bool) or position not in available:
            errors.append(FieldError(f"{where}.line", "not_found", _("no such line")))
            continue
        if position in chosen:
            errors.append(FieldError(f"{where}.line", "duplicate", _("this line is given twice")))
            continue
        quantity = decimal_or_none(item.get("quantity", available[position]))
        if quantity is None or quantity <= 0 or quantity != quantity.quantize(Decimal("0.001")):
            errors.append(FieldError(f"{where}.quantity", "invalid", _("a positive quantity")))
        elif quantity > available[position]:
            message = _("more than is left of this line: %(left)s")
            left = plain(available[position])
            errors.append(FieldError(f"{where}.quantity", "too_much", message % {"left": left}))
        else:
            chosen[position] = quantity
    return chosen


def priced_part(
    source: list[Any], chosen: dict[int, Decimal], currency: str
) -> tuple[list[dict[str, Any]], pricing.Totals]:
    """The lines of a new invoice or credit note: the chosen quantity of each source line at its
    price, discount and tax rate, and the totals by the rule of `pricing.py`."""
    taken = [line for line in source if line.position in chosen]
    result = pricing.totals(
        [pricing.Line(chosen[line.position], line.unit_price, line.discount_percent, line.tax_rate) for line in taken],
        currency,
    )
    rows = []
    for line, amounts in zip(taken, result.lines, strict=True):
        row = {name: getattr(line, name) for name in ("position", "product", "description", "unit_price",
                                                       "discount_percent", "tax_rate")}  # fmt: skip
        row |= {"quantity": chosen[line.position], "net": amounts.net, "tax": amounts.tax, "gross": amounts.gross}
        rows.append(row)
    return rows, result


def _check_days(due_days: int) -> None:
    if isinstance(due_days, bool) or not isinstance(due_days, int) or not 0 <= due_days <= 365:
        raise ValidationFailed.single("due_days", "invalid", _("between 0 and 365 days"))


def order_invoice(*, actor: User, order: Order, lines: Any = None, due_days: int = PAYMENT_DAYS) -> Invoice:
    """Invoice what is left of the order (`lines` None), or part of it: `lines` names order lines
    by position with the quantity to invoice now. The order becomes partially invoiced, then
    invoiced; when nothing is left to invoice the call is refused with a 409. Each invoice's
    lines follow the totals rule for the quantity they invoice."""
    require_write(actor, order)
    _check_days(due_days)
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if locked.status in (OrderStatus.INVOICED, OrderStatus.CANCELLED):
            raise AlreadyInvoiced(_("this order is invoiced already"))
        source = list(OrderLine.objects.filter(order=locked).order_by("position"))
        first = not Invoice.objects.filter(order=locked).exists()
        available = {
            line.position: line.quantity - line.invoiced_quantity
            for line in source
            if line.quantity - line.invoiced_quantity > 0 or (line.quantity == 0 and first)
        }
        errors: list[FieldError] = []
        chosen = _quantities(lines, available, errors)
        if lines is None and first:  # lines at no charge go on the first invoice
            chosen |= {line.position: Decimal(0) for line in source if line.quantity == 0}
        if errors:
            raise ValidationFailed(errors)
        if not chosen:
            raise AlreadyInvoiced(_("nothing is left to invoice on this order"))
        rows, result = priced_part(source, chosen, locked.currency)
        by_position = {line.position: line for line in source}
        # The order's side first: the year's counter, taken next, stays locked only for the invoice's own rows.
        for position, quantity in chosen.items():
            by_position[position].invoiced_quantity += quantity
        OrderLine.objects.bulk_update([by_position[p] for p in chosen], ["invoiced_quantity"])
        done = all(line.invoiced_quantity >= line.quantity for line in source)
        status = OrderStatus.INVOICED if done else OrderStatus.PARTIALLY_INVOICED
        records.update_record(locked, actor=actor, values={"status": status}, action="order.invoice")
        today = timezone.localdate()
        number = next_number(INVOICE_SERIES, today.year)
        values = {
            "number": f"{INVOICE_SERIES}-{today.year}-{number:06d}", "order": locked,
            "organization": locked.organization, "contact": locked.contact, "currency": locked.currency,
            "issued_on": today, "due_on": today + dt.timedelta(days=due_days), "net_total": result.net,
            "tax_total": result.tax, "gross_total": result.gross, "owner": locked.owner, "team": locked.team,
        }  # fmt: skip

        def after_insert(invoice: Invoice) -> dict[str, list[Any]]:
            InvoiceLine.objects.bulk_create(
                InvoiceLine(invoice=invoice, order_line=by_position[row["position"]], **row) for row in rows
            )
            return {"lines": [None, len(rows)]}

        return records.create_record(
            Invoice, actor=actor, values=values, action="invoice.create", after_insert=after_insert
        )


def invoice_status(gross: Decimal, paid: Decimal, credited: Decimal) -> str:
    """An invoice's status from what it bills, what was paid and what credit notes took back."""
    if credited > 0 and credited >= gross and paid == 0:
        return InvoiceStatus.CREDITED
    if paid > 0 and paid + credited >= gross:
        return InvoiceStatus.PAID
    if paid > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


def invoice_credit(*, actor: User, invoice: Invoice, lines: Any = None, reason: str = "") -> Invoice:
    """A credit note taking back what is left of the invoice (`lines` None), or part of it
    (lines by position with quantities): numbered in its own gap-free series (CN-2026-000001),
    its amounts by the totals rule, and the invoice owed that much less. What was already paid
    stays paid: money to return is shown as a negative amount owed."""
    require_write(actor, invoice)
    reason = reason.strip()
    if not reason or len(reason) > 300 or "\x00" in reason:
        raise ValidationFailed.single("reason", "required", _("say why, in at most %(n)d characters") % {"n": 300})
    with transaction.atomic():
        locked = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
        if locked.kind != InvoiceKind.INVOICE or locked.status == InvoiceStatus.CANCELLED:
            raise ValidationFailed.single("invoice", "invalid", _("only an issued invoice can be credited"))
        source = list(InvoiceLine.objects.filter(invoice=locked).order_by("position"))
        credited: dict[int, Decimal] = {}
        taken_back = InvoiceLine.objects.filter(invoice__credits=locked).values_list("position", "quantity")
        for position, quantity in taken_back:
            credited[position] = credited.get(position, Decimal(0)) + quantity
        available = {line.position: line.quantity - credited.get(line.position, Decimal(0)) for line in source}
        errors: list[FieldError] = []
        chosen = _quantities(lines, available, errors)
        if errors:
            raise ValidationFailed(errors)
        if not chosen:
            raise AlreadyInvoiced(_("nothing is left to credit on this invoice"))
        rows, result = priced_part(source, chosen, locked.currency)
        if result.gross > locked.gross_total - locked.credited_total:
            message = _("more than is left to credit: %(left)s %(currency)s")
            left = round_money(locked.gross_total - locked.credited_total, locked.currency)
            raise ValidationFailed.single("lines", "too_much", message % {"left": left, "currency": locked.currency})
        today = timezone.localdate()
        number = next_number(CREDIT_SERIES, today.year)
        values = {
            "number": f"{CREDIT_SERIES}-{today.year}-{number:06d}", "kind": InvoiceKind.CREDIT_NOTE,
            "credits": locked, "reason": reason, "order": locked.order, "organization": locked.organization,
            "contact": locked.contact, "currency": locked.currency, "issued_on": today, "due_on": today,
            "net_total": result.net, "tax_total": result.tax, "gross_total": result.gross, "owner": locked.owner,
            "team": locked.team,
        }  # fmt: skip

        def after_insert(note: Invoice) -> dict[str, list[Any]]:
            InvoiceLine.objects.bulk_create(InvoiceLine(invoice=note, **row) for row in rows)
            return {"lines": [None, len(rows)]}

        note = records.create_record(
            Invoice, actor=actor, values=values, action="invoice.credit_note", after_insert=after_insert
        )
        total = locked.credited_total + result.gross
        status = invoice_status(locked.gross_total, locked.paid_total, total)
        records.update_record(locked, actor=actor, values={"credited_total": total, "status": status},
                              action="invoice.credit")  # fmt: skip
        return note


def payment_record(
    *, actor: User, invoice: Invoice, amount: Any, paid_on: dt.date | None = None, note: str = ""
) -> Payment:
    """A payment of `amount` (in the invoice's currency, exact to its minor unit) on `paid_on`
    (today): the invoice becomes partially paid, or paid when nothing is owed any more. A payment
    above what is still owed is refused, naming the amount owed."""
    require_write(actor, invoice)
    number = decimal_or_none(amount)
    if number is None or number <= 0 or number != round_money(number, invoice.currency):
        raise ValidationFailed.single("amount", "invalid", _("a positive amount in the invoice's currency"))
    if len(note) > 300 or "\x00" in note:
        raise ValidationFailed.single("note", "invalid", _("at most %(n)d characters") % {"n": 300})
    with transaction.atomic():
        locked = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
        if locked.status == InvoiceStatus.CANCELLED or locked.kind != InvoiceKind.INVOICE:
            raise ValidationFailed.single("invoice", "invalid", _("only an issued invoice can be paid"))
        owed = locked.gross_total - locked.paid_total - locked.credited_total
        if number > owed:
            message = _("more than is owed: %(owed)s %(currency)s")
            raise ValidationFailed.single(
                "amount",
                "too_much",
                message % {"owed": round_money(owed, locked.currency), "currency": locked.currency},
            )
        values = {"invoice": locked, "amount": number, "paid_on": paid_on or timezone.localdate(), "note": note.strip(),
                  "owner": locked.owner, "team": locked.team}  # fmt: skip
        payment = records.create_record(Payment, actor=actor, values=values, action="payment.create")
        paid = locked.paid_total + number
        status = invoice_status(locked.gross_total, paid, locked.credited_total)
        records.update_record(locked, actor=actor, values={"paid_total": paid, "status": status}, action="invoice.pay")
        return payment


def outstanding(invoice: Invoice) -> Decimal:
    """What is still owed (negative: money to return to the customer)."""
    return round_money(invoice.gross_total - invoice.paid_total - invoice.credited_total, invoice.currency)
