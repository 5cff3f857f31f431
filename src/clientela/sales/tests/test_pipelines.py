"""Pipelines and their stages, and the list of lost reasons: kept by administrators."""

from __future__ import annotations

from typing import Any

import pytest

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.sales import actions, queries
from clientela.sales.models import Outcome, Pipeline

STAGES: list[dict[str, Any]] = [
    {"name": "New", "probability": 10},
    {"name": "Offer", "probability": 50},
    {"name": "Won", "outcome": "won"},
    {"name": "Lost", "outcome": "lost"},
]


def _fields(errors):
    return {error.field for error in errors}


def test_a_new_installation_has_a_default_pipeline_and_the_usual_lost_reasons(db):
    pipeline = queries.default_pipeline()
    assert pipeline is not None and pipeline.is_default
    outcomes = [stage.outcome for stage in pipeline.stages.all()]
    assert outcomes.count(Outcome.WON) == 1 and Outcome.LOST in outcomes and outcomes[0] == Outcome.OPEN
    assert {"Price", "Quality", "Delivery", "Service"} <= set(queries.lost_reasons().values_list("name", flat=True))


def test_an_administrator_creates_a_pipeline_with_ordered_stages_logged_in_one_event(cast):
    pipeline = actions.pipeline_create(actor=cast.admin, values={"name": "Projects"}, stages=STAGES)
    stages = list(queries.pipeline_get(pipeline.public_id).stages.all())
    assert [(s.name, s.position, s.probability, s.outcome) for s in stages] == [
        ("New", 0, 10, "open"),
        ("Offer", 1, 50, "open"),
        ("Won", 2, 100, "won"),
        ("Lost", 3, 0, "lost"),
    ]
    event = Event.objects.get(record_id=pipeline.public_id)
    assert event.action == "pipeline.create"
    assert [s["name"] for s in event.changes["stages"][1]] == ["New", "Offer", "Won", "Lost"]


def test_only_administrators_keep_pipelines(cast):
    with pytest.raises(PermissionDenied):
        actions.pipeline_create(actor=cast.manager_north, values={"name": "Mine"}, stages=STAGES)
    with pytest.raises(PermissionDenied):
        actions.lost_reason_create(actor=cast.sales_north, values={"name": "Too far"})


def test_a_pipeline_without_a_won_stage_or_with_twin_stage_names_is_refused_naming_each_problem(cast):
    stages: list[dict[str, Any]] = [
        {"name": "New", "probability": 10},
        {"name": "new", "probability": 20},
        {"name": "Lost", "outcome": "lost"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        actions.pipeline_create(actor=cast.admin, values={"name": ""}, stages=stages)
    assert _fields(refused.value.errors) == {"name", "stages[1].name", "stages"}
    assert not Pipeline.objects.filter(name="").exists()


def test_a_won_stage_is_certain_and_a_lost_one_hopeless(cast):
    stages: list[dict[str, Any]] = [
        {"name": "New", "probability": 10},
        {"name": "Won", "outcome": "won", "probability": 90},
    ]
    stages.append({"name": "Lost", "outcome": "lost", "probability": 5})
    with pytest.raises(ValidationFailed) as refused:
        actions.pipeline_create(actor=cast.admin, values={"name": "Odd"}, stages=stages)
    assert _fields(refused.value.errors) == {"stages[1].probability", "stages[2].probability"}


def test_reordering_and_renaming_stages_keeps_them_and_their_deals(cast):
    from clientela.sales.actions import deal_create

    pipeline = actions.pipeline_create(actor=cast.admin, values={"name": "Projects"}, stages=STAGES)
    new, offer, won, lost = pipeline.stages.all()
    deal = deal_create(actor=cast.sales_north, values={"name": "Roof", "pipeline": pipeline.public_id})
    assert deal.stage == new
    wanted = [
        {"id": offer.public_id, "name": "Proposal", "probability": 60},
        {"id": new.public_id, "name": "New", "probability": 15},
        {"name": "Negotiation", "probability": 80},
        {"id": won.public_id, "name": "Won", "outcome": "won"},
        {"id": lost.public_id, "name": "Lost", "outcome": "lost"},
    ]
    actions.pipeline_update(actor=cast.admin, pipeline=pipeline, values={}, stages=wanted)
    names = [(s.name, s.probability) for s in queries.pipeline_get(pipeline.public_id).stages.all()]
    assert names == [("Proposal", 60), ("New", 15), ("Negotiation", 80), ("Won", 100), ("Lost", 0)]
    deal.refresh_from_db()
    assert deal.stage_id == new.pk


def test_a_stage_that_holds_deals_cannot_be_removed(cast):
    from clientela.sales.actions import deal_create

    pipeline = actions.pipeline_create(actor=cast.admin, values={"name": "Projects"}, stages=STAGES)
    new, offer, won, lost = pipeline.stages.all()
    deal_create(actor=cast.sales_north, values={"name": "Roof", "stage": offer.public_id})
    keep = [
        {"id": s.public_id, "name": s.name, "outcome": s.outcome, "probability": s.probability}
        for s in (new, won, lost)
    ]
    with pytest.raises(ValidationFailed) as refused:
        actions.pipeline_update(actor=cast.admin, pipeline=pipeline, values={}, stages=keep)
    assert refused.value.errors[0].code == "in_use" and "Offer" in refused.value.errors[0].message
    assert pipeline.stages.count() == 4


def test_one_pipeline_is_the_default(cast):
    first = queries.default_pipeline()
    assert first is not None
    other = actions.pipeline_create(actor=cast.admin, values={"name": "Projects", "is_default": True}, stages=STAGES)
    assert queries.default_pipeline() == other
    first.refresh_from_db()
    assert not first.is_default


def test_a_lost_reason_is_named_once_and_can_be_retired(cast):
    reason = actions.lost_reason_create(actor=cast.admin, values={"name": "Too far away"})
    with pytest.raises(ValidationFailed):
        actions.lost_reason_create(actor=cast.admin, values={"name": "too far AWAY"})
    actions.lost_reason_update(actor=cast.admin, lost_reason=reason, values={"active": False})
    assert reason not in queries.lost_reasons(active_only=True)
