"""The sales API: leads, deals, pipelines and lost reasons with the foundation's guarantees
(scoped reads, If-Match, Idempotency-Key, errors naming the field), and lead conversion."""

from __future__ import annotations

from typing import Any

from clientela.sales import queries
from clientela.sales.models import Deal, Lead
from clientela.testing import factories
from clientela.testing.api import ApiClient


def _stage_id(name: str) -> str:
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return str(pipeline.stages.get(name=name).public_id)


def _lead(api: ApiClient, **values: Any) -> dict[str, Any]:
    body = {"first_name": "Anna", "last_name": "Kovács", "company": "Kovács Kft.", "email": "anna@kovacs.example"}
    response = api.post("/leads", {**body, **values})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_lead_is_captured_read_and_converted_into_linked_records_once(cast):
    api = ApiClient(cast.sales_north)
    lead = _lead(api, estimated_amount="5000.00", currency="HUF", phone="+36 20 960 7198")
    assert lead["estimated_amount"] == "5000.00" and lead["owner"]["username"] == "sales_north"
    converted = api.post(f"/leads/{lead['id']}/convert", {})
    assert converted.status_code == 201
    ids = converted.json()
    assert set(ids) == {"organization", "contact", "deal", "created"}
    assert ids["created"] == ["contact", "deal", "organization"]
    again = api.post(f"/leads/{lead['id']}/convert", {})
    assert again.status_code == 200
    assert {k: again.json()[k] for k in ("organization", "contact", "deal")} == {
        k: ids[k] for k in ("organization", "contact", "deal")
    }
    assert again.json()["created"] == []
    deal = api.get(f"/deals/{ids['deal']}").json()
    assert deal["organization"]["id"] == ids["organization"] and deal["contact"]["id"] == ids["contact"]
    assert (deal["amount"], deal["currency"], deal["lead"]) == ("5000.00", "HUF", lead["id"])
    read = api.get(f"/leads/{lead['id']}").json()
    assert read["status"] == "converted" and read["converted_deal"] == ids["deal"]


def test_converting_links_an_existing_contact_named_in_the_request(cast):
    api = ApiClient(cast.sales_north)
    person = factories.contact(cast.sales_north, first_name="A.", last_name="Kovács", emails=["other@example.test"])
    lead = _lead(api)
    ids = api.post(f"/leads/{lead['id']}/convert", {"contact": str(person.public_id), "create_deal": False}).json()
    assert ids["contact"] == str(person.public_id) and ids["deal"] is None
    assert ids["created"] == ["organization"]


def test_a_disqualified_lead_cannot_be_converted(cast):
    api = ApiClient(cast.sales_north)
    lead = _lead(api)
    response = api.post(f"/leads/{lead['id']}/disqualify", {"reason": "no_budget", "note": "maybe next year"})
    assert response.status_code == 200 and response.json()["status"] == "disqualified"
    refused = api.post(f"/leads/{lead['id']}/convert", {})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "lead_closed"
    bad = api.post(f"/leads/{lead['id']}/disqualify", {"reason": "bored"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"


def test_another_teams_leads_and_deals_are_not_found(cast):
    north = ApiClient(cast.sales_north)
    south = ApiClient(cast.sales_south)
    lead = _lead(north)
    deal = north.post("/deals", {"name": "Boiler"}).json()
    for path in (f"/leads/{lead['id']}", f"/deals/{deal['id']}", f"/deals/{deal['id']}/history"):
        assert south.get(path).status_code == 404
    assert south.post(f"/leads/{lead['id']}/convert", {}).status_code == 404
    assert south.get("/leads").json()["items"] == [] and south.get("/deals").json()["items"] == []
    admin = ApiClient(cast.admin)
    assert [d["id"] for d in admin.get("/deals").json()["items"]] == [deal["id"]]


def test_a_deal_moves_with_if_match_and_a_stale_move_is_412_not_an_overwrite(cast):
    api = ApiClient(cast.sales_north)
    created = api.post("/deals", {"name": "Boiler", "amount": "1200.50"})
    assert created.status_code == 201
    deal = created.json()
    assert deal["stage"]["name"] == "Qualification" and deal["probability"] == 10 and deal["status"] == "open"
    etag = created["ETag"]
    moved = api.patch(f"/deals/{deal['id']}", {"stage": _stage_id("Proposal")}, headers={"If-Match": etag})
    assert moved.status_code == 200 and moved.json()["stage"]["name"] == "Proposal"
    assert moved.json()["weighted_amount"] == "600.25"
    stale = api.patch(f"/deals/{deal['id']}", {"stage": _stage_id("Negotiation")}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api.patch(f"/deals/{deal['id']}", {"stage": _stage_id("Won")}).status_code == 428
    history = api.get(f"/deals/{deal['id']}/history").json()["items"]
    assert [h["to_stage"]["name"] for h in history] == ["Qualification", "Proposal"]


def test_losing_a_deal_needs_a_reason_named_in_the_error(cast):
    api = ApiClient(cast.sales_north)
    created = api.post("/deals", {"name": "Boiler"})
    deal, etag = created.json(), created["ETag"]
    refused = api.patch(f"/deals/{deal['id']}", {"stage": _stage_id("Lost")}, headers={"If-Match": etag})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lost_reason"
    reason = api.get("/lost-reasons", {"active": "true"}).json()["items"][0]
    lost = api.patch(
        f"/deals/{deal['id']}", {"stage": _stage_id("Lost"), "lost_reason": reason["id"]}, headers={"If-Match": etag}
    )
    body = lost.json()
    assert lost.status_code == 200 and body["status"] == "lost" and body["lost_reason"]["name"] == reason["name"]
    assert body["forecast_category"] == "omitted" and body["closed_on"] is not None


def test_bad_deal_input_names_each_field_and_writes_nothing(cast):
    api = ApiClient(cast.sales_north)
    response = api.post("/deals", {"name": "", "amount": "-1", "currency": "EURO", "probability": 101})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"name", "amount", "probability"}
    unknown = api.post("/deals", {"name": "X", "stage": "00000000-0000-4000-8000-000000000000"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "stage"
    assert not Deal.all_objects.exists()


def test_a_retried_create_with_the_same_idempotency_key_creates_once(cast):
    api = ApiClient(cast.sales_north)
    first = api.post("/leads", {"last_name": "Nagy"}, headers={"Idempotency-Key": "lead-1"})
    second = api.post("/leads", {"last_name": "Nagy"}, headers={"Idempotency-Key": "lead-1"})
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert Lead.objects.count() == 1


def test_deal_lists_filter_by_status_stage_and_owner_and_page_by_cursor(cast):
    api = ApiClient(cast.sales_north)
    ids = [api.post("/deals", {"name": f"Deal {n}", "amount": str(100 * n)}).json()["id"] for n in range(1, 6)]
    ApiClient(cast.sales_north_2).post("/deals", {"name": "Colleague's"})
    mine = api.get("/deals", {"owner": "me", "sort": "-amount", "limit": 2}).json()
    assert [d["name"] for d in mine["items"]] == ["Deal 5", "Deal 4"]
    rest = api.get("/deals", {"owner": "me", "sort": "-amount", "limit": 2, "cursor": mine["next_cursor"]}).json()
    assert [d["name"] for d in rest["items"]] == ["Deal 3", "Deal 2"]
    assert len(api.get("/deals", {"status": "open"}).json()["items"]) == 6
    assert api.get("/deals", {"status": "won"}).json()["items"] == []
    assert len(api.get("/deals", {"stage": _stage_id("Qualification"), "q": "deal 3"}).json()["items"]) == 1
    assert ids


def test_pipelines_are_read_by_all_and_changed_by_administrators_only(cast):
    stages = [
        {"name": "New", "probability": 10},
        {"name": "Won", "outcome": "won"},
        {"name": "Lost", "outcome": "lost"},
    ]
    refused = ApiClient(cast.manager_north).post("/pipelines", {"name": "Projects", "stages": stages})
    assert refused.status_code == 403
    created = ApiClient(cast.admin).post("/pipelines", {"name": "Projects", "stages": stages})
    assert created.status_code == 201
    body = created.json()
    assert [(s["name"], s["probability"], s["outcome"]) for s in body["stages"]] == [
        ("New", 10, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]
    names = [p["name"] for p in ApiClient(cast.readonly_north).get("/pipelines").json()["items"]]
    assert names == ["Projects", "Sales"] or set(names) == {"Projects", "Sales"}
    renamed = ApiClient(cast.admin).patch(
        f"/pipelines/{body['id']}", {"name": "Big projects"}, headers={"If-Match": created["ETag"]}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Big projects"
