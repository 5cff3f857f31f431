"""Names sort the way the reader's language sorts them, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from clientela.core import collation
from clientela.parties import listing
from clientela.testing import factories

pytestmark = pytest.mark.django_db

# The order each language's readers expect (surnames), where byte order differs.
EXPECTED = {
    "hu": ["Ács", "Cakó", "Csonka", "Dávid", "Ódor", "Őri", "Szabó", "Zsiga"],
    "pl": ["Lis", "Łukasik", "Nowak", "Sowa", "Śliwa", "Zając", "Żak"],
    "tr": ["Cem", "Çelik", "Ilgaz", "Işık", "İnce", "Sarp", "Şahin"],
    "ro": ["Avram", "Ăsan", "Stan", "Ștefan", "Tudor", "Țurcanu"],
    "ru": ["Андреев", "Егоров", "Ёлкин", "Жуков", "Юдин"],
}


def _names_in_list_order(user, language: str, *, descending: bool = False) -> list[str]:
    filters = listing.ListFilters(entity="contact", sort="-name" if descending else "name")
    with translation.override(language):
        return list(listing.filtered(user, filters).values_list("last_name", flat=True))


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_the_list_sorts_names_in_the_readers_language(cast, language):
    expected = EXPECTED[language]
    for name in reversed(expected):
        factories.contact(cast.sales_north, first_name="", last_name=name)
    assert _names_in_list_order(cast.sales_north, language) == expected
    assert _names_in_list_order(cast.sales_north, language, descending=True) == expected[::-1]


def test_hungarian_and_english_readers_see_the_same_names_in_their_own_orders(cast):
    for name in ("Zsuzsanna", "Csonka", "Ádám", "Cakó"):
        factories.contact(cast.sales_north, first_name="", last_name=name)
    assert _names_in_list_order(cast.sales_north, "hu") == ["Ádám", "Cakó", "Csonka", "Zsuzsanna"]
    assert _names_in_list_order(cast.sales_north, "en") == ["Ádám", "Cakó", "Csonka", "Zsuzsanna"]
    factories.contact(cast.sales_north, first_name="", last_name="Cz")
    assert _names_in_list_order(cast.sales_north, "hu")[1:4] == ["Cakó", "Cz", "Csonka"]
    assert _names_in_list_order(cast.sales_north, "en")[1:4] == ["Cakó", "Csonka", "Cz"]


def test_an_unknown_language_sorts_by_the_root_order():
    assert collation.collation_for("xx") == "und-x-icu"
    assert collation.collation_for("hu-HU") == "hu-x-icu"


def test_the_list_page_and_header_search_show_names_in_the_readers_order(cast, client):
    expected = ["Ádámffy", "Czakóné", "Csonkaházi", "Zsigmondy"]
    for name in reversed(expected):
        factories.contact(cast.sales_north, first_name="Kovács", last_name=name)
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_list"), HTTP_ACCEPT_LANGUAGE="hu").content.decode()
    positions = [page.index(name) for name in expected]
    assert positions == sorted(positions)
    found = client.get(reverse("site:search"), {"q": "Kovács"}, HTTP_ACCEPT_LANGUAGE="hu").content.decode()
    positions = [found.index(name) for name in expected]
    assert positions == sorted(positions)
