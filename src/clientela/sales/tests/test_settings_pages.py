"""Administrators keep the pipelines and the lost reasons from the settings pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from clientela.sales import actions, queries
from clientela.sales.models import Pipeline
from clientela.testing.cast import PASSWORD


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_an_administrator_creates_a_pipeline_with_its_stages_from_the_page(cast):
    client = _client("admin")
    assert client.get(reverse("sales:settings_pipeline_new")).status_code == 200
    response = client.post(
        reverse("sales:settings_pipeline_new"),
        {
            "name": "Renewals",
            "stage-0-name": "Due", "stage-0-probability": "60", "stage-0-outcome": "open",
            "stage-1-name": "Renewed", "stage-1-probability": "100", "stage-1-outcome": "won",
            "stage-2-name": "Churned", "stage-2-probability": "0", "stage-2-outcome": "lost",
            "stage-3-name": "", "stage-3-probability": "", "stage-3-outcome": "open",
        },
    )  # fmt: skip
    assert response.status_code == 302
    pipeline = Pipeline.objects.get(name="Renewals")
    assert [(s.name, s.probability, s.outcome) for s in pipeline.stages.all()] == [
        ("Due", 60, "open"),
        ("Renewed", 100, "won"),
        ("Churned", 0, "lost"),
    ]
    assert "Renewals" in client.get(reverse("sales:settings_pipelines")).content.decode()


def test_a_bad_stage_row_is_named_and_nothing_is_saved(cast):
    client = _client("admin")
    response = client.post(
        reverse("sales:settings_pipeline_new"),
        {"name": "Odd", "stage-0-name": "New", "stage-0-probability": "150", "stage-0-outcome": "open"},
    )
    assert response.status_code == 422
    fields = {e.field for e in response.context["errors"]}
    assert "stages[0].probability" in fields and "stages" in fields
    assert not Pipeline.objects.filter(name="Odd").exists()


def test_renaming_a_stage_from_the_page_keeps_its_deals(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    data = {"name": pipeline.name, "is_default": "1", "version": pipeline.version}
    for n, stage in enumerate(pipeline.stages.all()):
        name = "First contact" if stage.name == "Qualification" else stage.name
        data.update({
            f"stage-{n}-id": stage.public_id, f"stage-{n}-name": name,
            f"stage-{n}-probability": stage.probability, f"stage-{n}-outcome": stage.outcome,
        })  # fmt: skip
    client = _client("admin")
    assert client.post(reverse("sales:settings_pipeline", args=[pipeline.public_id]), data).status_code == 302
    deal.refresh_from_db()
    assert deal.stage.name == "First contact"


def test_lost_reasons_are_added_and_retired_by_administrators_only(cast):
    client = _client("admin")
    assert client.post(reverse("sales:settings_lost_reasons"), {"name": "Too far away"}).status_code == 302
    reason = queries.lost_reasons().get(name="Too far away")
    client.post(reverse("sales:settings_lost_reasons"), {"reason": reason.public_id, "active": "0"})
    assert reason not in queries.lost_reasons(active_only=True)
    duplicate = client.post(reverse("sales:settings_lost_reasons"), {"name": "too far away"})
    assert duplicate.status_code == 422
    assert _client("manager_north").get(reverse("sales:settings_pipelines")).status_code == 403
    assert _client("manager_north").post(reverse("sales:settings_lost_reasons"), {"name": "X"}).status_code == 403
