"""E-mail templates' variables: `{{ contact.first_name }}` and the few others in VARIABLES,
filled in with plain text.

People write templates, so their text is never given to Django's template engine (which could
reach any attribute of what it is given, and whose tags and filters are code): a small renderer
replaces exactly the names on the list and nothing else. A template naming anything else is
refused when it is saved (`unknown_variables`), so a typo is found by who wrote it, not by the
customer. Values are inserted as they are — a text/plain e-mail has no markup to escape — but
on one line: a name with a line break cannot add a header to the subject.

Which language's text an e-mail uses: the contact's, else the sender's, else English, else the
template's first (`pick_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

from django.utils import formats, translation

VARIABLES = (
    "contact.first_name", "contact.last_name", "contact.full_name", "organization.name", "deal.name",
    "deal.amount", "user.name", "user.email",
)  # fmt: skip
FALLBACK_LANGUAGE = "en"
# `{{ name }}` with any spacing; the name is what the braces hold (checked against VARIABLES).
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]{0,100}?)\s*\}\}")
_LINE_BREAKS = re.compile(r"[\r\n\x00\u2028\u2029\x85]+")


class TemplateText(Protocol):
    language: str
    subject: str
    body: str


def unknown_variables(text: str) -> list[str]:
    """The names in `{{ ... }}` that are not variables, each once, in the order written."""
    unknown: list[str] = []
    for match in _PLACEHOLDER.finditer(text or ""):
        name = match.group(1)
        if name not in VARIABLES and name not in unknown:
            unknown.append(name)
    return unknown


def _one_line(value: Any) -> str:
    return _LINE_BREAKS.sub(" ", str(value)).strip()


def render(text: str, values: dict[str, str]) -> str:
    """`text` with each variable replaced by its value ("" when the record is missing); anything
    else in braces is left as written."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        return _one_line(values.get(name, ""))

    return _PLACEHOLDER.sub(replace, text or "")


def _amount(deal: Any, language: str) -> str:
    if deal.amount is None:
        return ""
    with translation.override(language or None):
        number = formats.number_format(deal.amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{number} {deal.currency}".strip()


def values_for(
    *, contact: Any = None, organization: Any = None, deal: Any = None, user: Any = None, language: str = ""
) -> dict[str, str]:
    """The variables' values for an e-mail about these records, sent by `user`; a deal's amount
    is written as numbers are in `language`."""
    values = dict.fromkeys(VARIABLES, "")
    if contact is not None:
        values["contact.first_name"] = contact.first_name
        values["contact.last_name"] = contact.last_name
        values["contact.full_name"] = contact.full_name
    if organization is not None:
        values["organization.name"] = organization.name
    if deal is not None:
        values["deal.name"] = deal.name
        values["deal.amount"] = _amount(deal, language)
    if user is not None:
        values["user.name"] = user.display_name
        values["user.email"] = user.email or ""
    return values


def fill(
    texts: Iterable[TemplateText], *, contact: Any = None, organization: Any = None, deal: Any = None,
    user: Any = None, language: str = "",
) -> tuple[str, str, str] | None:  # fmt: skip
    """A template's subject and text for an e-mail about these records from `user`, variables
    filled in, and the language of the text used (`language` asks for one, else the contact's
    is used); None when the template has no text."""
    text = pick_text(texts, contact_language=language or (contact.language if contact is not None else ""),
                     user_language=getattr(user, "language", "") or "")  # fmt: skip
    if text is None:
        return None
    values = values_for(contact=contact, organization=organization, deal=deal, user=user, language=text.language)
    return render(text.subject, values), render(text.body, values), text.language


def _base(language: str) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def pick_text(texts: Iterable[TemplateText], *, contact_language: str = "", user_language: str = "") -> Any:
    """The text to use: in the contact's language, else the sender's, else English, else the
    first; a language matches by its base ("pt-br" asks for "pt" too). None without texts."""
    texts = list(texts)
    if not texts:
        return None
    for wanted in (contact_language, user_language, FALLBACK_LANGUAGE):
        if not wanted:
            continue
        wanted = wanted.strip().lower()
        for text in texts:
            if text.language.lower() == wanted:
                return text
        for text in texts:
            if _base(text.language) == _base(wanted):
                return text
    return texts[0]
