"""Deals: where a new deal starts, moves across stages (version-checked), winning and losing,
the stage history with time in stage, and who may see and link what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clientela.core.errors import Conflict, PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.sales import actions, queries
from clientela.sales.models import Deal, ForecastCategory, StageChange
from clientela.testing import factories


def _pipeline():
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline


def _given(value):
    assert value is not None
    return value


def _stage(name):
    return _pipeline().stages.get(name=name)


def _reason(name="Price"):
    return queries.lost_reasons().get(name=name)


def test_a_new_deal_starts_in_the_default_pipelines_first_stage_with_its_probability(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "amount": "1200.50"})
    assert deal.stage == _stage("Qualification") and deal.probability == 10
    assert deal.amount == Decimal("1200.50") and deal.currency == "EUR"
    assert deal.owner == cast.sales_north and deal.team == cast.north
    assert deal.forecast_category == ForecastCategory.PIPELINE and deal.closed_on is None
    assert [(c.from_stage, c.to_stage) for c in queries.stage_history(deal)] == [(None, _stage("Qualification"))]


def test_moving_a_deal_records_how_long_it_stayed_in_the_stage_before(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    Deal.all_objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=3))
    deal.refresh_from_db()
    moved = actions.deal_move(actor=cast.sales_north, deal=deal, stage=_stage("Proposal"), expected_version=1)
    assert moved.stage == _stage("Proposal") and moved.probability == 50 and moved.version == 2
    last = queries.stage_history(moved)[-1]
    assert last.from_stage == _stage("Qualification") and 3 * 86400 <= last.seconds_in_previous < 3 * 86400 + 60
    event = Event.objects.filter(record_id=deal.public_id).first()
    assert event.action == "deal.update"
    assert event.changes["stage"] == [str(_stage("Qualification").public_id), str(_stage("Proposal").public_id)]


def test_a_stale_move_is_a_conflict_never_an_overwrite(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    seen_by_both = queries.deal_get(cast.sales_north_2, deal.public_id)
    actions.deal_move(actor=cast.sales_north, deal=deal, stage=_stage("Proposal"), expected_version=1)
    with pytest.raises(Conflict):
        actions.deal_move(actor=cast.sales_north_2, deal=seen_by_both, stage=_stage("Negotiation"), expected_version=1)
    assert Deal.objects.get(pk=deal.pk).stage == _stage("Proposal")
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_a_lost_deal_needs_a_reason_and_closes_today_out_of_the_forecast(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    with pytest.raises(ValidationFailed) as refused:
        actions.deal_move(actor=cast.sales_north, deal=deal, stage=_stage("Lost"), expected_version=1)
    assert [e.field for e in refused.value.errors] == ["lost_reason"]
    lost = actions.deal_move(
        actor=cast.sales_north, deal=deal, stage=_stage("Lost"), expected_version=1, lost_reason=_reason().public_id
    )
    assert lost.lost_reason == _reason() and lost.probability == 0
    assert lost.closed_on == timezone.localdate() and lost.forecast_category == ForecastCategory.OMITTED


def test_a_won_deal_is_certain_and_closed_and_reopening_it_clears_that(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "probability": 35})
    assert deal.probability == 35  # set by hand, not the stage's
    won = actions.deal_move(actor=cast.sales_north, deal=deal, stage=_stage("Won"), expected_version=1)
    assert (won.probability, won.forecast_category, won.closed_on) == (100, "closed", timezone.localdate())
    reopened = actions.deal_move(actor=cast.sales_north, deal=won, stage=_stage("Negotiation"), expected_version=2)
    assert (reopened.probability, reopened.forecast_category, reopened.closed_on) == (75, "pipeline", None)


def test_a_stage_of_another_pipeline_is_refused(cast):
    other = actions.pipeline_create(
        actor=cast.admin,
        values={"name": "Projects"},
        stages=[
            {"name": "New", "probability": 5},
            {"name": "Won", "outcome": "won"},
            {"name": "Lost", "outcome": "lost"},
        ],
    )
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    with pytest.raises(ValidationFailed) as refused:
        actions.deal_move(actor=cast.sales_north, deal=deal, stage=other.stages.first(), expected_version=1)
    assert [e.field for e in refused.value.errors] == ["stage"]


def test_every_bad_field_is_named_at_once_and_nothing_is_written(cast):
    with pytest.raises(ValidationFailed) as refused:
        actions.deal_create(
            actor=cast.sales_north,
            values={"name": " ", "amount": "-5", "currency": "XYZ", "probability": 140, "expected_close_date": "soon"},
        )
    assert {e.field for e in refused.value.errors} == {
        "name",
        "amount",
        "currency",
        "probability",
        "expected_close_date",
    }
    assert not Deal.all_objects.exists()


def test_sales_reps_see_their_teams_deals_only_and_link_only_what_they_see(cast):
    south_company = factories.organization(cast.sales_south, name="Southern Ltd")
    south_deal = actions.deal_create(
        actor=cast.sales_south, values={"name": "South deal", "organization": south_company.public_id}
    )
    north_deal = actions.deal_create(actor=cast.sales_north, values={"name": "North deal"})
    assert list(queries.deals_visible(cast.sales_north)) == [north_deal]
    assert set(queries.deals_visible(cast.admin)) == {north_deal, south_deal}
    with pytest.raises(ValidationFailed) as refused:
        actions.deal_create(actor=cast.sales_north, values={"name": "Poach", "organization": south_company.public_id})
    assert refused.value.errors[0].field == "organization"
    with pytest.raises(PermissionDenied):
        actions.deal_update(actor=cast.sales_north, deal=south_deal, values={"amount": "1"})
    with pytest.raises(PermissionDenied):
        actions.deal_create(actor=cast.readonly_north, values={"name": "Nope"})


def test_a_trashed_deal_leaves_the_lists_and_comes_back(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    actions.deal_trash(actor=cast.sales_north, deal=deal, expected_version=1)
    assert not queries.deals_visible(cast.sales_north).exists()
    assert list(queries.deals_visible(cast.sales_north, trash=True)) == [deal]
    actions.deal_restore(
        actor=cast.sales_north, deal=queries.deal_get(cast.sales_north, deal.public_id, include_trash=True)
    )
    assert list(queries.deals_visible(cast.sales_north)) == [deal]
