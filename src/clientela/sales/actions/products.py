"""The product catalogue: administrators add, change, retire, trash and restore products. A
SKU names one live product: a second one is refused (409) naming the product that has it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import Refused
from clientela.core.money import default_currency
from clientela.core.visibility import require_admin
from clientela.sales.models import Product
from clientela.sales.rules import clean_product

if TYPE_CHECKING:
    from clientela.accounts.models import User


class SkuTaken(Refused):
    """Another live product has the SKU."""

    status = 409
    code = "sku_taken"

    def __init__(self, sku: str, product: Product) -> None:
        self.message = _("another product has the SKU %(sku)s: %(name)s") % {"sku": sku, "name": product.name}
        self.product = product
        super().__init__(self.message)

    def details(self) -> dict[str, Any]:
        return {"product": str(self.product.public_id)}


def _check_sku(sku: str | None, current: Product | None) -> None:
    if not sku:
        return
    other = Product.objects.select_for_update().filter(sku=sku).exclude(pk=getattr(current, "pk", None)).first()
    if other is not None:
        raise SkuTaken(sku, other)


def product_create(*, actor: User, values: dict[str, Any]) -> Product:
    require_admin(actor)
    cleaned = clean_product(values, None)
    cleaned.setdefault("currency", default_currency())
    with transaction.atomic():
        _check_sku(cleaned.get("sku"), None)
        return records.create_record(Product, actor=actor, values=cleaned, action="product.create")


def product_update(
    *, actor: User, product: Product, values: dict[str, Any], expected_version: int | None = None, merge: bool = False
) -> Product:
    require_admin(actor)
    cleaned = clean_product(values, product)
    with transaction.atomic():
        _check_sku(cleaned.get("sku"), product)
        return records.update_record(
            product, actor=actor, values=cleaned, action="product.update", expected_version=expected_version,
            merge=merge,
        )  # fmt: skip


def product_trash(*, actor: User, product: Product, expected_version: int | None = None) -> Product:
    require_admin(actor)
    return records.trash_record(product, actor=actor, action="product.trash", expected_version=expected_version)


def product_restore(*, actor: User, product: Product) -> Product:
    """Back from the trash, unless another live product took its SKU meanwhile."""
    require_admin(actor)
    with transaction.atomic():
        _check_sku(product.sku, product)
        return records.restore_record(product, actor=actor, action="product.restore")
