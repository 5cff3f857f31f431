"""The documents' files as served: an invoice's Factur-X PDF and its XML, a quote's PDF, through
the API and the pages, with their content types, to whoever may see the document. (What is in
them is checked in test_rendering.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from clientela.sales import actions
from clientela.testing import factories
from clientela.testing.api import ApiClient


@pytest.fixture
def catalogue(cast):
    return {
        "boiler": actions.product_create(actor=cast.admin, values={"sku": "B-1", "name": "Boiler", "tax_rate": "27"}),
        "book": actions.product_create(
            actor=cast.admin, values={"sku": "K-1", "name": "Manual", "tax_rate": "5", "unit": "pc"}
        ),  # fmt: skip
        "course": actions.product_create(
            actor=cast.admin, values={"sku": "C-1", "name": "Training day", "tax_rate": "0", "unit": "day"}
        ),  # fmt: skip
    }


def _quote(cast, catalogue, *, name="Kovács Kft.", currency="EUR", language="", note=""):
    organization = factories.organization(cast.sales_north, name=name, tax_id="HU10000008")
    contact = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", language=language)
    return actions.quote_create(
        actor=cast.sales_north,
        values={"organization": str(organization.public_id), "contact": str(contact.public_id), "currency": currency,
                "note": note},
        lines=[
            {"product": str(catalogue["boiler"].public_id), "quantity": "3", "unit_price": "19.99",
             "discount_percent": "10"},
            {"product": str(catalogue["book"].public_id), "quantity": "2", "unit_price": "12.50"},
            {"product": str(catalogue["course"].public_id), "quantity": "1", "unit_price": "300"},
        ],
    )  # fmt: skip


def _invoice(cast, quote):
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=quote)
    return actions.order_invoice(actor=cast.sales_north, order=order)


def test_the_pdfs_and_the_xml_are_served_to_who_may_see_them(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue))
    api = ApiClient(cast.sales_north)
    pdf = api.get(f"/invoices/{invoice.public_id}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert api.get(f"/invoices/{invoice.public_id}/xml")["Content-Type"] == "application/xml"
    assert api.get(f"/quotes/{invoice.order.quote.public_id}/pdf?language=xx").status_code == 422
    from django.test import Client

    from clientela.testing.cast import PASSWORD

    page = Client()
    page.login(username="sales_north", password=PASSWORD)
    served = page.get(reverse("sales:invoice_pdf", args=[invoice.public_id]))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
