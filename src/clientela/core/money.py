"""Money: Decimal amounts with an ISO 4217 currency (DESIGN.md rule 8).

The list of currencies and their names in each language come from CLDR (the `babel`
package); this module is the one place that says whether a code is a currency.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_name, list_currencies
from django.conf import settings
from django.utils import translation


@functools.cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 code CLDR knows (current and historic)."""
    return frozenset(list_currencies())


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in currencies()


def default_currency() -> str:
    """The site's reporting currency (`CLIENTELA_CURRENCY`), a new record's default."""
    currency: str = settings.CURRENCY
    return currency


def currency_name(code: str) -> str:
    """The currency's name in the active language ("magyar forint" in Hungarian)."""
    language = (translation.get_language() or "en").replace("-", "_")
    try:
        return str(get_currency_name(code, locale=language))
    except (ValueError, LookupError):
        return code


# ISO 4217's minor units (the digits after the decimal point) where they are not 2, from the
# standard's current list (amendments to 2024). CLDR's display digits differ for some
# currencies (it shows HUF without decimals); amounts are rounded by the standard's.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),  # fmt: skip
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit(currency: str) -> int:
    """The currency's digits after the decimal point (ISO 4217): 2 for EUR and HUF, 0 for JPY."""
    return MINOR_UNITS.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit (53.973 EUR -> 53.97, 0.5 JPY -> 1)."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def plain(number: Decimal) -> Decimal:
    """`number` without trailing zeros and never in exponent form: 10.000 -> 10 (not 1E+1)."""
    return Decimal(format(number.normalize(), "f"))
