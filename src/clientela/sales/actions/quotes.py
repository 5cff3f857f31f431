"""Quotes: made from lines of products, priced from the price lists when a line gives no
price, totalled by the rule of `pricing.py`, numbered gap-free in the year's series.

A line's unit price and discount default to the price the customer's lists give for its
quantity (`queries.price_for`), its tax rate and description to the product's; a line
without a product (a service described in words) gives its own price. The quote's customer,
contact and deal are records the writer sees.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import FieldError, NotFound, Refused, ValidationFailed
from clientela.core.money import default_currency, is_currency
from clientela.core.visibility import require_write
from clientela.parties import queries as parties_queries
from clientela.sales import pricing, queries
from clientela.sales.models import DocumentCounter, Order, OrderLine, Product, Quote, QuoteLine, QuoteStatus
from clientela.sales.rules import decimal_or_none

if TYPE_CHECKING:
    import datetime as dt

    from clientela.accounts.models import User

MAX_LINES = 500
QUOTE_SERIES = "Q"


def next_number(series: str, year: int) -> int:
    """The next number of `series` in `year`, taken under the counter's row lock (inside the
    caller's transaction): a number is never given twice, and — the document being written in
    the same transaction — never skipped."""
    table = connection.ops.quote_name(DocumentCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (series, year, last) VALUES (%s, %s, 0) ON CONFLICT (series, year) DO NOTHING",  # noqa: S608
            [series, year],
        )
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    DocumentCounter.objects.filter(pk=counter.pk).update(last=counter.last)
    return counter.last


def _reference(actor: User, getter: Any, value: Any, name: str, errors: list[FieldError]) -> Any:
    if value in (None, ""):
        return None
    try:
        return getter(actor, value)
    except NotFound as missing:  # unknown, or not the writer's to see: the same answer
        errors.append(FieldError(name, "not_found", str(missing)))
        return None


def _lines(
    raw: Any, *, currency: str, organization: Any, day: dt.date, errors: list[FieldError]
) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("lines", "required", _("a quote has at least one line")))
        return []
    if len(raw) > MAX_LINES:
        errors.append(FieldError("lines", "too_many", _("at most %(n)d lines") % {"n": MAX_LINES}))
        return []
    ids = [str(line.get("product")) for line in raw if isinstance(line, dict) and line.get("product")]
    products = {str(p.public_id): p for p in Product.objects.filter(public_id__in=[i for i in ids if len(i) == 36])}
    result = []
    for index, line in enumerate(raw):
        where = f"lines[{index}]"
        if not isinstance(line, dict):
            errors.append(FieldError(where, "invalid", _("must be an object")))
            continue
        product = products.get(str(line.get("product"))) if line.get("product") else None
        if line.get("product") and product is None:
            errors.append(FieldError(f"{where}.product", "not_found", _("no such product")))
            continue
        quantity = decimal_or_none(line.get("quantity", "1"))
        if quantity is None or quantity < 0:  # 0: a line shown at no charge
            errors.append(FieldError(f"{where}.quantity", "invalid", _("must not be negative")))
            continue
        price = None
        if product is not None and (line.get("unit_price") is None or line.get("discount_percent") is None):
            price = queries.price_for(product, currency=currency, quantity=quantity, organization=organization, day=day)
        values: dict[str, Any] = {"quantity": quantity, "product": product}
        for name, default, high in (
            ("unit_price", price.unit_price if price else None, None),
            ("discount_percent", price.discount_percent if price else Decimal(0), Decimal(100)),
            ("tax_rate", product.tax_rate if product else Decimal(0), Decimal(100)),
        ):
            raw_value = line.get(name)
            number = default if raw_value is None else decimal_or_none(raw_value)
            if number is None and name == "unit_price":
                message = _("no price list prices this product in %(currency)s: give the unit price")
                errors.append(FieldError(f"{where}.unit_price", "required", message % {"currency": currency}))
            elif number is None or number < 0 or (high is not None and number > high):
                errors.append(FieldError(f"{where}.{name}", "invalid", _("is not a number in the allowed range")))
            else:
                values[name] = number
        description = str(line.get("description") or (product.name if product else "")).strip()[:300]
        if not description:
            errors.append(FieldError(f"{where}.description", "required", _("describe a line without a product")))
        values["description"] = description
        result.append(values)
    return result


def quote_create(*, actor: User, values: dict[str, Any], lines: Any) -> Quote:
    """A new quote (draft) with its lines and totals, numbered in this year's series."""
    require_write(actor)
    errors: list[FieldError] = []
    organization = _reference(actor, parties_queries.organization_get, values.get("organization"), "organization",
                              errors)  # fmt: skip
    if organization is None and not errors:
        errors.append(FieldError("organization", "required", _("is required")))
    contact = _reference(actor, parties_queries.contact_get, values.get("contact"), "contact", errors)
    deal = _reference(actor, queries.deal_get, values.get("deal"), "deal", errors)
    currency = values.get("currency") or default_currency()
    if not is_currency(currency):
        errors.append(FieldError("currency", "invalid", _("is not an ISO 4217 currency code such as EUR")))
    unknown = sorted(set(values) - {"organization", "contact", "deal", "currency", "valid_until", "note"})
    errors.extend(FieldError(name, "unknown_field", _("is not a field you can set")) for name in unknown)
    note = str(values.get("note") or "")
    if len(note) > 10_000 or "\x00" in note:
        errors.append(FieldError("note", "invalid", _("at most %(n)d characters") % {"n": 10_000}))
    today = timezone.localdate()
    priced = (
        _lines(lines, currency=currency, organization=organization, day=today, errors=errors)
        if not any(e.field == "currency" for e in errors)
        else []
    )
    if errors:
        raise ValidationFailed(errors)
    result = pricing.totals(
        [pricing.Line(p["quantity"], p["unit_price"], p["discount_percent"], p["tax_rate"]) for p in priced], currency
    )
    with transaction.atomic():
        number = next_number(QUOTE_SERIES, today.year)
        own = {
            "number": f"{QUOTE_SERIES}-{today.year}-{number:06d}", "organization": organization, "contact": contact,
            "deal": deal, "currency": currency, "valid_until": values.get("valid_until"), "note": note,
            "net_total": result.net, "tax_total": result.tax, "gross_total": result.gross,
            "owner": actor, "team": actor.team,
        }  # fmt: skip

        def after_insert(quote: Quote) -> dict[str, list[Any]]:
            QuoteLine.objects.bulk_create(
                QuoteLine(quote=quote, position=n, net=t.net, tax=t.tax, gross=t.gross, **line)
                for n, (line, t) in enumerate(zip(priced, result.lines, strict=True), start=1)
            )
            return {"lines": [None, len(priced)]}

        return records.create_record(Quote, actor=actor, values=own, action="quote.create", after_insert=after_insert)


# --- acceptance: quote -> order ---------------------------------------------------------------------

ORDER_SERIES = "O"
LINE_COPIED = ("position", "product", "description", "quantity", "unit_price", "discount_percent", "tax_rate", "net",
               "tax", "gross")  # fmt: skip


class QuoteClosed(Refused):
    """The quote was rejected or has expired: it can no longer be accepted."""

    status = 409
    code = "quote_closed"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def quote_accept(*, actor: User, quote: Quote) -> tuple[Order, bool]:
    """The customer accepted `quote`: an order with its lines and totals, numbered in this
    year's series, and the quote marked accepted — in one transaction with the quote locked, so
    that it happens once. Accepting an accepted quote answers its order (and False: nothing was
    made)."""
    require_write(actor, quote)
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        existing = Order.objects.filter(quote=locked).first()
        if existing is not None:
            return existing, False
        if locked.status in (QuoteStatus.REJECTED, QuoteStatus.EXPIRED):
            raise QuoteClosed(_("this quote was %(status)s") % {"status": locked.get_status_display().lower()})
        today = timezone.localdate()
        number = next_number(ORDER_SERIES, today.year)
        lines = list(QuoteLine.objects.filter(quote=locked).order_by("position"))
        values = {
            "number": f"{ORDER_SERIES}-{today.year}-{number:06d}", "quote": locked,
            "organization": locked.organization, "contact": locked.contact, "deal": locked.deal,
            "currency": locked.currency, "net_total": locked.net_total, "tax_total": locked.tax_total,
            "gross_total": locked.gross_total, "owner": locked.owner, "team": locked.team,
        }  # fmt: skip

        def after_insert(order: Order) -> dict[str, list[Any]]:
            OrderLine.objects.bulk_create(
                OrderLine(order=order, **{name: getattr(line, name) for name in LINE_COPIED}) for line in lines
            )
            return {"lines": [None, len(lines)]}

        order = records.create_record(
            Order, actor=actor, values=values, action="order.create", after_insert=after_insert
        )
        records.update_record(locked, actor=actor, values={"status": QuoteStatus.ACCEPTED}, action="quote.accept")
        return order, True
