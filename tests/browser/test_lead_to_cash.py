"""A sales rep builds a quote for a deal from the price list, opens its PDF, has it accepted,
invoices the order and records the payment; the customer's 360° page and the deal show every
step; in a real browser."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.urls import reverse

from clientela.sales import actions
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_a_quote_built_from_the_price_list_goes_all_the_way_to_a_paid_invoice(new_page, login, live_cast, tmp_path):
    expect = _expect()
    rep = live_cast.sales_north
    customer = factories.organization(rep, name="Kovács Kft.")
    thermostat = actions.product_create(actor=live_cast.admin, values={"sku": "T-1", "name": "Thermostat",
                                                                       "tax_rate": "27"})  # fmt: skip
    actions.price_list_create(actor=live_cast.admin, values={"name": "General EUR", "currency": "EUR"}, items=[
        {"product": str(thermostat.public_id), "unit_price": "19.99"},
        {"product": str(thermostat.public_id), "min_quantity": "3", "unit_price": "19.99", "discount_percent": "10"},
    ])  # fmt: skip
    deal = actions.deal_create(actor=rep, values={"name": "Heating for Kovács", "organization": customer})

    page = new_page()
    login(page, "sales_north")
    page.goto(f"/deals/{deal.public_id}/")
    page.get_by_test_id("deal-new-quote").click()
    expect(page.locator("#q-organization")).to_have_value("Kovács Kft.")
    page.select_option("#line-0-product", label="T-1 · Thermostat")  # the price list prices it as it is chosen
    expect(page.locator("#line-0-unit_price")).to_have_attribute("placeholder", "19.99")
    expect(page.get_by_test_id("total-gross")).to_have_text("25.39")  # 19.99 + 27% tax
    page.fill("#line-0-quantity", "3")  # repriced as the user types: the break from 3 gives 10% off
    expect(page.get_by_test_id("total-gross")).to_have_text("68.54")  # 3 × 19.99 less 10% + 27% tax
    expect(page.locator("#line-1-product")).to_be_visible()  # a new empty line for the next product
    page.get_by_test_id("quote-save").click()

    expect(page.get_by_test_id("quote-status")).to_have_text("Draft")
    number = page.locator("h1").inner_text().split()[-1]
    href = page.get_by_test_id("quote-pdf").get_attribute("href")
    assert href
    pdf = page.context.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "quote.pdf"
    path.write_bytes(pdf.body())
    reader = shutil.which("pdftotext") or "/usr/bin/pdftotext"
    text = subprocess.run([reader, str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert number in text and "Kovács Kft." in text and "68.54" in text

    page.get_by_test_id("quote-accept").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Open")
    order_number = page.locator("h1").inner_text().split()[-1]
    page.get_by_test_id("invoice-all").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Issued")
    invoice_number = page.locator("h1").inner_text().split()[-1]
    expect(page.get_by_test_id("invoice-owed")).to_contain_text("68.54")
    form = page.get_by_test_id("payment-form")
    expect(form.locator("#p-amount")).to_have_value("68.54")
    form.locator("#p-amount").fill("40")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    page.get_by_test_id("payment-form").get_by_role("button", name="Record the payment").click()  # the rest: 28.54
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("payments")).to_contain_text("28.54")

    for place in (reverse("sales:deal_detail", args=[deal.public_id]),
                  reverse("parties:organization_detail", args=[customer.public_id])):  # fmt: skip
        page.goto(place)
        for shown in (number, order_number, invoice_number):
            expect(page.locator("main")).to_contain_text(shown)
    page.goto("/")
    expect(page.get_by_test_id("quotes-awaiting")).not_to_contain_text(number)  # answered: no longer waiting
