"""Matching a batch of rows against existing records, a few queries per batch.

Contacts match by e-mail, or by phone when the row has no e-mail (people who
share a home phone are not merged); organizations by tax id, or by the normalised
name when the row has no tax id. Only records outside the trash match, and only those the
importing user can see: a record they cannot see is "not there", so its row is created as a
row matching nothing would be (as the API creates it), and no preview, report or message
tells the two apart. A row that matches more than one record is an error (merge the
duplicates first).

References are resolved here too, among the live records the actor can see: a
contact's organization by name, an organization's parent by tax id, then by name.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError
from clientela.core.visibility import can_see
from clientela.parties import cleaning, normalize
from clientela.parties.importing.mapping import CONTACT
from clientela.parties.importing.rows import (
    CREATE,
    ERROR,
    MATCH_CREATE,
    MATCH_SKIP,
    SKIP,
    UPDATE,
    RowError,
    ValidatedRow,
)
from clientela.parties.importing.validating import required_problems
from clientela.parties.models import Contact, ContactPoint, CustomField, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import User

K = TypeVar("K", str, int)
CHUNK = 10_000  # keys per lookup query (SQLite takes fewer parameters)
# Keys per lookup on PostgreSQL: with a few thousand keys in one array the planner reads the
# whole table (a parallel sequential scan, slower with every batch written); with a thousand
# it looks each key up in the index, ~3x faster at 200,000 contacts and flat as the table grows.
ARRAY_CHUNK = 1000


@dataclass
class Plan:
    """What a batch would do: rows to create, to update (existing_id set), to skip, and errors."""

    creates: list[ValidatedRow] = field(default_factory=list)
    updates: list[ValidatedRow] = field(default_factory=list)
    skips: list[ValidatedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    outcomes: dict[int, str] = field(default_factory=dict)
    # existing record pk -> (owner_id, team_id), for the rows that matched
    scope: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)

    def error(self, row: ValidatedRow, column: str, message: str) -> None:
        self.errors.append(RowError(row.row, column, message))
        self.outcomes[row.row] = ERROR


def _chunks(items: list[K]) -> Iterable[list[K]]:
    size = min(CHUNK, connection.features.max_query_params or CHUNK)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _array_lookup(sql: str, params: list[Any], keys: list[str]) -> list[tuple[Any, ...]]:
    """PostgreSQL: the keys as array parameters (`= ANY(%s)`, after `params`), ARRAY_CHUNK at a time."""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), ARRAY_CHUNK):
            cursor.execute(sql, [*params, keys[start : start + ARRAY_CHUNK]])
            found.extend(cursor.fetchall())
    return found


def _contacts_by_point(kind: str, keys: set[str]) -> dict[str, dict[int, tuple[Any, Any]]]:
    found: dict[str, dict[int, tuple[Any, Any]]] = defaultdict(dict)
    if not keys:
        return found
    if connection.vendor == "postgresql":
        point, contact = ContactPoint._meta.db_table, Contact._meta.db_table
        rows: Iterable[tuple[Any, ...]] = _array_lookup(
            f"SELECT p.normalized, p.contact_id, c.owner_id, c.team_id FROM {point} p "  # noqa: S608 - model names
            f"JOIN {contact} c ON c.id = p.contact_id "
            "WHERE p.kind = %s AND p.normalized = ANY(%s) AND c.deleted_at IS NULL",
            [kind],
            sorted(keys),
        )
    else:
        rows = itertools.chain.from_iterable(
            ContactPoint.objects.filter(
                kind=kind, normalized__in=chunk, contact__isnull=False, contact__deleted_at__isnull=True
            ).values_list("normalized", "contact_id", "contact__owner_id", "contact__team_id")
            for chunk in _chunks(sorted(keys))
        )
    for normalized, contact_id, owner_id, team_id in rows:
        found[normalized][contact_id] = (owner_id, team_id)
    return found


def _organizations_by(field_name: str, keys: set[str]) -> dict[str, dict[int, tuple[Any, Any]]]:
    found: dict[str, dict[int, tuple[Any, Any]]] = defaultdict(dict)
    if not keys:
        return found
    if connection.vendor == "postgresql":
        column = Organization._meta.get_field(field_name).column
        rows: Iterable[tuple[Any, ...]] = _array_lookup(
            f"SELECT {column}, id, owner_id, team_id FROM {Organization._meta.db_table} "  # noqa: S608 - model names
            f"WHERE {column} = ANY(%s) AND deleted_at IS NULL",
            [],
            sorted(keys),
        )
    else:
        rows = itertools.chain.from_iterable(
            Organization.objects.filter(**{f"{field_name}__in": chunk}).values_list(
                field_name, "id", "owner_id", "team_id"
            )
            for chunk in _chunks(sorted(keys))
        )
    for key, pk, owner_id, team_id in rows:
        found[key][pk] = (owner_id, team_id)
    return found


def _phone_column(row: ValidatedRow) -> str:
    for key in ("phone", "mobile", "other_phones"):
        if key in row.columns:
            return row.columns[key]
    return "phone"


def _visible_only(actor: User, found: dict[str, dict[int, tuple[Any, Any]]]) -> dict[str, dict[int, tuple[Any, Any]]]:
    """The records found that `actor` can see (`can_see`, asked once per owner and team)."""
    sees: dict[tuple[Any, Any], bool] = {}
    kept: dict[str, dict[int, tuple[Any, Any]]] = defaultdict(dict)
    for key, hits in found.items():
        for pk, scope in hits.items():
            visible = sees.get(scope)
            if visible is None:
                visible = sees[scope] = can_see(actor, SimpleNamespace(owner_id=scope[0], team_id=scope[1]))
            if visible:
                kept[key][pk] = scope
    return kept


def find_existing(
    actor: User, entity: str, rows: list[ValidatedRow]
) -> dict[int, tuple[dict[int, tuple[Any, Any]], str]]:
    """Row number -> ({pk: (owner_id, team_id)} of the records it matches among those `actor`
    can see, the column that matched)."""
    result: dict[int, tuple[dict[int, tuple[Any, Any]], str]] = {}
    if entity == CONTACT:
        by_email = _visible_only(
            actor, _contacts_by_point(ContactPoint.Kind.EMAIL, {p[1] for r in rows for p in r.emails})
        )
        rest: list[ValidatedRow] = []
        for row in rows:
            hits: dict[int, tuple[Any, Any]] = {}
            for point in row.emails:
                hits.update(by_email.get(point[1], {}))
            if hits:
                result[row.row] = (hits, row.column("email"))
            elif row.phones and not row.emails:
                rest.append(row)
        if rest:
            by_phone = _visible_only(
                actor, _contacts_by_point(ContactPoint.Kind.PHONE, {p[1] for r in rest for p in r.phones})
            )
            for row in rest:
                hits = {}
                for point in row.phones:
                    hits.update(by_phone.get(point[1], {}))
                if hits:
                    result[row.row] = (hits, _phone_column(row))
        return result
    taxes = {row.row: normalize.tax_id_key(row.values.get("tax_id", "")) for row in rows}
    by_tax = _visible_only(actor, _organizations_by("tax_id_normalized", {t for t in taxes.values() if t}))
    rest = []
    for row in rows:
        hits = by_tax.get(taxes[row.row], {}) if taxes[row.row] else {}
        if hits:
            result[row.row] = (hits, row.column("tax_id"))
        elif row.values.get("name") and not taxes[row.row]:
            rest.append(row)
    if rest:
        names = {row.row: normalize.name_key(row.values["name"]) for row in rest}
        by_name = _visible_only(actor, _organizations_by("name_key", {n for n in names.values() if n}))
        for row in rest:
            hits = by_name.get(names[row.row], {})
            if hits:
                result[row.row] = (hits, row.column("name"))
    return result


def _resolve_organizations(actor: User, rows: list[ValidatedRow], plan: Plan) -> list[ValidatedRow]:
    """Contacts: the organization each row names, among those the actor can see; errors otherwise.

    A row built by code with its organization given (`organization_id` set: the demo loader)
    keeps it.
    """
    from clientela.parties.queries import organizations_visible

    named = [r for r in rows if r.organization_id is None]
    wanted = {normalize.name_key(r.organization) for r in named if r.organization}
    wanted.discard("")
    if not wanted and not any(r.organization_role for r in named):
        return rows
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for chunk in _chunks(sorted(wanted)):
        for pk, name, key in (
            organizations_visible(actor).filter(name_key__in=chunk).values_list("id", "name", "name_key")
        ):
            found[key].append((pk, name))
    kept: list[ValidatedRow] = []
    for row in rows:
        if row.organization_id is not None:
            kept.append(row)
            continue
        if not row.organization:
            if row.organization_role:
                plan.error(row, row.column("organization_role"), _("a role needs an organization in the same row"))
                continue
            kept.append(row)
            continue
        hits = found.get(normalize.name_key(row.organization), [])
        column = row.column("organization")
        if not hits:
            plan.error(
                row, column, _("no organization named %(name)s that you can see") % {"name": row.organization[:100]}
            )
            continue
        if len(hits) > 1:
            plan.error(
                row,
                column,
                _("%(count)s organizations are named %(name)s") % {"count": len(hits), "name": row.organization[:100]},
            )
            continue
        problems: list[FieldError] = []
        cleaning.clean_affiliations(
            actor,
            [{"organization": Organization(pk=hits[0][0], name=hits[0][1]), "role": row.organization_role}],
            problems,
        )
        if problems:
            plan.error(row, row.column("organization_role"), problems[0].message)
            continue
        row.organization_id = hits[0][0]
        row.organization = hits[0][1]
        kept.append(row)
    return kept


def _visible_organizations_by(actor: User, field_name: str, keys: set[str]) -> dict[str, list[Organization]]:
    """Normalised key -> the live organizations the actor can see that have it (pk, public id, name loaded)."""
    from clientela.parties.queries import organizations_visible

    found: dict[str, list[Organization]] = defaultdict(list)
    keys.discard("")
    for chunk in _chunks(sorted(keys)):
        for pk, public_id, name, key in (
            organizations_visible(actor)
            .filter(**{f"{field_name}__in": chunk})
            .values_list("id", "public_id", "name", field_name)
        ):
            found[key].append(Organization(pk=pk, public_id=public_id, name=name))
    return found


def _resolve_parents(actor: User, rows: list[ValidatedRow], plan: Plan) -> list[ValidatedRow]:
    """Organizations: the parent each row names, by tax id, else by name, among those the actor can see.

    Two queries per batch (tax ids, then the names that were not a known tax id); a parent the
    actor cannot see is "not found", like one that does not exist.
    """
    named = [row for row in rows if row.parent]
    if not named:
        return rows
    taxes = {row.row: normalize.tax_id_key(row.parent) for row in named}
    by_tax = _visible_organizations_by(actor, "tax_id_normalized", set(taxes.values()))
    names = {row.row: normalize.name_key(row.parent) for row in named if taxes[row.row] not in by_tax}
    by_name = _visible_organizations_by(actor, "name_key", set(names.values())) if names else {}
    kept: list[ValidatedRow] = []
    for row in rows:
        if not row.parent:
            kept.append(row)
            continue
        column = row.column("parent")
        shown = row.parent[:100]
        hits = by_tax.get(taxes[row.row], [])
        if len(hits) > 1:
            plan.error(
                row,
                column,
                _("%(count)s organizations have the tax id %(tax_id)s; merge them first")
                % {"count": len(hits), "tax_id": shown},
            )
            continue
        if not hits:
            hits = by_name.get(names.get(row.row, ""), [])
        if not hits:
            plan.error(row, column, _("no organization named %(name)s that you can see") % {"name": shown})
            continue
        if len(hits) > 1:
            plan.error(
                row,
                column,
                _("%(count)s organizations are named %(name)s; give the parent's tax id instead")
                % {"count": len(hits), "name": shown},
            )
            continue
        row.values["parent"] = hits[0]
        kept.append(row)
    return kept


def _refuse_parent_loops(plan: Plan) -> None:
    """Updates whose new parent is the record itself or one of its subsidiaries become errors."""
    parented = [row for row in plan.updates if "parent" in row.values]
    if not parented:
        return
    links = cleaning.parent_links({row.values["parent"].pk for row in parented})
    refused: set[int] = set()
    for row in parented:
        problem = cleaning.parent_problem(row.existing_id or 0, row.values["parent"].pk, links)
        if problem is not None:
            plan.error(row, row.column("parent"), problem)
            refused.add(row.row)
    if refused:
        plan.updates = [row for row in plan.updates if row.row not in refused]


def plan_batch(
    actor: User, entity: str, rows: list[ValidatedRow], match: str, definitions: dict[str, CustomField]
) -> Plan:
    """Decide, for each valid row, create / update / skip / error. Reads only."""
    plan = Plan()
    resolve_references = _resolve_organizations if entity == CONTACT else _resolve_parents
    rows = resolve_references(actor, rows, plan)
    existing = find_existing(actor, entity, rows) if match != MATCH_CREATE else {}
    noun = _("contacts") if entity == CONTACT else _("organizations")
    claimed: dict[int, int] = {}  # existing pk -> the row that matched it first
    # Every match is a record the actor sees; one they see they may change, if their role writes
    # at all (an import asks for that before it starts: this is the guard behind it).
    may_write = actor.policy.can_write
    for row in rows:
        hit = existing.get(row.row)
        if hit is not None:
            candidates, column = hit
            if len(candidates) > 1:
                plan.error(
                    row,
                    column,
                    _("matches %(count)s existing %(noun)s; merge them first")
                    % {"count": len(candidates), "noun": noun},
                )
                continue
            ((pk, (owner_id, team_id)),) = candidates.items()
            if pk in claimed:
                plan.error(row, column, _("matches the same record as row %(row)s") % {"row": claimed[pk]})
                continue
            claimed[pk] = row.row
            row.existing_id = pk
            row.match_column = column
            plan.scope[pk] = (owner_id, team_id)
            if match == MATCH_SKIP:
                plan.skips.append(row)
                plan.outcomes[row.row] = SKIP
                continue
            if not may_write:
                plan.error(row, column, cannot_change_message())
                continue
            plan.updates.append(row)
            plan.outcomes[row.row] = UPDATE
            continue
        problems = required_problems(entity, row, definitions)
        if problems:
            plan.errors.extend(problems)
            plan.outcomes[row.row] = ERROR
            continue
        plan.creates.append(row)
        plan.outcomes[row.row] = CREATE
    if entity != CONTACT:
        _refuse_parent_loops(plan)
    return plan


def cannot_change_message() -> str:
    return _("matches a record you cannot change")


def gone_message() -> str:
    return _("the matching record was changed or removed while importing; import the row again")
