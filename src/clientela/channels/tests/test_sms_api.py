"""The SMS API: what a message may be (a number in E.164, a text of at most 1600 characters, a
contact the sender may see), who sees which messages, and the gateway's delivery reports
(a shared secret; an unknown id is a 404; a repeated report changes nothing)."""

from __future__ import annotations

import pytest
from django.test import Client

from clientela.accounts.models import Team
from clientela.channels import tasks_sms
from clientela.channels.actions import sms as sms_actions
from clientela.channels.models import Sms
from clientela.testing import factories
from clientela.testing.api import ApiClient

REPORTS = "/api/v1/sms/delivery-reports"
SECRET = "gateway-shared-secret"


@pytest.fixture
def gateway_set(settings) -> None:
    settings.CLIENTELA_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # queued only: no worker runs here
    settings.CLIENTELA_SMS_REPORT_TOKEN = SECRET


def _hungarian(team: Team) -> None:
    Team.objects.filter(pk=team.pk).update(country="HU")


def _sent(cast, *, provider_id: str = "gw-42", actor=None) -> Sms:
    """A message the gateway took (as the worker records it)."""
    actor = actor or cast.sales_north
    contact = factories.contact(actor, phones=["+36 20 960 7198"])
    message = sms_actions.sms_queue(actor=actor, contact=contact, text="Hello")
    return sms_actions.sms_sent(sms=message, provider_id=provider_id)


def _report(body: dict, *, token: str | None = SECRET, query: bool = False):
    client = Client()
    if query:
        return client.post(f"{REPORTS}?token={token}", body, content_type="application/json")
    headers = {"X-Clientela-Token": token} if token is not None else {}
    return client.post(REPORTS, body, content_type="application/json", headers=headers)


# --- sending: what is checked ----------------------------------------------------------------------


def test_a_number_written_the_national_way_is_read_in_the_contacts_country(cast, gateway_set):
    _hungarian(cast.north)
    cast.sales_north.team.refresh_from_db()
    anna = factories.contact(cast.sales_north, phones=["+36 1 234 5678", "06 30 123 4567"])
    body = {"contact": str(anna.public_id), "text": "Hi", "to": "06 20 960 7198"}
    made = ApiClient(cast.sales_north).post("/sms", body)
    assert made.status_code == 202, made.content
    assert made.json()["number"] == "+36209607198"


def test_a_message_goes_to_the_contacts_mobile_unless_a_number_is_given(cast, gateway_set):
    from clientela.parties import actions as parties_actions

    anna = parties_actions.contact_create(
        actor=cast.sales_north, values={"last_name": "Kovács"},
        collections=parties_actions.Collections(phones=[
            {"value": "+36 1 234 5678", "label": "work"}, {"value": "+36 30 123 4567", "label": "mobile"},
        ]),
    )  # fmt: skip
    made = ApiClient(cast.sales_north).post("/sms", {"contact": str(anna.public_id), "text": "Hi"})
    assert made.status_code == 202 and made.json()["number"] == "+36301234567"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"text": "Hi", "to": "not a number"}, "to", "invalid"),
        ({"text": "Hi", "to": "12"}, "to", "invalid"),
        ({"text": "x" * 1601}, "text", "too_long"),
        ({"text": "Hi", "contact": "0195e1d4-0000-7000-8000-000000000000"}, "contact", "not_found"),
        ({"text": "   "}, "text", "invalid"),  # the schema's pattern: something besides spaces
    ],
)
def test_a_bad_message_is_refused_naming_the_field_and_nothing_is_queued(cast, gateway_set, body, field, code):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    refused = ApiClient(cast.sales_north).post("/sms", {"contact": str(anna.public_id), **body})
    assert refused.status_code == 422, refused.content
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [(field, code)]
    assert not Sms.objects.exists()


def test_the_action_names_a_blank_text_and_a_bad_number_at_once(cast, gateway_set):
    from clientela.core.errors import ValidationFailed

    anna = factories.contact(cast.sales_north)
    with pytest.raises(ValidationFailed) as refused:
        sms_actions.sms_queue(actor=cast.sales_north, contact=anna, text=" \n ", to="+36 20")
    assert [(e.field, e.code) for e in refused.value.errors] == [("text", "required"), ("to", "invalid")]


def test_a_text_of_1600_characters_is_accepted(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    made = ApiClient(cast.sales_north).post("/sms", {"contact": str(anna.public_id), "text": "x" * 1600})
    assert made.status_code == 202 and len(made.json()["text"]) == 1600


def test_a_contact_without_a_phone_needs_a_number(cast, gateway_set):
    anna = factories.contact(cast.sales_north)
    refused = ApiClient(cast.sales_north).post("/sms", {"contact": str(anna.public_id), "text": "Hi"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to"


def test_nobody_texts_a_contact_they_cannot_see_and_a_read_only_user_texts_nobody(cast, gateway_set):
    southern = factories.contact(cast.sales_south, phones=["+36 20 960 7198"])
    refused = ApiClient(cast.sales_north).post("/sms", {"contact": str(southern.public_id), "text": "Hi"})
    assert refused.status_code == 422 and refused.json()["errors"][0] == {
        "field": "contact", "code": "not_found", "message": "no such contact",
    }  # fmt: skip
    northern = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    forbidden = ApiClient(cast.readonly_north).post("/sms", {"contact": str(northern.public_id), "text": "Hi"})
    assert forbidden.status_code == 403
    assert not Sms.objects.exists()


def test_without_a_gateway_nothing_is_queued(cast, settings):
    settings.CLIENTELA_SMS_GATEWAY_URL = ""
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    refused = ApiClient(cast.sales_north).post("/sms", {"contact": str(anna.public_id), "text": "Hi"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "sms_not_configured"
    assert not Sms.objects.exists()


def test_sending_again_with_the_same_idempotency_key_queues_one_message(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    api = ApiClient(cast.sales_north)
    body = {"contact": str(anna.public_id), "text": "Once"}
    first = api.post("/sms", body, headers={"Idempotency-Key": "sms-1"})
    again = api.post("/sms", body, headers={"Idempotency-Key": "sms-1"})
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"] and Sms.objects.count() == 1


# --- who sees which messages -----------------------------------------------------------------------


def test_messages_are_seen_by_role_and_team_like_records(cast, gateway_set, django_assert_max_num_queries):
    for _n in range(3):
        tasks_sms.send_sms(actor=cast.sales_north, contact=factories.contact(cast.sales_north), text="Hi",
                           to="+36 20 960 7198")  # fmt: skip
    southern = tasks_sms.send_sms(actor=cast.sales_south, contact=factories.contact(cast.sales_south), text="Hi",
                                  to="+36 20 960 7198")  # fmt: skip
    seen = {
        user.username: {item["id"] for item in ApiClient(user).get("/sms").json()["items"]}
        for user in (cast.sales_north, cast.sales_north_2, cast.manager_north, cast.readonly_north, cast.admin,
                     cast.sales_south, cast.manager_south)
    }  # fmt: skip
    northern = {str(m.public_id) for m in Sms.objects.filter(team=cast.north)}
    assert len(northern) == 3
    for username in ("sales_north", "sales_north_2", "manager_north", "readonly_north"):
        assert seen[username] == northern, username
    assert seen["admin"] == northern | {str(southern.public_id)}
    assert seen["sales_south"] == seen["manager_south"] == {str(southern.public_id)}
    assert ApiClient(cast.sales_south).get(f"/sms/{next(iter(northern))}").status_code == 404
    api = ApiClient(cast.admin)
    with django_assert_max_num_queries(6):  # the token, the page; whatever the number of messages
        assert len(api.get("/sms").json()["items"]) == 4


def test_a_contacts_messages_are_listed_by_filter(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    other = factories.contact(cast.sales_north, phones=["+36 20 960 7199"])
    mine = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="For Anna")
    tasks_sms.send_sms(actor=cast.sales_north, contact=other, text="For the other")
    listed = ApiClient(cast.sales_north).get("/sms", {"contact": str(anna.public_id), "status": "queued"}).json()
    assert [item["id"] for item in listed["items"]] == [str(mine.public_id)]


# --- delivery reports ------------------------------------------------------------------------------


def test_a_delivery_report_with_the_secret_marks_the_message_delivered_once(cast, gateway_set):
    message = _sent(cast)
    answered = _report({"id": "gw-42", "status": "delivered"})
    assert answered.status_code == 200, answered.content
    assert answered.json() == {"id": str(message.public_id), "status": "delivered", "changed": True}
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    version, delivered_at = message.version, message.delivered_at

    again = _report({"id": "gw-42", "status": "delivered"})
    late_failure = _report({"id": "gw-42", "status": "failed", "error": "expired"})
    assert again.json()["changed"] is late_failure.json()["changed"] is False
    message.refresh_from_db()
    assert (message.status, message.version, message.delivered_at) == ("delivered", version, delivered_at)


def test_a_failed_report_keeps_the_operators_reason(cast, gateway_set):
    message = _sent(cast, provider_id="gw-7")
    assert _report({"id": "gw-7", "status": "failed", "error": "absent subscriber"}, query=True).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", "absent subscriber")


def test_a_report_without_the_secret_is_refused_and_changes_nothing(cast, gateway_set):
    message = _sent(cast)
    assert _report({"id": "gw-42", "status": "delivered"}, token=None).status_code == 401
    assert _report({"id": "gw-42", "status": "delivered"}, token="wrong").status_code == 401
    assert _report({"id": "gw-42", "status": "delivered"}, token="wrong", query=True).status_code == 401
    user_token = ApiClient(cast.admin).post("/sms/delivery-reports", {"id": "gw-42", "status": "delivered"})
    assert user_token.status_code == 401  # a user's API token is not the gateway's secret
    message.refresh_from_db()
    assert message.status == "sent"


def test_reports_are_refused_while_no_secret_is_set(cast, gateway_set, settings):
    _sent(cast)
    settings.CLIENTELA_SMS_REPORT_TOKEN = ""
    refused = _report({"id": "gw-42", "status": "delivered"}, token="")
    assert refused.status_code == 403 and "CLIENTELA_SMS_REPORT_TOKEN" in refused.json()["errors"][0]["message"]


def test_a_report_on_an_unknown_id_is_a_404_and_a_bad_status_a_422(cast, gateway_set):
    _sent(cast)
    assert _report({"id": "gw-unknown", "status": "delivered"}).status_code == 404
    bad = _report({"id": "gw-42", "status": "read"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
