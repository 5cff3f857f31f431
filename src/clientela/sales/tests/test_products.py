"""The product catalogue: administrators keep it, everyone reads it; one live product per
SKU; money and rates as decimal strings; bad input named by field; the API's guarantees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.sales import actions
from clientela.sales.actions.products import SkuTaken
from clientela.sales.models import Product
from clientela.testing.api import ApiClient

PUMP = {"sku": "HP-8", "name": "Heat pump 8 kW", "cost": "1850.00", "currency": "EUR", "tax_rate": "27"}


def test_an_administrator_adds_a_product_with_exact_money_and_rate(cast):
    product = actions.product_create(actor=cast.admin, values=PUMP)
    assert (product.cost, product.tax_rate, product.unit, product.active) == (Decimal("1850.00"), 27, "pc", True)


def test_a_sku_names_one_live_product_and_is_free_again_once_that_one_is_trashed(cast):
    first = actions.product_create(actor=cast.admin, values=PUMP)
    with pytest.raises(SkuTaken) as taken:
        actions.product_create(actor=cast.admin, values={**PUMP, "name": "Another"})
    assert taken.value.details() == {"product": str(first.public_id)}
    actions.product_trash(actor=cast.admin, product=first)
    second = actions.product_create(actor=cast.admin, values={**PUMP, "name": "Heat pump 8 kW, new model"})
    with pytest.raises(SkuTaken):
        actions.product_restore(actor=cast.admin, product=first)
    assert Product.objects.get().pk == second.pk


def test_bad_product_input_names_every_field_and_writes_nothing(cast):
    with pytest.raises(ValidationFailed) as refused:
        actions.product_create(
            actor=cast.admin, values={"sku": " ", "name": "", "currency": "XYZ1", "tax_rate": "127", "cost": "-1"}
        )
    assert {e.field for e in refused.value.errors} == {"sku", "name", "currency", "tax_rate", "cost"}
    assert not Product.objects.exists()


@pytest.mark.parametrize("username", ["manager_north", "sales_north", "readonly_north"])
def test_only_administrators_keep_the_catalogue(cast, username):
    with pytest.raises(PermissionDenied):
        actions.product_create(actor=getattr(cast, username), values=PUMP)


def test_the_api_lists_finds_changes_and_trashes_products_with_the_foundations_guarantees(cast):
    admin = ApiClient(cast.admin)
    created = admin.post("/products", PUMP, headers={"Idempotency-Key": "pump-1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["cost"], body["tax_rate"], body["currency"]) == ("1850.00", "27.00", "EUR")
    assert admin.post("/products", PUMP, headers={"Idempotency-Key": "pump-1"}).json()["id"] == body["id"]
    taken = admin.post("/products", {**PUMP, "name": "Copy"})
    assert taken.status_code == 409 and taken.json()["product"] == body["id"]
    admin.post("/products", {"sku": "BO-24", "name": "Gas boiler 24 kW", "tax_rate": "27"})

    rep = ApiClient(cast.sales_north)
    assert [p["sku"] for p in rep.get("/products").json()["items"]] == ["BO-24", "HP-8"]
    assert [p["sku"] for p in rep.get("/products", {"q": "pump"}).json()["items"]] == ["HP-8"]
    assert rep.post("/products", {"sku": "X", "name": "X"}).status_code == 403

    stale = admin.patch(f"/products/{body['id']}", {"active": False}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    retired = admin.patch(f"/products/{body['id']}", {"active": False}, headers={"If-Match": '"1"'})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert [p["sku"] for p in rep.get("/products", {"active": "true"}).json()["items"]] == ["BO-24"]
    assert admin.delete(f"/products/{body['id']}", headers={"If-Match": '"2"'}).status_code == 200
    assert [p["sku"] for p in rep.get("/products", {"trash": "true"}).json()["items"]] == ["HP-8"]


def test_money_in_the_api_is_a_decimal_string_never_a_number(cast):
    refused = ApiClient(cast.admin).post("/products", {**PUMP, "cost": 1850.5})
    assert refused.status_code == 422
