"""A search without a sort ranks names that start with a word typed first, then the other
matches; both by name, paged by cursor without gaps or repeats across the two ranks."""

from __future__ import annotations

import pytest

from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def kovacs_family(cast):
    """Three people called Kovács-something and three who only mention "kovac" elsewhere."""
    names = {}
    for first, last in (("Zoltán", "Kovács"), ("Anna", "Kovács"), ("Béla", "Kovacsics")):
        names[f"{first} {last}"] = factories.contact(cast.sales_north, first_name=first, last_name=last)
    for first, last, email in (
        ("Anna", "Antal", "anna.kovacs@antal.test"),
        ("Dóra", "Zsoldos", "kovacs.fan@zs.test"),
        ("Ede", "Baranyi", "ede@kovacsmuvek.test"),
    ):
        names[f"{first} {last}"] = factories.contact(cast.sales_north, first_name=first, last_name=last, emails=[email])
    factories.contact(cast.sales_north, first_name="Nobody", last_name="Else")
    return names


def _names(items: list[dict]) -> list[str]:
    return [f"{item['first_name']} {item['last_name']}" for item in items]


RANKED = ["Anna Kovács", "Zoltán Kovács", "Béla Kovacsics", "Anna Antal", "Ede Baranyi", "Dóra Zsoldos"]


def test_names_starting_with_the_word_come_first_then_the_other_matches(cast, kovacs_family):
    items = ApiClient(cast.sales_north).get("/contacts", {"q": "kovac"}).json()["items"]
    assert _names(items) == RANKED


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6, 7])
def test_paging_a_ranked_search_visits_every_match_once(cast, kovacs_family, limit):
    api = ApiClient(cast.sales_north)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": "kovac", "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api.get("/contacts", params).json()
        seen.extend(_names(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == RANKED


def test_every_word_typed_must_match_and_any_may_start_the_name(cast, kovacs_family):
    items = ApiClient(cast.sales_north).get("/contacts", {"q": "anna kovac"}).json()["items"]
    assert _names(items) == ["Anna Kovács", "Anna Antal"]


def test_an_explicit_sort_orders_the_search_results_as_asked(cast, kovacs_family):
    items = ApiClient(cast.sales_north).get("/contacts", {"q": "kovac", "sort": "-last_name"}).json()["items"]
    last_names = [item["last_name"] for item in items]
    assert last_names == sorted(last_names, reverse=True)  # the stored (byte) order
    assert len(items) == len(RANKED)


def test_a_cursor_from_another_order_is_refused(cast, kovacs_family):
    api = ApiClient(cast.sales_north)
    sorted_cursor = api.get("/contacts", {"q": "kovac", "sort": "last_name", "limit": 1}).json()["next_cursor"]
    response = api.get("/contacts", {"q": "kovac", "cursor": sorted_cursor})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_a_ranked_search_sees_only_what_the_reader_may_see(cast, kovacs_family):
    factories.contact(cast.sales_south, first_name="Southern", last_name="Kovács")
    north = _names(ApiClient(cast.sales_north).get("/contacts", {"q": "kovac"}).json()["items"])
    south = _names(ApiClient(cast.sales_south).get("/contacts", {"q": "kovac"}).json()["items"])
    assert "Southern Kovács" not in north
    assert south == ["Southern Kovács"]


def test_organizations_rank_names_starting_with_the_word_first(cast):
    for name in ("Zeta Kovács Bt", "Kovács és Társa Kft", "Alfa Kft"):
        factories.organization(cast.sales_north, name=name, emails=["info@kovacs.test"] if name == "Alfa Kft" else [])
    items = ApiClient(cast.sales_north).get("/organizations", {"q": "kovac"}).json()["items"]
    assert [item["name"] for item in items] == ["Kovács és Társa Kft", "Alfa Kft", "Zeta Kovács Bt"]
