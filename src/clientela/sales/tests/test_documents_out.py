"""Documents out: a quote's PDF renders page by page (pdftoppm, as a reader's viewer would) and
reads as the quote, in the customer's language; an invoice's Factur-X PDF carries EN 16931 XML
that passes the factur-x package's schema check, whose sums are the invoice's, per tax rate too;
a credit note says what it credits; hostile names stay text."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from django.urls import reverse
from lxml import etree

from clientela.sales import actions, rendering
from clientela.testing import factories
from clientela.testing.api import ApiClient

NS = {"rsm": rendering.RSM, "ram": rendering.RAM, "udt": rendering.UDT}


def _tool(name: str) -> str:
    found = shutil.which(name) or f"/usr/bin/{name}"
    if not Path(found).exists():
        pytest.fail(f"{name} (Debian's poppler-utils) is needed: ./scripts/test installs it")
    return found


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run([_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603


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


def test_a_quote_pdf_renders_page_by_page_and_reads_as_the_quote(cast, catalogue, tmp_path):
    quote = _quote(cast, catalogue)
    pdf = rendering.quote_pdf(quote, "en")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "quote.pdf").write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "50", str(tmp_path / "quote.pdf"), str(tmp_path / "page")],  # noqa: S603
                   check=True)  # fmt: skip
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(page.stat().st_size > 1000 for page in pages)
    text = _text(pdf, tmp_path)
    for expected in (quote.number, "Kovács Kft.", "Boiler", "53.97", "Clientela Demo Kft.", "Tax 27% on 53.97", "14.57",
                     str(quote.gross_total.quantize(Decimal("0.01")))):  # fmt: skip
        assert expected in text, expected


def test_the_pdf_speaks_the_customers_language(cast, catalogue, tmp_path):
    quote = _quote(cast, catalogue, language="hu")
    assert rendering.document_language(quote) == "hu"
    text = _text(rendering.quote_pdf(quote), tmp_path)
    assert "Árajánlat" in text and "Quote" not in text  # Hungarian, and its letters drawn


def test_an_organization_without_a_contact_language_takes_its_countrys(cast, catalogue):
    organization = factories.organization(cast.sales_north, name="Nowak sp. z o.o.",
                                          addresses=[{"city": "Kraków", "country": "PL"}])  # fmt: skip
    line = {"product": str(catalogue["boiler"].public_id), "unit_price": "1"}
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(organization.public_id)},
                                 lines=[line])  # fmt: skip
    assert rendering.document_language(quote) == "pl"


def test_the_factur_x_invoice_passes_the_schema_check_and_its_sums_are_the_invoices(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue))
    pdf = rendering.invoice_facturx(invoice, "en")
    name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    assert facturx.get_level(tree) == "en16931"
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    summation = tree.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    assert summation.findtext("ram:GrandTotalAmount", namespaces=NS) == str(
        invoice.gross_total.quantize(Decimal("0.01"))
    )
    assert summation.findtext("ram:TaxTotalAmount", namespaces=NS) == str(invoice.tax_total.quantize(Decimal("0.01")))
    rates = {
        tax.findtext("ram:RateApplicablePercent", namespaces=NS): (
            tax.findtext("ram:BasisAmount", namespaces=NS), tax.findtext("ram:CalculatedAmount", namespaces=NS),
            tax.findtext("ram:CategoryCode", namespaces=NS),
        )
        for tax in tree.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    }  # fmt: skip
    assert rates == {"27.00": ("53.97", "14.57", "S"), "5.00": ("25.00", "1.25", "S"), "0.00": ("300.00", "0.00", "E")}
    lines = tree.findall(".//ram:IncludedSupplyChainTradeLineItem", NS)
    assert [line.findtext(".//ram:LineTotalAmount", namespaces=NS) for line in lines] == ["53.97", "25.00", "300.00"]
    assert lines[0].findtext(".//ram:NetPriceProductTradePrice/ram:ChargeAmount", namespaces=NS) == "17.991"
    assert lines[2].find(".//ram:BilledQuantity", NS).get("unitCode") == "DAY"
    seller = tree.find(".//ram:SellerTradeParty", NS)
    assert seller.find(".//ram:SpecifiedTaxRegistration/ram:ID", NS).get("schemeID") == "VA"


def test_a_paid_invoice_says_what_was_prepaid_and_what_is_due(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue))
    actions.payment_record(actor=cast.sales_north, invoice=invoice, amount="100.00")
    invoice.refresh_from_db()
    tree = etree.fromstring(rendering.invoice_cii_xml(invoice))
    summation = tree.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    assert summation.findtext("ram:TotalPrepaidAmount", namespaces=NS) == "100.00"
    due = Decimal(summation.findtext("ram:DuePayableAmount", namespaces=NS))
    assert due == invoice.gross_total - Decimal(100)


def test_a_credit_note_is_type_381_and_names_the_invoice_it_credits(cast, catalogue, tmp_path):
    invoice = _invoice(cast, _quote(cast, catalogue))
    note = actions.invoice_credit(actor=cast.sales_north, invoice=invoice, lines=[{"line": 2, "quantity": "1"}],
                                  reason="One manual missing")  # fmt: skip
    xml = rendering.invoice_cii_xml(note)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert tree.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == invoice.number
    text = _text(rendering.invoice_facturx(note, "en"), tmp_path)
    assert "Credit note" in text and invoice.number in text and "One manual missing" in text


def test_hostile_names_stay_text_in_the_pdf_and_the_xml(cast, catalogue, tmp_path):
    hostile = 'Evil <b>&</b> "Co" <script>'
    invoice = _invoice(cast, _quote(cast, catalogue, name=hostile, note="<img src=x onerror=alert(1)>"))
    tree = etree.fromstring(rendering.invoice_cii_xml(invoice))
    assert tree.findtext(".//ram:BuyerTradeParty/ram:Name", namespaces=NS) == hostile
    assert hostile in _text(rendering.invoice_pdf(invoice, "en"), tmp_path)


def test_a_currency_without_minor_units_still_makes_a_valid_e_invoice(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue, currency="JPY"))
    xml = rendering.invoice_cii_xml(invoice)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    assert tree.findtext(".//ram:InvoiceCurrencyCode", namespaces=NS) == "JPY"
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=NS).endswith(".00")


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
