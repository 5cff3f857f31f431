"""Orders to invoices to payments, by the API contract: an order is invoiced once, numbered
gap-free in the year's series; payments make the invoice partially paid, then paid, never
more than is owed; each step links back along the chain and stays in its owners' sight."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clientela.sales import actions
from clientela.testing import factories
from clientela.testing.api import ApiClient


@pytest.fixture
def order(cast):
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    product = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    api = ApiClient(cast.sales_north)
    quote = api.post("/quotes", {"organization": str(organization.public_id), "currency": "EUR",
                                 "lines": [{"product": str(product.public_id), "quantity": "3", "unit_price": "19.99",
                                            "discount_percent": "10"}]}).json()  # fmt: skip
    return api.post(f"/quotes/{quote['id']}/accept", {}).json()["order"]


def test_an_order_is_invoiced_once_and_paid_in_two_payments(cast, order):
    api = ApiClient(cast.sales_north)
    made = api.post(f"/orders/{order}/invoice", {})
    assert made.status_code == 201, made.content
    invoice = made.json()
    assert invoice["number"] == f"INV-{timezone.localdate().year}-000001"
    assert (invoice["gross_total"], invoice["status"], invoice["outstanding"]) == ("68.54", "issued", "68.54")
    assert invoice["order"]["id"] == order and invoice["overdue"] is False
    assert api.post(f"/orders/{order}/invoice", {}).status_code == 409
    assert api.get(f"/orders/{order}").json()["status"] == "invoiced"

    first = api.post("/payments", {"invoice": invoice["id"], "amount": "40.00", "date": "2026-12-01"})
    assert first.status_code == 201, first.content
    assert api.get(f"/invoices/{invoice['id']}").json()["status"] == "partially_paid"
    too_much = api.post("/payments", {"invoice": invoice["id"], "amount": "30.00"})
    assert too_much.status_code == 422 and "28.54" in too_much.json()["errors"][0]["message"]
    second = api.post("/payments", {"invoice": invoice["id"], "amount": "28.54"})
    assert second.status_code == 201
    paid = api.get(f"/invoices/{invoice['id']}").json()
    assert (paid["status"], paid["paid_total"], paid["outstanding"]) == ("paid", "68.54", "0.00")
    assert [p["amount"] for p in paid["payments"]] == ["40.00", "28.54"]


def test_amounts_finer_than_the_currencys_minor_unit_are_refused(cast, order):
    api = ApiClient(cast.sales_north)
    invoice = api.post(f"/orders/{order}/invoice", {}).json()
    refused = api.post("/payments", {"invoice": invoice["id"], "amount": "1.005"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "amount"


def test_another_teams_invoice_is_not_found_and_cannot_be_paid(cast, order):
    invoice = ApiClient(cast.sales_north).post(f"/orders/{order}/invoice", {}).json()
    south = ApiClient(cast.sales_south)
    assert south.get(f"/invoices/{invoice['id']}").status_code == 404
    assert south.post("/payments", {"invoice": invoice["id"], "amount": "1.00"}).status_code == 404
    assert south.post(f"/orders/{order}/invoice", {}).status_code == 404


def test_the_customers_360_page_shows_the_chain_and_what_is_still_owed(cast, order):
    from django.test import Client
    from django.urls import reverse

    from clientela.parties.models import Organization
    from clientela.testing.cast import PASSWORD

    api = ApiClient(cast.sales_north)
    invoice = api.post(f"/orders/{order}/invoice", {}).json()
    api.post("/payments", {"invoice": invoice["id"], "amount": "8.54"})
    client = Client()
    assert client.login(username="sales_north", password=PASSWORD)
    organization = Organization.objects.get(name="Kovács Kft.")
    page = client.get(reverse("parties:organization_detail", args=[organization.public_id])).content.decode()
    year = timezone.localdate().year
    for number in (f"Q-{year}-000001", f"O-{year}-000001", f"INV-{year}-000001"):
        assert number in page
    assert "60.00 EUR" in page  # still owed: 68.54 - 8.54
