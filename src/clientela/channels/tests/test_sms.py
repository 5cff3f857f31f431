"""Sending an SMS through a real HTTP gateway (a local server in a thread): the request only
queues it; the job worker posts it to the gateway with the configured credentials and records
it sent, with the operator's id and one entry on the contact's timeline; a gateway that fails
(5xx, no connection) is tried again later and the message goes out once; one that refuses it
(4xx) fails it at once with its answer."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.accounts.models import Team
from clientela.activities.models import Activity
from clientela.channels import tasks_sms
from clientela.channels.actions import sms as sms_actions
from clientela.channels.models import Sms
from clientela.channels.tests.sms_gateway import Gateway, serve
from clientela.testing import factories
from clientela.testing.api import ApiClient

TASK = "clientela.channels.tasks_sms.send_queued_sms"


@pytest.fixture
def sms_gateway(settings) -> Iterator[Gateway]:
    yield from serve(settings)


def _hungarian_north(cast) -> None:
    Team.objects.filter(pk=cast.north.pk).update(country="HU")
    cast.sales_north.team.refresh_from_db()


def _anna(cast, **values):
    _hungarian_north(cast)
    return factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", **values)


def _run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


def _sms_activities(contact) -> list[Activity]:
    return list(Activity.objects.filter(contact=contact, channel="sms"))


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_queued_sms_through_the_gateway_and_it_lands_on_the_contacts_timeline(
    cast, sms_gateway, keep_signals
):
    anna = _anna(cast, phones=["06 20 960 7198"])
    api = ApiClient(cast.sales_north)
    queued = api.post("/sms", {"contact": str(anna.public_id), "text": "Your order has shipped."})
    assert queued.status_code == 202, queued.content
    body = queued.json()
    assert (body["status"], body["number"], body["contact"]["id"]) == ("queued", "+36209607198", str(anna.public_id))
    assert sms_gateway.received == [] and DBTaskResult.objects.filter(task_path=TASK).count() == 1

    _run_worker()
    [request] = sms_gateway.received
    assert request.json == {
        "to": "+36209607198", "text": "Your order has shipped.", "from": "Clientela", "reference": body["id"],
    }  # fmt: skip
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"clientela:s3cret").decode()

    sent = api.get(f"/sms/{body['id']}").json()
    assert (sent["status"], sent["provider_id"], sent["attempts"], sent["error"]) == ("sent", "gw-1", 1, "")
    [entry] = _sms_activities(anna)
    assert str(entry.public_id) == sent["activity"]
    assert (entry.direction, entry.body, entry.owner, entry.team) == (
        "outbound", "Your order has shipped.", cast.sales_north, cast.north,
    )  # fmt: skip

    _run_worker()  # nothing left to send: nothing goes out twice
    assert len(sms_gateway.received) == 1 and len(_sms_activities(anna)) == 1


def test_a_gateway_error_is_tried_again_later_and_the_message_goes_out_once(cast, sms_gateway):
    anna = _anna(cast, phones=["+36 20 960 7198"])
    sms_gateway.answers = [(500, b"internal error")]
    message = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="See you at 10.")
    sms_id = str(message.public_id)

    first = tasks_sms.send_queued_sms.call(sms_id)
    assert first == "failed, tried again in 1 min"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1) and "500" in message.error
    [retry] = DBTaskResult.objects.filter(task_path=TASK)
    assert retry.run_after > timezone.now() and retry.args_kwargs["args"] == [sms_id]
    assert _sms_activities(anna) == []

    assert tasks_sms.send_queued_sms.call(sms_id) == "sent"
    assert tasks_sms.send_queued_sms.call(sms_id) == "nothing to send"  # a job delivered twice
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error, message.provider_id) == ("sent", 2, "", "gw-2")
    assert [r.json["reference"] for r in sms_gateway.received] == [sms_id, sms_id]
    assert len(_sms_activities(anna)) == 1


def test_a_message_the_gateway_refuses_fails_at_once_with_its_answer(cast, sms_gateway):
    anna = _anna(cast, phones=["+36 20 960 7198"])
    sms_gateway.answers = [(400, b'{"error": "unknown destination"}')]
    message = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Hello")
    assert tasks_sms.send_queued_sms.call(str(message.public_id)) == "failed for good"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert "400" in message.error and "unknown destination" in message.error
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()  # not tried again
    assert _sms_activities(anna) == [] and len(sms_gateway.received) == 1


def test_a_gateway_nobody_answers_at_is_tried_until_the_last_attempt_then_the_message_fails(
    cast, sms_gateway, settings
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLIENTELA_SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/send"  # nobody listens there
    anna = _anna(cast, phones=["+36 20 960 7198"])
    message = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Hello")
    outcomes = [tasks_sms.send_queued_sms.call(str(message.public_id)) for _try in range(sms_actions.MAX_ATTEMPTS)]
    assert outcomes == ["failed, tried again in 1 min", "failed, tried again in 5 min",
                        "failed, tried again in 15 min", "failed for good"]  # fmt: skip
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", sms_actions.MAX_ATTEMPTS)
    assert "could not be reached" in message.error


def test_a_gateway_taking_forms_with_a_bearer_token_gets_them(cast, sms_gateway, settings):
    settings.CLIENTELA_SMS_GATEWAY_FORMAT = "form"
    settings.CLIENTELA_SMS_GATEWAY_TOKEN = "gw-token"
    sms_gateway.answers = [(202, b'{"data": {"messageId": "A-77"}}')]
    anna = _anna(cast, phones=["+36 20 960 7198"])
    message = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Árvíztűrő tükörfúrógép")
    assert tasks_sms.send_queued_sms.call(str(message.public_id)) == "sent"
    [request] = sms_gateway.received
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"] == "Bearer gw-token"
    assert request.form["to"] == "+36209607198" and request.form["text"] == "Árvíztűrő tükörfúrógép"
    message.refresh_from_db()
    assert message.provider_id == "A-77"


def test_a_gateway_answering_without_an_id_leaves_our_reference_for_its_reports(cast, sms_gateway):
    sms_gateway.answers = [(200, b"OK")]
    anna = _anna(cast, phones=["+36 20 960 7198"])
    message = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Hello")
    assert tasks_sms.send_queued_sms.call(str(message.public_id)) == "sent"
    assert Sms.objects.get(pk=message.pk).provider_id == str(message.public_id)


def test_a_gateway_that_redirects_is_not_followed_and_the_message_fails_with_its_answer(cast, sms_gateway):
    sms_gateway.answers = [(302, b"moved")]
    anna = _anna(cast, phones=["+36 20 960 7198"])
    message = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Hello")
    assert tasks_sms.send_queued_sms.call(str(message.public_id)) == "failed for good"
    assert len(sms_gateway.received) == 1 and "302" in Sms.objects.get(pk=message.pk).error
