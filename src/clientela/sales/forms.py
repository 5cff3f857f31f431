"""The page forms of leads and deals, from their declarations: each input's label, widget
and choices are the entity's (`core/entities.py`); what the user typed comes back with the
errors the action gave, field by field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from clientela.core.entities import CHOICE, Entity
from clientela.core.errors import FieldError
from clientela.core.money import currencies
from clientela.sales.entities import LEAD

if TYPE_CHECKING:
    from clientela.sales.models import Pipeline

# What a page form shows of each entity, in order (references are picked apart).
LEAD_INPUTS = LEAD.layout
DEAL_INPUTS = (
    "name", "amount", "currency", "expected_close_date", "probability", "forecast_category",
    "products_of_interest", "competitors", "description",
)  # fmt: skip


def _spec(entity: Entity, name: str) -> dict[str, Any]:
    widget = entity.widget(name)
    choices: Any = entity.choices(name) if widget == CHOICE else ()
    if entity is LEAD and name == "status":  # converted and disqualified have their own buttons
        choices = [(value, label) for value, label in choices if value not in ("converted", "disqualified")]
    if name == "currency":
        widget, choices = CHOICE, [(code, code) for code in sorted(currencies())]
        if entity is LEAD:
            choices = [("", "—"), *choices]
    if name == "probability":
        widget = "number"
    return {"label": entity.label(name), "widget": widget, "choices": choices, "required": entity.required(name)}


def fields(
    entity: Entity, names: tuple[str, ...], values: dict[str, Any], errors: list[FieldError]
) -> list[dict[str, Any]]:
    """The inputs of a form: spec, current value and errors of each field."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(error.message)
    result = []
    for name in names:
        value = values.get(name)
        result.append(
            {
                "id": f"f-{name}",
                "name": name,
                "value": "" if value is None else str(value),
                "errors": by_field.get(name, []),
                "spec": _spec(entity, name),
            }
        )
    return result


def posted(data: QueryDict, names: tuple[str, ...]) -> dict[str, Any]:
    """The values a form posted for `names` (empty strings kept: they clear a field)."""
    return {name: data.get(name, "").strip() for name in names if name in data}


def record_values(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def stage_choices(pipelines: list[Pipeline]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every stage, grouped by pipeline (an <optgroup> each)."""
    return [(p.name, [(str(s.public_id), s.name) for s in p.stages.all()]) for p in pipelines]


NO_PIPELINE = _("No pipeline exists yet: an administrator creates one.")
