"""Checking rows with the actions' own rules, cheaply enough for a million rows.

Field values go through `rules.clean_record_values` (the model fields' rules,
the website and assignment checks), e-mails and phones through
`cleaning.point_problem`, tags and addresses through the actions' collection
cleaners and custom fields through `customfields.clean_custom`: there is no second
set of rules here. What makes it fast is that a field's verdict depends only on
the raw text, so each distinct value of a column is checked once and remembered.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, ValidationFailed
from clientela.parties import cleaning, normalize, rules
from clientela.parties.customfields import clean_custom
from clientela.parties.entities import DECLARATIONS
from clientela.parties.importing import mapping as mapping_module
from clientela.parties.importing.mapping import CONTACT, Target, header_key
from clientela.parties.importing.rows import Point, RowError, ValidatedRow
from clientela.parties.models import ContactPoint, CustomField

if TYPE_CHECKING:
    from django.db.models import Model

    from clientela.accounts.models import User

# A cell that an export neutralised ("'=..."): the apostrophe is taken off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LIST_SPLIT = re.compile(r"\s*[;,]\s*")
_EMAIL_LIST_SPLIT = re.compile(r"[;,\s]+")
CACHE_LIMIT = 200_000
_EMAIL = ContactPoint.Kind.EMAIL
_PHONE = ContactPoint.Kind.PHONE


def unquote(text: str) -> str:
    """Undo the export's formula neutralisation: "'=A1" -> "=A1"."""
    if text.startswith("'") and text[1:2] in _FORMULA_START and len(text) > 1:
        return text[1:]
    return text


def choice_aliases(model: type[Model], name: str) -> dict[str, str]:
    """Folded value or label (in every language) -> stored value, for choice fields."""
    from django.conf import settings

    field = model._meta.get_field(name)
    aliases: dict[str, str] = {}
    for value, label in field.choices or ():
        aliases.setdefault(header_key(str(value)), value)
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                aliases.setdefault(header_key(str(label)), value)
    return aliases


class RowValidator:
    """Validates the rows of one file for one actor and mapping; remembers what it has seen."""

    def __init__(
        self,
        *,
        actor: User,
        entity: str,
        headers: list[str],
        mapping: dict[str, str],
        available: dict[str, Target],
    ) -> None:
        self.actor = actor
        self.entity = entity
        self.declared = DECLARATIONS[entity]
        self.model = self.declared.model
        self.columns: list[tuple[int, str, str, str]] = []  # (index, kind, target key, header)
        # target key -> the file's header; "label:<key>" -> the label of a target no column fills
        self.header_of: dict[str, Any] = {f"label:{key}": target.label for key, target in available.items()}
        for index, header in enumerate(headers):
            key = mapping.get(header, "")
            if key:
                self.columns.append((index, available[key].kind, key, header))
                self.header_of[key] = header
        self.definitions: dict[str, CustomField] = {
            t.custom.key: t.custom for t in available.values() if t.custom is not None
        }
        self._aliases = {
            key: choice_aliases(self.model, key)
            for _i, kind, key, _h in self.columns
            if kind == mapping_module.FIELD and self.model._meta.get_field(key).choices
        }
        self._cache: dict[str, dict[str, tuple[bool, Any]]] = {key: {} for _i, _k, key, _h in self.columns}
        # Identity key (e-mail, phone, tax id, name) -> the row that had it first.
        self.seen: dict[str, int] = {}

    # --- one field ---------------------------------------------------------------------

    def _clean_field(self, key: str, raw: str) -> tuple[bool, Any]:
        cache = self._cache[key]
        verdict = cache.get(raw)
        if verdict is None:
            value: Any = raw
            aliases = self._aliases.get(key)
            if aliases is not None:
                value = aliases.get(header_key(raw), raw)
            try:
                cleaned = rules.clean_record_values(self.actor, self.declared, {key: value}, None)
                verdict = (True, cleaned[key])
            except ValidationFailed as failed:
                verdict = (False, "; ".join(str(e.message) for e in failed.errors))
            if len(cache) < CACHE_LIMIT:
                cache[raw] = verdict
        return verdict

    # --- one row -----------------------------------------------------------------------

    def validate(self, number: int, cells: list[str]) -> tuple[ValidatedRow | None, list[RowError]]:
        errors: list[RowError] = []
        values: dict[str, Any] = {}
        emails: list[Point] = []
        phones: list[Point] = []
        point_columns: dict[str, str] = {}
        tags: list[str] = []
        custom_raw: dict[str, str] = {}
        address_raw: dict[str, str] = {}
        organization = role = parent = ""
        point_headers: list[tuple[str, str]] = []  # (column, kind) of the e-mail and phone cells used
        phone_cells: list[tuple[str, str, str]] = []  # (phone, label, column), read once the row's country is known
        width = len(cells)
        for index, kind, key, header in self.columns:
            raw = cells[index].strip() if index < width else ""
            if not raw:
                continue
            if raw[0] == "'":
                raw = unquote(raw)
            if kind == mapping_module.FIELD or kind == mapping_module.PEOPLE:
                ok, result = self._clean_field(key, raw)
                if ok:
                    values[key] = result
                else:
                    errors.append(RowError(number, header, result))
            elif kind == mapping_module.EMAIL:
                point_headers.append((header, _EMAIL))
                items = _EMAIL_LIST_SPLIT.split(raw) if key == "other_emails" else (raw,)
                for item in items:
                    if not item:
                        continue
                    problem = cleaning.point_problem(_EMAIL, item)
                    if problem is not None:
                        errors.append(RowError(number, header, problem))
                    else:
                        normalized = normalize.email_key(item)
                        emails.append((item, normalized, "work"))
                        point_columns.setdefault(normalized, header)
            elif kind == mapping_module.PHONE:
                point_headers.append((header, _PHONE))
                items = _LIST_SPLIT.split(raw) if key == "other_phones" else (raw,)
                label = "mobile" if key == "mobile" else "work"
                for item in items:
                    if not item:
                        continue
                    problem = cleaning.point_problem(_PHONE, item)
                    if problem is not None:
                        errors.append(RowError(number, header, problem))
                    else:
                        phone_cells.append((item, label, header))
            elif kind == mapping_module.TAGS:
                found: list[FieldError] = []
                tags = cleaning.clean_tags([t for t in _LIST_SPLIT.split(raw) if t], found)
                errors.extend(RowError(number, header, e.message) for e in found)
            elif kind == mapping_module.CUSTOM:
                custom_raw[key.removeprefix("custom.")] = raw
            elif kind == mapping_module.ADDRESS:
                address_raw[key] = raw
            elif kind == mapping_module.PARENT:
                parent = raw
            elif key == "organization":
                organization = raw
            else:
                role = raw
        if phone_cells:
            region = normalize.phone_region((address_raw.get("country", ""),), values.get("team", self.actor.team))
            for item, label, header in phone_cells:
                normalized = normalize.phone_key(item, region)
                phones.append((item, normalized, label))
                point_columns.setdefault("tel:" + normalized, header)
        for kind, points in ((_EMAIL, emails), (_PHONE, phones)):
            too_many = cleaning.too_many_points(kind, len(points))
            if too_many is not None:
                where = [h for h, k in point_headers if k == kind][-1]
                errors.append(RowError(number, where, too_many.message))
        if parent:
            problem = _names_itself(parent, values)
            if problem is not None:
                errors.append(RowError(number, self.header_of["parent"], problem))
        address = self._address(number, address_raw, errors) if address_raw else None
        custom = self._custom(number, custom_raw, errors) if custom_raw else {}
        if errors:
            return None, errors
        row = ValidatedRow(
            row=number,
            values=values,
            emails=_dedupe(emails),
            phones=_dedupe(phones),
            tags=tags,
            custom=custom,
            address=address,
            organization=organization,
            organization_role=role,
            parent=parent,
            columns=self.header_of,
        )
        duplicate = self._duplicate_of(row, point_columns)
        if duplicate is not None:
            return None, [duplicate]
        return row, []

    def _address(self, number: int, raw: dict[str, str], errors: list[RowError]) -> dict[str, Any] | None:
        found: list[FieldError] = []
        cleaned = cleaning.clean_addresses([raw], found)
        for error in found:
            name = error.field.rsplit(".", 1)[-1]
            errors.append(RowError(number, self.header_of.get(name, name), error.message))
        if not cleaned:
            return None
        address = cleaned[0]
        return {name: getattr(address, name) for name in ("label", *mapping_module.ADDRESS_FIELDS)}

    def _custom(self, number: int, raw: dict[str, str], errors: list[RowError]) -> dict[str, Any]:
        try:
            return clean_custom(self.entity, raw, creating=False, definitions=self.definitions)
        except ValidationFailed as failed:
            for error in failed.errors:
                errors.append(RowError(number, self.header_of.get(error.field, error.field), error.message))
            return {}

    # --- duplicates within the file --------------------------------------------------------

    def identity_keys(self, row: ValidatedRow) -> tuple[list[tuple[str, str]], list[str]]:
        """The keys the row is matched by, as (key, what), and every key it makes known.

        A contact row with an e-mail is matched by e-mail, one without by phone; an
        organization row with a tax id by tax id, one without by name. Every key a
        row has is remembered, so a later row that would match the record this row
        writes is flagged, whichever way it matches.
        """
        if self.entity == CONTACT:
            emails = [p[1] for p in row.emails]
            phones = ["tel:" + p[1] for p in row.phones]
            check = [(k, "email") for k in emails] if emails else [(k, "phone") for k in phones]
            return check, emails + phones
        tax = normalize.tax_id_key(row.values.get("tax_id", ""))
        name = normalize.name_key(row.values.get("name", ""))
        known = (["tax:" + tax] if tax else []) + (["name:" + name] if name else [])
        if tax:
            return [("tax:" + tax, "tax_id")], known
        return ([("name:" + name, "name")] if name else []), known

    def _duplicate_of(self, row: ValidatedRow, point_columns: dict[str, str]) -> RowError | None:
        check, known = self.identity_keys(row)
        for key, what in check:
            first = self.seen.get(key)
            if first is not None:
                column = point_columns.get(key) or row.column(what)
                return RowError(row.row, column, _duplicate_message(what, first))
        for key in known:
            self.seen.setdefault(key, row.row)
        return None


def _names_itself(parent: str, values: dict[str, Any]) -> str | None:
    """Why a row's parent cell names the row's own organization (its tax id or its name), or None.

    A parent elsewhere in the tree is checked when the row is matched and written; this catches
    the row that names itself, which matching could not see when the row creates the record.
    """
    tax = normalize.tax_id_key(values.get("tax_id", ""))
    if tax and normalize.tax_id_key(parent) == tax:
        return _("an organization cannot be its own parent or ancestor")
    name = normalize.name_key(values.get("name", ""))
    if name and normalize.name_key(parent) == name:
        return _("names this organization itself; give the parent's tax id if it has the same name")
    return None


def _duplicate_message(what: str, first: int) -> str:
    if what == "email":
        return _("the same e-mail address as row %(row)s") % {"row": first}
    if what == "phone":
        return _("the same phone number as row %(row)s") % {"row": first}
    if what == "tax_id":
        return _("the same tax id as row %(row)s") % {"row": first}
    return _("the same name as row %(row)s") % {"row": first}


def _dedupe(points: list[Point]) -> list[Point]:
    if len(points) < 2:
        return points
    seen: set[str] = set()
    result: list[Point] = []
    for point in points:
        if point[1] not in seen:
            seen.add(point[1])
            result.append(point)
    return result


def required_problems(entity: str, row: ValidatedRow, definitions: dict[str, CustomField]) -> list[RowError]:
    """What a row lacks to be created (not to update): the name, required custom fields."""
    errors: list[RowError] = []
    try:
        rules.require_name(DECLARATIONS[entity], row.values, None)
    except ValidationFailed as failed:
        errors.extend(RowError(row.row, row.column(e.field), e.message) for e in failed.errors)
    if any(d.required for d in definitions.values()):
        try:
            clean_custom(entity, {}, existing=row.custom, creating=True, definitions=definitions)
        except ValidationFailed as failed:
            for error in failed.errors:
                key = error.field
                label = definitions[key.removeprefix("custom.")].label if key.startswith("custom.") else key
                errors.append(RowError(row.row, row.columns.get(key) or str(label), error.message))
    return errors
