"""Lead assignment rules: administrators keep an ordered list; a lead that arrives without an
owner — a web form's post, an imported row without an owner column — goes to the first active
rule that matches it (`assign_lead`), else to its channel's default (the web form's team in
turn, the importer).

A rule names an owner, or a team whose active sales people and managers take its leads in
turn (round robin). The turn is kept on the rule and moved under a row lock, so two leads at
once go to two people. Rules are records: created, changed and trashed with their events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.validation import clean_values, is_country_code
from clientela.core.visibility import require_admin
from clientela.parties.cleaning import resolve_people
from clientela.sales import queries
from clientela.sales.models import LeadAssignmentRule, LeadSource
from clientela.sales.rules import require_name

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User

RULE_FIELDS = frozenset({"name", "active", "source", "country", "contains"})


def _clean_rule(values: dict[str, Any], current: LeadAssignmentRule | None) -> dict[str, Any]:
    values = dict(values)
    errors: list[FieldError] = []
    people: dict[str, Any] = {}
    try:
        people = resolve_people({k: values.pop(k) or None for k in ("owner", "team") if k in values})
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    unknown = sorted(set(values) - RULE_FIELDS)
    errors.extend(FieldError(name, "unknown_field", _("is not a field you can set")) for name in unknown)
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_values(LeadAssignmentRule, {k: v for k, v in values.items() if k in RULE_FIELDS},
                               allowed=RULE_FIELDS)  # fmt: skip
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    if cleaned.get("country"):
        cleaned["country"] = cleaned["country"].upper()
        if not is_country_code(cleaned["country"]):
            errors.append(FieldError("country", "invalid", _("is not a two-letter country code such as HU")))
    if "contains" in cleaned:
        cleaned["contains"] = cleaned["contains"].strip()
    try:
        require_name("name", {**values, **cleaned}, current)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    owner = people.get("owner", getattr(current, "owner", None))
    team = people.get("team", getattr(current, "team", None))
    if not errors:
        _check_outcome(owner, team, errors)
    if errors:
        raise ValidationFailed(errors)
    return {**cleaned, **people}


def _check_outcome(owner: User | None, team: Team | None, errors: list[FieldError]) -> None:
    """A rule gives its leads to someone: an owner who takes leads, or a team with such members."""
    if owner is not None:
        if owner.role not in queries.ASSIGNABLE_ROLES:
            errors.append(FieldError("owner", "invalid", _("only sales people and managers take leads")))
    elif team is None:
        errors.append(FieldError("owner", "required", _("choose the owner or the team the leads go to")))
    elif not queries.takers(team.pk):
        errors.append(FieldError("team", "invalid", _("nobody in this team takes leads (sales people, managers)")))


def lead_rule_create(*, actor: User, values: dict[str, Any]) -> LeadAssignmentRule:
    require_admin(actor)
    cleaned = _clean_rule(values, None)
    with transaction.atomic():
        last = LeadAssignmentRule.objects.aggregate(last=Max("position"))["last"]
        cleaned["position"] = 0 if last is None else last + 1
        return records.create_record(LeadAssignmentRule, actor=actor, values=cleaned, action="leadrule.create")


def lead_rule_update(
    *,
    actor: User,
    rule: LeadAssignmentRule,
    values: dict[str, Any],
    expected_version: int | None = None,
    merge: bool = False,
) -> LeadAssignmentRule:
    """Change a rule at `expected_version`: a stale write is refused (the API's If-Match), or
    merged field by field when `merge` (the settings page)."""
    require_admin(actor)
    cleaned = _clean_rule(values, rule)
    return records.update_record(
        rule, actor=actor, values=cleaned, action="leadrule.update", expected_version=expected_version, merge=merge
    )


def lead_rule_trash(
    *, actor: User, rule: LeadAssignmentRule, expected_version: int | None = None
) -> LeadAssignmentRule:
    require_admin(actor)
    return records.trash_record(rule, actor=actor, action="leadrule.trash", expected_version=expected_version)


def lead_rule_move(*, actor: User, rule: LeadAssignmentRule, step: int) -> None:
    """Move a rule one place earlier (step -1) or later (+1) in the order the rules are tried."""
    require_admin(actor)
    if step not in (-1, 1):
        raise ValidationFailed.single("step", "invalid", _("a rule moves one place at a time"))
    with transaction.atomic():
        ordered = list(LeadAssignmentRule.objects.select_for_update().order_by("position", "id"))
        index = next((n for n, r in enumerate(ordered) if r.pk == rule.pk), None)
        if index is None or not 0 <= index + step < len(ordered):
            return
        ordered[index], ordered[index + step] = ordered[index + step], ordered[index]
        for position, each in enumerate(ordered):
            if each.position != position:
                records.update_record(each, actor=actor, values={"position": position}, action="leadrule.update")


def _matches(rule: LeadAssignmentRule, values: dict[str, Any]) -> bool:
    if rule.source and values.get("source", LeadSource.OTHER) != rule.source:
        return False
    if rule.country and (values.get("country") or "").upper() != rule.country:
        return False
    if rule.contains:
        text = f"{values.get('company') or ''} {values.get('email') or ''}".casefold()
        return rule.contains.casefold() in text
    return True


def assign_lead(values: dict[str, Any]) -> tuple[User, Team | None] | None:
    """The owner and team of a lead with these (cleaned) values by the first active rule that
    matches it, taking the team's turn; None when no rule matches (or its team has nobody left
    to take leads). Call inside the transaction that writes the lead."""
    for rule in LeadAssignmentRule.objects.filter(active=True).order_by("position", "id"):
        if not _matches(rule, values):
            continue
        locked = (
            LeadAssignmentRule.objects.select_for_update(of=("self",)).select_related("owner", "team").get(pk=rule.pk)
        )
        if locked.owner is not None and locked.owner.is_active:
            return locked.owner, locked.team or locked.owner.team
        if locked.team_id is None:
            continue
        taker = queries.next_in_turn(locked.team_id, locked.last_assigned_id)
        if taker is None:
            continue
        LeadAssignmentRule.objects.filter(pk=locked.pk).update(last_assigned=taker)
        return taker, locked.team
    return None
