"""The demo's lead-to-cash documents: reproducible plans, totals by the rule, numbers gap-free in
date order, repeat and one-time buyers, the chain quote -> order -> invoice, payments that add up."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from clientela.sales import pricing
from clientela.sales.actions.invoices import invoice_status
from clientela.sales.models import (
    DocumentCounter,
    Invoice,
    InvoiceKind,
    Order,
    Payment,
    Product,
    Quote,
    QuoteStatus,
)
from clientela.site.demo.documents import DocumentGenerator
from clientela.site.demo.generate import Generator
from clientela.site.demo.load import load, owners_by_team

SMALL = 0.05


@pytest.fixture
def now() -> dt.datetime:
    """A fixed moment in the past: the same seed then plans the same documents on every run."""
    return dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(empty_database: None, now: dt.datetime) -> None:
    load(seed=2024, scale=SMALL, seeded_ids=True, now=now)


def _plans(seed: int, now: dt.datetime) -> list:
    from clientela.site.demo.load import ensure_people

    teams, users = ensure_people()
    world = Generator(seed=seed, teams=teams, owners=owners_by_team(users), now=now).world(
        organizations=60, contacts=200
    )
    for number, plan in enumerate([*world.organizations, *world.contacts], start=1):
        plan.record.pk = number
    generator = DocumentGenerator(seed=seed, organizations=world.organizations, contacts=world.contacts, now=now)
    catalogue = generator.catalogue()
    products = {values["sku"]: Product(**values) for values in catalogue.products}
    plans = generator.plan(won_deals=[], products=products)
    return [catalogue.rates, [(p.organization.name, p.status, p.created_at, p.answered_at,
                               [(getattr(line.product, "sku", ""), line.quantity, line.unit_price) for line in p.lines],
                               [(i.issued_at, [pay.paid_at for pay in i.payments]) for i in p.invoices])
                              for p in plans]]  # fmt: skip


@pytest.mark.django_db
def test_the_same_seed_plans_the_same_documents(empty_database: None) -> None:
    now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    assert _plans(7, now) == _plans(7, now)
    assert _plans(7, now) != _plans(8, now)


def test_every_demo_document_total_follows_the_rule_of_its_lines(demo):
    for model in (Quote, Order, Invoice):
        for document in model.objects.prefetch_related("lines"):
            lines = list(document.lines.all())
            result = pricing.totals(
                [pricing.Line(x.quantity, x.unit_price, x.discount_percent, x.tax_rate) for x in lines],
                document.currency,
            )
            assert (document.net_total, document.tax_total, document.gross_total) == (
                result.net,
                result.tax,
                result.gross,
            )
            assert [(x.net, x.tax, x.gross) for x in lines] == [(t.net, t.tax, t.gross) for t in result.lines]


def test_demo_numbers_are_gap_free_in_date_order_and_the_counters_continue_them(demo):
    series: dict[tuple[str, int], list[tuple[dt.datetime, int]]] = defaultdict(list)
    for model in (Quote, Order, Invoice):
        for number, created in model.objects.values_list("number", "created_at"):
            prefix, year, counter = number.split("-")
            series[(prefix, int(year))].append((created, int(counter)))
    counters = {(c.series, c.year): c.last for c in DocumentCounter.objects.all()}
    assert {"Q", "O", "INV"} <= {prefix for prefix, _year in series}  # credit notes (CN) are rare: 27 in the full demo
    for key, numbers in series.items():
        numbers.sort()
        assert [n for _at, n in numbers] == list(range(1, len(numbers) + 1)), key
        assert counters[key] == len(numbers)


def test_demo_customers_buy_again_or_once_over_the_years(demo, now):
    per_customer = Counter(Order.objects.values_list("organization", flat=True))
    assert any(n == 1 for n in per_customer.values()) and any(n >= 3 for n in per_customer.values())
    years = {created.year for created in Order.objects.values_list("created_at", flat=True)}
    assert len(years) >= 3


def test_each_demo_order_comes_from_an_accepted_quote_and_is_invoiced(demo):
    for order in Order.objects.select_related("quote").annotate(n=Count("invoices")):
        assert order.quote is not None and order.quote.status == QuoteStatus.ACCEPTED
        assert order.n >= 1 or order.created_at > timezone.now() - dt.timedelta(days=20)
    assert Order.objects.exclude(deal=None).exists()


def test_demo_invoices_are_paid_by_their_payments_and_some_are_overdue(demo):
    paid = dict(Payment.objects.values_list("invoice").annotate(s=Sum("amount")).order_by())
    for invoice in Invoice.objects.filter(kind=InvoiceKind.INVOICE):
        assert invoice.paid_total == paid.get(invoice.pk, 0)
        assert invoice.status == invoice_status(invoice.gross_total, invoice.paid_total, invoice.credited_total)
    today = timezone.localdate()
    unpaid = Invoice.objects.filter(kind=InvoiceKind.INVOICE, status="issued", due_on__lt=today)
    assert unpaid.exists()
    assert Quote.objects.filter(status__in=(QuoteStatus.DRAFT, QuoteStatus.SENT), valid_until__gte=today).exists()
    assert Quote.objects.filter(status=QuoteStatus.REJECTED).exists()
    assert Quote.objects.filter(status=QuoteStatus.EXPIRED).exists()
