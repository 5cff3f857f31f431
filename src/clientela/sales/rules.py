"""The rules of leads, pipelines and deals, in one place: which values each accepts and
how they are cleaned, how a deal's pipeline, stage and probability fit together, when a
lost reason is required. Pure rules: nothing here writes. Every interface (pages, API,
import, web form) checks input with these functions, so a value refused by one is refused
with the same message by all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, NotFound, ValidationFailed
from clientela.core.ids import is_uuid
from clientela.core.money import default_currency, is_currency
from clientela.core.validation import catch_errors, clean_values, is_country_code
from clientela.parties import normalize
from clientela.parties import queries as parties_queries
from clientela.parties.cleaning import check_assignment, point_problem, resolve_people
from clientela.parties.models import ContactPoint
from clientela.sales.entities import DEAL, LEAD, PRODUCT
from clientela.sales.models import (
    Deal,
    ForecastCategory,
    Lead,
    LeadStatus,
    LostReason,
    Outcome,
    Pipeline,
    PriceList,
    Product,
    Stage,
)

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_STAGES = 20
CENT = Decimal("0.01")
# A deal's forecast category follows its stage when it closes: won is closed, lost is left out.
CLOSED_CATEGORY = {Outcome.WON: ForecastCategory.CLOSED, Outcome.LOST: ForecastCategory.OMITTED}


def _clean_each(model: Any, values: dict[str, Any], allowed: Any, errors: list[FieldError]) -> dict[str, Any]:
    """`clean_values` field by field: the valid ones cleaned, the errors of the others collected,
    so that checks across fields still see every valid value."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        cleaned.update(catch_errors(errors, clean_values, model, {name: value}, allowed=allowed) or {})
    return cleaned


def _people(actor: User, values: dict[str, Any], current: Any | None) -> dict[str, Any]:
    people = resolve_people({k: values[k] for k in ("owner", "team") if k in values})
    check_assignment(actor, people, current)
    return people


def _currency(values: dict[str, Any], errors: list[FieldError]) -> None:
    code = values.get("currency")
    if code:
        code = code.upper()
        values["currency"] = code
        if not is_currency(code):
            errors.append(FieldError("currency", "invalid", _("is not an ISO 4217 currency code such as EUR")))


def _amount(name: str, values: dict[str, Any], errors: list[FieldError]) -> None:
    amount = values.get(name)
    if isinstance(amount, Decimal) and amount < 0:
        errors.append(FieldError(name, "invalid", _("must not be negative")))


def require_name(entity_name_field: str, values: dict[str, Any], current: Any | None) -> None:
    value = values.get(entity_name_field, getattr(current, entity_name_field, ""))
    if not value:
        raise ValidationFailed.single(entity_name_field, "required", _("is required"))


# --- leads ---------------------------------------------------------------------------------


def clean_lead(actor: User | None, values: dict[str, Any], current: Any | None) -> dict[str, Any]:
    """A lead's values (own fields, owner, team) cleaned; every bad field in one ValidationFailed.
    Without an actor (a web form's post) owner and team may not be given."""
    errors: list[FieldError] = []
    people: dict[str, Any] = {}
    if actor is not None:
        people = catch_errors(errors, _people, actor, values, current) or {}
    elif "owner" in values or "team" in values:
        errors.append(FieldError("owner", "forbidden", _("is not a field you can set")))
    own = {k: v for k, v in values.items() if k not in ("owner", "team")}
    cleaned = _clean_each(LEAD.model, own, LEAD.writable, errors)
    if cleaned.get("email"):
        problem = point_problem(ContactPoint.Kind.EMAIL, cleaned["email"])
        if problem:
            errors.append(FieldError("email", "invalid", problem))
    if cleaned.get("phone") and not normalize.is_plausible_phone(cleaned["phone"]):
        errors.append(FieldError("phone", "invalid", _("is not a phone number")))
    if cleaned.get("country"):
        if is_country_code(cleaned["country"]):
            cleaned["country"] = cleaned["country"].upper()
        else:
            errors.append(FieldError("country", "invalid", _("is not a two-letter country code such as HU")))
    if cleaned.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["website"])
        except ValidationError:
            errors.append(FieldError("website", "invalid", _("must be an http(s) address")))
    _currency(cleaned, errors)
    _amount("estimated_amount", cleaned, errors)
    if not any(e.field == LEAD.name_field for e in errors):
        catch_errors(errors, require_name, LEAD.name_field, {**values, **cleaned}, current)
    if errors:
        raise ValidationFailed(errors)
    cleaned.update(people)
    return cleaned


def require_open_status(cleaned: dict[str, Any]) -> None:
    """A lead is created open: converted and disqualified are reached by their own actions."""
    if cleaned.get("status") in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
        raise ValidationFailed.single("status", "invalid", _("a lead is converted or disqualified by its own action"))


def lead_phone_normalized(lead_values: dict[str, Any], region: str) -> str:
    phone = lead_values.get("phone") or ""
    return normalize.phone_e164(phone, lead_values.get("country") or region) if phone else ""


# --- pipelines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageInput:
    """One stage of a pipeline as written: an existing stage (by public id) or a new one."""

    name: str
    probability: int
    outcome: str = Outcome.OPEN
    public_id: Any = None


def clean_stages(items: list[dict[str, Any]], current: Pipeline | None) -> list[StageInput]:
    """A pipeline's stages in order: names unique, probabilities 0–100 (a won stage 100, a lost
    one 0), at least one open stage, exactly one won and at least one lost; a stage named by id
    must be one of this pipeline's."""
    errors: list[FieldError] = []
    known = {str(s.public_id): s for s in current.stages.all()} if current is not None else {}
    result: list[StageInput] = []
    seen: set[str] = set()
    if not items:
        raise ValidationFailed.single("stages", "required", _("a pipeline needs its stages"))
    if len(items) > MAX_STAGES:
        raise ValidationFailed.single("stages", "too_many", _("at most %(n)d stages") % {"n": MAX_STAGES})
    for index, item in enumerate(items):
        where = f"stages[{index}]"
        name = str(item.get("name") or "").strip()
        outcome = item.get("outcome") or Outcome.OPEN
        probability = item.get("probability")
        if not name:
            errors.append(FieldError(f"{where}.name", "required", _("is required")))
        elif len(name) > 100:
            errors.append(FieldError(f"{where}.name", "invalid", _("at most 100 characters")))
        elif name.casefold() in seen:
            errors.append(FieldError(f"{where}.name", "duplicate", _("two stages have this name")))
        seen.add(name.casefold())
        if outcome not in Outcome.values:
            errors.append(FieldError(f"{where}.outcome", "invalid", _("must be open, won or lost")))
        if probability is None:
            probability = {Outcome.WON: 100, Outcome.LOST: 0}.get(outcome)
        if not isinstance(probability, int) or isinstance(probability, bool) or not 0 <= probability <= 100:
            errors.append(FieldError(f"{where}.probability", "invalid", _("must be a whole number from 0 to 100")))
        elif outcome == Outcome.WON and probability != 100:
            errors.append(FieldError(f"{where}.probability", "invalid", _("a won stage has 100")))
        elif outcome == Outcome.LOST and probability != 0:
            errors.append(FieldError(f"{where}.probability", "invalid", _("a lost stage has 0")))
        public_id = item.get("id")
        if public_id is not None and str(public_id) not in known:
            errors.append(FieldError(f"{where}.id", "not_found", _("no such stage in this pipeline")))
        result.append(StageInput(name=name, probability=probability or 0, outcome=outcome, public_id=public_id))
    outcomes = [s.outcome for s in result]
    if Outcome.OPEN not in outcomes:
        errors.append(FieldError("stages", "invalid", _("a pipeline needs at least one open stage")))
    if outcomes.count(Outcome.WON) != 1:
        errors.append(FieldError("stages", "invalid", _("a pipeline needs exactly one won stage")))
    if Outcome.LOST not in outcomes:
        errors.append(FieldError("stages", "invalid", _("a pipeline needs a lost stage")))
    if errors:
        raise ValidationFailed(errors)
    return result


def clean_pipeline(values: dict[str, Any], current: Pipeline | None) -> dict[str, Any]:
    allowed = {"name", "is_default", "position"}
    cleaned = clean_values(Pipeline, values, allowed=allowed)
    require_name("name", {**values, **cleaned}, current)
    return cleaned


# --- deals -----------------------------------------------------------------------------------


def _by_public_id(model: Any, value: Any, name: str, message: str, errors: list[FieldError], **where: Any) -> Any:
    if isinstance(value, model):  # checked like an id: it must still exist and fit `where`
        value = value.public_id
    found = model.objects.filter(public_id=value, **where).first() if is_uuid(value) else None
    if found is None:
        errors.append(FieldError(name, "not_found", message))
    return found


def _visible(get: Any, actor: User, value: Any, name: str, message: str, errors: list[FieldError]) -> Any:
    if value is None or hasattr(value, "pk"):
        return value
    try:
        return get(actor, value)
    except NotFound:
        errors.append(FieldError(name, "not_found", message))
        return None


def clean_deal(actor: User, values: dict[str, Any], current: Deal | None) -> dict[str, Any]:
    """A deal's values cleaned and made consistent, every bad field in one ValidationFailed:
    - its organization and contact are records the actor may see;
    - its stage belongs to its pipeline (a pipeline alone puts it in the first stage; a new
      deal without either goes to the default pipeline);
    - a lost stage needs a lost reason from the active list; an open stage clears it;
    - the probability is the stage's unless given; the forecast category follows a closed stage;
    - amounts are not negative, the currency is an ISO 4217 code (the site's by default)."""
    errors: list[FieldError] = []
    values = dict(values)
    if values.get("currency") in (None, ""):  # not given: the site's for a new deal, unchanged for another
        values.pop("currency", None)
    people = catch_errors(errors, _people, actor, values, current) or {}
    refs: dict[str, Any] = {}
    if "organization" in values:
        refs["organization"] = _visible(
            parties_queries.organization_get, actor, values.pop("organization") or None,
            "organization", _("no such organization"), errors,
        )  # fmt: skip
    if "contact" in values:
        refs["contact"] = _visible(
            parties_queries.contact_get, actor, values.pop("contact") or None, "contact", _("no such contact"), errors
        )
    if "lead" in values:  # set by the conversion only, to the lead converted
        lead = values.pop("lead")
        if not isinstance(lead, Lead):
            errors.append(FieldError("lead", "unknown_field", _("is not a field you can set")))
        refs["lead"] = lead
    pipeline = current.pipeline if current is not None else None
    if values.get("pipeline"):
        pipeline = _by_public_id(Pipeline, values["pipeline"], "pipeline", _("no such pipeline"), errors)
    values.pop("pipeline", None)
    stage = current.stage if current is not None else None
    stage_given = values.pop("stage", None)
    if stage_given:
        where = {"pipeline": pipeline} if pipeline is not None else {}
        stage = _by_public_id(Stage, stage_given, "stage", _("no such stage in this pipeline"), errors, **where)
        if stage is not None and pipeline is None:
            pipeline = stage.pipeline
    elif pipeline is not None and (stage is None or stage.pipeline_id != pipeline.pk):
        stage = pipeline.stages.filter(outcome=Outcome.OPEN).order_by("position").first()
    if pipeline is None and current is None and not errors:
        pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
        stage = pipeline.stages.filter(outcome=Outcome.OPEN).order_by("position").first() if pipeline else None
        if pipeline is None:
            errors.append(FieldError("pipeline", "required", _("no pipeline exists yet: an administrator creates one")))
    lost_reason = current.lost_reason if current is not None else None
    if "lost_reason" in values:
        given = values.pop("lost_reason")
        lost_reason = (
            _by_public_id(LostReason, given, "lost_reason", _("no such lost reason"), errors, active=True)
            if given
            else None
        )
    own = {k: v for k, v in values.items() if k not in ("owner", "team")}
    cleaned = _clean_each(Deal, own, DEAL.writable, errors)
    _currency(cleaned, errors)
    _amount("amount", cleaned, errors)
    if stage is not None:
        if stage.outcome == Outcome.LOST and lost_reason is None:
            errors.append(FieldError("lost_reason", "required", _("say why the deal was lost")))
        if stage.outcome != Outcome.LOST:
            lost_reason = None
    if not any(e.field == DEAL.name_field for e in errors):
        catch_errors(errors, require_name, DEAL.name_field, {**values, **cleaned}, current)
    if errors:
        raise ValidationFailed(errors)
    cleaned.update(people)
    cleaned.update(refs)
    if current is None:
        cleaned.setdefault("currency", default_currency())
    if stage is not None and (current is None or stage.pk != current.stage_id):
        cleaned["pipeline"] = pipeline
        cleaned["stage"] = stage
        if "probability" not in cleaned or stage.is_closed:
            cleaned["probability"] = stage.probability
        if stage.is_closed:
            cleaned["forecast_category"] = CLOSED_CATEGORY[Outcome(stage.outcome)]
        elif current is not None and current.stage.is_closed and "forecast_category" not in cleaned:
            cleaned["forecast_category"] = ForecastCategory.PIPELINE  # reopened
    if current is None or lost_reason != current.lost_reason:
        cleaned["lost_reason"] = lost_reason
    return cleaned


# --- products ------------------------------------------------------------------------------------


def clean_product(values: dict[str, Any], current: Any | None) -> dict[str, Any]:
    """A product's values cleaned; every bad field in one ValidationFailed. The SKU is kept as
    given (without surrounding spaces); its uniqueness among live products is the action's check."""
    errors: list[FieldError] = []
    cleaned = _clean_each(PRODUCT.model, values, PRODUCT.writable, errors)
    for name in ("sku", "name", "unit"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    if "sku" in cleaned and not cleaned["sku"]:
        errors.append(FieldError("sku", "required", _("is required")))
    _currency(cleaned, errors)
    _amount("cost", cleaned, errors)
    rate = cleaned.get("tax_rate")
    if isinstance(rate, Decimal) and not 0 <= rate <= 100:
        errors.append(FieldError("tax_rate", "invalid", _("must be between 0 and 100")))
    for name in ("tax_rate", "cost"):  # as the column keeps them: "27" is 27.00
        if isinstance(cleaned.get(name), Decimal):
            cleaned[name] = cleaned[name].quantize(CENT)
    if not any(e.field == PRODUCT.name_field for e in errors):
        catch_errors(errors, require_name, PRODUCT.name_field, {**values, **cleaned}, current)
    if current is None and not cleaned.get("sku") and not any(e.field == "sku" for e in errors):
        errors.append(FieldError("sku", "required", _("is required")))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


# --- price lists ---------------------------------------------------------------------------------

PRICE_LIST_FIELDS = frozenset({"name", "currency", "customer_category", "organization", "valid_from", "valid_until",
                               "active"})  # fmt: skip
MAX_PRICE_ITEMS = 5000


@dataclass(frozen=True)
class PriceInput:
    """One price of a list as written: its product, quantity break, unit price and discount."""

    product: Any
    min_quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal


def clean_price_list(actor: User, values: dict[str, Any], current: Any | None) -> dict[str, Any]:
    """A price list's own values cleaned (every bad field at once); the customer, when given, is
    an organization the actor sees."""
    errors: list[FieldError] = []
    values = dict(values)
    organization = values.pop("organization", None) if "organization" in values else ...
    unknown = sorted(set(values) - PRICE_LIST_FIELDS)
    errors.extend(FieldError(name, "unknown_field", _("is not a field you can set")) for name in unknown)
    cleaned = _clean_each(PriceList, {k: v for k, v in values.items() if k in PRICE_LIST_FIELDS}, PRICE_LIST_FIELDS,
                          errors)  # fmt: skip
    _currency(cleaned, errors)
    catch_errors(errors, require_name, "name", {**values, **cleaned}, current)
    if current is None and not cleaned.get("currency") and not any(e.field == "currency" for e in errors):
        errors.append(FieldError("currency", "required", _("is required")))
    start = cleaned.get("valid_from", getattr(current, "valid_from", None))
    end = cleaned.get("valid_until", getattr(current, "valid_until", None))
    if start and end and end < start:
        errors.append(FieldError("valid_until", "invalid", _("is before the first day")))
    if organization is not ...:
        if organization in (None, ""):
            cleaned["organization"] = None
        else:
            found = _visible(parties_queries.organization_get, actor, organization, "organization",
                             _("no such organization"), errors)  # fmt: skip
            if found is not None:
                cleaned["organization"] = found
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def clean_price_items(items: Any) -> list[PriceInput]:
    """A list's prices: each names a live product by id, a quantity break (default 1), a unit
    price and a discount; one price per product and break. Errors name the item: `items[2].unit_price`."""
    if not isinstance(items, list):
        raise ValidationFailed.single("items", "invalid", _("must be a list"))
    if len(items) > MAX_PRICE_ITEMS:
        raise ValidationFailed.single("items", "too_many", _("at most %(n)d prices") % {"n": MAX_PRICE_ITEMS})
    errors: list[FieldError] = []
    ids = [item.get("product") for item in items if isinstance(item, dict)]
    products = {str(p.public_id): p for p in Product.objects.filter(public_id__in=[i for i in ids if is_uuid(i)])}
    result: list[PriceInput] = []
    seen: set[tuple[int, Decimal]] = set()
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object")))
            continue
        product = products.get(str(item.get("product")))
        if product is None:
            errors.append(FieldError(f"{where}.product", "not_found", _("no such product")))
        numbers: dict[str, Decimal] = {}
        for name, default, low, high in (("min_quantity", "1", Decimal("0.001"), None),
                                         ("unit_price", None, Decimal(0), None),
                                         ("discount_percent", "0", Decimal(0), Decimal(100))):  # fmt: skip
            raw = item.get(name, default)
            number = decimal_or_none(raw)
            if number is None or number < low or (high is not None and number > high):
                errors.append(FieldError(f"{where}.{name}", "invalid", _("is not a number in the allowed range")))
            else:
                numbers[name] = number
        if product is not None and len(numbers) == 3:
            key = (product.pk, numbers["min_quantity"])
            if key in seen:
                errors.append(FieldError(f"{where}.min_quantity", "duplicate", _("the product has this break already")))
            seen.add(key)
            result.append(PriceInput(product, numbers["min_quantity"], numbers["unit_price"],
                                     numbers["discount_percent"]))  # fmt: skip
    if errors:
        raise ValidationFailed(errors)
    return result


def decimal_or_none(raw: Any) -> Decimal | None:
    """A number given as text or a number (never a float, which is not exact); None if it is none."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, float):
        return None
    try:
        number = Decimal(str(raw).strip())
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() and abs(number) < Decimal("1e14") else None
