"""The SMS panel on a contact's page: its latest messages, and a "Send SMS" form for those who
may write while a gateway is configured; the form queues the message (htmx puts the panel back
with it listed), or comes back with each error beside its field. The worker's sweep queues a
message whose job was lost again, once per period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.channels import tasks_sms
from clientela.channels.models import Sms
from clientela.testing import factories
from clientela.testing.cast import PASSWORD

HTMX = {"HX-Request": "true"}


@pytest.fixture
def gateway_set(settings) -> None:
    settings.CLIENTELA_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # queued only: no worker runs here


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _page(user, contact) -> str:
    answer = _client(user).get(reverse("parties:contact_detail", args=[contact.public_id]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_contact_page_shows_its_messages_and_a_form_to_whoever_may_write(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Your order has shipped.")
    seen = _page(cast.sales_north, anna)
    assert 'data-testid="contact-sms"' in seen and "Your order has shipped." in seen
    assert 'data-testid="sms-form"' in seen and 'placeholder="+36 20 960 7198"' in seen
    read_only = _page(cast.readonly_north, anna)
    assert "Your order has shipped." in read_only and 'data-testid="sms-form"' not in read_only


def test_without_a_gateway_the_page_offers_no_form(cast, settings):
    settings.CLIENTELA_SMS_GATEWAY_URL = ""
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    page = _page(cast.sales_north, anna)
    assert 'data-testid="contact-sms"' in page and 'data-testid="sms-form"' not in page


def test_the_form_queues_the_message_and_htmx_gets_the_panel_back_with_it(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    url = reverse("channels:sms_send", args=[anna.public_id])
    answer = _client(cast.sales_north).post(url, {"text": "See you at 10.", "to": ""}, headers=HTMX)
    assert answer.status_code == 200
    [message] = Sms.objects.all()
    assert (message.contact, message.number, message.body, message.status) == (
        anna, "+36209607198", "See you at 10.", "queued",
    )  # fmt: skip
    html = answer.content.decode()
    assert "See you at 10." in html and "queued" in html and "<html" not in html


def test_a_bad_message_comes_back_with_its_errors_beside_the_fields_and_nothing_is_queued(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    url = reverse("channels:sms_send", args=[anna.public_id])
    answer = _client(cast.sales_north).post(url, {"text": "  ", "to": "not a number"}, headers=HTMX)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert f'id="sms-{anna.public_id}-text-err"' in html and f'id="sms-{anna.public_id}-to-err"' in html
    assert 'value="not a number"' in html  # kept as typed
    assert not Sms.objects.exists()


def test_without_javascript_the_form_returns_to_the_contact_page(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    answer = _client(cast.sales_north).post(reverse("channels:sms_send", args=[anna.public_id]), {"text": "Hi"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("parties:contact_detail", args=[anna.public_id])
    assert Sms.objects.count() == 1


def test_nobody_texts_from_a_page_a_contact_they_cannot_see_or_while_they_may_not_write(cast, gateway_set):
    southern = factories.contact(cast.sales_south, phones=["+36 20 960 7198"])
    url = reverse("channels:sms_send", args=[southern.public_id])
    assert _client(cast.sales_north).post(url, {"text": "Hi"}, headers=HTMX).status_code == 404
    northern = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    url = reverse("channels:sms_send", args=[northern.public_id])
    assert _client(cast.readonly_north).post(url, {"text": "Hi"}, headers=HTMX).status_code == 403
    assert not Sms.objects.exists()


def test_a_message_whose_job_was_lost_is_queued_again_once_per_period(cast, gateway_set):
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    lost = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Hi")  # its job never ran
    fresh = tasks_sms.send_sms(actor=cast.sales_north, contact=anna, text="Hello")
    Sms.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert tasks_sms.resume_stalled_sms() == "1 stalled SMS queued again"
    assert tasks_sms.resume_stalled_sms() is None  # touched: not handed out again this period
    [job] = DBTaskResult.objects.filter(task_path="clientela.channels.tasks_sms.send_queued_sms")
    assert job.args_kwargs["args"] == [str(lost.public_id)] != [str(fresh.public_id)]
