"""The e-mail rule of the actions and the import is Django's own, whatever way it is compiled."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from hypothesis import given
from hypothesis import strategies as st

from clientela.parties import cleaning
from clientela.parties.models import ContactPoint

EMAIL = ContactPoint.Kind.EMAIL
DJANGO = EmailValidator()


def django_accepts(value: str) -> bool:
    try:
        DJANGO(value)
    except ValidationError:
        return False
    return len(value) <= 254


@pytest.mark.parametrize(
    "value",
    ["a@b.co", "bad@", "x@[1.2.3.4]", "user@localhost", "a b@c.de", "é@ü.de", "x@xn--bcher-kva.example", "a@b",
     "first.last+tag@sub.example.org", '"quoted"@example.com', "a@-bad.com", "a@exa_mple.com", "x" * 250 + "@b.co"],
)  # fmt: skip
def test_an_address_is_accepted_exactly_when_django_accepts_it(value: str) -> None:
    assert (cleaning.point_problem(EMAIL, value) is None) == django_accepts(value)


@given(st.text(alphabet='ab.@-_+ é[]1:"', max_size=30))
def test_the_rules_agree_on_any_text(value: str) -> None:
    assert (cleaning.point_problem(EMAIL, value) is None) == django_accepts(value)
