"""Web-to-lead forms: a website posts an enquiry, it becomes a lead owned in turn by the
team's sales people; robots (honeypot), floods and bad values create nothing."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from clientela.core.models import Event
from clientela.sales import actions
from clientela.sales.actions import webforms
from clientela.sales.models import Lead
from clientela.testing.api import ApiClient

ENQUIRY = {"first_name": "Anna", "last_name": "Kovács", "company": "Kovács Kft.", "email": "anna@kovacs.example"}


def _form(cast, **values):
    return actions.lead_form_create(actor=cast.admin, values={"name": "Contact us", "team": cast.north, **values})


def _post(form, data, *, address="203.0.113.7", **headers):
    return Client(REMOTE_ADDR=address).post(reverse("sales:webform", args=[form.token]), data, **headers)


def test_an_enquiry_becomes_a_lead_owned_in_turn_by_the_teams_sales_people(cast):
    form = _form(cast)
    for n in range(4):
        response = _post(form, {**ENQUIRY, "last_name": f"Visitor {n}", "message": "Call me"}, address=f"203.0.113.{n}")
        assert response.status_code == 200 and b'data-testid="sent"' in response.content
    owners = [lead.owner.username for lead in Lead.objects.order_by("created_at", "id")]
    assert owners == ["manager_north", "sales_north", "sales_north_2", "manager_north"]  # not service, not read-only
    lead = Lead.objects.order_by("created_at", "id").first()
    assert lead is not None
    assert (lead.source, lead.status, lead.team, lead.qualification_notes) == ("web_form", "new", cast.north, "Call me")
    event = Event.objects.get(record_id=lead.public_id)
    assert (event.actor_id, event.source, event.action) == (None, "web_form", "lead.create")


def test_a_robot_filling_the_hidden_field_is_answered_but_creates_nothing(cast):
    response = _post(_form(cast), {**ENQUIRY, webforms.HONEYPOT_FIELD: "http://spam.example"})
    assert response.status_code == 200 and not Lead.objects.exists()


def test_one_address_posting_too_often_is_refused_with_retry_after(cast):
    form = _form(cast)
    for _n in range(webforms.PER_ADDRESS):
        assert _post(form, ENQUIRY).status_code == 200
    refused = _post(form, ENQUIRY)
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert Lead.objects.count() == webforms.PER_ADDRESS
    assert _post(form, ENQUIRY, address="198.51.100.1").status_code == 200  # another visitor is not held up


def test_bad_values_are_named_and_create_nothing(cast):
    response = _post(
        _form(cast), {**ENQUIRY, "email": "not an address", "last_name": ""}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"email", "last_name"}
    assert not Lead.objects.exists()


def test_a_json_post_is_answered_in_json_and_a_form_with_a_page_to_go_to_redirects(cast):
    form = _form(cast)
    answer = Client().post(
        reverse("sales:webform", args=[form.token]), json.dumps(ENQUIRY), content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json() == {"ok": True}
    thanked = _form(cast, name="Quote request", redirect_url="https://example.com/thanks")
    redirected = _post(thanked, ENQUIRY)
    assert redirected.status_code == 303 and redirected["Location"] == "https://example.com/thanks"


def test_an_unknown_or_retired_form_is_not_found(cast):
    form = _form(cast)
    actions.lead_form_update(actor=cast.admin, lead_form=form, values={"active": False})
    assert _post(form, ENQUIRY).status_code == 404
    assert Client().get(reverse("sales:webform", args=["nope"])).status_code == 404


def test_administrators_manage_forms_through_the_api(cast):
    admin = ApiClient(cast.admin)
    created = admin.post("/lead-forms", {"name": "Website", "team": str(cast.north.public_id)})
    assert created.status_code == 201
    body = created.json()
    assert body["url"].startswith("http://testserver/f/") and body["team"]["name"] == "North"
    assert ApiClient(cast.manager_north).get("/lead-forms").status_code == 403
    retired = admin.patch(f"/lead-forms/{body['id']}", {"active": False}, headers={"If-Match": created["ETag"]})
    assert retired.status_code == 200 and retired.json()["active"] is False


def test_administrators_create_a_form_from_the_page_and_see_the_html_for_their_website(cast):
    from clientela.testing.cast import PASSWORD

    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    created = client.post(
        reverse("sales:lead_forms"), {"name": "Website", "team": cast.north.public_id, "source": "web_form"}
    )
    assert created.status_code == 302
    page = client.get(reverse("sales:lead_forms")).content.decode()
    assert "Website" in page and "/f/" in page and "url_confirm" in page
    rep = Client()
    assert rep.login(username="sales_north", password=PASSWORD)
    assert rep.get(reverse("sales:lead_forms")).status_code == 403
