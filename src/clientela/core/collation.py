"""Names sorted the way the reader's language sorts them, on both databases.

"Ádám" before "Zsuzsanna", "Cs" after every "C" in Hungarian, "Ł" after "L" in Polish,
"Ç" after "C" and dotless "ı" before "i" in Turkish, "Ș" after "S" in Romanian, "Ё"
beside "Е" in Russian. Byte order gets all of these wrong.

PostgreSQL built with ICU has a collation per locale named "<language>-x-icu"; SQLite has
none, so the same names are registered on every SQLite connection with PyICU's collator
(the same ICU rules, so both databases give the same order). A language the installation
does not offer sorts by ICU's root order ("und-x-icu"), which is still accent-aware.
"""

from __future__ import annotations

import functools
from typing import Any

import icu
from django.conf import settings
from django.db.backends.signals import connection_created
from django.db.models import CharField, F, Model, TextField
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate
from django.utils import translation

ROOT = "und"


def _languages() -> list[str]:
    return sorted({code.split("-")[0].lower() for code, _name in settings.LANGUAGES} | {ROOT})


def collation_for(language: str | None = None) -> str:
    """The collation of `language` (default: the active one, i.e. the reader's)."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return f"{code if code in _languages() else ROOT}-x-icu"


def _is_text(model: type[Model], name: str) -> bool:
    if "__" in name:
        return False
    field = model._meta.get_field(name)
    return isinstance(field, CharField | TextField) and not field.choices


def ordering(model: type[Model], names: tuple[str, ...] | list[str], language: str | None = None) -> list[Any]:
    """`order_by()` terms for `names` ("-last_name", "id", ...): free-text fields compared in
    the reader's language, the others (ids, dates, codes) as they are."""
    collation = collation_for(language)
    terms: list[Any] = []
    for name in names:
        field = name.removeprefix("-")
        if not _is_text(model, field):
            terms.append(name)
            continue
        expression = Collate(F(field), collation)
        terms.append(OrderBy(expression, descending=name.startswith("-")))
    return terms


@functools.cache
def _collator(language: str) -> Any:
    return icu.Collator.createInstance(icu.Locale(language if language != ROOT else "root"))


def _register_on_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    for language in _languages():
        connection.connection.create_collation(f"{language}-x-icu", _collator(language).compare)


def install() -> None:
    """Registers the collations on every new SQLite connection (called once, at start-up)."""
    connection_created.connect(_register_on_sqlite, dispatch_uid="clientela.core.collation")
