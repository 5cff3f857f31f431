"""Quotes: the API contract of issue "Lead to cash" — lines priced from the price lists or
given, totals exact by the rule, numbers gap-free in the year's series — with the
foundation's guarantees (scoped reads, errors naming the line and field)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from clientela.sales import actions
from clientela.sales.actions.quotes import next_number
from clientela.sales.models import Quote
from clientela.testing import factories
from clientela.testing.api import ApiClient


@pytest.fixture
def shop(cast):
    product = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    return product, organization


def test_the_contract_example_3_at_19_99_less_10_percent_at_27_percent(cast, shop):
    product, organization = shop
    api = ApiClient(cast.sales_north)
    body = {"organization": str(organization.public_id), "currency": "EUR",
            "lines": [{"product": str(product.public_id), "quantity": "3", "unit_price": "19.99",
                       "discount_percent": "10", "tax_rate": "27"}]}  # fmt: skip
    created = api.post("/quotes", body)
    assert created.status_code == 201, created.content
    quote = created.json()
    line = quote["lines"][0]
    assert (line["net"], line["tax"], line["gross"]) == ("53.97", "14.57", "68.54")
    assert (quote["net_total"], quote["tax_total"], quote["gross_total"]) == ("53.97", "14.57", "68.54")
    assert quote["status"] == "draft"
    assert quote["number"] == f"Q-{timezone.localdate().year}-000001"
    assert quote["organization"]["name"] == "Kovács Kft." and line["description"] == "Thermostat"
    assert api.get(f"/quotes/{quote['id']}").json()["gross_total"] == "68.54"


def test_a_lines_price_and_discount_come_from_the_customers_price_list_its_rate_from_the_product(cast, shop):
    product, organization = shop
    item = {"product": str(product.public_id), "unit_price": "19.99", "discount_percent": "10"}
    actions.price_list_create(actor=cast.admin, values={"name": "EUR", "currency": "EUR"}, items=[item])
    values = {"organization": str(organization.public_id), "currency": "EUR"}
    quote = actions.quote_create(
        actor=cast.sales_north, values=values, lines=[{"product": str(product.public_id), "quantity": "3"}]
    )
    assert (quote.net_total, quote.tax_total, quote.gross_total) == (
        Decimal("53.97"),
        Decimal("14.57"),
        Decimal("68.54"),
    )


def test_a_product_no_list_prices_needs_a_unit_price_and_errors_name_the_line(cast, shop):
    product, organization = shop
    response = ApiClient(cast.sales_north).post("/quotes", {
        "organization": str(organization.public_id), "currency": "HUF",
        "lines": [{"product": str(product.public_id), "quantity": "2"},
                  {"description": "", "quantity": "1", "unit_price": "10"}],
    })  # fmt: skip
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"lines[0].unit_price", "lines[1].description"}
    assert not Quote.objects.exists()


def test_another_teams_customer_and_quotes_are_not_found(cast, shop):
    product, organization = shop
    south = ApiClient(cast.sales_south)
    refused = south.post("/quotes", {"organization": str(organization.public_id),
                                     "lines": [{"description": "Visit", "unit_price": "50"}]})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "organization"
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(organization.public_id)},
                                 lines=[{"description": "Visit", "unit_price": "50"}])  # fmt: skip
    assert south.get(f"/quotes/{quote.public_id}").status_code == 404
    assert south.get("/quotes").json()["items"] == []
    assert [q["number"] for q in ApiClient(cast.sales_north).get("/quotes").json()["items"]] == [quote.number]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_numbers_never_skip_or_repeat_under_concurrent_creation(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    from django.db import transaction

    taken: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(6)

    def take() -> None:
        try:
            start.wait(timeout=10)
            for _n in range(10):
                with transaction.atomic():
                    taken.append(next_number("TEST", 2026))
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert sorted(taken) == list(range(1, 61))


def test_accepting_a_quote_makes_its_order_once_with_the_same_lines_and_totals(cast, shop):
    product, organization = shop
    api = ApiClient(cast.sales_north)
    quote = api.post("/quotes", {"organization": str(organization.public_id), "currency": "EUR",
                                 "lines": [{"product": str(product.public_id), "quantity": "3", "unit_price": "19.99",
                                            "discount_percent": "10"}]}).json()  # fmt: skip
    accepted = api.post(f"/quotes/{quote['id']}/accept", {})
    assert accepted.status_code == 201
    order_id = accepted.json()["order"]
    again = api.post(f"/quotes/{quote['id']}/accept", {})
    assert again.status_code == 200 and again.json() == {"order": order_id}

    order = api.get(f"/orders/{order_id}").json()
    assert order["number"] == f"O-{timezone.localdate().year}-000001"
    assert order["quote"] == {"id": quote["id"], "name": quote["number"]}
    assert (order["gross_total"], order["lines"][0]["net"]) == ("68.54", "53.97")
    assert api.get(f"/quotes/{quote['id']}").json()["status"] == "accepted"
    assert [o["number"] for o in api.get("/orders").json()["items"]] == [order["number"]]
    assert ApiClient(cast.sales_south).get(f"/orders/{order_id}").status_code == 404


def test_a_rejected_quote_cannot_be_accepted(cast, shop):
    from clientela.core import records
    from clientela.sales.actions.quotes import QuoteClosed

    _product, organization = shop
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(organization.public_id)},
                                 lines=[{"description": "Visit", "unit_price": "50"}])  # fmt: skip
    records.update_record(quote, actor=cast.sales_north, values={"status": "rejected"}, action="quote.reject")
    with pytest.raises(QuoteClosed):
        actions.quote_accept(actor=cast.sales_north, quote=quote)
