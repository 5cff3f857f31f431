"""Checking the child collections of a record — e-mails, phones, addresses, tags,
affiliations — and who a record may be assigned to, for the actions (and the bulk
import, which uses the same rules per cell).

Each `clean_*` function takes the raw items and a list to append `FieldError`s to,
and returns the cleaned (unsaved) objects; nothing here writes.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from clientela.accounts.people import resolve_team, resolve_user
from clientela.core.errors import FieldError, NotFound, ValidationFailed
from clientela.core.validation import check_text, clean_values, is_country_code
from clientela.core.visibility import assignment_scope
from clientela.parties import normalize
from clientela.parties.models import Address, Affiliation, ContactPoint, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_POINTS = 20
MAX_TAGS = 50
MAX_PARENT_DEPTH = 100  # how far up a parent chain a loop is looked for


class _EagerEmailValidator(EmailValidator):
    """Django's e-mail rule, its patterns compiled at import rather than looked up lazily per call,
    and its verdict on a domain remembered (a domain's verdict depends on the domain alone, and an
    import of a million addresses has a few thousand domains). The rule is the same."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)

    def __init__(self) -> None:
        super().__init__()
        self._domain_verdict = functools.lru_cache(maxsize=65536)(super().validate_domain_part)

    def validate_domain_part(self, domain_part: str) -> bool:
        return self._domain_verdict(domain_part)


_email_validator = _EagerEmailValidator()


def point_problem(kind: str, value: str) -> str | None:
    """Why `value` is not a valid e-mail address or phone number, or None when it is.

    The one rule for both the actions and the bulk import (which calls it per cell).
    """
    if kind == ContactPoint.Kind.EMAIL:
        try:
            if len(value) > 254:
                raise ValidationError("too long")
            _email_validator(value)
        except ValidationError:
            return _("%(value)r is not a valid e-mail address") % {"value": value[:80]}
        return None
    if not normalize.is_plausible_phone(value):
        return _("%(value)r is not a valid phone number") % {"value": value[:80]}
    return None


def point_key(kind: str, value: str, region: str = "") -> str:
    """The normalised form kept in `ContactPoint.normalized` for search and duplicate detection:
    an e-mail lower-cased, a phone in E.164 (national forms read as numbers of `region`)."""
    return normalize.email_key(value) if kind == ContactPoint.Kind.EMAIL else normalize.phone_key(value, region)


def too_many_points(kind: str, count: int) -> FieldError | None:
    """The size rule of a record's e-mails or phones (at most MAX_POINTS of each), for the
    actions (`clean_points`) and the import (all the e-mail or phone cells of a row)."""
    if count <= MAX_POINTS:
        return None
    name = "emails" if kind == ContactPoint.Kind.EMAIL else "phones"
    return FieldError(name, "too_many", _("at most %(count)d entries") % {"count": MAX_POINTS})


def clean_points(
    kind: str, items: list[dict[str, Any] | str], errors: list[FieldError], region: str = ""
) -> list[ContactPoint]:
    name = "emails" if kind == ContactPoint.Kind.EMAIL else "phones"
    if not isinstance(items, list):
        errors.append(FieldError(name, "invalid", _("must be a list")))
        return []
    too_many = too_many_points(kind, len(items))
    if too_many is not None:
        errors.append(too_many)
        return []
    points: list[ContactPoint] = []
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object with a value")))
            continue
        value = str(item.get("value") or "").strip()
        label = item.get("label") or ContactPoint.Label.WORK
        check_text(where, value, errors)
        if errors and errors[-1].field == where:
            continue
        if not value:
            errors.append(FieldError(f"{where}.value", "required", _("is required")))
            continue
        if label not in ContactPoint.Label.values:
            errors.append(
                FieldError(
                    f"{where}.label",
                    "invalid",
                    _("must be one of: %(choices)s") % {"choices": ", ".join(ContactPoint.Label.values)},
                )
            )
            continue
        problem = point_problem(kind, value)
        if problem is not None:
            errors.append(FieldError(f"{where}.value", "invalid", problem))
            continue
        normalized = point_key(kind, value, region)
        points.append(
            ContactPoint(
                kind=kind, label=label, value=value, normalized=normalized, is_primary=bool(item.get("is_primary"))
            )
        )
    if points and not any(p.is_primary for p in points):
        points[0].is_primary = True
    seen_primary = False
    for point in points:  # exactly one primary
        if point.is_primary and seen_primary:
            point.is_primary = False
        seen_primary = seen_primary or point.is_primary
    return points


_ADDRESS_FIELDS = ("label", "street", "city", "postal_code", "region", "country")


def clean_addresses(items: list[dict[str, Any]], errors: list[FieldError]) -> list[Address]:
    if not isinstance(items, list) or len(items) > MAX_POINTS:
        errors.append(
            FieldError(
                "addresses", "invalid", _("must be a list of at most %(count)d addresses") % {"count": MAX_POINTS}
            )
        )
        return []
    result: list[Address] = []
    for index, item in enumerate(items):
        where = f"addresses[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object")))
            continue
        unknown = set(item) - set(_ADDRESS_FIELDS)
        if unknown:
            errors.append(FieldError(f"{where}.{sorted(unknown)[0]}", "unknown_field", _("is not an address field")))
            continue
        raw_country = item.get("country")
        country = raw_country.strip() if isinstance(raw_country, str) else raw_country
        if country and not is_country_code(country):
            errors.append(FieldError(f"{where}.country", "invalid", _("must be a two-letter ISO country code")))
            continue
        try:
            values = clean_values(Address, {k: v for k, v in item.items()}, allowed=set(_ADDRESS_FIELDS))
        except ValidationFailed as failed:
            errors.extend(FieldError(f"{where}.{e.field}", e.code, e.message) for e in failed.errors)
            continue
        values["country"] = values.get("country", "").upper()
        result.append(Address(**values))
    return result


def clean_tags(items: list[str], errors: list[FieldError]) -> list[str]:
    if not isinstance(items, list) or len(items) > MAX_TAGS:
        errors.append(
            FieldError("tags", "invalid", _("must be a list of at most %(count)d tags") % {"count": MAX_TAGS})
        )
        return []
    names: list[str] = []
    for index, item in enumerate(items):
        name = str(item).strip() if isinstance(item, str) else ""
        if not name or len(name) > 60 or "\x00" in name:
            errors.append(FieldError(f"tags[{index}]", "invalid", _("a tag is 1 to 60 characters of text")))
            continue
        if name not in names:
            names.append(name)
    return names


def clean_affiliations(actor: User, items: list[dict[str, Any]], errors: list[FieldError]) -> list[Affiliation]:
    if not isinstance(items, list) or len(items) > MAX_POINTS:
        errors.append(
            FieldError(
                "organizations", "invalid", _("must be a list of at most %(count)d entries") % {"count": MAX_POINTS}
            )
        )
        return []
    result: list[Affiliation] = []
    for index, item in enumerate(items):
        where = f"organizations[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(where, "invalid", _("must be an object with an organization")))
            continue
        organization = item.get("organization")
        if not isinstance(organization, Organization):
            organization = visible_organization(actor, organization)
        if organization is None:
            errors.append(FieldError(f"{where}.organization", "not_found", _("no such organization")))
            continue
        role = str(item.get("role") or "").strip()
        if len(role) > 100 or "\x00" in role:
            errors.append(FieldError(f"{where}.role", "invalid", _("must be at most 100 characters")))
            continue
        if any(a.organization.pk == organization.pk and a.role == role for a in result):
            continue  # the same organization with the same role twice is one affiliation
        result.append(Affiliation(organization=organization, role=role, is_primary=bool(item.get("is_primary"))))
    if result and not any(a.is_primary for a in result):
        result[0].is_primary = True
    return result


def visible_organization(actor: User, public_id: Any) -> Organization | None:
    from clientela.parties.queries import organization_get

    try:
        return organization_get(actor, public_id)
    except NotFound:
        return None


def check_assignment(actor: User, values: dict[str, Any], current: Any | None) -> None:
    """Who may own a record: a user assigns within their assignment scope (core.visibility)."""
    scope = assignment_scope(actor)
    errors: list[FieldError] = []
    team = values.get("team")
    if "team" in values and team is not None and not scope.allows_team(team):
        errors.append(FieldError("team", "forbidden", _("you may only assign records to your own team")))
    owner = values.get("owner")
    if "owner" in values and owner is not None and not scope.allows_owner(owner):
        errors.append(FieldError("owner", "forbidden", _("you may only assign records to members of your team")))
    if errors:
        raise ValidationFailed(errors)


def resolve_people(values: dict[str, Any]) -> dict[str, Any]:
    """Owner/team may come as model instances, public ids, a username or a team name (API,
    import); resolved by the accounts app's one resolver, which refuses deactivated users."""
    errors: list[FieldError] = []
    if "owner" in values and values["owner"] is not None:
        values["owner"] = resolve_user(values["owner"], errors, field="owner")
    if "team" in values and values["team"] is not None:
        values["team"] = resolve_team(values["team"], errors, field="team")
    if errors:
        raise ValidationFailed(errors)
    return values


def parent_links(start: set[int]) -> dict[int, int | None]:
    """Organization pk -> its parent's pk, for `start` and all their ancestors (trash included, as the
    action's check walks them): one query per level of the tree, whatever the number of rows."""
    links: dict[int, int | None] = {}
    asked: set[int] = set()
    wanted = set(start)
    for _depth in range(MAX_PARENT_DEPTH + 1):
        wanted -= asked
        if not wanted:
            break
        asked |= wanted
        ordered = sorted(wanted)
        for first in range(0, len(ordered), 500):  # few parameters per query, for SQLite
            chunk = ordered[first : first + 500]
            links.update(Organization.all_objects.filter(pk__in=chunk).values_list("id", "parent_id"))
        wanted = {parent for parent in links.values() if parent is not None}
    return links


def parent_problem(pk: int, parent_pk: int, links: dict[int, int | None]) -> str | None:
    """Why organization `pk` cannot have `parent_pk` as its parent, or None: not itself, not one of
    its subsidiaries (the one rule of `actions.organization_update` and the import).

    `links` comes from `parent_links` over every parent being set; an accepted parent is
    recorded in it, so a later row of the same import batch cannot close a loop through this one.
    """
    ancestor: int | None = parent_pk
    for _depth in range(MAX_PARENT_DEPTH):
        if ancestor is None:
            links[pk] = parent_pk
            return None
        if ancestor == pk:
            return _("an organization cannot be its own parent or ancestor")
        ancestor = links.get(ancestor)
    return _("the parent chain is too deep")
