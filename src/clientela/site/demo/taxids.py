"""Tax identifiers shaped as each country writes them, with valid check digits
where the rule is public and simple (HU, PL, RU, RO)."""

from __future__ import annotations

import random
from collections.abc import Callable


def _digits(rng: random.Random, count: int, *, first_nonzero: bool = True) -> list[int]:
    digits = [rng.randrange(10) for _ in range(count)]
    if first_nonzero and digits and digits[0] == 0:
        digits[0] = rng.randrange(1, 10)
    return digits


def _join(digits: list[int]) -> str:
    return "".join(str(d) for d in digits)


def hungary(rng: random.Random) -> str:
    """Adószám: 8-digit base (last digit checks the first seven), VAT code, county code."""
    base = _digits(rng, 7)
    total = sum(d * w for d, w in zip(base, (9, 7, 3, 1, 9, 7, 3), strict=True))
    base.append((10 - total % 10) % 10)
    return f"{_join(base)}-{rng.choice((1, 2, 2, 2, 3))}-{rng.randrange(2, 45):02d}"


def poland(rng: random.Random) -> str:
    """NIP: ten digits, the last a weighted sum modulo 11 (never 10)."""
    while True:
        body = _digits(rng, 9)
        check = sum(d * w for d, w in zip(body, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True)) % 11
        if check != 10:
            nip = _join([*body, check])
            return f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"


def russia(rng: random.Random) -> str:
    """INN of a company: ten digits, the last a weighted sum modulo 11 modulo 10."""
    body = _digits(rng, 9)
    check = sum(d * w for d, w in zip(body, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return _join([*body, check])


def romania(rng: random.Random) -> str:
    """CUI with the RO prefix: seven digits and a check digit (key 753217532)."""
    body = _digits(rng, 7)
    padded = [0, 0, *body]
    total = sum(d * w for d, w in zip(padded, (7, 5, 3, 2, 1, 7, 5, 3, 2), strict=True))
    check = total * 10 % 11 % 10
    return "RO" + _join([*body, check])


def _prefixed(prefix: str, count: int) -> Callable[[random.Random], str]:
    return lambda rng: prefix + _join(_digits(rng, count))


TAX_ID: dict[str, Callable[[random.Random], str]] = {
    "HU": hungary,
    "PL": poland,
    "RU": russia,
    "RO": romania,
    "TR": _prefixed("", 10),  # vergi kimlik numarası
    "DE": _prefixed("DE", 9),
    "AT": _prefixed("ATU", 8),
    "CZ": _prefixed("CZ", 8),
    "SK": _prefixed("SK", 10),
    "GB": _prefixed("GB", 9),
}
