"""Price lists and exchange rates: administrators keep them. A list is written with all its
prices at once (the prices a caller gives replace the list's), one event naming what changed;
an exchange rate is data for one currency and day (set again, it is replaced)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import ValidationFailed
from clientela.core.money import default_currency, is_currency, plain
from clientela.core.visibility import require_admin
from clientela.sales.models import ExchangeRate, PriceList, PriceListItem
from clientela.sales.rules import PriceInput, clean_price_items, clean_price_list

if TYPE_CHECKING:
    import datetime as dt

    from clientela.accounts.models import User


def _logged(items: list[PriceInput] | list[PriceListItem]) -> list[list[str]]:
    """Prices as the change log keeps them: [product id, from quantity, unit price, discount]."""
    return sorted(
        [str(i.product.public_id), _plain(i.min_quantity), _plain(i.unit_price), _plain(i.discount_percent)]
        for i in items
    )


def _plain(number: Decimal) -> str:
    """A number without trailing zeros and never in exponent form: 1000.0000 -> "1000"."""
    return str(plain(number))


def _write_items(price_list: PriceList, items: list[PriceInput]) -> None:
    PriceListItem.objects.filter(price_list=price_list).delete()
    PriceListItem.objects.bulk_create(
        PriceListItem(price_list=price_list, product=i.product, min_quantity=i.min_quantity, unit_price=i.unit_price,
                      discount_percent=i.discount_percent)
        for i in items
    )  # fmt: skip


def price_list_create(*, actor: User, values: dict[str, Any], items: list[dict[str, Any]] | None = None) -> PriceList:
    require_admin(actor)
    errors = []
    cleaned: dict[str, Any] = {}
    prices: list[PriceInput] = []
    for check in (lambda: clean_price_list(actor, values, None), lambda: clean_price_items(items or [])):
        try:
            result = check()
        except ValidationFailed as failed:
            errors.extend(failed.errors)
            continue
        if isinstance(result, dict):
            cleaned = result
        else:
            prices = result
    if errors:
        raise ValidationFailed(errors)

    def after_insert(price_list: PriceList) -> dict[str, list[Any]]:
        _write_items(price_list, prices)
        return {"items": [None, _logged(prices)]} if prices else {}

    return records.create_record(
        PriceList, actor=actor, values=cleaned, action="pricelist.create", after_insert=after_insert
    )


def price_list_update(
    *,
    actor: User,
    price_list: PriceList,
    values: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> PriceList:
    """Change a list at `expected_version`; `items`, when given, replace its prices."""
    require_admin(actor)
    cleaned = clean_price_list(actor, values, price_list)
    prices = clean_price_items(items) if items is not None else None

    def after_write(current: PriceList) -> dict[str, list[Any]]:
        if prices is None:
            return {}
        before = _logged(list(PriceListItem.objects.filter(price_list=current).select_related("product")))
        after = _logged(prices)
        if before == after:
            return {}
        _write_items(current, prices)
        return {"items": [before, after]}

    return records.update_record(
        price_list, actor=actor, values=cleaned, action="pricelist.update", expected_version=expected_version,
        after_write=after_write, touched=("items",) if prices is not None else (),
    )  # fmt: skip


def price_list_trash(*, actor: User, price_list: PriceList, expected_version: int | None = None) -> PriceList:
    require_admin(actor)
    return records.trash_record(price_list, actor=actor, action="pricelist.trash", expected_version=expected_version)


def exchange_rate_set(*, actor: User, currency: str, day: dt.date, rate: Decimal) -> ExchangeRate:
    """What one unit of `currency` is worth in the reporting currency on `day`."""
    require_admin(actor)
    errors = []
    if not is_currency(currency) or currency == default_currency():
        errors.append(ValidationFailed.single("currency", "invalid", _("a currency other than the reporting one")))
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0 or rate >= Decimal("1e10"):
        errors.append(ValidationFailed.single("rate", "invalid", _("must be a positive number")))
    if errors:
        raise ValidationFailed([e for failed in errors for e in failed.errors])
    with transaction.atomic():
        found, _created = ExchangeRate.objects.update_or_create(
            currency=currency, day=day, defaults={"rate": rate.quantize(Decimal("1e-10"))}
        )
    return found
