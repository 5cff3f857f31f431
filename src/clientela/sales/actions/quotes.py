"""Quotes: made from lines of products, priced from the price lists when a line gives no
price, totalled by the rule of `pricing.py`, numbered gap-free in the year's series.

A line's unit price and discount default to the price the customer's lists give for its
quantity (`queries.price_for`), its tax rate and description to the product's; a line
without a product (a service described in words) gives its own price. The quote's customer,
contact and deal are records the writer sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
from clientela.sales.models import (
    OPEN_QUOTE_STATUSES,
    DocumentCounter,
    Order,
    OrderLine,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from clientela.sales.rules import decimal_or_none

if TYPE_CHECKING:
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


QUOTE_DAYS = 30  # a quote is valid this many days unless it says otherwise
QUOTE_FIELDS = {"organization", "contact", "deal", "currency", "valid_until", "note"}


def _quote_values(
    actor: User, values: dict[str, Any], lines: Any, *, today: dt.date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The checked fields and priced lines of a quote (or a revision of one), every problem named."""
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
    unknown = sorted(set(values) - QUOTE_FIELDS)
    errors.extend(FieldError(name, "unknown_field", _("is not a field you can set")) for name in unknown)
    note = str(values.get("note") or "")
    if len(note) > 10_000 or "\x00" in note:
        errors.append(FieldError("note", "invalid", _("at most %(n)d characters") % {"n": 10_000}))
    valid_until = values.get("valid_until") or today + dt.timedelta(days=QUOTE_DAYS)
    if isinstance(valid_until, str):
        try:
            valid_until = dt.date.fromisoformat(valid_until)
        except ValueError:
            errors.append(FieldError("valid_until", "invalid", _("is not a date (YYYY-MM-DD)")))
    if isinstance(valid_until, dt.date) and not today <= valid_until <= today + dt.timedelta(days=366):
        errors.append(FieldError("valid_until", "invalid", _("between today and a year from today")))
    priced = (
        _lines(lines, currency=currency, organization=organization, day=today, errors=errors)
        if not any(e.field == "currency" for e in errors)
        else []
    )
    if errors:
        raise ValidationFailed(errors)
    own = {"organization": organization, "contact": contact, "deal": deal, "currency": currency,
           "valid_until": valid_until, "note": note}  # fmt: skip
    return own, priced


def _totals(priced: list[dict[str, Any]], currency: str) -> pricing.Totals:
    return pricing.totals(
        [pricing.Line(p["quantity"], p["unit_price"], p["discount_percent"], p["tax_rate"]) for p in priced], currency
    )


def _write_quote(actor: User, own: dict[str, Any], priced: list[dict[str, Any]], *, action: str) -> Quote:
    result = _totals(priced, own["currency"])
    values = {**own, "net_total": result.net, "tax_total": result.tax, "gross_total": result.gross}

    def after_insert(quote: Quote) -> dict[str, list[Any]]:
        QuoteLine.objects.bulk_create(
            QuoteLine(quote=quote, position=n, net=t.net, tax=t.tax, gross=t.gross, **line)
            for n, (line, t) in enumerate(zip(priced, result.lines, strict=True), start=1)
        )
        return {"lines": [None, len(priced)]}

    return records.create_record(Quote, actor=actor, values=values, action=action, after_insert=after_insert)


@dataclass(frozen=True)
class PricedQuote:
    """A quote as it would be made, written nowhere: its checked fields, lines and totals."""

    values: dict[str, Any]
    lines: list[dict[str, Any]]
    totals: pricing.Totals


def quote_price(*, actor: User, values: dict[str, Any], lines: Any) -> PricedQuote:
    """Price a quote without making it (the quote builder's preview): the same checks and
    defaults as `quote_create`, every problem raised as `ValidationFailed`."""
    own, priced = _quote_values(actor, values, lines, today=timezone.localdate())
    return PricedQuote(own, priced, _totals(priced, own["currency"]))


def quote_create(*, actor: User, values: dict[str, Any], lines: Any) -> Quote:
    """A new quote (draft) with its lines and totals, numbered in this year's series, valid for
    QUOTE_DAYS days unless `valid_until` says otherwise."""
    require_write(actor)
    today = timezone.localdate()
    own, priced = _quote_values(actor, values, lines, today=today)
    with transaction.atomic():
        number = next_number(QUOTE_SERIES, today.year)
        own |= {"number": f"{QUOTE_SERIES}-{today.year}-{number:06d}", "owner": actor, "team": actor.team}
        return _write_quote(actor, own, priced, action="quote.create")


class QuoteClosed(Refused):
    """The quote was answered, has expired or was revised: it can no longer change."""

    status = 409
    code = "quote_closed"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _closed(quote: Quote) -> QuoteClosed:
    return QuoteClosed(_("this quote is %(status)s") % {"status": quote.get_status_display().lower()})


def _expired(quote: Quote, today: dt.date) -> bool:
    return quote.status == QuoteStatus.EXPIRED or (
        quote.status in OPEN_QUOTE_STATUSES and quote.valid_until is not None and quote.valid_until < today
    )


def quote_revise(*, actor: User, quote: Quote, values: dict[str, Any], lines: Any) -> Quote:
    """A new revision of an open quote (draft or sent): the same number with the revision after
    it (Q-2026-000001-2), the new lines and fields (the customer stays), and the old revision
    marked superseded — so what was sent stays as it was sent. Revising an expired quote revives
    the offer with a new validity."""
    require_write(actor, quote)
    today = timezone.localdate()
    values = {**values, "organization": quote.organization.public_id}
    own, priced = _quote_values(actor, values, lines, today=today)
    with transaction.atomic():
        locked = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
        if locked.status not in (*OPEN_QUOTE_STATUSES, QuoteStatus.EXPIRED):
            raise _closed(locked)
        base = locked.number.rsplit("-", 1)[0] if locked.revision > 1 else locked.number
        own |= {"number": f"{base}-{locked.revision + 1}", "revision": locked.revision + 1, "revises": locked,
                "owner": locked.owner, "team": locked.team}  # fmt: skip
        records.update_record(locked, actor=actor, values={"status": QuoteStatus.SUPERSEDED}, action="quote.supersede")
        return _write_quote(actor, own, priced, action="quote.revise")


def quote_reject(*, actor: User, quote: Quote, reason: str = "") -> Quote:
    """The customer said no: an open quote becomes rejected (the reason kept in its note)."""
    require_write(actor, quote)
    if len(reason) > 1000 or "\x00" in reason:
        raise ValidationFailed.single("reason", "invalid", _("at most %(n)d characters") % {"n": 1000})
    with transaction.atomic():
        locked = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
        if locked.status not in OPEN_QUOTE_STATUSES:
            raise _closed(locked)
        values: dict[str, Any] = {"status": QuoteStatus.REJECTED}
        if reason.strip():
            values["note"] = f"{locked.note}\n\n{reason.strip()}".strip()
        return records.update_record(locked, actor=actor, values=values, action="quote.reject")


def quote_mark_sent(*, actor: User | None, quote: Quote) -> Quote:
    """The quote went to the customer: a draft becomes sent; the first sending is remembered."""
    with transaction.atomic():
        locked = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
        values: dict[str, Any] = {}
        if locked.status == QuoteStatus.DRAFT:
            values["status"] = QuoteStatus.SENT
        if locked.sent_at is None:
            values["sent_at"] = timezone.now()
        if not values:
            return locked
        return records.update_record(locked, actor=actor, values=values, action="quote.send")


def quotes_expire(*, today: dt.date | None = None) -> int:
    """Housekeeping: open quotes whose validity ended before `today` become expired (each
    logged, by no one: the system did it). Returns how many."""
    today = today or timezone.localdate()
    due = Quote.objects.filter(status__in=OPEN_QUOTE_STATUSES, valid_until__lt=today).values_list("pk", flat=True)
    expired = 0
    for pk in list(due[:5000]):
        with transaction.atomic():
            locked = Quote.objects.select_for_update(of=("self",)).get(pk=pk)
            if locked.status in OPEN_QUOTE_STATUSES:
                records.update_record(locked, actor=None, values={"status": QuoteStatus.EXPIRED}, action="quote.expire")
                expired += 1
    return expired


# --- acceptance: quote -> order ---------------------------------------------------------------------

ORDER_SERIES = "O"
LINE_COPIED = ("position", "product", "description", "quantity", "unit_price", "discount_percent", "tax_rate", "net",
               "tax", "gross")  # fmt: skip


def quote_accept(*, actor: User, quote: Quote) -> tuple[Order, bool]:
    """The customer accepted `quote`: an order with its lines and totals, numbered in this
    year's series, and the quote marked accepted — in one transaction with the quote locked, so
    that it happens once. Accepting an accepted quote answers its order (and False: nothing was
    made)."""
    require_write(actor, quote)
    with transaction.atomic():
        locked = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
        existing = Order.objects.filter(quote=locked).first()
        if existing is not None:
            return existing, False
        today = timezone.localdate()
        if _expired(locked, today) and locked.valid_until is not None:  # also before the housekeeping marked it
            raise QuoteClosed(_("this quote expired on %(day)s") % {"day": locked.valid_until})
        if locked.status not in OPEN_QUOTE_STATUSES:
            raise _closed(locked)
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
