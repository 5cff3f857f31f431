"""Each entity declared once: the mechanism.

An app declares each of its entities (contact, organization, and later lead, deal,
quote, ticket, ...) as one `Entity`: its model, its fields in their canonical order,
which field names it, which collections it has, how each field is written in a
spreadsheet header. Everything an interface needs is derived from that declaration
and from the model field it names (label, type, length, choices, required), never
listed again per interface:

- the fields an action accepts (`Entity.writable`),
- the import's targets, labels and header synonyms, and the export's columns
  (`Entity.value_fields`, `Field.synonyms`, `Entity.label`),
- the API's input and output schemas (`entity_schemas` in `core/apikit/entity_schemas.py`),
- the page form's inputs (`Field.widget`, `Entity.choices`, `Entity.form_layout`).

A field's rules (length, choices, type) stay the model's: the declaration only says
how the field is presented and exchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.text import capfirst

# What a field holds, as interfaces see it (derived from the model field unless given).
TEXT = "text"
TEXTAREA = "textarea"
CHOICE = "select"
DATE = "date"
NUMBER = "number"
URL = "url"
REFERENCE = "reference"  # another record of the app (an organization's parent)
PERSON = "person"  # a user (owner) or a team


@dataclass(frozen=True)
class Field:
    """One field of an entity, by the model field's name."""

    name: str
    # Header words (folded when compared) that an import maps to this field, in English and in
    # the seed languages, besides its name and its label in every language.
    synonyms: tuple[str, ...] = ()
    widget: str = ""  # "" = derived from the model field
    help: Any = ""
    label: Any = None  # None = the model field's verbose name
    imported: bool = True  # a column of the import and the export
    required_choice: bool = False  # a choice field that always has a value (no empty choice)
    # "personal" or "sensitive" (core/personal_data.py): guarded, audited, exported and erased as such.
    privacy: str = ""


@dataclass(frozen=True)
class Entity:
    """One kind of record, declared once."""

    name: str  # "contact": the entity's key in URLs, events ("contact.update"), imports
    model: type[models.Model]
    name_field: str  # the field that names a record and is required ("last_name", "name")
    fields: tuple[Field, ...]  # the record's own values, in import/export order
    people: tuple[str, ...] = ("owner", "team")  # who looks after a record
    references: tuple[Field, ...] = ()  # links to other records set by reference (a parent)
    collections: tuple[str, ...] = ()  # child collections the entity has (emails, tags, ...)
    form_layout: tuple[str, ...] = ()  # the order of the page form's inputs ("" = `fields`)
    sorts: tuple[str, ...] = ()  # the orders a list may be sorted by
    extra: dict[str, Any] = field(default_factory=dict)

    # --- names -----------------------------------------------------------------------

    @property
    def value_fields(self) -> tuple[str, ...]:
        """The record's own value fields, in canonical (import/export) order."""
        return tuple(f.name for f in self.fields)

    @property
    def writable(self) -> frozenset[str]:
        """Every field an action accepts in `values`: own values, people and references."""
        return frozenset((*self.value_fields, *self.people, *(r.name for r in self.references)))

    def field(self, name: str) -> Field:
        for candidate in (*self.fields, *self.references):
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no field {name!r}")

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    # --- what the model says of a field ------------------------------------------------

    def model_field(self, name: str) -> Any:
        return self.model._meta.get_field(name)

    def label(self, name: str) -> Any:
        """The field's label: the declaration's, else the model field's verbose name, capitalised."""
        declared = self.field(name).label if name in self.writable and name not in self.people else None
        if declared is not None:
            return declared
        return capfirst(self.model_field(name).verbose_name)

    def required(self, name: str) -> bool:
        return name == self.name_field

    def max_length(self, name: str) -> int | None:
        return getattr(self.model_field(name), "max_length", None)

    def choices(self, name: str) -> tuple[tuple[str, Any], ...]:
        """The field's choices as (value, label), with an empty choice unless it always has a value."""
        options = tuple(self.model_field(name).choices or ())
        if not options or self.field(name).required_choice:
            return options
        return (("", "—"), *options)

    def widget(self, name: str) -> str:
        declared = self.field(name).widget
        if declared:
            return declared
        model_field = self.model_field(name)
        if model_field.choices:
            return CHOICE
        if isinstance(model_field, models.TextField):
            return TEXTAREA
        if isinstance(model_field, models.DateField):
            return DATE
        if isinstance(model_field, models.IntegerField):
            return NUMBER
        if isinstance(model_field, models.URLField):
            return URL
        if model_field.is_relation:
            return REFERENCE
        return TEXT

    @property
    def layout(self) -> tuple[str, ...]:
        return self.form_layout or self.value_fields


_ENTITIES: dict[str, Entity] = {}


def declare(entity: Entity) -> Entity:
    """Register an entity (each app declares its own in `entities.py`)."""
    existing = _ENTITIES.get(entity.name)
    if existing is not None and existing is not entity:
        raise ValueError(f"entity {entity.name!r} is declared twice")
    unknown = [name for name in entity.layout if name not in entity.value_fields]
    if unknown:
        raise ValueError(f"{entity.name}: the form layout names unknown fields {unknown}")
    for name in (*entity.value_fields, *(r.name for r in entity.references)):
        entity.model._meta.get_field(name)  # a declared field must exist (FieldDoesNotExist otherwise)
    _ENTITIES[entity.name] = entity
    return entity


def entity(name: str) -> Entity:
    return _ENTITIES[name]


def entity_of(record_or_model: Any) -> Entity:
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    for declared in _ENTITIES.values():
        if issubclass(model, declared.model):
            return declared
    raise KeyError(f"no entity is declared for {model.__name__}")
