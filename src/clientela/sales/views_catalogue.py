"""Pages of the catalogue: products and price lists. Everyone reads them (a quote needs them);
administrators add and change them, through the same actions as the API, so the same checks
name the same fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clientela.core.errors import Conflict, FieldError, NotFound, Refused, ValidationFailed
from clientela.core.money import default_currency, plain
from clientela.parties import queries as parties_queries
from clientela.sales import actions, queries
from clientela.sales.rules import decimal_or_none

PRODUCT_INPUTS = ("sku", "name", "description", "unit", "cost", "currency", "tax_rate")
PRICE_LIST_INPUTS = ("name", "currency", "customer_category", "valid_from", "valid_until")
ITEM_INPUTS = ("product", "min_quantity", "unit_price", "discount_percent")
MAX_ITEM_ROWS = 500


def _require_admin(request: HttpRequest) -> None:
    if not request.user.policy.can_administer:
        raise DjangoPermissionDenied(_("only administrators keep the catalogue"))


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    listed = queries.products()
    for word in text.split()[:5]:
        from django.db.models import Q

        listed = listed.filter(Q(sku__icontains=word) | Q(name__icontains=word))
    page = Paginator(listed.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "sales/catalogue/products.html", {"page": page, "text": text})


def _product_values(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: request.POST.get(name, "").strip() for name in PRODUCT_INPUTS}
    values["active"] = request.POST.get("active") == "1"
    for name in ("cost", "tax_rate"):
        values[name] = values[name].replace(",", ".") or None
    if values["tax_rate"] is None:
        values["tax_rate"] = "0"
    values["unit"] = values["unit"] or "pc"
    if not values["currency"]:
        values.pop("currency")  # the reporting currency
    return values


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    product = None
    if public_id is not None:
        try:
            product = queries.product_get(public_id)
        except NotFound:
            raise Http404(_("no such product")) from None
    if request.method == "GET":
        values = {"currency": default_currency(), "unit": "pc", "tax_rate": "0", "active": True}
        if product is not None:
            values = {name: "" if getattr(product, name) is None else getattr(product, name) for name in PRODUCT_INPUTS}
            values |= {"active": product.active, "version": product.version}
        return _product_page(request, product, values, [])
    _require_admin(request)
    values = _product_values(request)
    try:
        if product is None:
            product = actions.product_create(actor=request.user, values=values)
        else:
            version = int(request.POST.get("version") or 0) or None
            actions.product_update(actor=request.user, product=product, values=values, expected_version=version)
    except ValidationFailed as failed:
        return _product_page(request, product, values, failed.errors, status=422)
    except Conflict:
        errors = [FieldError("", "conflict", _("someone changed this product meanwhile: reload and try again"))]
        return _product_page(request, product, values, errors, status=409)
    except Refused as refused:
        return _product_page(
            request, product, values, [FieldError("sku", refused.code, str(refused.message))], status=409
        )
    messages.success(request, _("Product saved."))
    return HttpResponseRedirect(reverse("sales:product_list"))


def _product_page(
    request: HttpRequest, product: Any, values: dict[str, Any], errors: list[FieldError], status: int = 200
) -> HttpResponse:
    context = {"product": product, "values": values, "errors": errors, "error_fields": {e.field for e in errors},
               "can_edit": request.user.policy.can_administer}  # fmt: skip
    return render(request, "sales/catalogue/product_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def price_list_list(request: HttpRequest) -> HttpResponse:
    """The price lists, and each currency's latest exchange rate to the reporting currency (set
    by administrators here, or through the API)."""
    errors: list[FieldError] = []
    typed = {name: request.POST.get(name, "").strip() for name in ("currency", "day", "rate")}
    if request.method == "POST":
        _require_admin(request)
        day = None
        try:
            day = dt.date.fromisoformat(typed["day"])
        except ValueError:
            errors.append(FieldError("day", "invalid", _("is not a date (YYYY-MM-DD)")))
        rate = decimal_or_none(typed["rate"].replace(",", "."))
        if rate is None:
            errors.append(FieldError("rate", "invalid", _("must be a positive number")))
        if not errors and day is not None and rate is not None:
            try:
                actions.exchange_rate_set(actor=request.user, currency=typed["currency"].upper(), day=day, rate=rate)
            except ValidationFailed as failed:
                errors = failed.errors
        if not errors:
            messages.success(request, _("Exchange rate saved."))
            return HttpResponseRedirect(reverse("sales:price_list_list"))
    context = {
        "lists": list(queries.price_lists().select_related("organization")), "rates": queries.latest_rates(),
        "reporting": default_currency(), "errors": errors, "typed": typed,
    }  # fmt: skip
    return render(request, "sales/catalogue/price_lists.html", context, status=422 if errors else 200)


def _posted_items(request: HttpRequest) -> list[dict[str, Any]]:
    items = []
    for index in range(MAX_ITEM_ROWS):
        row = {name: request.POST.get(f"item-{index}-{name}", "").strip().replace(",", ".") for name in ITEM_INPUTS}
        if not row["product"] or request.POST.get(f"item-{index}-remove"):
            continue
        row["min_quantity"] = row["min_quantity"] or "1"
        row["discount_percent"] = row["discount_percent"] or "0"
        items.append(row)
    return items


@login_required
@require_http_methods(["GET", "POST"])
def price_list_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    price_list = None
    if public_id is not None:
        try:
            price_list = queries.price_list_get(public_id)
        except NotFound:
            raise Http404(_("no such price list")) from None
    if request.method == "GET":
        values: dict[str, Any] = {"currency": default_currency(), "active": True}
        items: list[dict[str, Any]] = []
        if price_list is not None:
            values = {name: getattr(price_list, name) or "" for name in PRICE_LIST_INPUTS}
            customer = price_list.organization.name if price_list.organization else ""
            values |= {"active": price_list.active, "version": price_list.version, "organization_name": customer}
            items = [
                {"product": str(item.product.public_id), "min_quantity": str(plain(item.min_quantity)),
                 "unit_price": str(plain(item.unit_price)), "discount_percent": str(plain(item.discount_percent))}
                for item in price_list.items.select_related("product")
            ]  # fmt: skip
        return _price_list_page(request, price_list, values, items, [])
    _require_admin(request)
    values = {name: request.POST.get(name, "").strip() for name in PRICE_LIST_INPUTS}
    values["active"] = request.POST.get("active") == "1"
    for name in ("valid_from", "valid_until"):
        values[name] = values[name] or None
    items = _posted_items(request)
    shown = {**values, "organization_name": request.POST.get("organization_name", "").strip()}
    errors: list[FieldError] = []
    if shown["organization_name"]:
        found = parties_queries.organizations_visible(request.user).filter(name=shown["organization_name"]).first()
        if found is None:
            errors.append(FieldError("organization", "not_found", _("no organization you can see has this name")))
        else:
            values["organization"] = str(found.public_id)
    else:
        values["organization"] = None
    if errors:
        return _price_list_page(request, price_list, shown, items, errors, status=422)
    try:
        if price_list is None:
            price_list = actions.price_list_create(actor=request.user, values=values, items=items)
        else:
            version = int(request.POST.get("version") or 0) or None
            actions.price_list_update(actor=request.user, price_list=price_list, values=values, items=items,
                                      expected_version=version)  # fmt: skip
    except ValidationFailed as failed:
        return _price_list_page(request, price_list, shown, items, failed.errors, status=422)
    except Conflict:
        errors = [FieldError("", "conflict", _("someone changed this price list meanwhile: reload and try again"))]
        return _price_list_page(request, price_list, shown, items, errors, status=409)
    messages.success(request, _("Price list saved."))
    return HttpResponseRedirect(reverse("sales:price_list_edit", args=[price_list.public_id]))


def _price_list_page(
    request: HttpRequest, price_list: Any, values: dict[str, Any], items: list[dict[str, Any]],
    errors: list[FieldError], status: int = 200,
) -> HttpResponse:  # fmt: skip
    item_errors: dict[int, list[str]] = {}
    for error in errors:
        if error.field.startswith("items["):
            index = int(error.field[6 : error.field.index("]")])
            item_errors.setdefault(index, []).append(f"{error.field.partition('.')[2]}: {error.message}")
    rows = [(index, item, item_errors.get(index, [])) for index, item in enumerate(items)]
    rows += [(len(items) + n, dict.fromkeys(ITEM_INPUTS, ""), []) for n in range(3)]  # room for new prices
    context = {
        "price_list": price_list, "values": values, "rows": rows, "errors": errors,
        "error_fields": {e.field for e in errors}, "products": list(queries.products().order_by("name", "id")),
        "can_edit": request.user.policy.can_administer,
        "other_errors": [e for e in errors if not e.field.startswith("items[")],
    }  # fmt: skip
    return render(request, "sales/catalogue/price_list_form.html", context, status=status)
