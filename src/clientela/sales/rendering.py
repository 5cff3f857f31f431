"""Documents out: a quote's and an invoice's PDF in the customer's language (WeasyPrint, from
the templates under `sales/pdf/`), and an invoice as an EN 16931 e-invoice — the UN/CEFACT
Cross Industry Invoice XML at the Factur-X profile EN 16931, embedded in the invoice's PDF/A-3
by the `factur-x` package, which checks it against its schema.

The XML carries the document as it was made: its lines' nets and taxes by the totals rule of
`pricing.py` (each line rounded), the tax of each rate the sum of its lines' taxes, the totals
the sums. Amounts are written with two decimals, as Factur-X asks: for a currency of 0 or 2
digits they are the stored amounts exactly; for one of 3 or 4 (BHD, KWD, CLF) each line's net
and each rate's tax is rounded to cents first and the totals are the sums of those, so the
EN 16931 sums (BR-CO-10, -13, -14, -15, BR-S-08) still hold, at most a few thousandths from the
stored totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from lxml import etree

from clientela.core.money import minor_unit, plain

COUNTRY_LANGUAGES = {"HU": "hu", "TR": "tr", "RU": "ru", "PL": "pl", "RO": "ro", "BY": "ru", "KZ": "ru", "MD": "ro"}
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
EN16931 = "urn:cen.eu:en16931:2017"
# UN/ECE Recommendation 20 codes of the units people type.
UNIT_CODES = {"pc": "C62", "pcs": "C62", "h": "HUR", "hour": "HUR", "hours": "HUR", "day": "DAY", "days": "DAY",
              "kg": "KGM", "m": "MTR", "l": "LTR", "month": "MON", "year": "ANN", "licence": "C62"}  # fmt: skip
CENT = Decimal("0.01")


def _languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def document_language(document: Any) -> str:
    """The customer's language: the contact's, else the language of the organization's country
    (its first address), else the site's."""
    contact = getattr(document, "contact", None)
    if contact is not None and contact.language:
        code = contact.language.split("-")[0].split("_")[0].lower()
        if code in _languages():
            return code
    address = document.organization.addresses.order_by("id").first()
    if address is not None and COUNTRY_LANGUAGES.get(address.country.upper()) in _languages():
        return COUNTRY_LANGUAGES[address.country.upper()]
    return settings.LANGUAGE_CODE


@dataclass(frozen=True)
class TaxRow:
    """One tax rate's part of a document: the nets it is charged on and the tax."""

    rate: Decimal
    basis: Decimal
    tax: Decimal


def tax_rows(document: Any) -> list[TaxRow]:
    """The document's taxes by rate, highest first: the sums of its lines' nets and taxes."""
    rows: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in document.lines.all():
        basis, tax = rows.get(line.tax_rate, (Decimal(0), Decimal(0)))
        rows[line.tax_rate] = (basis + line.net, tax + line.tax)
    return [TaxRow(rate, basis, tax) for rate, (basis, tax) in sorted(rows.items(), reverse=True)]


def seller() -> dict[str, str]:
    return {
        "name": settings.SELLER_NAME, "vat_id": settings.SELLER_VAT_ID, "street": settings.SELLER_STREET,
        "postal_code": settings.SELLER_POSTAL_CODE, "city": settings.SELLER_CITY, "country": settings.SELLER_COUNTRY,
        "email": settings.SELLER_EMAIL, "iban": settings.SELLER_IBAN,
    }  # fmt: skip


def _address(organization: Any) -> Any:
    return organization.addresses.order_by("id").first()


def _pdf(template: str, context: dict[str, Any], language: str, *, archival: bool = False) -> bytes:
    import weasyprint  # slow to import: only where PDFs are made

    with translation.override(language):
        html = render_to_string(template, {**context, "language": language, "seller": seller()})
    options: dict[str, Any] = {"pdf_variant": "pdf/a-3b"} if archival else {}
    return weasyprint.HTML(string=html, base_url=settings.PACKAGE_DIR.as_uri() + "/").write_pdf(**options)


def price_format(price: Decimal, currency: str) -> str:
    """The `floatformat` argument that shows a unit price with the currency's minor unit, or more
    digits when it has them (12.50 and 17.991 EUR, 1 500 JPY), grouped the reader's way."""
    digits = max(minor_unit(currency), -min(0, plain(price).as_tuple().exponent))  # type: ignore[operator]
    return f"{digits}g"


def _context(document: Any) -> dict[str, Any]:
    lines = [(line, price_format(line.unit_price, document.currency)) for line in document.lines.all()]
    return {
        "document": document, "lines": lines, "taxes": tax_rows(document), "address": _address(document.organization),
    }  # fmt: skip


def quote_pdf(quote: Any, language: str | None = None) -> bytes:
    """The quote as a PDF, in `language` (the customer's when None)."""
    language = language or document_language(quote)
    return _pdf("sales/pdf/quote.html", _context(quote), language)


def invoice_pdf(invoice: Any, language: str | None = None, *, archival: bool = False) -> bytes:
    """The invoice (or credit note) as a PDF, in `language` (the customer's when None); PDF/A-3b
    when `archival` (what a Factur-X file is made from)."""
    language = language or document_language(invoice)
    owed = invoice.gross_total - invoice.paid_total - invoice.credited_total
    return _pdf("sales/pdf/invoice.html", {**_context(invoice), "owed": owed}, language, archival=archival)


def invoice_facturx(invoice: Any, language: str | None = None) -> bytes:
    """The invoice as a Factur-X file: its PDF/A-3 with the EN 16931 XML embedded (checked
    against the Factur-X schema as it is made; a failing check raises)."""
    import facturx

    language = language or document_language(invoice)
    pdf = invoice_pdf(invoice, language, archival=True)
    title = f"{invoice.number} {seller()['name']}"
    metadata = {"author": seller()["name"], "keywords": "Factur-X", "title": title, "subject": title}
    return facturx.generate_from_binary(
        pdf, invoice_cii_xml(invoice), flavor="factur-x", level="en16931", check_xsd=True, pdf_metadata=metadata,
        lang=language,
    )  # fmt: skip


# --- the Cross Industry Invoice -------------------------------------------------------------------


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(value: Decimal) -> str:
    return str(_cents(value))


def _price_value(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _price(value: Decimal) -> str:
    """A unit price: up to four decimals, as many as it has (19.99, 17.991)."""
    text = format(_price_value(value).normalize(), "f")
    return text if "." in text else f"{text}.00"


@dataclass(frozen=True)
class CiiSums:
    """The amounts the XML states, in cents, each sum made of the written parts."""

    line_nets: list[Decimal]
    taxes: list[TaxRow]
    line_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    prepaid: Decimal
    due: Decimal


def cii_sums(invoice: Any, lines: list[Any]) -> CiiSums:
    """The invoice's amounts as the e-invoice writes them (see the module's docstring)."""
    line_nets = [_cents(line.net) for line in lines]
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line, net in zip(lines, line_nets, strict=True):
        basis, tax = by_rate.get(line.tax_rate, (Decimal(0), Decimal(0)))
        by_rate[line.tax_rate] = (basis + net, tax + line.tax)
    taxes = [TaxRow(rate, basis, _cents(tax)) for rate, (basis, tax) in sorted(by_rate.items(), reverse=True)]
    line_total = sum(line_nets, _cents(Decimal(0)))
    tax_total = sum((row.tax for row in taxes), _cents(Decimal(0)))
    grand_total = line_total + tax_total
    prepaid = _cents(invoice.paid_total)
    return CiiSums(line_nets, taxes, line_total, tax_total, grand_total, prepaid, grand_total - prepaid)


def _quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _day(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


class _Builder:
    """Elements in the CII namespaces, appended in the order the schema wants them."""

    def __init__(self) -> None:
        self.root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT,
                                                                            "qdt": QDT})  # fmt: skip

    @staticmethod
    def add(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
        prefix, _colon, local = name.partition(":")
        namespace = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}[prefix]
        element = etree.SubElement(parent, f"{{{namespace}}}{local}", **attributes)
        if text is not None:
            element.text = text
        return element

    def date(self, parent: Any, name: str, day: dt.date, *, qualified: bool = False) -> None:
        holder = self.add(parent, name)
        self.add(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", _day(day), format="102")


def _category(rate: Decimal) -> str:
    return "S" if rate > 0 else "E"


EXEMPTION = "Exempt from VAT"


def _party(builder: _Builder, parent: Any, name: str, *, title: str, address: dict[str, str], tax_id: str,
           email: str = "") -> None:  # fmt: skip
    add = builder.add
    party = add(parent, name)
    add(party, "ram:Name", title)
    postal = add(party, "ram:PostalTradeAddress")
    if address.get("postal_code"):
        add(postal, "ram:PostcodeCode", address["postal_code"])
    if address.get("street"):
        add(postal, "ram:LineOne", address["street"])
    if address.get("city"):
        add(postal, "ram:CityName", address["city"])
    add(postal, "ram:CountryID", (address.get("country") or settings.SELLER_COUNTRY).upper())
    if email:
        add(add(party, "ram:URIUniversalCommunication"), "ram:URIID", email, schemeID="EM")
    if tax_id:
        compact = tax_id.replace(" ", "").upper()
        scheme = "VA" if compact[:2].isalpha() else "FC"  # a VAT number starts with its country, else a tax number
        add(add(party, "ram:SpecifiedTaxRegistration"), "ram:ID", compact, schemeID=scheme)


def invoice_cii_xml(invoice: Any) -> bytes:
    """The invoice (type 380) or credit note (381, referring to its invoice) as UN/CEFACT CII XML
    at the Factur-X profile EN 16931."""
    builder = _Builder()
    add = builder.add
    root = builder.root
    context = add(root, "rsm:ExchangedDocumentContext")
    add(add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = add(root, "rsm:ExchangedDocument")
    add(header, "ram:ID", invoice.number)
    add(header, "ram:TypeCode", "381" if invoice.kind == "credit_note" else "380")
    builder.date(header, "ram:IssueDateTime", invoice.issued_on)
    if invoice.reason:
        add(add(header, "ram:IncludedNote"), "ram:Content", invoice.reason)

    transaction = add(root, "rsm:SupplyChainTradeTransaction")
    lines = list(invoice.lines.all())
    sums = cii_sums(invoice, lines)
    for line, line_net in zip(lines, sums.line_nets, strict=True):
        item = add(transaction, "ram:IncludedSupplyChainTradeLineItem")
        add(add(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.position))
        product = add(item, "ram:SpecifiedTradeProduct")
        if line.product is not None:
            add(product, "ram:SellerAssignedID", line.product.sku)
        add(product, "ram:Name", line.description)
        agreement = add(item, "ram:SpecifiedLineTradeAgreement")
        gross_price = add(agreement, "ram:GrossPriceProductTradePrice")
        add(gross_price, "ram:ChargeAmount", _price(line.unit_price))
        # The net price is written as gross less discount, each as written, so a reader's check adds up.
        allowance = _price_value(line.unit_price * line.discount_percent / 100)
        if allowance:
            discount = add(gross_price, "ram:AppliedTradeAllowanceCharge")
            add(add(discount, "ram:ChargeIndicator"), "udt:Indicator", "false")
            add(discount, "ram:ActualAmount", _price(allowance))
        net_price = _price(_price_value(line.unit_price) - allowance)
        add(add(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", net_price)
        unit = UNIT_CODES.get((line.product.unit if line.product else "pc").strip().lower(), "C62")
        add(add(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", _quantity(line.quantity), unitCode=unit)
        settlement = add(item, "ram:SpecifiedLineTradeSettlement")
        tax = add(settlement, "ram:ApplicableTradeTax")
        add(tax, "ram:TypeCode", "VAT")
        add(tax, "ram:CategoryCode", _category(line.tax_rate))
        add(tax, "ram:RateApplicablePercent", _amount(line.tax_rate))
        summation = add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        add(summation, "ram:LineTotalAmount", _amount(line_net))

    agreement = add(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(builder, agreement, "ram:SellerTradeParty", title=settings.SELLER_NAME, address=seller(),
           tax_id=settings.SELLER_VAT_ID, email=settings.SELLER_EMAIL)  # fmt: skip
    organization = invoice.organization
    where = _address(organization)
    buyer_address = {"street": where.street, "postal_code": where.postal_code, "city": where.city,
                     "country": where.country} if where else {}  # fmt: skip
    _party(builder, agreement, "ram:BuyerTradeParty", title=organization.legal_name or organization.name,
           address=buyer_address, tax_id=organization.tax_id)  # fmt: skip
    if invoice.order_id is not None:
        add(add(agreement, "ram:SellerOrderReferencedDocument"), "ram:IssuerAssignedID", invoice.order.number)

    delivery = add(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = add(delivery, "ram:ActualDeliverySupplyChainEvent")
    builder.date(event, "ram:OccurrenceDateTime", invoice.issued_on)

    settlement = add(transaction, "ram:ApplicableHeaderTradeSettlement")
    add(settlement, "ram:PaymentReference", invoice.number)
    add(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    if settings.SELLER_IBAN:
        means = add(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        add(means, "ram:TypeCode", "58")  # SEPA credit transfer
        add(add(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", settings.SELLER_IBAN)
    for row in sums.taxes:
        tax = add(settlement, "ram:ApplicableTradeTax")
        add(tax, "ram:CalculatedAmount", _amount(row.tax))
        add(tax, "ram:TypeCode", "VAT")
        if _category(row.rate) == "E":
            add(tax, "ram:ExemptionReason", EXEMPTION)
        add(tax, "ram:BasisAmount", _amount(row.basis))
        add(tax, "ram:CategoryCode", _category(row.rate))
        add(tax, "ram:RateApplicablePercent", _amount(row.rate))
    terms = add(settlement, "ram:SpecifiedTradePaymentTerms")
    builder.date(terms, "ram:DueDateDateTime", invoice.due_on)
    totals = add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    add(totals, "ram:LineTotalAmount", _amount(sums.line_total))
    add(totals, "ram:TaxBasisTotalAmount", _amount(sums.line_total))  # no document-level allowances or charges
    add(totals, "ram:TaxTotalAmount", _amount(sums.tax_total), currencyID=invoice.currency)
    add(totals, "ram:GrandTotalAmount", _amount(sums.grand_total))
    add(totals, "ram:TotalPrepaidAmount", _amount(sums.prepaid))
    add(totals, "ram:DuePayableAmount", _amount(sums.due))
    if invoice.credits_id is not None:
        credited = add(settlement, "ram:InvoiceReferencedDocument")
        add(credited, "ram:IssuerAssignedID", invoice.credits.number)
        builder.date(credited, "ram:FormattedIssueDateTime", invoice.credits.issued_on, qualified=True)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
