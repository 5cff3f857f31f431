"""The forecast through the API: figures by month and category, adjustments by managers,
snapshots compared with what closed, learned stage probabilities."""

from __future__ import annotations

from django.utils import timezone

from clientela.sales import actions, queries
from clientela.testing.api import ApiClient


def _stage(name):
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline.stages.get(name=name)


def test_the_forecast_lists_weighted_figures_by_month_category_and_currency_with_adjustments(cast):
    month = timezone.localdate().replace(day=1)
    actions.deal_create(
        actor=cast.sales_north,
        values={"name": "A", "amount": "1000", "currency": "EUR", "expected_close_date": month.isoformat(),
                "stage": _stage("Proposal").public_id, "forecast_category": "commit"},
    )  # fmt: skip
    rep, manager = ApiClient(cast.sales_north), ApiClient(cast.manager_north)
    body = rep.get("/forecasts", {"owner": "me"}).json()
    cell = next(c for c in body["cells"] if c["category"] == "commit")
    assert (cell["amount"], cell["weighted"], cell["adjusted"]) == ("1000.00", "500.00", None)
    adjusted = manager.post(
        "/forecasts/adjustments",
        {"period": month.strftime("%Y-%m"), "category": "commit", "amount": "800.00", "currency": "EUR",
         "owner": str(cast.sales_north.public_id), "note": "slipping"},
    )  # fmt: skip
    assert adjusted.status_code == 201, adjusted.content
    cell = next(c for c in rep.get("/forecasts", {"owner": "me"}).json()["cells"] if c["category"] == "commit")
    assert (cell["adjusted"], cell["adjustment_note"]) == ("800.00", "slipping")
    refused = rep.post(
        "/forecasts/adjustments",
        {"period": month.strftime("%Y-%m"), "category": "commit", "amount": "1.00", "currency": "EUR"},
    )
    assert refused.status_code == 403
    assert ApiClient(cast.sales_south).get("/forecasts").json()["cells"] == []


def test_a_snapshot_is_compared_with_what_was_won_since(cast):
    month = timezone.localdate().replace(day=1)
    deal = actions.deal_create(
        actor=cast.sales_north,
        values={"name": "A", "amount": "1000", "currency": "EUR", "expected_close_date": month.isoformat()},
    )
    api = ApiClient(cast.sales_north)
    taken = api.post("/forecasts/snapshots", {"first": month.strftime("%Y-%m"), "last": month.strftime("%Y-%m")})
    assert taken.status_code == 201 and taken.json()["rows"] == 1
    actions.deal_move(actor=cast.sales_north, deal=deal, stage=_stage("Won"), expected_version=1)
    compared = api.get(f"/forecasts/snapshots/{taken.json()['id']}/comparison").json()["items"]
    assert [(r["forecast_weighted"], r["won_deals"], r["won_amount"]) for r in compared] == [("100.00", 1, "1000.00")]
    assert len(api.get("/forecasts/snapshots").json()["items"]) == 1


def test_learned_probabilities_stand_beside_the_stage_defaults(cast):
    for outcome in ("Won", "Lost", "Lost"):
        deal = actions.deal_create(actor=cast.sales_north, values={"name": outcome})
        extra = {"lost_reason": queries.lost_reasons().first().public_id} if outcome == "Lost" else {}
        actions.deal_update(
            actor=cast.sales_north, deal=deal, values={"stage": _stage(outcome).public_id, **extra}, expected_version=1
        )
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    items = ApiClient(cast.sales_north).get(f"/pipelines/{pipeline.public_id}/learned").json()["items"]
    first = items[0]
    assert (first["name"], first["probability"], first["learned"], first["deals"]) == ("Qualification", 10, "33.3", 3)


def test_the_worker_keeps_one_forecast_snapshot_a_month(cast):
    from clientela.core import housekeeping
    from clientela.sales import forecasting

    actions.deal_create(
        actor=cast.sales_north, values={"name": "A", "expected_close_date": timezone.localdate().isoformat()}
    )
    assert "sales.forecast_snapshot" in housekeeping.registered()
    first = housekeeping.run_checks()["sales.forecast_snapshot"]
    second = housekeeping.run_checks()["sales.forecast_snapshot"]
    assert first.startswith("forecast snapshot of") and second is None
    snapshot = forecasting.snapshots().get()
    assert snapshot.taken_by is None and len(snapshot.rows) == 1
