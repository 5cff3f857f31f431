"""Deals and leads written with their whole history, each change at its own moment in the past.

The single-record actions (`deal_create`, `deal_move`, `lead_convert`...) stamp every change
"now". A history — the demo's three years of selling, or another CRM's records — needs each
change dated when it happened. These batch actions take records planned in full and write
them as the single-record path would have, had each change been made at its moment:

- a deal: the row (its version one more than its moves; `stage_entered_at`, `closed_on`,
  probability and forecast category as its last stage sets them), one `StageChange` per stage
  it entered (with the seconds it stayed in the one before), one "deal.create" event dated at
  its creation and one "deal.update" event per move dated at the move, with the changes
  `core.records.create_record` and `update_record` would log (references by public id);
- a lead: the row, a "lead.create" event, and one event per change of status ("lead.update",
  "lead.disqualify", "lead.convert"); a converted lead's deal is created with the conversion,
  linked to the lead, as `lead_convert` does.

Everything is checked before anything is written (permission, owner and team in the actor's
scope, the records linked visible to the actor, each deal's stages in one pipeline, a lost deal's
reason, a lead's values by `rules.clean_lead`); a bad plan raises `ValidationFailed` naming
the plan's index (`plans[3].steps[1]`) and writes nothing. One transaction per call, a few
multi-row statements per table, whatever the number of plans.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.changelog import bulk_append_events, event_fields, record_label
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.ids import uuid7
from clientela.core.models import Event
from clientela.core.money import default_currency, is_currency
from clientela.core.records import logged_value
from clientela.core.validation import clean_values
from clientela.core.visibility import AssignmentScope, assignment_scope, can_see, require_write
from clientela.sales.actions.figures import deal_counts, figures_add, lead_counts
from clientela.sales.conversion import region
from clientela.sales.entities import DEAL, LEAD
from clientela.sales.models import (
    Deal,
    DisqualifyReason,
    ForecastCategory,
    Lead,
    LeadStatus,
    LostReason,
    Outcome,
    Pipeline,
    Stage,
    StageChange,
)
from clientela.sales.queries import OPEN_LEAD_STATUSES
from clientela.sales.rules import CLOSED_CATEGORY, clean_lead, lead_phone_normalized

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User
    from clientela.parties.models import Contact, Organization

BATCH_SIZE = 500  # rows per statement (the leads' timestamp fix-up is a CASE of one branch per row)
# A deal's own fields a plan may give: the declared values; `lost_note` goes with the move into a lost stage.
DEAL_VALUES = frozenset(DEAL.value_fields)
# Given in a plan, these are the deal's values at its last stage (a closed stage sets its own).
AT_LAST_STEP = ("probability", "forecast_category", "lost_note")
LEAD_VALUES = frozenset(name for name in LEAD.value_fields if name != "status")
OPEN_STATUSES = OPEN_LEAD_STATUSES
STATUS_ACTIONS: dict[str, str] = {LeadStatus.CONVERTED: "lead.convert", LeadStatus.DISQUALIFIED: "lead.disqualify"}
EMPTY: tuple[Any, ...] = (None, "", {}, [])


@dataclass
class DealPlan:
    """One deal as it was created and moved.

    `steps`: the stages it entered, in order, each with the moment it did; the first is its
    creation. All of one pipeline; only the last may be won or lost. `values`: its own fields
    (`DEAL`'s value fields) and `organization` / `contact` (records); `probability`,
    `forecast_category` and `lost_note`, when given, are what it has from its last step (a won or
    lost stage sets its own probability and category). `lost_reason`: required when it ends lost.
    """

    values: dict[str, Any]
    steps: list[tuple[Stage, dt.datetime]]
    owner: User
    team: Team | None
    lost_reason: LostReason | None = None
    public_id: uuid.UUID | None = None


@dataclass
class LeadPlan:
    """One lead as it was captured and worked.

    `steps`: its statuses in order with the moment of each; the first (new, working or
    qualified) is its creation, and only the last may be converted or disqualified. `values`:
    its own fields (`LEAD`'s, without status). Disqualified: `disqualify_reason` (a
    `DisqualifyReason`) and an optional note. Converted: the `contact` (and `organization`) it
    became, and the `deal` the conversion created, which starts at the moment of the
    conversion and has the lead's owner and team.
    """

    values: dict[str, Any]
    steps: list[tuple[str, dt.datetime]]
    owner: User
    team: Team | None
    disqualify_reason: str = ""
    disqualify_note: str = ""
    organization: Organization | None = None
    contact: Contact | None = None
    deal: DealPlan | None = None
    public_id: uuid.UUID | None = None
    by_rule: bool = False  # the owner and team come from a lead assignment rule (an import's row)


# --- checking -------------------------------------------------------------------------------------


@dataclass
class _Checks:
    """What every plan of a call is checked against, read once."""

    actor: User
    now: dt.datetime
    active_users: set[int]
    active_reasons: set[int]
    pipelines: dict[int, Pipeline]  # the live pipelines, by primary key
    scope: AssignmentScope

    @classmethod
    def of(cls, actor: User, owners: Iterable[Any]) -> _Checks:
        from clientela.accounts.models import User

        ids = {owner.pk for owner in owners if owner is not None}
        active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        reasons = set(LostReason.objects.filter(active=True).values_list("pk", flat=True))
        pipelines = {pipeline.pk: pipeline for pipeline in Pipeline.objects.all()}
        return cls(actor, timezone.now(), active, reasons, pipelines, assignment_scope(actor))

    def people(self, where: str, owner: Any, team: Any, errors: list[FieldError], *, by_rule: bool = False) -> None:
        """The owner is an active user and the team one the actor may give (as `check_assignment`);
        `by_rule`: an administrator's assignment rule chose them, whoever the actor is."""
        if owner is None or owner.pk not in self.active_users:
            errors.append(FieldError(f"{where}.owner", "not_found", _("no such active user")))
        elif by_rule:
            return
        elif not self.scope.allows_owner(owner):
            message = _("you may only assign records to members of your team")
            errors.append(FieldError(f"{where}.owner", "forbidden", message))
        if team is not None and not self.scope.allows_team(team):
            errors.append(FieldError(f"{where}.team", "forbidden", _("you may only assign records to your own team")))

    def linked(self, where: str, name: str, record: Any, errors: list[FieldError]) -> None:
        """A record the plan links to exists, is not in the trash and is one the actor may see."""
        if record is None:
            return
        if (
            not isinstance(record, Model)
            or record.pk is None
            or getattr(record, "deleted_at", None) is not None
            or not can_see(self.actor, record)
        ):
            errors.append(FieldError(f"{where}.{name}", "not_found", _("no such record")))

    def moments(self, where: str, moments: list[dt.datetime], errors: list[FieldError]) -> None:
        before: dt.datetime | None = None
        for number, moment in enumerate(moments):
            if not isinstance(moment, dt.datetime) or timezone.is_naive(moment):
                errors.append(FieldError(f"{where}.steps[{number}]", "invalid", _("needs a time-zone-aware moment")))
                return
            if moment > self.now:
                errors.append(FieldError(f"{where}.steps[{number}]", "invalid", _("is in the future")))
            if before is not None and moment <= before:
                message = _("is not after the step before it")
                errors.append(FieldError(f"{where}.steps[{number}]", "invalid", message))
            before = moment


def _with_prefix(where: str, failed: ValidationFailed) -> list[FieldError]:
    return [FieldError(f"{where}.{e.field}", e.code, e.message) for e in failed.errors]


def _check_deal(checks: _Checks, where: str, plan: DealPlan, errors: list[FieldError]) -> dict[str, Any]:
    """The plan's own values cleaned by the model's rules; every problem appended to `errors`."""
    found = len(errors)
    values = dict(plan.values)
    links = {name: values.pop(name) for name in ("organization", "contact") if name in values}
    own: dict[str, Any] = {}
    try:
        own = clean_values(Deal, values, allowed=DEAL_VALUES)
    except ValidationFailed as failed:
        errors.extend(_with_prefix(where, failed))
    if not own.get("name") and not any(e.field == f"{where}.name" for e in errors):
        errors.append(FieldError(f"{where}.name", "required", _("is required")))
    currency = (own.get("currency") or default_currency()).upper()
    if not is_currency(currency):
        errors.append(FieldError(f"{where}.currency", "invalid", _("is not an ISO 4217 currency code such as EUR")))
    own["currency"] = currency
    if isinstance(own.get("amount"), Decimal) and own["amount"] < 0:
        errors.append(FieldError(f"{where}.amount", "invalid", _("must not be negative")))
    checks.people(where, plan.owner, plan.team, errors)
    for name, record in links.items():
        checks.linked(where, name, record, errors)
    if not plan.steps:
        errors.append(FieldError(f"{where}.steps", "required", _("a deal enters at least one stage")))
        return own
    stages = [stage for stage, _moment in plan.steps]
    if not all(isinstance(stage, Stage) for stage in stages):
        errors.append(FieldError(f"{where}.steps", "invalid", _("each step is a stage and a moment")))
        return own
    pipeline_id = stages[0].pipeline_id
    for number, stage in enumerate(stages):
        problem = ""
        if pipeline_id not in checks.pipelines or stage.pipeline_id != pipeline_id:
            problem = _("no such stage in this pipeline")
        elif stage.is_closed and number != len(stages) - 1:
            problem = _("only the last stage may be won or lost")
        elif number and stage.pk == stages[number - 1].pk:
            problem = _("is the stage it is in already")
        if problem:
            errors.append(FieldError(f"{where}.steps[{number}]", "invalid", problem))
    checks.moments(where, [moment for _stage, moment in plan.steps], errors)
    last = stages[-1]
    if last.outcome == Outcome.LOST:
        if plan.lost_reason is None:
            errors.append(FieldError(f"{where}.lost_reason", "required", _("say why the deal was lost")))
        elif plan.lost_reason.pk not in checks.active_reasons:
            errors.append(FieldError(f"{where}.lost_reason", "not_found", _("no such lost reason")))
    elif plan.lost_reason is not None or own.get("lost_note"):
        errors.append(FieldError(f"{where}.lost_reason", "invalid", _("only a lost deal has a lost reason")))
    category = own.get("forecast_category")
    if last.is_closed and category not in (None, CLOSED_CATEGORY[Outcome(last.outcome)]):
        message = _("a closed deal's category follows its stage")
        errors.append(FieldError(f"{where}.forecast_category", "invalid", message))
    return own if len(errors) > found else own | links


def _check_lead(checks: _Checks, where: str, plan: LeadPlan, errors: list[FieldError]) -> dict[str, Any]:
    unknown = sorted(set(plan.values) - LEAD_VALUES)
    errors.extend(FieldError(f"{where}.{name}", "unknown_field", _("is not a field you can set")) for name in unknown)
    own: dict[str, Any] = {}
    try:
        own = clean_lead(checks.actor, {k: v for k, v in plan.values.items() if k in LEAD_VALUES}, None)
    except ValidationFailed as failed:
        errors.extend(_with_prefix(where, failed))
    checks.people(where, plan.owner, plan.team, errors, by_rule=plan.by_rule)
    statuses = [status for status, _moment in plan.steps]
    if not statuses:
        errors.append(FieldError(f"{where}.steps", "required", _("a lead has at least its first status")))
        return own
    for number, status in enumerate(statuses):
        final = number == len(statuses) - 1
        allowed = (*OPEN_STATUSES, *STATUS_ACTIONS) if final and number else OPEN_STATUSES
        if status not in allowed or (number and status == statuses[number - 1]):
            message = _("is not a status the lead can move to")
            errors.append(FieldError(f"{where}.steps[{number}]", "invalid", message))
    checks.moments(where, [moment for _status, moment in plan.steps], errors)
    last, converted_at = statuses[-1], plan.steps[-1][1]
    if last == LeadStatus.DISQUALIFIED and plan.disqualify_reason not in DisqualifyReason.values:
        errors.append(FieldError(f"{where}.disqualify_reason", "invalid", _("choose a reason from the list")))
    if last != LeadStatus.DISQUALIFIED and (plan.disqualify_reason or plan.disqualify_note):
        errors.append(FieldError(f"{where}.disqualify_reason", "invalid", _("only a disqualified lead has a reason")))
    if len(plan.disqualify_note) > 500:
        errors.append(FieldError(f"{where}.disqualify_note", "invalid", _("at most 500 characters")))
    if last == LeadStatus.CONVERTED:
        if plan.contact is None:
            errors.append(FieldError(f"{where}.contact", "required", _("a converted lead names its contact")))
        checks.linked(where, "contact", plan.contact, errors)
        checks.linked(where, "organization", plan.organization, errors)
        deal = plan.deal
        if deal is not None and (deal.owner != plan.owner or deal.team != plan.team):
            errors.append(FieldError(f"{where}.deal.owner", "invalid", _("the deal is the lead's owner's and team's")))
        if deal is not None and (not deal.steps or deal.steps[0][1] != converted_at):
            message = _("the deal starts when the lead is converted")
            errors.append(FieldError(f"{where}.deal.steps[0]", "invalid", message))
    elif plan.organization is not None or plan.contact is not None or plan.deal is not None:
        errors.append(FieldError(f"{where}.contact", "invalid", _("only a converted lead links to what it became")))
    return own


# --- planning the rows and events ---------------------------------------------------------------------


@dataclass
class _Written:
    """A record built in memory with its planned moments (bulk inserts stamp created_at and
    updated_at with now: they are set again from these) and its events."""

    record: Any
    created_at: dt.datetime
    updated_at: dt.datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    stage_changes: list[StageChange] = field(default_factory=list)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _created_changes(record: Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """As `core.records.create_record` logs a new record: each value given, empty ones left out."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        logged = logged_value(record, name, value)
        if logged not in EMPTY:
            changes[name] = [None, logged]
    return changes


def _changed(record: Model, state: dict[str, Any], values: dict[str, Any]) -> dict[str, list[Any]]:
    """As `core.records.diff` logs a change: the values that differ from the record's."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = logged_value(record, name, state.get(name))
        logged = logged_value(record, name, new)
        if old != logged:
            changes[name] = [old, logged]
    return changes


def _event(
    actor: User, action: str, kind: str, record: Any, changes: dict[str, Any], version: int, at: dt.datetime
) -> dict[str, Any]:
    """The columns of one event of `record` (`changelog.event_fields`, as `event_for` fills them),
    at the version and moment the change had."""
    return event_fields(
        actor=actor, action=action, kind=kind, record_type=record._meta.label_lower, record_id=record.public_id,
        label=record_label(record), owner_id=record.owner_id, team_id=record.team_id, changes=changes,
        version=version, occurred_at=at,
    )  # fmt: skip


def _stage_values(stage: Stage, at: dt.datetime) -> dict[str, Any]:
    """What entering `stage` at `at` sets (`actions.deals._stage_moment` and `rules.clean_deal`)."""
    values: dict[str, Any] = {"stage": stage, "probability": stage.probability, "stage_entered_at": at}
    values["closed_on"] = timezone.localdate(at) if stage.is_closed else None
    if stage.is_closed:
        values["forecast_category"] = CLOSED_CATEGORY[Outcome(stage.outcome)]
    return values


def _plan_deal(
    actor: User, plan: DealPlan, own: dict[str, Any], pipeline: Pipeline, lead: Lead | None = None
) -> _Written:
    steps = [(stage, _utc(moment)) for stage, moment in plan.steps]
    later = {name: own.pop(name) for name in AT_LAST_STEP if name in own}
    first_stage, created_at = steps[0]
    deal = Deal(public_id=plan.public_id or uuid7(), created_by=actor, updated_by=actor)
    created: dict[str, Any] = {**own, "owner": plan.owner, "team": plan.team}
    if lead is not None:
        created["lead"] = lead
    created |= {"pipeline": pipeline, **_stage_values(first_stage, created_at)}
    if created["closed_on"] is None:
        del created["closed_on"]  # as `deal_create`: an open deal is not closed on any day
    if len(steps) == 1:
        created |= _last_step_values(first_stage, later, plan.lost_reason)
    for name, value in created.items():
        setattr(deal, name, value)
    written = _Written(deal, created_at, steps[-1][1])
    state = {"forecast_category": ForecastCategory.PIPELINE, "lost_reason": None, "lost_note": "", **created}
    written.events.append(
        _event(actor, "deal.create", Event.Kind.CREATED, deal, _created_changes(deal, created), 1, created_at)
    )
    written.stage_changes.append(
        StageChange(deal=deal, pipeline_id=deal.pipeline_id, to_stage=first_stage, changed_at=created_at, actor=actor)
    )
    previous, entered = first_stage, created_at
    for number, (stage, at) in enumerate(steps[1:], start=2):
        values = _stage_values(stage, at)
        if number == len(steps):
            values |= _last_step_values(stage, later, plan.lost_reason)
        changes = _changed(deal, state, values)
        state |= values
        written.events.append(_event(actor, "deal.update", Event.Kind.UPDATED, deal, changes, number, at))
        written.stage_changes.append(
            StageChange(
                deal=deal, pipeline_id=deal.pipeline_id, from_stage=previous, to_stage=stage, changed_at=at,
                actor=actor, seconds_in_previous=int((at - entered).total_seconds()),
            )
        )  # fmt: skip
        previous, entered = stage, at
    for name, value in state.items():
        setattr(deal, name, value)
    deal.version = len(steps)
    return written


def _last_step_values(stage: Stage, later: dict[str, Any], lost_reason: LostReason | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if not stage.is_closed:
        values |= {name: later[name] for name in ("probability", "forecast_category") if name in later}
    if stage.outcome == Outcome.LOST:
        values["lost_reason"] = lost_reason
        if later.get("lost_note"):
            values["lost_note"] = later["lost_note"]
    return values


def _plan_lead(actor: User, plan: LeadPlan, own: dict[str, Any], lead: Lead, deal: Deal | None) -> _Written:
    """`lead`: the new instance, with its public id (its deal refers to it already)."""
    steps = [(status, _utc(moment)) for status, moment in plan.steps]
    first_status, created_at = steps[0]
    lead.created_by = lead.updated_by = actor
    created = {**own, "owner": plan.owner, "team": plan.team}
    created["phone_normalized"] = lead_phone_normalized(created, region(actor, ""))
    created["status"] = first_status
    for name, value in created.items():
        setattr(lead, name, value)
    written = _Written(lead, created_at, steps[-1][1])
    written.events.append(
        _event(actor, "lead.create", Event.Kind.CREATED, lead, _created_changes(lead, created), 1, created_at)
    )
    state = {"disqualify_reason": "", "disqualify_note": "", **created}
    for number, (status, at) in enumerate(steps[1:], start=2):
        values: dict[str, Any] = {"status": status}
        if status == LeadStatus.DISQUALIFIED:
            values |= {"disqualify_reason": plan.disqualify_reason, "disqualify_note": plan.disqualify_note.strip()}
        elif status == LeadStatus.CONVERTED:
            values |= {
                "converted_at": at, "converted_organization": plan.organization,
                "converted_contact": plan.contact, "converted_deal": deal,
            }  # fmt: skip
        changes = _changed(lead, state, values)
        state |= values
        action = STATUS_ACTIONS.get(status, "lead.update")
        written.events.append(_event(actor, action, Event.Kind.UPDATED, lead, changes, number, at))
    for name, value in state.items():
        setattr(lead, name, value)
    lead.version = len(steps)
    return written


# --- writing ----------------------------------------------------------------------------------------


def _insert_leads(written: list[_Written], *, restamp: bool = True) -> None:
    """Insert the leads, then (`restamp`) put back the creation and change moments the insert
    stamped over (`created_at` and `updated_at` are stamped "now" by any insert)."""
    Lead.all_objects.bulk_create([w.record for w in written], batch_size=BATCH_SIZE)
    if not restamp:
        return
    for w in written:
        w.record.created_at, w.record.updated_at = w.created_at, w.updated_at
    Lead.all_objects.bulk_update([w.record for w in written], ["created_at", "updated_at"], batch_size=BATCH_SIZE)


def _insert_deals(written: list[_Written]) -> None:
    """Insert the deals and their stage histories; a deal was created when it entered its first
    stage and last changed when it entered its last one, so its `created_at` and `updated_at`
    (which the insert stamps "now") are set from its history, one statement per batch."""
    Deal.all_objects.bulk_create([w.record for w in written], batch_size=BATCH_SIZE)
    StageChange.objects.bulk_create([c for w in written for c in w.stage_changes], batch_size=BATCH_SIZE * 4)
    history = StageChange.objects.filter(deal=OuterRef("pk")).values("changed_at")
    pks = [w.record.pk for w in written]
    for first in range(0, len(pks), BATCH_SIZE * 2):
        Deal.all_objects.filter(pk__in=pks[first : first + BATCH_SIZE * 2]).update(
            created_at=Subquery(history.order_by("changed_at", "id")[:1]),
            updated_at=Subquery(history.order_by("-changed_at", "-id")[:1]),
        )
    for w in written:
        w.record.created_at, w.record.updated_at = w.created_at, w.updated_at


def _log(written: list[_Written]) -> None:
    """All the events, oldest first, so the change log reads in the order things happened."""
    events = sorted((fields for w in written for fields in w.events), key=lambda fields: fields["occurred_at"])
    bulk_append_events((Event(**fields) for fields in events), batch_size=BATCH_SIZE * 4)


def _count(deals: list[_Written], leads: list[_Written]) -> None:
    """Add the new records to the sales figures (`core.records` does it for one record at a time)."""
    counts = [
        deal_counts(w.record, w.record.stage.outcome, [change.to_stage_id for change in w.stage_changes]) for w in deals
    ]
    figures_add([*counts, *(lead_counts(w.record) for w in leads)])


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def deals_load_history(*, actor: User, plans: list[DealPlan]) -> int:
    """Write the planned deals with their stage histories and events (see the module); returns
    how many. Nothing is written if any plan is refused."""
    require_write(actor)
    checks = _Checks.of(actor, (plan.owner for plan in plans))
    errors: list[FieldError] = []
    cleaned = [_check_deal(checks, f"plans[{index}]", plan, errors) for index, plan in enumerate(plans)]
    _raise(errors)
    written = [
        _plan_deal(actor, plan, own, checks.pipelines[plan.steps[0][0].pipeline_id])
        for plan, own in zip(plans, cleaned, strict=True)
    ]
    with transaction.atomic():
        _insert_deals(written)
        _log(written)
        _count(written, [])
    return len(written)


def leads_load_history(*, actor: User, plans: list[LeadPlan], happening_now: bool = False) -> int:
    """Write the planned leads with their status histories and events, and the deals converted
    leads became (with theirs); returns how many leads. Nothing is written if any plan is refused.
    `happening_now`: the plans are new leads of this moment (an import), so the insert's own
    stamps stand and are not set again from the plans."""
    require_write(actor)
    checks = _Checks.of(actor, (plan.owner for plan in plans))
    errors: list[FieldError] = []
    cleaned = [_check_lead(checks, f"plans[{index}]", plan, errors) for index, plan in enumerate(plans)]
    deal_values = {
        index: _check_deal(checks, f"plans[{index}].deal", plan.deal, errors)
        for index, plan in enumerate(plans)
        if plan.deal is not None
    }
    _raise(errors)
    leads: list[_Written] = []
    deals: list[_Written] = []
    for index, (plan, own) in enumerate(zip(plans, cleaned, strict=True)):
        lead = Lead(public_id=plan.public_id or uuid7())
        deal = None
        if plan.deal is not None:
            pipeline = checks.pipelines[plan.deal.steps[0][0].pipeline_id]
            deals.append(_plan_deal(actor, plan.deal, deal_values[index], pipeline, lead))
            deal = deals[-1].record
        leads.append(_plan_lead(actor, plan, own, lead, deal))
    converted = [(w.record, w.record.converted_deal) for w in leads if w.record.converted_deal is not None]
    for lead, _deal in converted:
        lead.converted_deal = None  # the lead first, then its deal (which names it), then the link back
    with transaction.atomic():
        _insert_leads(leads, restamp=not happening_now)
        _insert_deals(deals)
        for lead, deal in converted:
            lead.converted_deal = deal
        Lead.all_objects.bulk_update([lead for lead, _deal in converted], ["converted_deal"], batch_size=BATCH_SIZE)
        _log([*deals, *leads])  # a conversion logs its deal first, as `lead_convert` does
        _count(deals, leads)
    return len(leads)
