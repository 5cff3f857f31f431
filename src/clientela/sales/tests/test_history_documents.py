"""`documents_load_history`: a planned quote with its order, invoices, payments and credit note
written at their moments, numbered in date order, with one event per change; a bad plan
writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clientela.core.errors import ValidationFailed
from clientela.core.models import Event
from clientela.sales import actions
from clientela.sales.actions.history_documents import (
    CreditPlan,
    InvoicePlan,
    LinePlan,
    PaymentPlan,
    QuotePlan,
    documents_load_history,
)
from clientela.sales.models import DocumentCounter, Invoice, InvoiceKind, Order, Payment, Quote
from clientela.testing import factories

pytestmark = pytest.mark.django_db


def _plan(cast, organization, product, start, **more):
    values = {
        "organization": organization, "contact": None, "deal": None, "owner": cast.sales_north,
        "team": cast.sales_north.team, "currency": "EUR", "created_at": start,
        "valid_until": start.date() + dt.timedelta(days=30),
        "lines": [LinePlan(product, Decimal(3), Decimal("19.99"), Decimal(10), Decimal(27))],
    }  # fmt: skip
    return QuotePlan(**(values | more))


def test_a_quote_history_is_written_with_its_order_invoice_payments_and_credit_note(cast):
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    product = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    start = timezone.now() - dt.timedelta(days=400)
    later = [start + dt.timedelta(days=d) for d in range(1, 40)]
    accepted = _plan(
        cast, organization, product, start, status="accepted", sent_at=later[0], answered_at=later[3],
        invoices=[InvoicePlan(later[5], 14, payments=[PaymentPlan(later[10], share=Decimal("0.5")),
                                                      PaymentPlan(later[20])],
                              credit=CreditPlan(later[8], "Returned goods", {1: Decimal(1)}))],
    )  # fmt: skip
    earlier = _plan(cast, organization, product, start - dt.timedelta(days=3), status="rejected",
                    sent_at=start - dt.timedelta(days=2), answered_at=start - dt.timedelta(days=1))  # fmt: skip
    written = documents_load_history(actor=cast.admin, plans=[accepted, earlier])

    assert (written.quotes, written.orders, written.invoices, written.credit_notes, written.payments) == (2, 1, 1, 1, 2)
    year = timezone.localdate(start - dt.timedelta(days=3)).year
    first, second = Quote.objects.order_by("created_at")
    assert first.status == "rejected" and second.status == "accepted"
    if timezone.localdate(start).year == year:
        assert (first.number, second.number) == (f"Q-{year}-000001", f"Q-{year}-000002")
    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE)
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert invoice.gross_total == Decimal("68.54") and note.gross_total == Decimal("22.85")
    assert invoice.credited_total == note.gross_total
    assert invoice.paid_total == sum(p.amount for p in Payment.objects.all()) == Decimal("45.69")
    assert invoice.status == "paid" and invoice.version == 4
    assert Order.objects.get().status == "invoiced"
    assert invoice.created_at == later[5] and invoice.updated_at == later[20]
    actions_logged = list(Event.objects.filter(record_id=invoice.public_id).order_by("occurred_at")
                          .values_list("action", "version"))  # fmt: skip
    assert actions_logged == [("invoice.create", 1), ("invoice.credit", 2), ("invoice.pay", 3), ("invoice.pay", 4)]
    assert DocumentCounter.objects.get(series="INV", year=invoice.issued_on.year).last == 1


def test_a_payment_above_what_is_owed_refuses_the_whole_call(cast):
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    product = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    start = timezone.now() - dt.timedelta(days=100)
    bad = _plan(
        cast, organization, product, start, status="accepted", sent_at=start + dt.timedelta(days=1),
                answered_at=start + dt.timedelta(days=2),
                invoices=[InvoicePlan(start + dt.timedelta(days=3),
                                      payments=[PaymentPlan(start + dt.timedelta(days=5), Decimal(999))])])  # fmt: skip
    with pytest.raises(ValidationFailed) as failed:
        documents_load_history(actor=cast.admin, plans=[bad])
    assert failed.value.errors[0].field == "plans[0].invoices[0].payments[0].amount"
    assert not Quote.objects.exists() and not DocumentCounter.objects.exists()
