"""An entity's API schemas, derived from its declaration (`core/entities.py`).

Each value field of an `Entity` becomes one property of the request and response
bodies, typed and bounded by the model field it names: text by its `max_length`
(no NUL; the naming field must hold something besides spaces), choices by the
model's choices (with "" when the field may be blank), dates, integers within the
model's validators, decimals (money) by their digits and written as strings, URLs by
`URL_PATTERN`; a reference (an organization's parent) is the other record's public id.
The default is the model's.

What a declaration cannot say — who looks after a record (people), its child
collections, values computed for display — is the app's: it passes them in as
ready-made properties. So is a limit the API sets on top of the model's (a text
field without `max_length`, a tighter integer bound), given as `limits`.

The schemas are built at import time with `pydantic.create_model`; their class names
(`ContactCreate`, `OrganizationOut`, ...) are the OpenAPI component names.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeAlias

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from pydantic import BaseModel, Field, create_model

from clientela.core.apikit.text import decimal_text, required_text, text, whole
from clientela.core.entities import Entity

# What Django's URLValidator accepts, narrowed to plain http(s) host names.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?"
URL_PATTERN = rf"^(?:https?://{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,12}}(?:/[A-Za-z0-9._~/-]{{0,100}})?)?$"

# A property of a schema: (annotation, default), `...` for a required one — as `create_model` takes it.
Property: TypeAlias = tuple[Any, Any]
# Constraints the API adds to a model field's, by field name: {"notes": {"max_length": 20_000}}.
Limits: TypeAlias = Mapping[str, Mapping[str, Any]]


# --- one field ---------------------------------------------------------------------------------


def choice_type(values: Sequence[str], *, blank: bool) -> Any:
    """A `Literal` of the choices' values, led by "" when the field may be left empty."""
    return Literal[tuple(([""] if blank else []) + list(values))]


def _default(model_field: Any) -> Any:
    default = model_field.get_default()
    return default.value if isinstance(default, enum.Enum) else default


def _bounds(model_field: Any, limits: Mapping[str, Any]) -> dict[str, Any]:
    """An integer's bounds: its type's (a positive field's 0, as its form field has it), the model's
    own validators, then the API's limits. Not the column's range: that differs by database."""
    form_field = model_field.formfield()
    bounds = {
        key: value for key, value in (("ge", form_field.min_value), ("le", form_field.max_value)) if value is not None
    }
    for validator in (*model_field.default_validators, *model_field._validators):
        if isinstance(validator, (MinValueValidator, MaxValueValidator)):
            limit = validator.limit_value() if callable(validator.limit_value) else validator.limit_value
            if isinstance(validator, MinValueValidator):
                bounds["ge"] = max(bounds.get("ge", limit), limit)
            else:
                bounds["le"] = min(bounds.get("le", limit), limit)
    return {**bounds, **limits}


def _id_of(model_field: Any) -> str:
    with translation.override(None):  # the OpenAPI document is written in the source language
        return f"The {model_field.verbose_name}'s id"


def value_in(entity: Entity, name: str, *, limits: Limits | None = None) -> Property:
    """The property of a request body that sets the field `name`."""
    model_field = entity.model_field(name)
    extra = dict((limits or {}).get(name, {}))
    required = entity.required(name)
    annotation: Any
    if model_field.is_relation:
        return uuid.UUID | None, Field(default=None, description=_id_of(model_field))
    if model_field.choices:
        values = [str(value) for value, _label in model_field.flatchoices]
        annotation = choice_type(values, blank=model_field.blank)
    elif isinstance(model_field, models.URLField):
        annotation = Annotated[str, Field(max_length=model_field.max_length, pattern=URL_PATTERN, **extra)]
    elif isinstance(model_field, (models.CharField, models.TextField)):
        max_length = extra.pop("max_length", model_field.max_length)
        if max_length is None:
            raise ImproperlyConfigured(f"{entity.name}.{name}: a text field without max_length needs a limit")
        annotation = Annotated[str, (required_text if required else text)(max_length, **extra)]
    elif isinstance(model_field, models.DateTimeField):
        annotation = dt.datetime
    elif isinstance(model_field, models.DateField):
        annotation = dt.date
    elif isinstance(model_field, models.DecimalField):  # money: "53.97", never a float
        signed = extra.pop("ge", -1) < 0
        annotation = Annotated[
            str, decimal_text(model_field.max_digits, model_field.decimal_places, signed=signed, **extra)
        ]
    elif isinstance(model_field, models.IntegerField):
        annotation = Annotated[int, *whole(**_bounds(model_field, extra))]
    elif isinstance(model_field, models.BooleanField):
        annotation = bool
    else:
        raise ImproperlyConfigured(f"{entity.name}.{name}: no API type for {type(model_field).__name__}")
    if model_field.null:
        annotation = annotation | None
    return annotation, (... if required else _default(model_field))


def value_out(entity: Entity, name: str) -> Property:
    """The property of a response body that shows the field `name` (always present)."""
    model_field = entity.model_field(name)
    annotation: Any
    if model_field.is_relation:
        annotation = uuid.UUID  # the other record's public id
    elif model_field.choices or isinstance(model_field, (models.CharField, models.TextField)):
        annotation = str
    elif isinstance(model_field, models.DateTimeField):
        annotation = dt.datetime
    elif isinstance(model_field, models.DateField):
        annotation = dt.date
    elif isinstance(model_field, models.DecimalField):
        annotation = Decimal  # written as a decimal string: "53.97"
    elif isinstance(model_field, models.IntegerField):
        annotation = int
    elif isinstance(model_field, models.BooleanField):
        annotation = bool
    else:
        raise ImproperlyConfigured(f"{entity.name}.{name}: no API type for {type(model_field).__name__}")
    return (annotation | None if model_field.null else annotation), ...


def settable(entity: Entity) -> tuple[str, ...]:
    """The fields a request body sets by themselves: the value fields, then the references."""
    return (*entity.value_fields, *(reference.name for reference in entity.references))


# --- the entity's schemas ----------------------------------------------------------------------


# The fields every record shows (`core.models.Record`), the public id as `id`.
RECORD_OUT: dict[str, Property] = {
    "id": (uuid.UUID, ...),
    "version": (int, ...),
    "created_at": (dt.datetime, ...),
    "updated_at": (dt.datetime, ...),
    "deleted_at": (dt.datetime | None, ...),
}


@dataclass(frozen=True)
class Bases:
    """The schema classes an app's bodies derive from (configuration: extra fields, defaults shown)."""

    create: type[BaseModel]
    patch: type[BaseModel]
    out: type[BaseModel]


@dataclass(frozen=True)
class EntitySchemas:
    entity: Entity
    create: type[BaseModel]  # POST body: the naming field required, the others defaulted
    patch: type[BaseModel]  # PATCH body: every field optional
    summary: type[BaseModel]  # a record in a list
    out: type[BaseModel]  # one record


def entity_schemas(
    entity: Entity,
    *,
    bases: Bases,
    module: str,
    inputs: Mapping[str, Property] | None = None,
    summary: Sequence[str] = (),
    summary_extra: Mapping[str, Property] | None = None,
    detail_extra: Mapping[str, Property] | None = None,
    limits: Limits | None = None,
    patch_doc: str | None = None,
) -> EntitySchemas:
    """The create, patch, summary and detail schemas of `entity`, named after its model.

    Request bodies: every value field and reference, then `inputs` (people, collections).
    A summary: `RECORD_OUT`, the value fields named in `summary` (all when empty) and
    `summary_extra`; the detail adds the remaining value fields, the references and
    `detail_extra`. `module` is where the classes say they live (the app's schemas module).
    """
    prefix = entity.model.__name__
    body = {name: value_in(entity, name, limits=limits) for name in settable(entity)}
    body.update(inputs or {})
    patch = {name: (annotation, None if default is ... else default) for name, (annotation, default) in body.items()}
    shown = tuple(summary) or entity.value_fields
    unknown = [name for name in shown if name not in entity.value_fields]
    if unknown:
        raise ImproperlyConfigured(f"{entity.name}: the summary names unknown fields {unknown}")
    listed = {**RECORD_OUT, **{name: value_out(entity, name) for name in shown}, **(summary_extra or {})}
    rest = {name: value_out(entity, name) for name in settable(entity) if name not in shown}
    return EntitySchemas(
        entity=entity,
        create=_schema(f"{prefix}Create", bases.create, body, module=module),
        patch=_schema(f"{prefix}Patch", bases.patch, patch, module=module, doc=patch_doc),
        summary=_schema(f"{prefix}Summary", bases.out, listed, module=module),
        out=_schema(f"{prefix}Out", bases.out, {**listed, **rest, **(detail_extra or {})}, module=module),
    )


def _schema(
    name: str, base: type[BaseModel], fields: Mapping[str, Property], *, module: str, doc: str | None = None
) -> type[BaseModel]:
    definitions: dict[str, Any] = dict(fields)  # to mypy, `**` of tuples could also fill `__doc__` & co.
    return create_model(name, __base__=base, __module__=module, __doc__=doc, **definitions)
