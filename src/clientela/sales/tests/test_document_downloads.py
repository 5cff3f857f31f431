"""The documents' files as served: an invoice's Factur-X PDF and its XML, a quote's PDF, through
the API and the pages, with their content types, to whoever may see the document. (What is in
them is checked in test_rendering.py; that others get a 404, in test_document_pages.py.)"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from clientela.sales import actions
from clientela.testing import factories
from clientela.testing.api import ApiClient
from clientela.testing.cast import PASSWORD


def test_the_pdfs_and_the_xml_are_served_to_who_may_see_them(cast):
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    boiler = actions.product_create(actor=cast.admin, values={"sku": "B-1", "name": "Boiler", "tax_rate": "27"})
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(organization.public_id)},
                                 lines=[{"product": str(boiler.public_id), "unit_price": "100"}])  # fmt: skip
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=quote)
    invoice = actions.order_invoice(actor=cast.sales_north, order=order)

    api = ApiClient(cast.sales_north)
    pdf = api.get(f"/invoices/{invoice.public_id}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["X-Content-Type-Options"] == "nosniff" and pdf["Content-Disposition"].startswith("inline;")
    assert api.get(f"/invoices/{invoice.public_id}/xml")["Content-Type"] == "application/xml"
    assert api.get(f"/quotes/{quote.public_id}/pdf?language=hu").status_code == 200
    refused = api.get(f"/quotes/{quote.public_id}/pdf?language=xx")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "language"

    page = Client()
    assert page.login(username="sales_north", password=PASSWORD)
    for name, document in (("invoice_pdf", invoice), ("quote_pdf", quote)):
        served = page.get(reverse(f"sales:{name}", args=[document.public_id]))
        assert served.status_code == 200 and served["Content-Type"] == "application/pdf", name
    assert page.get(reverse("sales:invoice_xml", args=[invoice.public_id]))["Content-Type"] == "application/xml"
