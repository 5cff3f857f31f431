"""The documents a customer receives, made from real quotes and invoices: a PDF that draws page
by page and reads as the document in the customer's language and letters, with amounts to the
currency's minor unit; and a Factur-X e-invoice whose EN 16931 XML passes the schema and whose
sums add up as the standard's business rules say, in every currency."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from django.test import override_settings
from django.utils import formats, translation
from lxml import etree

from clientela.sales import actions, rendering
from clientela.testing import factories

NS = {"rsm": rendering.RSM, "ram": rendering.RAM, "udt": rendering.UDT}
HOSTILE = "Smith & <Sons> \"Ltd\" 'Co'"


def _run(tool: str, *arguments: str) -> str:
    return subprocess.run([f"/usr/bin/{tool}", *arguments], capture_output=True, text=True, check=True).stdout  # noqa: S603


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return _run("pdftotext", "-layout", str(path), "-")


def _decimal(tree: etree._Element, path: str) -> Decimal:
    return Decimal(tree.findtext(path, namespaces=NS))


@pytest.fixture
def catalogue(cast):
    def product(sku: str, name: str, rate: str, unit: str = "pc"):
        return actions.product_create(
            actor=cast.admin, values={"sku": sku, "name": name, "tax_rate": rate, "unit": unit}
        )

    return {"pump": product("R-27", "Heat pump", "27"), "guide": product("R-5", "Field guide", "5"),
            "visit": product("R-0", "Site visit", "0")}  # fmt: skip


def _quote(cast, catalogue, *, name="Szabó és Társa Kft.", currency="EUR", language="", country="HU", **organization):
    customer = factories.organization(
        cast.sales_north, name=name, **organization,
        addresses=[{"street": "Fő utca 2.", "city": "Győr", "postal_code": "9021", "country": country}],
    )  # fmt: skip
    contact = factories.contact(cast.sales_north, first_name="Éva", last_name="Szabó", language=language)
    return actions.quote_create(
        actor=cast.sales_north,
        values={"organization": str(customer.public_id), "contact": str(contact.public_id), "currency": currency},
        lines=[
            {"product": str(catalogue["pump"].public_id), "quantity": "3", "unit_price": "19.99",
             "discount_percent": "10"},
            {"product": str(catalogue["guide"].public_id), "quantity": "2", "unit_price": "12.50"},
            {"product": str(catalogue["visit"].public_id), "quantity": "1", "unit_price": "300"},
        ],
    )  # fmt: skip


def _invoice(cast, quote):
    order, _made = actions.quote_accept(actor=cast.sales_north, quote=quote)
    return actions.order_invoice(actor=cast.sales_north, order=order)


def _assert_en16931_sums_hold(tree: etree._Element) -> None:
    """BR-CO-10, -13, -14, -15, -16 and BR-S-08/BR-E-08: every written sum is the sum of what is written."""
    totals = tree.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    lines = tree.findall(".//ram:IncludedSupplyChainTradeLineItem", NS)
    line_nets = [_decimal(line, ".//ram:LineTotalAmount") for line in lines]
    assert _decimal(totals, "ram:LineTotalAmount") == sum(line_nets)
    assert _decimal(totals, "ram:TaxBasisTotalAmount") == _decimal(totals, "ram:LineTotalAmount")
    taxes = tree.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert _decimal(totals, "ram:TaxTotalAmount") == sum(_decimal(tax, "ram:CalculatedAmount") for tax in taxes)
    assert _decimal(totals, "ram:GrandTotalAmount") == _decimal(totals, "ram:TaxBasisTotalAmount") + _decimal(
        totals, "ram:TaxTotalAmount"
    )
    assert _decimal(totals, "ram:DuePayableAmount") == _decimal(totals, "ram:GrandTotalAmount") - _decimal(
        totals, "ram:TotalPrepaidAmount"
    )
    for tax in taxes:
        rate = tax.findtext("ram:RateApplicablePercent", namespaces=NS)
        of_rate = [
            net for line, net in zip(lines, line_nets, strict=True)
            if line.findtext(".//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
                             namespaces=NS) == rate
        ]  # fmt: skip
        assert _decimal(tax, "ram:BasisAmount") == sum(of_rate)
    written = ("LineTotalAmount", "BasisAmount", "GrandTotalAmount", "CalculatedAmount")
    for amount in tree.iter(*(f"{{{rendering.RAM}}}{name}" for name in written)):
        assert len(amount.text.partition(".")[2]) == 2, amount.text


def test_a_quote_pdf_draws_its_pages_and_reads_as_the_quote(cast, catalogue, tmp_path):
    quote = _quote(cast, catalogue, legal_name="Szabó és Társa Kkt.", tax_id="HU10000008")
    pdf = rendering.quote_pdf(quote, "en")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "quote.pdf").write_bytes(pdf)
    _run("pdftoppm", "-png", "-r", "40", str(tmp_path / "quote.pdf"), str(tmp_path / "page"))
    pages = list(tmp_path.glob("page*.png"))
    assert pages and all(page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 0 for page in pages)
    text = _text(pdf, tmp_path)
    for expected in (
        quote.number, "Clientela Demo Kft.", "HU12345676", "Szabó és Társa Kft.",
        "Legal name: Szabó és Társa Kkt.", "HU10000008", "Fő utca 2.", "9021 Győr", "Heat pump", "12.50",
        "Tax 27% on 53.97", "14.57", "Tax 5% on 25.00", "1.25", "Tax 0% on 300.00",
        "378.97 EUR", "394.79 EUR", "Valid until",
    ):  # fmt: skip
        assert expected in text, expected


def test_a_revised_quote_says_its_revision(cast, catalogue, tmp_path):
    quote = _quote(cast, catalogue)
    line = {"product": str(catalogue["guide"].public_id), "quantity": "1", "unit_price": "10"}
    revised = actions.quote_revise(actor=cast.sales_north, quote=quote, values={}, lines=[line])
    assert revised.revision == 2
    assert "Revision" not in _text(rendering.quote_pdf(quote, "en"), tmp_path)
    assert "Revision" in _text(rendering.quote_pdf(revised, "en"), tmp_path)


def test_a_hungarian_contact_gets_hungarian_words_dates_and_numbers(cast, catalogue, tmp_path):
    quote = _quote(cast, catalogue, language="hu")
    assert rendering.document_language(quote) == "hu"
    text = _text(rendering.quote_pdf(quote), tmp_path)
    with translation.override("hu"):
        created = formats.date_format(quote.created_at, "SHORT_DATE_FORMAT")
    assert "Árajánlat" in text and "Quote" not in text
    assert created in text and created.count(". ") == 2  # 2026. 12. 04.
    assert "53,97" in text and "394,79 EUR" in text  # the decimal comma


def test_a_russian_customer_reads_cyrillic_drawn_in_dejavu_sans(cast, catalogue, tmp_path):
    quote = _quote(cast, catalogue, name="ООО «Ромашка»", country="RU")
    assert rendering.document_language(quote) == "ru"
    pdf = rendering.quote_pdf(quote)
    text = _text(pdf, tmp_path)
    assert "ООО «Ромашка»" in text and "Предложение" in text
    (tmp_path / "fonts.pdf").write_bytes(pdf)
    fonts = _run("pdffonts", str(tmp_path / "fonts.pdf"))
    names = [row.split()[0] for row in fonts.splitlines()[2:]]
    assert names and all("DejaVu" in name for name in names), fonts  # no fallback font for any letter


def test_the_customers_language_falls_back_from_contact_to_country_to_the_site(cast, catalogue):
    assert rendering.document_language(_quote(cast, catalogue, language="pl", country="TR")) == "pl"
    assert rendering.document_language(_quote(cast, catalogue, language="de", country="TR")) == "tr"
    assert rendering.document_language(_quote(cast, catalogue, country="RO")) == "ro"
    assert rendering.document_language(_quote(cast, catalogue, country="FR")) == "en"
    bare = factories.organization(cast.sales_north, name="No Address Ltd")
    line = {"product": str(catalogue["guide"].public_id), "unit_price": "1"}
    quote = actions.quote_create(actor=cast.sales_north, values={"organization": str(bare.public_id)}, lines=[line])
    with override_settings(LANGUAGE_CODE="hu"):
        assert rendering.document_language(quote) == "hu"


def test_an_invoice_pdf_says_its_dates_what_was_paid_and_what_is_owed(cast, catalogue, tmp_path):
    invoice = _invoice(cast, _quote(cast, catalogue))
    text = _text(rendering.invoice_pdf(invoice, "en"), tmp_path)
    assert invoice.number in text and "Due on" in text and invoice.due_on.isoformat() in text
    assert "Paid" in text and "Owed" in text and "394.79 EUR" in text
    actions.payment_record(actor=cast.sales_north, invoice=invoice, amount="100.00")
    invoice.refresh_from_db()
    text = _text(rendering.invoice_pdf(invoice, "en"), tmp_path)
    assert "100.00 EUR" in text and "294.79 EUR" in text


def test_the_factur_x_pdf_carries_en16931_xml_whose_sums_are_the_invoices(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue, tax_id="HU10000008"))
    pdf = rendering.invoice_facturx(invoice)
    assert pdf.startswith(b"%PDF")
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    assert facturx.get_level(tree) == "en16931"
    assert tree.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS) == rendering.EN16931
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    assert _decimal(tree, ".//ram:GrandTotalAmount") == invoice.gross_total == Decimal("394.79")
    assert tree.find(".//ram:TaxTotalAmount", NS).get("currencyID") == "EUR"
    _assert_en16931_sums_hold(tree)
    by_rate = {
        tax.findtext("ram:RateApplicablePercent", namespaces=NS): (
            tax.findtext("ram:CategoryCode", namespaces=NS), tax.findtext("ram:BasisAmount", namespaces=NS),
            tax.findtext("ram:CalculatedAmount", namespaces=NS), tax.findtext("ram:ExemptionReason", namespaces=NS),
        )
        for tax in tree.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    }  # fmt: skip
    assert by_rate == {"27.00": ("S", "53.97", "14.57", None), "5.00": ("S", "25.00", "1.25", None),
                       "0.00": ("E", "300.00", "0.00", rendering.EXEMPTION)}  # fmt: skip
    first = tree.find(".//ram:IncludedSupplyChainTradeLineItem", NS)
    assert first.findtext(".//ram:GrossPriceProductTradePrice/ram:ChargeAmount", namespaces=NS) == "19.99"
    assert first.findtext(".//ram:NetPriceProductTradePrice/ram:ChargeAmount", namespaces=NS) == "17.991"
    quantity = first.find(".//ram:BilledQuantity", NS)
    assert (quantity.text, quantity.get("unitCode")) == ("3", "C62")
    buyer = tree.find(".//ram:BuyerTradeParty", NS)
    assert buyer.findtext(".//ram:CountryID", namespaces=NS) == "HU"
    assert buyer.find(".//ram:SpecifiedTaxRegistration/ram:ID", NS).text == "HU10000008"
    seller = tree.find(".//ram:SellerTradeParty", NS)
    assert seller.find(".//ram:SpecifiedTaxRegistration/ram:ID", NS).get("schemeID") == "VA"
    assert tree.findtext(".//ram:DueDateDateTime/udt:DateTimeString", namespaces=NS) == invoice.due_on.strftime(
        "%Y%m%d"
    )
    assert tree.find(".//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime", NS) is not None


def test_a_buyer_without_a_tax_id_gets_no_tax_registration(cast, catalogue):
    tree = etree.fromstring(rendering.invoice_cii_xml(_invoice(cast, _quote(cast, catalogue))))
    assert tree.find(".//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration", NS) is None


def test_a_partly_paid_invoice_is_prepaid_that_much_and_due_the_rest(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue))
    actions.payment_record(actor=cast.sales_north, invoice=invoice, amount="94.79")
    invoice.refresh_from_db()
    tree = etree.fromstring(rendering.invoice_cii_xml(invoice))
    assert _decimal(tree, ".//ram:TotalPrepaidAmount") == Decimal("94.79")
    assert _decimal(tree, ".//ram:DuePayableAmount") == Decimal("300.00")
    _assert_en16931_sums_hold(tree)


def test_the_sellers_iban_becomes_a_sepa_transfer_when_configured(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue))
    with override_settings(SELLER_IBAN=""):
        assert etree.fromstring(rendering.invoice_cii_xml(invoice)).find(".//ram:IBANID", NS) is None
    with override_settings(SELLER_IBAN="HU42117730161111101800000000"):
        xml = rendering.invoice_cii_xml(invoice)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    means = etree.fromstring(xml).find(".//ram:SpecifiedTradeSettlementPaymentMeans", NS)
    assert means.findtext("ram:TypeCode", namespaces=NS) == "58"
    assert means.findtext(".//ram:IBANID", namespaces=NS) == "HU42117730161111101800000000"


def test_a_credit_note_is_type_381_and_refers_to_the_invoice_it_credits(cast, catalogue, tmp_path):
    invoice = _invoice(cast, _quote(cast, catalogue))
    note = actions.invoice_credit(actor=cast.sales_north, invoice=invoice, lines=[{"line": 1, "quantity": "1"}],
                                  reason="One pump returned")  # fmt: skip
    pdf = rendering.invoice_facturx(note, "en")
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    tree = etree.fromstring(xml)
    assert tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    referenced = tree.find(".//ram:InvoiceReferencedDocument", NS)
    assert referenced.findtext("ram:IssuerAssignedID", namespaces=NS) == invoice.number
    assert _decimal(tree, ".//ram:GrandTotalAmount") == note.gross_total > 0
    _assert_en16931_sums_hold(tree)
    text = _text(pdf, tmp_path)
    assert "Credit note" in text and note.number in text and invoice.number in text and "One pump returned" in text


def test_names_with_markup_characters_stay_text_in_the_pdf_and_the_xml(cast, catalogue, tmp_path):
    invoice = _invoice(cast, _quote(cast, catalogue, name=HOSTILE, legal_name=f"{HOSTILE} <i>legal</i>"))
    xml = rendering.invoice_cii_xml(invoice)
    assert b"&lt;Sons&gt;" in xml and b"&amp;" in xml and b"<Sons>" not in xml
    tree = etree.fromstring(xml)
    assert tree.findtext(".//ram:BuyerTradeParty/ram:Name", namespaces=NS) == f"{HOSTILE} <i>legal</i>"
    text = _text(rendering.invoice_pdf(invoice, "en"), tmp_path)
    assert HOSTILE in text and "<i>legal</i>" in text  # markup would have been drawn as italics, not as text


def test_a_currency_without_minor_units_gives_whole_amounts_and_a_valid_e_invoice(cast, catalogue, tmp_path):
    invoice = _invoice(cast, _quote(cast, catalogue, currency="JPY"))
    assert invoice.gross_total == Decimal(395)  # 54 + 25 + 300 net, 15 + 1 + 0 tax
    assert "395 JPY" in _text(rendering.invoice_pdf(invoice, "en"), tmp_path)
    pdf = rendering.invoice_facturx(invoice, "en")
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    tree = etree.fromstring(xml)
    assert tree.findtext(".//ram:InvoiceCurrencyCode", namespaces=NS) == "JPY"
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=NS) == "395.00"
    _assert_en16931_sums_hold(tree)


def test_a_currency_of_three_decimals_still_adds_up_in_cents(cast, catalogue):
    customer = factories.organization(cast.sales_north, name="Gulf Trading W.L.L.",
                                      addresses=[{"city": "Manama", "country": "BH"}])  # fmt: skip
    line = {"product": str(catalogue["guide"].public_id), "quantity": "1", "unit_price": "1.005"}
    quote = actions.quote_create(actor=cast.sales_north,
                                 values={"organization": str(customer.public_id), "currency": "BHD"},
                                 lines=[line, line, {**line, "product": str(catalogue["pump"].public_id)}])  # fmt: skip
    invoice = _invoice(cast, quote)
    assert invoice.net_total == Decimal("3.015")
    xml = rendering.invoice_cii_xml(invoice)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)
    _assert_en16931_sums_hold(tree)  # 1.01 + 1.01 + 1.01, not the stored 3.015 rounded to 3.02
    assert abs(_decimal(tree, ".//ram:GrandTotalAmount") - invoice.gross_total) < Decimal("0.01") * 3


def test_the_invoice_dates_are_the_ones_it_was_issued_with(cast, catalogue):
    invoice = _invoice(cast, _quote(cast, catalogue))
    tree = etree.fromstring(rendering.invoice_cii_xml(invoice))
    issued = tree.findtext(".//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", namespaces=NS)
    assert dt.datetime.strptime(issued, "%Y%m%d").date() == invoice.issued_on
