"""Template filters every app's pages use."""

from __future__ import annotations

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
