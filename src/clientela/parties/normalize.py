"""Normal forms used for search and duplicate detection."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.conf import settings

from clientela.core.validation import is_country_code

if TYPE_CHECKING:
    from clientela.accounts.models import Team

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LEGAL_SUFFIXES = frozenset(
    [
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "ag",
        "sa",
        "srl",
        "spa",
        "bv",
        "nv",
        "kft",
        "zrt",
        "bt",
        "sp",
        "zoo",
        "as",
        "oy",
        "ab",
        "plc",
        "co",
        "corp",
        "company",
        "limited",
    ]
)
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
_NON_DIGIT = re.compile(r"\D")


def fold(text: str) -> str:
    """Lower-case, accents removed, Turkish dotless ı and Polish ł folded."""
    if text.isascii():  # the same result, ~20x faster: ASCII has no decompositions
        return text.lower()
    return _fold_unicode(text)


@functools.lru_cache(maxsize=65536)  # names repeat a lot in imports; e-mails are ASCII and never get here
def _fold_unicode(text: str) -> str:
    text = text.replace("ı", "i").replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_key(name: str) -> str:
    """Words of a name, folded, legal suffixes dropped, sorted: "Kovács, Anna" == "anna kovacs"."""
    words = [w for w in _NON_ALNUM.split(fold(name)) if w and w not in _LEGAL_SUFFIXES]
    return " ".join(sorted(words))[:200]


def sort_name(*parts: str) -> str:
    """A name folded in reading order, for ranking searches: ("Kovács", "Anna") -> "kovacs anna"."""
    return " ".join(fold(part).strip() for part in parts if part and part.strip())[:200]


def email_key(email: str) -> str:
    return email.strip().lower()


def phone_e164(phone: str, region: str = "") -> str:
    """The number in E.164 ("+36209607198"), national forms read as numbers of `region`
    (ISO 3166 code: "06 20 960 7198" with HU); "" when it cannot be read as a possible number."""
    return _e164(phone.strip(), region.upper())


@functools.lru_cache(maxsize=65536)
def _e164(phone: str, region: str) -> str:
    quick = _international_e164(phone)
    if quick is not None:
        return quick
    found = _parsed_e164(phone, region)
    if not found and not region and _NON_DIGIT.sub("", phone).startswith("00"):
        # "0036 1 234 5678" with no country to read it in: 00 is the international prefix
        # across Europe and Türkiye, so read it as "+36 1 234 5678".
        found = _parsed_e164("+" + _NON_DIGIT.sub("", phone)[2:], "")
    return found


# "+36 20 960 7198", "+48-22-123-45-67": a country code and digits, spaces or dashes only.
_PLAIN_INTERNATIONAL = re.compile(r"^\+[1-9][0-9 -]{3,24}$")


def _international_e164(phone: str) -> str | None:
    """The E.164 form of a plainly written international number, ten times faster than a full
    parse (an import reads a million); None where only the full parse can tell. It is the
    parse's answer whenever the country cannot strip a national prefix from what follows the
    code (`_prefix_digits`), tested against every example number of every region."""
    if not _PLAIN_INTERNATIONAL.match(phone):
        return None
    digits = _NON_DIGIT.sub("", phone)
    for length in (1, 2, 3):
        code = int(digits[:length])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[length:]
            if not national or national[0] in _prefix_digits(code):
                return None
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            return "+" + digits if phonenumbers.is_possible_number(number) else ""
    return None


@functools.cache
def _prefix_digits(code: int) -> frozenset[str]:
    """The first digits after the calling code that a national prefix could be stripped from
    ("0" always; "8" for +7's "8"); every digit when a region of the code has a prefix
    pattern or a rewriting rule, which only the full parse applies."""
    risky = {"0"}
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        prefix = None if metadata is None else metadata.national_prefix_for_parsing
        if metadata is None or metadata.national_prefix_transform_rule is not None:
            return frozenset("0123456789")
        if prefix is not None:
            if not prefix.isdigit():
                return frozenset("0123456789")
            risky.add(prefix[0])
    return frozenset(risky)


def _parsed_e164(phone: str, region: str) -> str:
    try:
        number = phonenumbers.parse(phone, region or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_key(phone: str, region: str = "") -> str:
    """What a phone is matched by: its E.164 form, or, for a number that cannot be read as one
    (no country given or known), its digits with a leading + kept as "00"."""
    e164 = phone_e164(phone, region)
    if e164:
        return e164
    phone = phone.strip()
    digits = _NON_DIGIT.sub("", phone)
    if phone.startswith("+"):
        return "00" + digits
    return digits


def phone_region(countries: Iterable[str], team: Team | None) -> str:
    """The country that phone numbers written without one belong to: the record's first
    address country (`countries`, in order), else its team's, else the installation's
    (`CLIENTELA_PHONE_REGION`)."""
    for country in countries:
        if is_country_code(country):
            return country.upper()
    if team is not None and team.country:
        return team.country
    return str(settings.PHONE_REGION)


def reader_region(user: Any) -> str:
    """The country a searcher's national phone numbers belong to: their team's, else the installation's."""
    team = getattr(user, "team", None) if user is not None else None
    return phone_region((), team)


def is_plausible_phone(phone: str) -> bool:
    return bool(_PHONE_ALLOWED.match(phone.strip())) and len(_NON_DIGIT.sub("", phone)) >= 5


def tax_id_key(tax_id: str) -> str:
    return _NON_ALNUM.sub("", fold(tax_id))


def search_text(*parts: str) -> str:
    """One folded string for substring search over names, e-mails, phones (as typed and in
    E.164), tax id."""
    return " ".join(fold(p) for p in parts if p)
