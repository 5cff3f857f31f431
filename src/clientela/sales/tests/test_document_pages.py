"""The lead-to-cash pages: the quote builder prices lines from the customer's price lists as the
user types and makes the quote; a quote's page accepts it into an order, whose page invoices it
all or in part; an invoice's page records payments and credit notes; the catalogue pages are
the administrators'; the home page lists quotes awaiting an answer and overdue invoices; and
nobody sees another team's documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.sales import actions
from clientela.sales.models import Invoice, Order, PriceList, Product, Quote
from clientela.testing import factories
from clientela.testing.cast import PASSWORD


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def shop(cast):
    """A customer, two products and a general EUR price list with a quantity break."""
    customer = factories.organization(cast.sales_north, name="Kovács Kft.")
    thermostat = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    valve = actions.product_create(actor=cast.admin, values={"sku": "V-1", "name": "Valve", "tax_rate": "5"})
    actions.price_list_create(actor=cast.admin, values={"name": "General EUR", "currency": "EUR"}, items=[
        {"product": str(thermostat.public_id), "unit_price": "19.99"},
        {"product": str(thermostat.public_id), "min_quantity": "3", "unit_price": "19.99", "discount_percent": "10"},
        {"product": str(valve.public_id), "unit_price": "4.10"},
    ])  # fmt: skip
    return customer, thermostat, valve


def _builder_post(customer, *rows: dict[str, str], **extra: str) -> dict[str, str]:
    data = {"organization_name": customer.name, "currency": "EUR", **extra}
    for index, row in enumerate(rows):
        data.update({f"line-{index}-{name}": value for name, value in row.items()})
    return data


def test_the_builder_prices_lines_from_the_price_list_as_the_user_types_and_writes_nothing(cast, shop):
    customer, thermostat, valve = shop
    client = _client(cast.sales_north)
    preview = client.post(
        reverse("sales:quote_new"),
        _builder_post(
            customer,
            {"product": str(thermostat.public_id), "quantity": "3"},
            {"product": str(valve.public_id), "quantity": "2"},
        ),  # fmt: skip
        headers={"HX-Request": "true"},
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="quote-builder"' in page and "<html" not in page  # the builder alone, swapped in place
    builder = preview.context["builder"]
    assert [row.amounts.net for row in builder.rows] == [Decimal("53.97"), Decimal("8.20")]  # the break's 10% off
    assert builder.totals.gross == Decimal("68.54") + Decimal("8.61")
    assert 'placeholder="19.99"' in page  # the list's price shown where the user left the price empty
    assert Quote.objects.count() == 0


def test_the_builder_makes_the_quote_and_names_a_line_without_a_price(cast, shop):
    customer, thermostat, _valve = shop
    client = _client(cast.sales_north)
    lonely = client.post(reverse("sales:quote_new"), _builder_post(customer, {"description": "Installation"}))
    assert lonely.status_code == 422
    assert lonely.context["rows"][0].errors["unit_price"]
    made = client.post(
        reverse("sales:quote_new"),
        _builder_post(
            customer,
            {"product": str(thermostat.public_id), "quantity": "3"},
            {"description": "Installation", "unit_price": "120", "tax_rate": "27"},
        ),  # fmt: skip
    )
    assert made.status_code == 302, made.content
    quote = Quote.objects.get()
    assert made["Location"] == reverse("sales:quote_detail", args=[quote.public_id])
    assert (quote.net_total, quote.gross_total) == (Decimal("173.97"), Decimal("220.94"))
    assert quote.owner == cast.sales_north and quote.status == "draft"
    unknown = client.post(reverse("sales:quote_new"), _builder_post(customer, {"description": "x", "unit_price": "1"},
                                                                    organization_name="Nobody Ltd"))  # fmt: skip
    assert unknown.status_code == 422 and "organization" in unknown.context["error_fields"]


def test_the_chain_runs_through_the_pages_from_quote_to_paid_and_credited_invoice(cast, shop):
    customer, thermostat, valve = shop
    client = _client(cast.sales_north)
    rows = ({"product": str(thermostat.public_id), "quantity": "3"},
            {"product": str(valve.public_id), "quantity": "10"})  # fmt: skip
    client.post(reverse("sales:quote_new"), _builder_post(customer, *rows))
    quote = Quote.objects.get()
    shown = client.get(reverse("sales:quote_detail", args=[quote.public_id]))
    assert shown.status_code == 200 and quote.number in shown.content.decode()

    accepted = client.post(reverse("sales:quote_accept", args=[quote.public_id]))
    order = Order.objects.get()
    assert accepted["Location"] == reverse("sales:order_detail", args=[order.public_id])
    again = client.post(reverse("sales:quote_accept", args=[quote.public_id]), follow=True)
    assert Order.objects.count() == 1 and again.status_code == 200

    part = client.post(reverse("sales:order_invoice", args=[order.public_id]), {"quantity-1": "1", "due_days": "10"})
    first = Invoice.objects.get()
    assert part["Location"] == reverse("sales:invoice_detail", args=[first.public_id])
    assert first.net_total == Decimal("17.99") and first.due_on == timezone.localdate() + dt.timedelta(days=10)
    too_much = client.post(reverse("sales:order_invoice", args=[order.public_id]), {"quantity-1": "5"}, follow=True)
    assert "more than is left" in too_much.content.decode() and Invoice.objects.count() == 1
    client.post(reverse("sales:order_invoice", args=[order.public_id]), {"all": "1"})
    order.refresh_from_db()
    assert order.status == "invoiced" and Invoice.objects.count() == 2

    page = client.get(reverse("sales:invoice_detail", args=[first.public_id])).content.decode()
    assert 'value="22.85"' in page  # the payment form offers what is owed: 17.99 + 27%
    refused = client.post(reverse("sales:invoice_pay", args=[first.public_id]), {"amount": "99"}, follow=True)
    assert "more than is owed" in refused.content.decode()
    client.post(reverse("sales:invoice_pay", args=[first.public_id]), {"amount": "22,85", "date": "2026-12-01"})
    first.refresh_from_db()
    assert first.status == "paid" and first.payments.get().paid_on == dt.date(2026, 12, 1)

    second = Invoice.objects.exclude(pk=first.pk).get()
    no_reason = client.post(reverse("sales:invoice_credit", args=[second.public_id]), {"credit-1": "1"}, follow=True)
    assert "reason" in no_reason.content.decode() and Invoice.objects.count() == 2
    credited = client.post(reverse("sales:invoice_credit", args=[second.public_id]),
                           {"credit-2": "2", "reason": "Broken valves"})  # fmt: skip
    note = Invoice.objects.get(kind="credit_note")
    assert credited["Location"] == reverse("sales:invoice_detail", args=[note.public_id])
    assert note.gross_total == Decimal("8.61") and note.credits == second

    deal_free_360 = client.get(reverse("parties:organization_detail", args=[customer.public_id])).content.decode()
    for document in (quote, order, first, second, note):
        assert document.number in deal_free_360


def test_a_quote_made_from_a_deal_shows_on_the_deal_with_its_order_and_invoice(cast, shop):
    customer, thermostat, _valve = shop
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Heating", "organization": customer})
    client = _client(cast.sales_north)
    opened = client.get(reverse("sales:quote_new") + f"?deal={deal.public_id}")
    assert opened.context["builder"].values["organization_name"] == customer.name
    client.post(reverse("sales:quote_new"), _builder_post(customer, {"product": str(thermostat.public_id)},
                                                         deal=str(deal.public_id)))  # fmt: skip
    quote = Quote.objects.get()
    assert quote.deal == deal
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=quote)
    invoice = actions.order_invoice(actor=cast.sales_north, order=order)
    page = client.get(reverse("sales:deal_detail", args=[deal.public_id])).content.decode()
    for document in (quote, order, invoice):
        assert document.number in page


def test_revising_from_the_page_keeps_the_lines_and_supersedes_the_old_revision(cast, shop):
    customer, thermostat, _valve = shop
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(customer.public_id)},
                                 lines=[{"product": str(thermostat.public_id), "quantity": "2"}])  # fmt: skip
    client = _client(cast.sales_north)
    form = client.get(reverse("sales:quote_revise", args=[quote.public_id]))
    assert [row.values["quantity"] for row in form.context["rows"][:-1]] == ["2"]
    done = client.post(reverse("sales:quote_revise", args=[quote.public_id]),
                       _builder_post(customer, {"product": str(thermostat.public_id), "quantity": "4"}))  # fmt: skip
    revision = Quote.objects.get(revises=quote)
    assert done["Location"] == reverse("sales:quote_detail", args=[revision.public_id])
    quote.refresh_from_db()
    assert quote.status == "superseded" and revision.number == f"{quote.number}-2"


def test_the_home_page_lists_quotes_awaiting_an_answer_and_overdue_invoices_of_my_customers(cast, shop):
    customer, thermostat, _valve = shop
    lines = [{"product": str(thermostat.public_id)}]
    waiting = actions.quote_create(
        actor=cast.sales_north, values={"organization": str(customer.public_id)}, lines=lines
    )
    paid = actions.quote_create(actor=cast.sales_north, values={"organization": str(customer.public_id)}, lines=lines)
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=paid)
    late = actions.order_invoice(actor=cast.sales_north, order=order, due_days=0)
    Invoice.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    page = _client(cast.sales_north).get(reverse("site:home")).content.decode()
    assert waiting.number in page and late.number in page and paid.number not in page
    other = _client(cast.sales_south).get(reverse("site:home")).content.decode()
    assert waiting.number not in other and late.number not in other


def test_another_team_gets_404_on_every_document_page(cast, shop):
    customer, thermostat, _valve = shop
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(customer.public_id)},
                                 lines=[{"product": str(thermostat.public_id)}])  # fmt: skip
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=quote)
    invoice = actions.order_invoice(actor=cast.sales_north, order=order)
    south = _client(cast.sales_south)
    for name, document in (("quote_detail", quote), ("quote_pdf", quote), ("quote_revise", quote),
                           ("order_detail", order), ("invoice_detail", invoice), ("invoice_pdf", invoice),
                           ("invoice_xml", invoice)):  # fmt: skip
        assert south.get(reverse(f"sales:{name}", args=[document.public_id])).status_code == 404, name
    for name, document in (("quote_accept", quote), ("quote_reject", quote), ("quote_send", quote),
                           ("order_invoice", order), ("invoice_pay", invoice), ("invoice_credit", invoice),
                           ("invoice_send", invoice)):  # fmt: skip
        assert south.post(reverse(f"sales:{name}", args=[document.public_id]), {"all": "1"}).status_code == 404, name
    listed = south.get(reverse("sales:invoice_list")).content.decode()
    assert invoice.number not in listed
    assert invoice.number in _client(cast.sales_north).get(reverse("sales:invoice_list")).content.decode()


def test_a_read_only_user_sees_documents_but_cannot_act(cast, shop):
    customer, thermostat, _valve = shop
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(customer.public_id)},
                                 lines=[{"product": str(thermostat.public_id)}])  # fmt: skip
    reader = _client(cast.readonly_north)
    page = reader.get(reverse("sales:quote_detail", args=[quote.public_id])).content.decode()
    assert quote.number in page and reverse("sales:quote_accept", args=[quote.public_id]) not in page
    assert reader.post(reverse("sales:quote_accept", args=[quote.public_id])).status_code == 403
    assert reader.get(reverse("sales:quote_new")).status_code == 403


def test_only_administrators_keep_products_and_price_lists_and_errors_are_named(cast, shop):
    _customer, thermostat, _valve = shop
    seller = _client(cast.sales_north)
    assert seller.get(reverse("sales:product_list")).status_code == 200
    assert seller.post(reverse("sales:product_new"), {"sku": "X", "name": "X"}).status_code == 403
    admin = _client(cast.admin)
    taken = admin.post(
        reverse("sales:product_new"), {"sku": "T-1", "name": "Copy", "tax_rate": "27", "currency": "EUR"}
    )
    assert taken.status_code == 409, taken.context["errors"]
    assert "sku" in taken.context["error_fields"]
    bad = admin.post(reverse("sales:product_new"), {"sku": "B-1", "name": "Boiler", "tax_rate": "270"})
    assert bad.status_code == 422 and "tax_rate" in bad.context["error_fields"]
    made = admin.post(reverse("sales:product_new"), {"sku": "B-1", "name": "Boiler", "tax_rate": "27",
                                                     "currency": "EUR", "active": "1"})  # fmt: skip
    assert made.status_code == 302 and Product.objects.get(sku="B-1").active

    price_list = PriceList.objects.get()
    edit = reverse("sales:price_list_edit", args=[price_list.public_id])
    form = admin.get(edit)
    rows = form.context["rows"]
    assert len(rows) == 3 + 3  # three prices and three empty rows
    broken = admin.post(edit, {"name": "General EUR", "currency": "EUR", "active": "1", "version": price_list.version,
                               "item-0-product": str(thermostat.public_id), "item-0-unit_price": "-1"})  # fmt: skip
    assert broken.status_code == 422 and broken.context["rows"][0][2]  # the price's row names its error
    assert price_list.items.count() == 3  # nothing was lost
    saved = admin.post(edit, {"name": "General EUR", "currency": "EUR", "active": "1", "version": price_list.version,
                              "item-0-product": str(thermostat.public_id), "item-0-unit_price": "18.50"})  # fmt: skip
    assert saved.status_code == 302
    assert [item.unit_price for item in price_list.items.all()] == [Decimal("18.5")]
    stale = admin.post(edit, {"name": "Old", "currency": "EUR", "version": price_list.version})
    assert stale.status_code == 409


def test_administrators_set_exchange_rates_on_the_price_lists_page_and_others_only_read_them(cast):
    admin = _client(cast.admin)
    page = reverse("sales:price_list_list")
    saved = admin.post(page, {"currency": "huf", "day": "2026-12-01", "rate": "0,00253"})
    assert saved.status_code == 302
    refused = admin.post(page, {"currency": "EUR", "day": "2026-12-01", "rate": "1"})  # the reporting currency
    assert refused.status_code == 422 and "currency" in {e.field for e in refused.context["errors"]}
    bad_day = admin.post(page, {"currency": "PLN", "day": "yesterday", "rate": "0.23"})
    assert bad_day.status_code == 422 and "day" in {e.field for e in bad_day.context["errors"]}
    shown = _client(cast.sales_north).get(page)
    assert [(rate.currency, str(rate.rate.normalize())) for rate in shown.context["rates"]] == [("HUF", "0.00253")]
    assert 'data-testid="rate-form"' not in shown.content.decode()
    seller = _client(cast.sales_north)
    assert seller.post(page, {"currency": "PLN", "day": "2026-12-01", "rate": "0.23"}).status_code == 403
