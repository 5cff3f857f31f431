"""The contact and organization edit forms: what they show and how a POST becomes
the values and collections an action takes.

A form's state is a flat mapping of input keys to canonical strings (scalars,
`owner`, `emails`, `addresses`, `custom.<key>`...). The same canonical form is
built from a record, from a POST and from the signed baseline the form was
rendered with, so the page can tell exactly which fields the user changed.
Validation stays in the actions; this module only parses and maps their errors
back to inputs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.core.entities import Entity
from clientela.core.errors import FieldError
from clientela.core.visibility import can_see
from clientela.parties import normalize
from clientela.parties.actions import Collections
from clientela.parties.entities import CONTACT, ORGANIZATION
from clientela.parties.models import (
    Contact,
    ContactPoint,
    CustomField,
    LifecycleStage,
    Organization,
)

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User

BASELINE_SALT = "clientela.parties.form-baseline"
ADDRESS_PARTS = ("label", "street", "city", "postal_code", "region", "country")
MAX_ROWS = 20


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    widget: str = "text"  # text, textarea, select, date, number, email, url, checkboxes
    choices: tuple[tuple[str, Any], ...] = ()
    required: bool = False
    help: Any = ""


def _spec(entity: Entity, name: str) -> FieldSpec:
    """A form input of a declared field: label, widget, choices and help from the declaration."""
    return FieldSpec(
        name,
        entity.label(name),
        entity.widget(name),
        entity.choices(name),
        entity.required(name),
        entity.field(name).help,
    )


CONTACT_SPECS: tuple[FieldSpec, ...] = tuple(_spec(CONTACT, name) for name in CONTACT.layout)
ORGANIZATION_SPECS: tuple[FieldSpec, ...] = tuple(_spec(ORGANIZATION, name) for name in ORGANIZATION.layout)
_SPECS = {CONTACT.name: CONTACT_SPECS, ORGANIZATION.name: ORGANIZATION_SPECS}
COLLECTION_LABELS = {
    "emails": gettext_lazy("E-mails"),
    "phones": gettext_lazy("Phones"),
    "tags": gettext_lazy("Tags"),
    "addresses": gettext_lazy("Addresses"),
    "organizations": gettext_lazy("Organizations"),
    "owner": gettext_lazy("Owner"),
    "team": gettext_lazy("Team"),
    "parent": gettext_lazy("Parent organization"),
    "relationships": gettext_lazy("Relationships"),
}
_POINT_LINE = re.compile(r"^(work|home|mobile|fax|other)\s*:\s*(.+)$", re.IGNORECASE)


def specs_for(entity: str) -> tuple[FieldSpec, ...]:
    return _SPECS[entity]


def custom_spec(definition: CustomField) -> FieldSpec:
    kind = definition.type
    if kind == CustomField.Type.CHOICE:
        return FieldSpec(
            f"custom.{definition.key}",
            definition.label,
            "select",
            (("", "—"), *((c, c) for c in definition.choices)),
            definition.required,
        )
    if kind == CustomField.Type.MULTI_CHOICE:
        choices = tuple((c, c) for c in definition.choices)
        return FieldSpec(f"custom.{definition.key}", definition.label, "checkboxes", choices, definition.required)
    if kind == CustomField.Type.BOOLEAN:
        choices = (("", "—"), ("yes", _("Yes")), ("no", _("No")))
        return FieldSpec(f"custom.{definition.key}", definition.label, "select", choices, definition.required)
    widget = {"number": "number", "date": "date"}.get(kind, "text")
    return FieldSpec(f"custom.{definition.key}", definition.label, widget, (), definition.required)


def label_for(entity: str, key: str, definitions: list[CustomField]) -> str:
    for spec in specs_for(entity):
        if spec.name == key:
            return str(spec.label)
    if key.startswith("custom."):
        for definition in definitions:
            if f"custom.{definition.key}" == key:
                return definition.label
        return key.removeprefix("custom.")
    return str(COLLECTION_LABELS.get(key, key))


# --- canonical strings -------------------------------------------------------------


def canonical_scalar(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def canonical_custom(definition: CustomField, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if definition.type == CustomField.Type.BOOLEAN:
        return "yes" if value is True else "no" if value is False else str(value)
    if definition.type == CustomField.Type.MULTI_CHOICE:
        items = value if isinstance(value, list) else [value]
        order = {c: i for i, c in enumerate(definition.choices)}
        return "\n".join(sorted({str(i) for i in items}, key=lambda c: order.get(c, len(order))))
    return canonical_scalar(value)


def _point_line(point: ContactPoint) -> str:
    return point.value if point.label == ContactPoint.Label.WORK else f"{point.label}: {point.value}"


def _clean_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def _canonical_tags(text: str) -> str:
    names = sorted({part.strip() for part in text.split(",") if part.strip()})
    return ", ".join(names)


@dataclass
class FormState:
    """The form's inputs as canonical strings, plus what renders the row editors."""

    entity: str
    values: dict[str, str]
    # public id -> name of organizations named in the affiliation rows
    org_names: dict[str, str] = field(default_factory=dict)
    # affiliations to organizations the user cannot see: kept as they are
    hidden_affiliations: list[Any] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # the "add an organization" inputs, kept for re-display when the name did not resolve
    new_organization: tuple[str, str] = ("", "")

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def address_rows(self) -> list[dict[str, str]]:
        rows = [dict(zip(ADDRESS_PARTS, row, strict=False)) for row in json.loads(self.values.get("addresses") or "[]")]
        return [*rows, dict.fromkeys(ADDRESS_PARTS, "") | {"label": "work"}]

    def affiliation_rows(self) -> list[dict[str, str]]:
        rows = json.loads(self.values.get("organizations") or "[]")
        return [{"org": pid, "name": self.org_names.get(pid, ""), "role": role} for pid, role in rows]


def state_from_record(
    entity: str, record: Contact | Organization | None, definitions: list[CustomField], user: User
) -> FormState:
    values: dict[str, str] = {}
    for spec in specs_for(entity):
        values[spec.name] = canonical_scalar(getattr(record, spec.name, "")) if record is not None else ""
    if record is None:
        values["lifecycle_stage"] = LifecycleStage.TARGET
    values["owner"] = str(record.owner_id or "") if record is not None else str(user.pk)
    values["team"] = str(record.team_id or "") if record is not None else str(user.team_id or "")
    points = list(record.points.all()) if record is not None else []
    values["emails"] = "\n".join(_point_line(p) for p in points if p.kind == ContactPoint.Kind.EMAIL)
    values["phones"] = "\n".join(_point_line(p) for p in points if p.kind == ContactPoint.Kind.PHONE)
    values["tags"] = ", ".join(sorted(t.name for t in record.tags.all())) if record is not None else ""
    addresses = [[getattr(a, part) for part in ADDRESS_PARTS] for a in record.addresses.all()] if record else []
    values["addresses"] = json.dumps(addresses)
    custom = record.custom if record is not None else {}
    for definition in definitions:
        values[f"custom.{definition.key}"] = canonical_custom(definition, custom.get(definition.key))
    state = FormState(entity=entity, values=values)
    if entity == "contact":
        rows = []
        for affiliation in record.affiliations.all() if record is not None else []:
            organization = affiliation.organization
            if organization.deleted_at is None and can_see(user, organization):
                rows.append([str(organization.public_id), affiliation.role])
                state.org_names[str(organization.public_id)] = organization.name
            else:
                state.hidden_affiliations.append(affiliation)
        values["organizations"] = json.dumps(rows)
    else:
        parent = record.parent if record is not None else None
        values["parent"] = parent.name if parent is not None and can_see(user, parent) else ""
    return state


def state_from_post(entity: str, data: QueryDict, definitions: list[CustomField], *, org_lookup: Any) -> FormState:
    """Read a POST into canonical form. `org_lookup(name)` resolves a typed organization name."""
    values: dict[str, str] = {}
    for spec in specs_for(entity):
        values[spec.name] = canonical_scalar(data.get(spec.name, ""))
    for key in ("owner", "team"):
        values[key] = canonical_scalar(data.get(key, ""))
    values["emails"] = _clean_lines(data.get("emails", ""))
    values["phones"] = _clean_lines(data.get("phones", ""))
    values["tags"] = _canonical_tags(data.get("tags", ""))
    rows = []
    for index in range(MAX_ROWS + 1):
        row = [canonical_scalar(data.get(f"addr-{index}-{part}", "")) for part in ADDRESS_PARTS]
        if f"addr-{index}-label" not in data:
            break
        if any(row[1:]) and not data.get(f"addr-{index}-remove"):
            rows.append(row)
    values["addresses"] = json.dumps(rows)
    for definition in definitions:
        key = f"custom.{definition.key}"
        if definition.type == CustomField.Type.MULTI_CHOICE:
            values[key] = canonical_custom(definition, [v for v in data.getlist(key) if v])
        else:
            values[key] = canonical_scalar(data.get(key, ""))
    state = FormState(entity=entity, values=values)
    if entity == "contact":
        affiliations = []
        for index in range(MAX_ROWS):
            public_id = data.get(f"aff-{index}-org")
            if public_id is None:
                break
            name = canonical_scalar(data.get(f"aff-{index}-name", ""))
            state.org_names[public_id] = name
            if not data.get(f"aff-{index}-remove"):
                affiliations.append([public_id, canonical_scalar(data.get(f"aff-{index}-role", ""))])
        new_name = canonical_scalar(data.get("aff-new-name", ""))
        if new_name:
            organization, error = org_lookup(new_name)
            if organization is None:
                state.add_error("aff-new-name", error)
                state.new_organization = (new_name, canonical_scalar(data.get("aff-new-role", "")))
            else:
                state.org_names[str(organization.public_id)] = organization.name
                affiliations.append([str(organization.public_id), canonical_scalar(data.get("aff-new-role", ""))])
        values["organizations"] = json.dumps(affiliations)
    else:
        values["parent"] = canonical_scalar(data.get("parent", ""))
    return state


# --- the baseline the form was rendered with -----------------------------------------


def sign_baseline(record: Contact | Organization, state: FormState) -> str:
    return signing.dumps(
        {"id": str(record.public_id), "version": record.version, "values": state.values},
        salt=BASELINE_SALT,
        compress=True,
    )


def read_baseline(record: Contact | Organization, token: str) -> tuple[int, dict[str, str]] | None:
    """The version and values the user's form started from; None if missing or forged."""
    try:
        data = signing.loads(token, salt=BASELINE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("id") != str(record.public_id):
        return None
    return int(data["version"]), dict(data["values"])


# --- turning intended changes into action input -----------------------------------------


@dataclass
class ActionInput:
    values: dict[str, Any]
    collections: Collections
    # where each collection item came from, to point errors at the right line or row
    line_of: dict[str, list[int]] = field(default_factory=dict)
    row_of: dict[str, list[int]] = field(default_factory=dict)


def _points(text: str) -> tuple[list[dict[str, Any]], list[int]]:
    items: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        match = _POINT_LINE.match(line.strip())
        label, value = (match.group(1).lower(), match.group(2).strip()) if match else ("work", line.strip())
        items.append({"value": value, "label": label, "is_primary": not items})
        lines.append(number)
    return items, lines


def build_input(
    state: FormState,
    keys: set[str],
    definitions: list[CustomField],
    *,
    people: dict[str, Any],
    teams: dict[str, Any],
    orgs: dict[str, Any],
    org_lookup: Any,
) -> ActionInput:
    """Action input for the changed `keys` only (everything else stays as stored).

    `people`/`teams` map the ids the user may pick to users/teams; `orgs` maps the
    public ids in the affiliation rows to visible organizations.
    """
    values: dict[str, Any] = {}
    collections = Collections()
    result = ActionInput(values=values, collections=collections)
    scalar_names = {spec.name for spec in specs_for(state.entity)}
    custom: dict[str, Any] = {}
    definitions_by_key = {f"custom.{d.key}": d for d in definitions}
    for key in sorted(keys):
        value = state.values.get(key, "")
        if key in scalar_names:
            values[key] = value
        elif key == "owner":
            if value and value not in people:
                state.add_error("owner", _("Choose one of the listed people."))
            else:
                values["owner"] = people.get(value)
        elif key == "team":
            if value and value not in teams:
                state.add_error("team", _("Choose one of the listed teams."))
            else:
                values["team"] = teams.get(value)
        elif key in ("emails", "phones"):
            items, lines = _points(value)
            setattr(collections, key, items)
            result.line_of[key] = lines
        elif key == "tags":
            collections.tags = [name.strip() for name in value.split(",") if name.strip()]
        elif key == "addresses":
            rows = json.loads(value)
            collections.addresses = [dict(zip(ADDRESS_PARTS, row, strict=False)) for row in rows]
        elif key == "organizations":
            affiliations: list[dict[str, Any]] = []
            for public_id, role in json.loads(value):
                organization = orgs.get(public_id)
                if organization is None:
                    state.add_error("organizations", _("An organization in the list is no longer available."))
                    continue
                affiliations.append({"organization": organization, "role": role, "is_primary": not affiliations})
            affiliations.extend(
                {"organization": a.organization, "role": a.role, "is_primary": False} for a in state.hidden_affiliations
            )
            collections.affiliations = affiliations
        elif key == "parent":
            if not value:
                values["parent"] = None
            else:
                organization, error = org_lookup(value)
                if organization is None:
                    state.add_error("parent", error)
                else:
                    values["parent"] = organization
        elif key in definitions_by_key:
            definition = definitions_by_key[key]
            if definition.type == CustomField.Type.MULTI_CHOICE:
                custom[definition.key] = [v for v in value.split("\n") if v]
            else:
                custom[definition.key] = value
    if custom:
        collections.custom = custom
    return result


_INDEXED = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def map_errors(state: FormState, action_input: ActionInput, errors: list[FieldError]) -> None:
    """Put each action error next to the input it is about."""
    for error in errors:
        message = str(error.message)
        match = _INDEXED.match(error.field)
        if error.field.startswith("custom."):
            state.add_error(error.field, message)
        elif match:
            collection, index, part = match.group(1), int(match.group(2)), match.group(3)
            if collection in ("emails", "phones"):
                lines = action_input.line_of.get(collection, [])
                number = lines[index] if index < len(lines) else index + 1
                state.add_error(collection, _("Line %(number)s: %(message)s") % {"number": number, "message": message})
            elif collection == "addresses" and part:
                state.add_error(f"addr-{index}-{part}", message)
            elif collection == "addresses":
                state.add_error("addresses", message)
            elif collection == "organizations":
                state.add_error("organizations", message)
            else:
                state.add_error(collection, message)
        elif error.field in state.values:
            state.add_error(error.field, message)
        else:
            state.add_error("__all__", f"{error.field}: {message}")


def resolve_organization_name(user: User, name: str) -> tuple[Organization | None, str]:
    """The one visible organization with this name (folded), or why there is none."""
    from clientela.parties.queries import organizations_visible

    key = normalize.name_key(name)
    matches = list(organizations_visible(user).filter(name_key=key)[:2]) if key else []
    if not matches:
        return None, _("No organization called “%(name)s” that you can see.") % {"name": name}
    if len(matches) > 1:
        return None, _("Several organizations are called “%(name)s”; make the name more precise.") % {"name": name}
    return matches[0], ""


def people_choices(users: list[User]) -> dict[str, User]:
    return {str(u.pk): u for u in users}


def team_choices(teams: list[Team]) -> dict[str, Team]:
    return {str(t.pk): t for t in teams}
