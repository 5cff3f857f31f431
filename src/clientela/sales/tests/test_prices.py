"""Price lists and exchange rates: a line takes the most particular price — the customer's own,
then its category's, then a general list — from the largest quantity break not above its
quantity, in its currency, on its day; lists are written whole and logged; rates are data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.parties import actions as parties_actions
from clientela.sales import actions, queries

D = Decimal


@pytest.fixture
def catalogue(cast):
    pump = actions.product_create(actor=cast.admin, values={"sku": "HP-8", "name": "Heat pump", "tax_rate": "27"})
    boiler = actions.product_create(actor=cast.admin, values={"sku": "BO-24", "name": "Boiler", "tax_rate": "27"})
    return pump, boiler


def _org(cast, category=""):
    return parties_actions.organization_create(
        actor=cast.sales_north, values={"name": f"Customer {category or 'plain'}", "customer_category": category}
    )


def test_the_most_particular_list_and_the_largest_break_set_a_lines_price(cast, catalogue):
    pump, _boiler = catalogue
    actions.price_list_create(actor=cast.admin, values={"name": "EUR list", "currency": "EUR"}, items=[
        {"product": str(pump.public_id), "unit_price": "1000"},
        {"product": str(pump.public_id), "min_quantity": "10", "unit_price": "900"},
    ])  # fmt: skip
    pump_id = str(pump.public_id)
    installers = {"name": "Installers", "currency": "EUR", "customer_category": "installer"}
    actions.price_list_create(
        actor=cast.admin, values=installers, items=[{"product": pump_id, "unit_price": "950", "discount_percent": "5"}]
    )
    vip = _org(cast, "installer")
    actions.price_list_create(
        actor=cast.admin,
        values={"name": "VIP", "currency": "EUR", "organization": str(vip.public_id)},
        items=[{"product": pump_id, "min_quantity": "5", "unit_price": "800"}],
    )

    def price(quantity, organization=None, currency="EUR"):
        found = queries.price_for(pump, currency=currency, quantity=D(quantity), organization=organization)
        return None if found is None else (found.unit_price, found.discount_percent, found.price_list.name)

    assert price("1") == (D("1000"), D("0"), "EUR list")
    assert price("12") == (D("900"), D("0"), "EUR list")
    assert price("1", _org(cast, "installer")) == (D("950"), D("5"), "Installers")
    assert price("6", vip) == (D("800"), D("0"), "VIP")
    assert price("2", vip) == (D("950"), D("5"), "Installers")  # below the customer's break: the category's
    assert price("1", currency="HUF") is None


def test_a_list_outside_its_days_or_retired_gives_no_price(cast, catalogue):
    pump, _boiler = catalogue
    today = dt.date.today()
    actions.price_list_create(actor=cast.admin, values={"name": "Next year", "currency": "EUR",
                                                        "valid_from": today + dt.timedelta(days=365)},
                              items=[{"product": str(pump.public_id), "unit_price": "1"}])  # fmt: skip
    retired = actions.price_list_create(actor=cast.admin, values={"name": "Old", "currency": "EUR", "active": False},
                                        items=[{"product": str(pump.public_id), "unit_price": "2"}])  # fmt: skip
    assert retired.active is False
    assert queries.price_for(pump, currency="EUR", quantity=D(1)) is None


def test_a_lists_prices_are_replaced_whole_and_logged_in_its_event(cast, catalogue):
    pump, boiler = catalogue
    price_list = actions.price_list_create(actor=cast.admin, values={"name": "EUR", "currency": "EUR"},
                                           items=[{"product": str(pump.public_id), "unit_price": "1000"}])  # fmt: skip
    changed = actions.price_list_update(actor=cast.admin, price_list=price_list, values={},
                                        items=[{"product": str(boiler.public_id), "unit_price": "700.5"}],
                                        expected_version=1)  # fmt: skip
    assert [(i.product.sku, i.unit_price) for i in queries.price_list_get(changed.public_id).items.all()] == [
        ("BO-24", D("700.5"))
    ]
    event = Event.objects.filter(record_id=price_list.public_id, action="pricelist.update").get()
    assert event.changes["items"] == [[[str(pump.public_id), "1", "1000", "0"]],
                                      [[str(boiler.public_id), "1", "700.5", "0"]]]  # fmt: skip


def test_bad_prices_are_named_by_item_and_field_and_nothing_is_written(cast, catalogue):
    pump, _boiler = catalogue
    with pytest.raises(ValidationFailed) as refused:
        actions.price_list_create(actor=cast.admin, values={"name": "", "currency": "EURO"}, items=[
            {"product": str(pump.public_id), "unit_price": "-1"},
            {"product": "00000000-0000-0000-0000-000000000000", "unit_price": "1", "discount_percent": "101"},
            {"product": str(pump.public_id), "unit_price": 1.5},
        ])  # fmt: skip
    fields = {e.field for e in refused.value.errors}
    assert {"name", "currency", "items[0].unit_price", "items[1].product", "items[1].discount_percent",
            "items[2].unit_price"} <= fields  # fmt: skip
    assert not queries.price_lists().exists()


def test_only_administrators_keep_prices_and_rates(cast):
    with pytest.raises(PermissionDenied):
        actions.price_list_create(actor=cast.manager_north, values={"name": "Mine", "currency": "EUR"})
    with pytest.raises(PermissionDenied):
        actions.exchange_rate_set(actor=cast.manager_north, currency="HUF", day=dt.date(2026, 12, 1), rate=D("0.0025"))


def test_an_exchange_rate_holds_from_its_day_until_the_next_and_can_be_corrected(cast, settings):
    settings.CURRENCY = "EUR"
    actions.exchange_rate_set(actor=cast.admin, currency="HUF", day=dt.date(2026, 12, 1), rate=D("0.0025"))
    actions.exchange_rate_set(actor=cast.admin, currency="HUF", day=dt.date(2026, 12, 3), rate=D("0.0026"))
    assert queries.rate_on("HUF", dt.date(2026, 11, 30)) is None
    assert queries.rate_on("HUF", dt.date(2026, 12, 2)) == D("0.0025")
    assert queries.rate_on("HUF", dt.date(2026, 12, 9)) == D("0.0026")
    assert queries.rate_on("EUR", dt.date(2026, 12, 9)) == 1
    actions.exchange_rate_set(actor=cast.admin, currency="HUF", day=dt.date(2026, 12, 1), rate=D("0.00251"))
    assert queries.rate_on("HUF", dt.date(2026, 12, 2)) == D("0.00251")
    with pytest.raises(ValidationFailed):
        actions.exchange_rate_set(actor=cast.admin, currency="EUR", day=dt.date(2026, 12, 1), rate=D("-1"))


# --- the API ---------------------------------------------------------------------------------


def test_price_lists_and_rates_through_the_api(cast, catalogue):
    from clientela.testing.api import ApiClient

    pump, boiler = catalogue
    admin = ApiClient(cast.admin)
    body = {"name": "EUR 2027", "currency": "EUR", "valid_from": "2027-01-01",
            "items": [{"product": str(pump.public_id), "unit_price": "1000"},
                      {"product": str(pump.public_id), "min_quantity": "10", "unit_price": "900.5"}]}  # fmt: skip
    created = admin.post("/price-lists", body)
    assert created.status_code == 201, created.content
    made = created.json()
    assert [(i["min_quantity"], i["unit_price"]) for i in made["items"]] == [("1.000", "1000.0000"),
                                                                             ("10.000", "900.5000")]  # fmt: skip
    rep = ApiClient(cast.sales_north)
    assert [p["name"] for p in rep.get("/price-lists").json()["items"]] == ["EUR 2027"]
    assert rep.post("/price-lists", body).status_code == 403

    replaced = admin.patch(f"/price-lists/{made['id']}", {"items": [{"product": str(boiler.public_id),
                                                                    "unit_price": "700"}]},
                           headers={"If-Match": '"1"'})  # fmt: skip
    assert replaced.status_code == 200 and [i["product"]["id"] for i in replaced.json()["items"]] == [
        str(boiler.public_id)
    ]
    bad = admin.post("/price-lists", {**body, "items": [{"product": str(pump.public_id), "unit_price": "1",
                                                         "discount_percent": "150"}]})  # fmt: skip
    assert bad.status_code == 422

    rate = admin.put("/exchange-rates", {"currency": "HUF", "day": "2026-12-01", "rate": "0.0025"})
    assert rate.status_code == 200 and rate.json()["rate"] == "0.0025000000"
    assert admin.put("/exchange-rates", {"currency": "HUF", "day": "2026-12-01", "rate": "0.0026"}).status_code == 200
    assert [r["rate"] for r in rep.get("/exchange-rates").json()["items"]] == ["0.0026000000"]
    assert rep.put("/exchange-rates", {"currency": "HUF", "day": "2026-12-01", "rate": "1"}).status_code == 403
