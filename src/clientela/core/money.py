"""Money: Decimal amounts with an ISO 4217 currency (DESIGN.md rule 8).

The list of currencies and their names in each language come from CLDR (the `babel`
package); this module is the one place that says whether a code is a currency.
"""

from __future__ import annotations

import functools

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
