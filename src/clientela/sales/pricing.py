"""The totals of a quote, an order or an invoice, exact in Decimal (the rule of issue "Lead to
cash", which other systems integrate by):

- a line's net = quantity × unit price × (1 − discount / 100), rounded half-up to the
  currency's minor unit (ISO 4217: two digits for EUR and HUF, none for JPY);
- its tax = net × tax rate / 100, rounded the same way;
- its gross = net + tax;
- the document's net, tax and gross totals are the sums of its lines'.

So 3 × 19.99 less 10 % at 27 % is 53.97 net + 14.57 tax = 68.54. Pure functions: no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from clientela.core.money import round_money

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotals:
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineTotals, ...]
    net: Decimal
    tax: Decimal
    gross: Decimal


def line_totals(line: Line, currency: str) -> LineTotals:
    net = round_money(line.quantity * line.unit_price * (1 - line.discount_percent / HUNDRED), currency)
    tax = round_money(net * line.tax_rate / HUNDRED, currency)
    return LineTotals(net=net, tax=tax, gross=net + tax)


def totals(lines: Iterable[Line], currency: str) -> Totals:
    """Each line's totals and the document's, the sums of the lines'."""
    each = tuple(line_totals(line, currency) for line in lines)
    zero = round_money(Decimal(0), currency)
    net = sum((t.net for t in each), zero)
    tax = sum((t.tax for t in each), zero)
    return Totals(lines=each, net=net, tax=tax, gross=net + tax)
