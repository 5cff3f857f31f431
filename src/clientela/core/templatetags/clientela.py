"""Template filters every app's pages use."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language_info

register = template.Library()


@register.filter
def language_label(code: str | None) -> str:
    """A language code as people read it, in the reader's language ("hu" -> "Hungarian" /
    "Magyar"); a code Django does not know is shown as it was typed. (Not named
    `language_name`: Django's i18n library has a filter of that name, always in English.)"""
    if not code:
        return ""
    for candidate in (code, code.split("-")[0].split("_")[0]):
        try:
            return str(get_language_info(candidate.lower())["name_translated"])
        except KeyError:
            continue
    return code


@register.filter
def money(amount: Any, currency: str) -> str:
    """An amount shown to its currency's minor unit, grouped the reader's way: 1 234,50 (HUF), 1,235 (JPY)."""
    from django.template.defaultfilters import floatformat

    from clientela.core.money import minor_unit

    if amount in (None, ""):
        return ""
    return floatformat(amount, f"{minor_unit(currency)}g")


@register.filter
def plain(number: Any) -> str:
    """A number as an input takes it back: no grouping, no trailing zeros (19.9900 -> 19.99)."""
    from decimal import Decimal, InvalidOperation

    from clientela.core.money import plain as plain_number

    if number in (None, ""):
        return ""
    try:
        return str(plain_number(Decimal(str(number))))
    except InvalidOperation:
        return str(number)


@register.filter
def number(value: Any) -> str:
    """A quantity, price or rate as the reader writes numbers, with the digits it has and no
    trailing zeros: 1234.500 -> 1 234,5 (hu), 1,234.5 (en)."""
    from django.template.defaultfilters import floatformat

    text = plain(value)
    if not text:
        return ""
    digits = len(text.partition(".")[2])
    return floatformat(text, f"{digits}g")
