"""E-mail out through the API against a real SMTP server (aiosmtpd on a free port), sent by the
real job worker: the request only queues; the worker sends the message with the Message-ID kept
at queue time, its subject and names encoded, its files intact; the e-mail then shows on the
contact's timeline. A dropped connection is tried again and the message arrives once; a job run
twice sends once; a 5xx answer fails the e-mail with the server's words."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.activities import queries as activity_queries
from clientela.activities.models import Activity
from clientela.channels import actions, tasks
from clientela.channels.models import Email
from clientela.channels.tests.smtp_kit import (
    TASK,
    free_port,
    make_retries_due,
    point_settings_at,
    run_worker,
    smtp_server,  # noqa: F401 - the `smtp` fixture
)
from clientela.core.errors import ValidationFailed
from clientela.core.models import Event
from clientela.testing import factories
from clientela.testing.api import ApiClient

SUBJECT = "Árvíztűrő tükörfúrógép – İşçi ğüşöç"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
TEXT_FILE = "Első sor\r\nİkinci satır\r\n".encode()


@pytest.fixture
def anna(cast):
    organization = factories.organization(cast.sales_north, name="Kovács Kft.")
    return factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"],
                             organizations=[{"organization": str(organization.public_id)}])  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.django_db(transaction=True)
def test_an_email_is_queued_then_the_worker_sends_it_through_smtp_and_it_lands_on_the_contacts_timeline(
    cast, anna, smtp, keep_signals
):
    api = ApiClient(cast.sales_north)
    files = [
        {"filename": "szerződés.pdf", "content_base64": _b64(PDF), "content_type": "application/pdf"},
        {"filename": "notes.txt", "content_base64": _b64(TEXT_FILE), "content_type": "text/plain"},
    ]
    queued = api.post("/emails", {"contact": str(anna.public_id), "subject": SUBJECT, "body_text": "Kedves Anna,\n\n"
                                  "ím a szerződés. Görüşmek üzere!", "attachments": files})  # fmt: skip
    assert queued.status_code == 202, queued.content
    body = queued.json()
    assert body["status"] == "queued" and body["to"] == ["anna@kovacs.example"] and body["message_id"]
    assert queued["Location"].endswith(f"/emails/{body['id']}")
    assert smtp.messages == []  # the request only queued it
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1

    run_worker()
    [received] = smtp.messages
    message = received.message
    assert received.recipients == ["anna@kovacs.example"]
    assert message["Message-ID"] == body["message_id"]  # kept at queue time, sent as it is
    assert received.header("Subject") == SUBJECT
    headers = received.raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii() and b"=?utf-8?" in headers.lower()  # encoded, not raw 8-bit headers
    assert message["From"].addresses[0].addr_spec == "sales_north@example.test"
    assert message["From"].addresses[0].display_name == "Sales North"
    assert "ím a szerződés. Görüşmek üzere!" in message.get_body(("plain",)).get_content()
    parts = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    assert parts == {"szerződés.pdf": PDF, "notes.txt": TEXT_FILE}  # byte for byte

    sent = api.get(f"/emails/{body['id']}").json()
    assert sent["status"] == "sent" and sent["sent_at"] and sent["attempts"] == 1 and sent["error"] == ""
    assert sent["message_id"] == body["message_id"] and sent["activity"]
    timeline = api.get("/activities", {"contact": str(anna.public_id)}).json()["items"]
    [entry] = [item for item in timeline if item["channel"] == "email"]
    assert entry["id"] == sent["activity"] and entry["email"] == body["id"] and entry["direction"] == "outbound"
    assert entry["subject"] == SUBJECT and entry["owner"]["username"] == "sales_north"
    assert entry["organization"] is None  # only what the e-mail names

    run_worker()  # nothing is left to send: nothing goes out twice
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_dropped_smtp_connection_is_tried_again_and_the_email_arrives_once(cast, anna, smtp, keep_signals):
    smtp.drop_first = 1
    api = ApiClient(cast.sales_north)
    created = api.post("/emails", {"contact": str(anna.public_id), "subject": "Hello", "body_text": "Hi"}).json()
    run_worker()
    assert smtp.dropped == 1 and smtp.messages == []
    waiting = api.get(f"/emails/{created['id']}").json()
    assert waiting["status"] == "queued" and waiting["attempts"] == 1 and waiting["error"]
    later = DBTaskResult.objects.filter(task_path=TASK, status="READY").get()
    assert later.run_after > timezone.now() + dt.timedelta(seconds=30)  # a minute later, not at once

    assert make_retries_due() == 1
    run_worker()
    [received] = smtp.messages
    assert received.message["Message-ID"] == created["message_id"]  # the same message, tried again
    sent = api.get(f"/emails/{created['id']}").json()
    assert (sent["status"], sent["attempts"], sent["error"]) == ("sent", 2, "")
    assert Activity.objects.filter(channel="email", contact=anna).count() == 1

    make_retries_due()
    run_worker()
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_delivered_twice_sends_once_and_logs_one_activity(cast, anna, smtp, keep_signals):
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Once", "body_text": "x"})
    tasks.send_email.enqueue(str(email.public_id), 1)  # the same job, a second time
    run_worker()
    assert len(smtp.messages) == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1 and email.activity_id is not None
    assert actions.email_sent(email_id=email.pk) is None  # reported again: nothing more happens
    assert Activity.objects.filter(channel="email", contact=anna).count() == 1
    logged = Event.objects.filter(record_id=email.public_id).order_by("id").values_list("action", flat=True)
    assert list(logged) == ["email.queue", "email.send"]


def test_a_5xx_answer_fails_the_email_at_once_with_the_servers_words(cast, anna, smtp):
    smtp.answers = ["554 5.7.1 Message refused by policy"]
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "No", "body_text": "x"})
    assert tasks.send_email.call(str(email.public_id), 1) == "failed for good"
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 1) and "554 5.7.1 Message refused by policy" in email.error
    assert email.activity_id is None and smtp.messages == []


def test_a_4xx_answer_is_tried_again_until_the_last_attempt_then_failed(cast, anna, smtp):
    smtp.answers = ["451 4.3.0 Try again later"] * 4
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Later", "body_text": "x"})
    outcomes = [tasks.send_email.call(str(email.public_id), attempt) for attempt in (1, 2, 3, 4)]
    assert outcomes == ["failed, tried again in 1 min", "failed, tried again in 5 min",
                        "failed, tried again in 15 min", "failed for good"]  # fmt: skip
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 4) and email.error.startswith("451")
    retries = DBTaskResult.objects.filter(task_path=TASK).exclude(args_kwargs__args=[str(email.public_id), 1])
    waits = sorted(round((r.run_after - r.enqueued_at).total_seconds() / 60) for r in retries)
    assert waits == [1, 5, 15]
    assert tasks.send_email.call(str(email.public_id), 5) == "nothing to send"


def test_nobody_listening_is_a_failure_worth_trying_again(cast, anna, settings):
    point_settings_at(settings, free_port())  # nothing listens there
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Hi", "body_text": "x"})
    assert tasks.send_email.call(str(email.public_id), 1) == "failed, tried again in 1 min"
    email.refresh_from_db()
    assert email.status == "queued" and email.attempts == 1 and email.error


def test_an_email_whose_job_was_lost_is_sent_by_the_housekeeping_sweep(cast, anna, smtp):
    email = actions.email_queue(actor=cast.sales_north, values={"contact": anna, "subject": "Lost", "body_text": "x"})
    assert tasks.resume_stalled_emails() is None  # just queued: not stalled
    Email.objects.filter(pk=email.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert tasks.resume_stalled_emails() == "1 stalled e-mails queued again"
    assert tasks.resume_stalled_emails() is None  # handed out once per period
    [job] = DBTaskResult.objects.filter(task_path=TASK)
    assert job.args_kwargs["args"] == [str(email.public_id), 1]
    assert tasks.send_email.call(str(email.public_id), 1) == "sent"
    assert len(smtp.messages) == 1


def test_an_email_whose_last_attempt_never_finished_is_failed_by_the_sweep(cast, anna):
    email = actions.email_queue(actor=cast.sales_north, values={"contact": anna, "subject": "x", "body_text": "x"})
    Email.objects.filter(pk=email.pk).update(attempts=4, updated_at=timezone.now() - dt.timedelta(hours=1))
    assert tasks.resume_stalled_emails() is None
    email.refresh_from_db()
    assert email.status == "failed" and email.error


def test_a_reply_carries_the_threading_headers_and_joins_the_conversation(cast, anna, smtp):
    first = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Offer", "body_text": "x"})
    tasks.send_email.call(str(first.public_id), 1)
    api = ApiClient(cast.sales_north)
    reply = api.post("/emails", {"reply_to": str(first.public_id), "body_text": "Any news?"})
    assert reply.status_code == 202, reply.content
    body = reply.json()
    assert body["subject"] == "Re: Offer" and body["to"] == ["anna@kovacs.example"]
    assert body["contact"] == str(anna.public_id) and body["thread"] == str(first.public_id)
    tasks.send_email.call(body["id"], 1)
    message = smtp.messages[-1].message
    assert message["In-Reply-To"] == first.message_id and message["References"] == first.message_id
    listed = api.get("/emails", {"thread": str(first.public_id)}).json()["items"]
    assert {item["id"] for item in listed} == {str(first.public_id), body["id"]}


def test_the_same_idempotency_key_queues_one_email(cast, anna):
    api = ApiClient(cast.sales_north)
    payload = {"contact": str(anna.public_id), "subject": "Once", "body_text": "x"}
    first = api.post("/emails", payload, headers={"Idempotency-Key": "mail-1"})
    again = api.post("/emails", payload, headers={"Idempotency-Key": "mail-1"})
    assert (first.status_code, again.status_code) == (202, 202) and first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Email.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "Hello\r\nBcc: everyone@example.test"}, "subject"),
        ({"subject": "Hello\nX-Spam: yes"}, "subject"),
        ({"to": "anna@kovacs.example\r\nBcc: x@example.test"}, "to[0]"),
        ({"to": ["anna@kovacs.example", "x@example.test\nBcc: y@example.test"]}, "to[1]"),
        ({"cc": "boss@example.test\rBcc: y@example.test"}, "cc[0]"),
        ({"to": "not-an-address"}, "to[0]"),
        ({"to": "anna@kovacs"}, "to[0]"),  # the pattern lets it through; the action does not
        ({"subject": "x" * 301}, "subject"),
        ({"subject": ""}, "subject"),
        ({"body_text": "x" * 200_001}, "body_text"),
        ({"language": "hu\nx"}, "language"),
    ],
)
def test_header_injection_and_bad_fields_are_refused_through_the_api_by_name_and_nothing_is_queued(
    cast, anna, payload, field
):
    body = {"contact": str(anna.public_id), "subject": "Hello", "body_text": "Hi", **payload}
    refused = ApiClient(cast.sales_north).post("/emails", body)
    assert refused.status_code == 422, refused.content
    assert field in [e["field"] for e in refused.json()["errors"]]
    assert Email.objects.count() == 0 and DBTaskResult.objects.filter(task_path=TASK).count() == 0


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"subject": "Hello\r\nBcc: everyone@example.test"}, "subject", "header_injection"),
        ({"subject": "Hello\u2028X-Spam: yes"}, "subject", "header_injection"),
        ({"to": "anna@kovacs.example\r\nBcc: x@example.test"}, "to", "header_injection"),
        ({"to": ["anna@kovacs.example", "x@example.test\nBcc: y@example.test"]}, "to[1]", "header_injection"),
        ({"cc": "boss@example.test\x00"}, "cc", "header_injection"),
        ({"to": "anna@kovacs.example, nobody"}, "to[1]", "invalid"),
        ({"subject": "x" * 301}, "subject", "too_long"),
        ({"body_text": "a\x00b"}, "body_text", "invalid"),
        ({"language": "hungarian"}, "language", "invalid"),
    ],
)
def test_the_action_refuses_header_injection_naming_the_field(cast, anna, values, field, code):
    with pytest.raises(ValidationFailed) as refused:
        actions.email_queue(actor=cast.sales_north, values={"contact": anna, "subject": "Hi", "body_text": "x",
                                                            **values})  # fmt: skip
    assert (field, code) in [(e.field, e.code) for e in refused.value.errors]
    assert Email.objects.count() == 0


def test_a_file_over_the_limit_is_refused_naming_it(cast, anna, settings, tmp_path):
    from clientela.channels import composing

    settings.DATA_DIR = tmp_path
    big = composing.Upload("big.bin", b"\0" * (composing.MAX_FILE_BYTES + 1), "application/octet-stream")
    values = {
        "contact": anna,
        "subject": "x",
        "body_text": "x",
        "attachments": [composing.Upload("ok.txt", b"ok"), big],
    }
    with pytest.raises(ValidationFailed) as refused:
        actions.email_queue(actor=cast.sales_north, values=values)
    assert [e.field for e in refused.value.errors] == ["attachments[1]"]
    assert Email.objects.count() == 0


def test_a_contact_without_an_address_needs_one(cast):
    nobody = factories.contact(cast.sales_north, emails=[])
    refused = ApiClient(cast.sales_north).post("/emails", {"contact": str(nobody.public_id), "subject": "x",
                                                          "body_text": "x"})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to"
    given = ApiClient(cast.sales_north).post("/emails", {"contact": str(nobody.public_id), "to": "n@example.test",
                                                        "subject": "x", "body_text": "x"})  # fmt: skip
    assert given.status_code == 202 and given.json()["to"] == ["n@example.test"]


def test_another_teams_contact_cannot_be_emailed_and_its_emails_cannot_be_read(cast, anna):
    south = ApiClient(cast.sales_south)
    refused = south.post("/emails", {"contact": str(anna.public_id), "subject": "x", "body_text": "x"})
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("contact", "not_found")]
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Ours", "body_text": "x"})
    assert south.get(f"/emails/{email.public_id}").status_code == 404
    assert south.get("/emails").json()["items"] == []
    assert (
        south.post("/emails", {"reply_to": str(email.public_id), "body_text": "x"}).json()["errors"][0]["field"]
        == "reply_to"
    )
    north = ApiClient(cast.sales_north_2)  # the same team sees it
    assert north.get(f"/emails/{email.public_id}").json()["subject"] == "Ours"
    assert [item["id"] for item in ApiClient(cast.admin).get("/emails", {"contact": str(anna.public_id)}).json()[
        "items"]] == [str(email.public_id)]  # fmt: skip


def test_a_read_only_user_cannot_send(cast, anna):
    refused = ApiClient(cast.readonly_north).post("/emails", {"contact": str(anna.public_id), "subject": "x",
                                                             "body_text": "x"})  # fmt: skip
    assert refused.status_code == 403 and Email.objects.count() == 0


def test_a_deal_brings_its_customer_and_the_email_is_linked_to_all_three(cast, anna):
    from clientela.sales import actions as sales_actions

    organization = factories.organization(cast.sales_north, name="Deal Org")
    deal = sales_actions.deal_create(actor=cast.sales_north, values={
        "name": "Big one", "organization": str(organization.public_id), "contact": str(anna.public_id),
        "amount": "1000", "currency": "EUR"})  # fmt: skip
    sent = ApiClient(cast.sales_north).post("/emails", {"deal": str(deal.public_id), "subject": "x", "body_text": "x"})
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert (body["deal"], body["contact"], body["organization"]) == (
        str(deal.public_id), str(anna.public_id), str(organization.public_id))  # fmt: skip
    assert body["to"] == ["anna@kovacs.example"]


def test_the_sent_email_is_in_the_contacts_activities(cast, anna, smtp):
    email = tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": "Seen", "body_text": "x"})
    tasks.send_email.call(str(email.public_id), 1)
    [activity] = activity_queries.activities_of(cast.sales_north, anna).filter(channel="email")
    assert activity.subject == "Seen" and activity.owner == cast.sales_north and activity.team == cast.north
    assert not activity_queries.activities_of(cast.sales_south, anna).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_running_the_same_attempt_at_once_send_it_once(cast, anna, smtp):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent workers")
    emails = [tasks.queue_email(actor=cast.sales_north, values={"contact": anna, "subject": f"Race {n}",
                                                                "body_text": "x"}) for n in range(3)]  # fmt: skip
    outcomes: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait(timeout=10)
            for email in emails:
                outcomes.append(tasks.send_email.call(str(email.public_id), 1))
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert outcomes.count("sent") == 3 and len(outcomes) == 12
    assert sorted(received.header("Subject") for received in smtp.messages) == ["Race 0", "Race 1", "Race 2"]
    assert Activity.objects.filter(channel="email", contact=anna).count() == 3
