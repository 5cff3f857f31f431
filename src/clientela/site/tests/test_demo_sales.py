"""The demo's selling: three years of deals in every state with consistent stage histories and
change log, learned probabilities that rise stage by stage, leads in every status — and the
batch actions that write them (`sales.actions.history`), which refuse a bad plan whole."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from clientela.accounts.models import Team, User
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.parties.models import Affiliation, Contact, CustomField, Organization, Relationship, Tag
from clientela.sales import actions, queries
from clientela.sales.actions.history import DealPlan, LeadPlan, deals_load_history, leads_load_history
from clientela.sales.models import Deal, Lead, LeadStatus, Outcome, Pipeline, StageChange
from clientela.sales.rules import CLOSED_CATEGORY
from clientela.site.demo.load import load
from clientela.site.demo.sales import PROJECTS_PIPELINE
from clientela.testing import factories

SMALL = 0.05  # 100 organizations, 500 contacts, 250 deals, 20 leads
CURRENCIES = {"Hungary": {"HUF"}, "Poland": {"PLN"}, "Romania": {"RON"}, "Türkiye": {"TRY"}}


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def demo(empty_database: None, now: dt.datetime) -> None:
    load(seed=2024, scale=SMALL, seeded_ids=True, now=now)


def _default() -> Pipeline:
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline


def _stage(name: str) -> Any:
    return _default().stages.get(name=name)


def _history() -> dict[int, list[StageChange]]:
    changes: dict[int, list[StageChange]] = defaultdict(list)
    for change in StageChange.objects.select_related("to_stage").order_by("changed_at", "id"):
        changes[change.deal_id].append(change)
    return changes


# --- the demo's deals -------------------------------------------------------------------------------


def test_demo_deals_are_open_won_and_lost_in_both_pipelines_and_every_lost_one_says_why(demo):
    default = _default()
    projects = Pipeline.objects.get(name=PROJECTS_PIPELINE)
    assert Event.objects.filter(action="pipeline.create", record_id=projects.public_id, source="demo").exists()
    for pipeline in (default, projects):
        outcomes = dict(
            Deal.objects.filter(pipeline=pipeline).values_list("stage__outcome").annotate(n=Count("id")).order_by()
        )
        assert set(outcomes) == {Outcome.OPEN, Outcome.WON, Outcome.LOST}, pipeline
    deals = Deal.objects.filter(pipeline=default)
    total = deals.count()
    assert total >= 200
    assert 0.25 <= deals.filter(stage__outcome=Outcome.WON).count() / total <= 0.35
    assert 0.40 <= deals.filter(stage__outcome=Outcome.LOST).count() / total <= 0.50
    assert set(deals.values_list("stage__name", flat=True)) == set(default.stages.values_list("name", flat=True))
    assert not Deal.objects.filter(stage__outcome=Outcome.LOST, lost_reason=None).exists()
    assert not Deal.objects.exclude(stage__outcome=Outcome.LOST).exclude(lost_reason=None).exists()
    reasons = Deal.objects.filter(stage__outcome=Outcome.LOST).values_list("lost_reason__name", flat=True)
    most_common = max(set(reasons), key=list(reasons).count)
    assert most_common == "Price"


def test_demo_open_deals_are_mostly_recent_and_some_stale(demo, now):
    open_deals = Deal.objects.filter(stage__outcome=Outcome.OPEN)
    stale = open_deals.filter(stage_entered_at__lt=now - dt.timedelta(days=60)).count()
    assert 0 < stale < open_deals.count() / 2
    created = sorted(Deal.objects.values_list("created_at", flat=True))
    assert created[0] < now - dt.timedelta(days=2 * 365) and created[-1] <= now


def test_each_demo_deal_has_a_stage_history_that_ends_where_the_deal_is(demo):
    history = _history()
    deals = list(Deal.objects.select_related("stage"))
    assert len(history) == len(deals)
    for deal in deals:
        changes = history[deal.pk]
        assert changes[0].from_stage_id is None and changes[0].seconds_in_previous is None
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_stage_id == before.to_stage_id
            assert after.seconds_in_previous == int((after.changed_at - before.changed_at).total_seconds()) > 0
        last = changes[-1]
        assert last.to_stage_id == deal.stage_id and last.changed_at == deal.stage_entered_at
        assert (deal.created_at, deal.updated_at) == (changes[0].changed_at, last.changed_at)
        assert deal.version == len(changes)
        assert all(change.actor_id == deal.owner_id for change in changes)
        assert all(not change.to_stage.is_closed for change in changes[:-1])
        if deal.stage.is_closed:
            assert deal.closed_on == timezone.localdate(last.changed_at)
            assert (deal.probability, deal.forecast_category) == (
                deal.stage.probability,
                CLOSED_CATEGORY[Outcome(deal.stage.outcome)],
            )
        else:
            assert deal.closed_on is None


def test_each_demo_deal_logs_its_creation_and_each_move_when_they_happened(demo):
    history = _history()
    events: dict[str, list[Event]] = defaultdict(list)
    for event in Event.objects.filter(record_type="sales.deal").order_by("id"):
        events[str(event.record_id)].append(event)
    for deal in Deal.objects.select_related("owner", "organization"):
        logged, changes = events[str(deal.public_id)], history[deal.pk]
        assert [e.action for e in logged] == ["deal.create"] + ["deal.update"] * (len(changes) - 1)
        assert [e.occurred_at for e in logged] == [c.changed_at for c in changes]
        assert [e.version for e in logged] == list(range(1, deal.version + 1))
        assert {e.source for e in logged} == {"demo"} and {e.actor_id for e in logged} == {deal.owner_id}
        created = logged[0].changes
        assert created["owner"] == [None, str(deal.owner.public_id)]
        assert created["organization"] == [None, str(deal.organization.public_id)]
        assert created["stage"] == [None, str(changes[0].to_stage.public_id)]
        for event, (before, after) in zip(logged[1:], zip(changes, changes[1:], strict=False), strict=True):
            assert event.changes["stage"] == [str(before.to_stage.public_id), str(after.to_stage.public_id)]
        if deal.stage.outcome == Outcome.LOST:
            assert logged[-1].changes["lost_reason"] == [None, str(deal.lost_reason.public_id)]


def test_later_stages_of_the_demo_win_more_often_so_learned_probabilities_rise(demo):
    pipeline = _default()
    closed = Deal.objects.filter(pipeline=pipeline).exclude(stage__outcome=Outcome.OPEN)
    won = set(closed.filter(stage__outcome=Outcome.WON).values_list("pk", flat=True))
    reached: dict[int, set[int]] = defaultdict(set)
    for deal_id, stage_id in StageChange.objects.filter(deal__in=closed).values_list("deal_id", "to_stage_id"):
        reached[stage_id].add(deal_id)
    open_stages = [stage for stage in pipeline.stages.all() if stage.outcome == Outcome.OPEN]
    rates = [len(reached[stage.pk] & won) / len(reached[stage.pk]) for stage in open_stages]
    assert rates == sorted(rates) and rates[0] < rates[-1] - 0.3, rates


def test_demo_deals_belong_to_their_organizations_team_and_are_in_its_countrys_currency(demo):
    for deal in Deal.objects.select_related("owner", "team", "organization", "contact"):
        assert deal.team_id == deal.organization.team_id and deal.owner.team_id == deal.team_id
        assert deal.organization.created_at < deal.created_at
        assert deal.currency in CURRENCIES.get(deal.team.name, {"EUR", "RUB"})
        assert deal.amount > 0 and deal.amount == deal.amount.quantize(Decimal(1))
        assert deal.expected_close_date > deal.created_at.date() - dt.timedelta(days=1)
        if deal.contact is not None:
            assert deal.contact.created_at < deal.created_at
            assert Affiliation.objects.filter(contact=deal.contact, organization=deal.organization).exists()


# --- the demo's leads ---------------------------------------------------------------------------------


def test_demo_leads_are_in_every_status_and_converted_ones_link_to_what_they_became(demo):
    leads = Lead.objects.select_related("converted_organization", "converted_contact", "converted_deal")
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    for lead in leads:
        logged = Event.objects.filter(record_id=lead.public_id).order_by("id")
        assert logged.count() == lead.version and logged.first().action == "lead.create"
        assert (logged.first().occurred_at, logged.last().occurred_at) == (lead.created_at, lead.updated_at)
        if lead.status == LeadStatus.DISQUALIFIED:
            assert lead.disqualify_reason and logged.last().action == "lead.disqualify"
        if lead.status != LeadStatus.CONVERTED:
            assert lead.converted_deal is None and lead.converted_contact is None
            continue
        deal = lead.converted_deal
        assert deal is not None and deal.lead_id == lead.pk and lead.converted_at == deal.created_at
        assert Contact.objects.filter(pk=lead.converted_contact.pk).exists()
        assert lead.converted_organization == deal.organization and lead.converted_contact == deal.contact
        assert lead.created_at < lead.converted_at and lead.owner_id == deal.owner_id
        assert logged.last().action == "lead.convert"
        assert logged.last().changes["converted_deal"] == [None, str(deal.public_id)]
        assert Event.objects.get(action="deal.create", record_id=deal.public_id).changes["lead"] == [
            None,
            str(lead.public_id),
        ]


# --- the same every time --------------------------------------------------------------------------------


def _sales_snapshot() -> dict[str, Any]:
    return {
        "deals": list(
            Deal.objects.order_by("public_id").values_list(
                "public_id", "name", "amount", "currency", "stage__name", "owner__username", "lost_reason__name",
                "created_at", "closed_on", "version",
            )
        ),
        "leads": list(Lead.objects.order_by("public_id").values_list("public_id", "status", "last_name", "created_at")),
        "stage_changes": StageChange.objects.count(),
        "events": Event.objects.filter(record_type__in=("sales.deal", "sales.lead")).count(),
    }  # fmt: skip


def _wipe() -> None:
    factories.wipe_sales_documents()
    Event.objects.all().delete()
    Lead.all_objects.update(converted_deal=None)
    Deal.all_objects.all().delete()
    Lead.all_objects.all().delete()
    Pipeline.all_objects.filter(name=PROJECTS_PIPELINE).delete()
    Relationship.objects.all().delete()
    Contact.all_objects.all().delete()
    Organization.all_objects.all().delete()
    CustomField.objects.all().delete()
    Tag.objects.all().delete()
    Team.objects.update(manager=None)
    User.objects.all().delete()
    Team.objects.all().delete()


def test_loading_the_demo_again_with_the_same_seed_and_moment_gives_the_same_sales(demo, now):
    first = _sales_snapshot()
    _wipe()

    load(seed=2024, scale=SMALL, seeded_ids=True, now=now)

    assert _sales_snapshot() == first
    assert first["deals"] and all(amount > 0 for _id, _name, amount, *_rest in first["deals"])


# --- the batch actions ---------------------------------------------------------------------------------


def _plan(cast: Any, organization: Any, *steps: tuple[str, dt.datetime], **more: Any) -> DealPlan:
    values = {"name": "Boiler", "amount": "1200.50", "currency": "HUF", "organization": organization}
    values |= more.pop("values", {})
    return DealPlan(
        values=values,
        steps=[(_stage(name), moment) for name, moment in steps],
        owner=cast.sales_north,
        team=cast.north,
        **more,
    )


def test_a_deal_loaded_with_its_history_logs_what_deal_create_and_deal_move_log(cast):
    company = factories.organization(cast.sales_north, name="Duna Kft")
    reason = queries.lost_reasons().get(name="Price")
    live = actions.deal_create(
        actor=cast.sales_north,
        values={"name": "Boiler", "amount": "1200.50", "currency": "HUF", "organization": company.public_id},
    )
    live = actions.deal_move(actor=cast.sales_north, deal=live, stage=_stage("Proposal"), expected_version=1)
    actions.deal_move(
        actor=cast.sales_north, deal=live, stage=_stage("Lost"), expected_version=2,
        lost_reason=reason.public_id, lost_note="Too dear",
    )  # fmt: skip
    start = timezone.now() - dt.timedelta(days=40)
    moments = [start, start + dt.timedelta(days=9, hours=3), start + dt.timedelta(days=30)]
    plan = _plan(
        cast, company, ("Qualification", moments[0]), ("Proposal", moments[1]), ("Lost", moments[2]),
        lost_reason=reason, values={"lost_note": "Too dear"},
    )  # fmt: skip

    assert deals_load_history(actor=cast.sales_north, plans=[plan]) == 1

    loaded = Deal.objects.exclude(pk=live.pk).get()
    assert (loaded.created_at, loaded.updated_at, loaded.closed_on) == (moments[0], moments[2], moments[2].date())
    moment_valued = {"stage_entered_at", "closed_on"}
    for ours, theirs in zip(
        Event.objects.filter(record_id=loaded.public_id).order_by("id"),
        Event.objects.filter(record_id=live.public_id).order_by("id"),
        strict=True,
    ):
        assert (ours.action, ours.kind, ours.version, ours.record_label) == (
            theirs.action, theirs.kind, theirs.version, theirs.record_label,
        )  # fmt: skip
        assert ours.changes.keys() == theirs.changes.keys()
        assert {k: v for k, v in ours.changes.items() if k not in moment_valued} == {
            k: v for k, v in theirs.changes.items() if k not in moment_valued
        }
    assert [e.occurred_at for e in Event.objects.filter(record_id=loaded.public_id).order_by("id")] == moments
    history = queries.stage_history(loaded)
    assert [c.seconds_in_previous for c in history] == [None, 9 * 86400 + 3 * 3600, (21 * 86400 - 3 * 3600)]


def test_the_batch_action_refuses_a_bad_plan_naming_it_and_writes_nothing(cast):
    company = factories.organization(cast.sales_north)
    other = actions.pipeline_create(
        actor=cast.admin,
        values={"name": "Service"},
        stages=[
            {"name": "Open", "probability": 20},
            {"name": "Won", "outcome": "won"},
            {"name": "Lost", "outcome": "lost"},
        ],
    )
    day = timezone.now() - dt.timedelta(days=10)
    good = _plan(cast, company, ("Qualification", day), ("Won", day + dt.timedelta(days=2)))
    no_reason = _plan(cast, company, ("Qualification", day), ("Lost", day + dt.timedelta(days=2)))
    mixed = _plan(cast, company, ("Qualification", day))
    mixed.steps.append((other.stages.get(name="Won"), day + dt.timedelta(days=1)))
    backwards = _plan(cast, company, ("Qualification", day), ("Proposal", day - dt.timedelta(days=1)))
    future = _plan(cast, company, ("Qualification", timezone.now() + dt.timedelta(days=1)))
    theirs = _plan(cast, company, ("Qualification", day))
    theirs.owner, theirs.team = cast.sales_south, cast.south
    before = (Deal.all_objects.count(), StageChange.objects.count(), Event.objects.count())

    with pytest.raises(ValidationFailed) as refused:
        deals_load_history(actor=cast.sales_north, plans=[good, no_reason, mixed, backwards, future, theirs])

    assert {e.field for e in refused.value.errors} == {
        "plans[1].lost_reason", "plans[2].steps[1]", "plans[3].steps[1]", "plans[4].steps[0]",
        "plans[5].owner", "plans[5].team",
    }  # fmt: skip
    assert (Deal.all_objects.count(), StageChange.objects.count(), Event.objects.count()) == before
    with pytest.raises(PermissionDenied):
        deals_load_history(actor=cast.readonly_north, plans=[good])


def test_a_converted_lead_loaded_with_its_history_brings_the_deal_it_became(cast):
    company = factories.organization(cast.sales_north, name="Tisza Trade")
    person = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    day = timezone.now() - dt.timedelta(days=20)
    converted = day + dt.timedelta(days=5)
    deal = _plan(cast, company, ("Needs analysis", converted))
    deal.values["contact"] = person
    lead = LeadPlan(
        values={"first_name": "Anna", "last_name": "Kovács", "company": "Tisza Trade", "email": "anna@tisza.example"},
        steps=[
            (LeadStatus.NEW, day),
            (LeadStatus.QUALIFIED, day + dt.timedelta(days=2)),
            (LeadStatus.CONVERTED, converted),
        ],
        owner=cast.sales_north,
        team=cast.north,
        organization=company,
        contact=person,
        deal=deal,
    )
    spam = LeadPlan(
        values={"last_name": "Winner"},
        steps=[(LeadStatus.NEW, day), (LeadStatus.DISQUALIFIED, day + dt.timedelta(hours=1))],
        owner=cast.sales_north,
        team=cast.north,
    )
    with pytest.raises(ValidationFailed) as refused:
        leads_load_history(actor=cast.sales_north, plans=[lead, spam])
    assert [e.field for e in refused.value.errors] == ["plans[1].disqualify_reason"]
    assert not Lead.all_objects.exists() and not Deal.all_objects.exists()
    spam.disqualify_reason = "spam"

    assert leads_load_history(actor=cast.sales_north, plans=[lead, spam]) == 2

    stored = Lead.objects.get(last_name="Kovács")
    assert stored.status == LeadStatus.CONVERTED and stored.converted_at == converted and stored.version == 3
    assert stored.converted_deal.lead == stored and stored.converted_deal.contact == person
    assert stored.converted_deal.created_at == converted
    actions_logged = Event.objects.filter(record_id=stored.public_id).order_by("id").values_list("action", flat=True)
    assert list(actions_logged) == ["lead.create", "lead.update", "lead.convert"]
    assert Lead.objects.get(last_name="Winner").disqualify_reason == "spam"
