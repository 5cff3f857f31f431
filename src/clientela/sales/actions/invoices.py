"""Invoices and payments: an order is invoiced once, its lines and totals copied, the invoice
numbered gap-free in the year's series (the counter is taken in the invoice's own transaction,
so a failed invoice gives its number back); payments move an invoice to partially paid, then
paid, and never past what it is owed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import Refused, ValidationFailed
from clientela.core.money import round_money
from clientela.core.visibility import require_write
from clientela.sales.actions.quotes import LINE_COPIED, next_number
from clientela.sales.models import Invoice, InvoiceLine, InvoiceStatus, Order, OrderLine, OrderStatus, Payment
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


def order_invoice(*, actor: User, order: Order, due_days: int = PAYMENT_DAYS) -> Invoice:
    """Invoice the whole order, once (a second call is refused with a 409)."""
    require_write(actor, order)
    if not 0 <= due_days <= 365:
        raise ValidationFailed.single("due_days", "invalid", _("between 0 and 365 days"))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.OPEN or Invoice.objects.filter(order=locked).exists():
            raise AlreadyInvoiced(_("this order is invoiced already"))
        today = timezone.localdate()
        number = next_number(INVOICE_SERIES, today.year)
        lines = list(OrderLine.objects.filter(order=locked).order_by("position"))
        values = {
            "number": f"{INVOICE_SERIES}-{today.year}-{number:06d}", "order": locked,
            "organization": locked.organization, "contact": locked.contact, "currency": locked.currency,
            "issued_on": today, "due_on": today + dt.timedelta(days=due_days), "net_total": locked.net_total,
            "tax_total": locked.tax_total, "gross_total": locked.gross_total, "owner": locked.owner,
            "team": locked.team,
        }  # fmt: skip

        def after_insert(invoice: Invoice) -> dict[str, list[Any]]:
            InvoiceLine.objects.bulk_create(
                InvoiceLine(invoice=invoice, **{name: getattr(line, name) for name in LINE_COPIED}) for line in lines
            )
            return {"lines": [None, len(lines)]}

        invoice = records.create_record(
            Invoice, actor=actor, values=values, action="invoice.create", after_insert=after_insert
        )
        records.update_record(locked, actor=actor, values={"status": OrderStatus.INVOICED}, action="order.invoice")
        return invoice


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
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status == InvoiceStatus.CANCELLED:
            raise ValidationFailed.single("invoice", "invalid", _("this invoice was cancelled"))
        owed = locked.gross_total - locked.paid_total
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
        status = InvoiceStatus.PAID if paid >= locked.gross_total else InvoiceStatus.PARTIALLY_PAID
        records.update_record(locked, actor=actor, values={"paid_total": paid, "status": status}, action="invoice.pay")
        return payment


def outstanding(invoice: Invoice) -> Decimal:
    return round_money(invoice.gross_total - invoice.paid_total, invoice.currency)
