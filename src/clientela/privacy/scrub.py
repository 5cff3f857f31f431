"""Finding and blanking out a person's identifiers in text and JSON (pure: no database).

An erased person is named in free text in many written forms: "Anna Kovács", "Kovács Anna"
(Hungarian order), "Kovács, Anna", an e-mail address, a phone number as written and as
E.164. `Identifiers` holds those forms; `scrub_text` replaces each, case-insensitively, by
`ERASED`, and `scrub_json` does so in every string of a JSON value (keys included). Names
alone ("Anna") are replaced only in the records linked to the person (their notes, e-mails,
tasks), never across the whole database, where another Anna is someone else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

ERASED = "[erased]"
_MIN_LENGTH = 3  # shorter forms ("Al", "Li") would blank out unrelated words


def _clean(forms: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for form in forms:
        text = " ".join((form or "").split())
        if len(text) >= _MIN_LENGTH:
            seen.setdefault(text.casefold(), text)
    # Longest first, so "Anna Kovács" goes before "Anna" would cut it in two.
    return tuple(sorted(seen.values(), key=len, reverse=True))


@dataclass(frozen=True)
class Identifiers:
    """The forms that identify one person: `everywhere` across the database, `nearby` only in
    what is linked to them (the single names)."""

    everywhere: tuple[str, ...]
    nearby: tuple[str, ...] = ()
    _patterns: dict[bool, re.Pattern[str] | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, *, first_name: str, last_name: str, emails: Iterable[str], phones: Iterable[str], other: Iterable[str] = ()
    ) -> Identifiers:
        names = [f"{first_name} {last_name}", f"{last_name} {first_name}", f"{last_name}, {first_name}"]
        if not first_name.strip():
            names = [last_name]
        everywhere = _clean([*names, *emails, *phones, *other])
        nearby = _clean([first_name, last_name, *everywhere])
        return cls(everywhere=everywhere, nearby=nearby)

    def forms(self, *, linked: bool) -> tuple[str, ...]:
        return self.nearby if linked and self.nearby else self.everywhere

    def pattern(self, *, linked: bool) -> re.Pattern[str] | None:
        if linked not in self._patterns:
            forms = self.forms(linked=linked)
            self._patterns[linked] = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE) if forms else None
        return self._patterns[linked]

    @cached_property
    def json_forms(self) -> tuple[str, ...]:
        """The forms found everywhere as they appear inside JSON text written with ASCII escapes
        (`Kov\\u00e1cs`): what a scan of JSON columns looks for besides the forms themselves. Never
        the single names, which would find every other Anna."""
        escaped = {json.dumps(form)[1:-1] for form in self.everywhere}
        return tuple(sorted(escaped - set(self.everywhere)))


def scrub_text(text: str, identifiers: Identifiers, *, linked: bool = False) -> str:
    pattern = identifiers.pattern(linked=linked)
    if not text or pattern is None:
        return text
    return pattern.sub(ERASED, text)


def scrub_json(value: Any, identifiers: Identifiers, *, linked: bool = False) -> Any:
    """The JSON value with every string (and key) scrubbed."""
    if isinstance(value, str):
        return scrub_text(value, identifiers, linked=linked)
    if isinstance(value, list):
        return [scrub_json(item, identifiers, linked=linked) for item in value]
    if isinstance(value, dict):
        return {
            scrub_text(str(k), identifiers, linked=linked): scrub_json(v, identifiers, linked=linked)
            for k, v in value.items()
        }
    return value


def scrub_bytes(data: bytes, identifiers: Identifiers) -> bytes:
    """A text file's bytes scrubbed line by line (read as UTF-8, undecodable bytes kept): a line
    that names the person in full or holds their address or number is about them (a spreadsheet
    row), so their first and last name alone go from it too."""
    text = data.decode("utf-8", errors="surrogateescape")
    lines = [
        scrub_text(line, identifiers, linked=True) if mentions(line, identifiers) else line
        for line in text.splitlines(keepends=True)
    ]
    return "".join(lines).encode("utf-8", errors="surrogateescape")


def mentions(text: str, identifiers: Identifiers, *, linked: bool = False) -> bool:
    pattern = identifiers.pattern(linked=linked)
    return bool(text) and pattern is not None and pattern.search(text) is not None
