"""E-mail in, against a real IMAP server (Dovecot, started by the tests): messages put into a
mailbox are read by the worker's code, matched to contacts by address, threaded onto what we
sent, left for triage when nobody knows the sender, imported once however often they are seen,
and a broken one never stops the rest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.activities import queries as activity_queries
from clientela.channels import actions, tasks_inbound
from clientela.channels.models import Email, EmailStatus, MailboxMessage
from clientela.channels.tests.inbound_kit import mailbox_on, message, sent_email
from clientela.core.models import Event
from clientela.parties.models import ContactPoint
from clientela.testing import factories
from clientela.testing.dovecot import dovecot_server  # noqa: F401 - the `dovecot` fixture

pytestmark = pytest.mark.django_db


def _read(mailbox) -> tasks_inbound.ReadResult:
    result = tasks_inbound.read_mailbox_now(mailbox.pk)
    assert not result.held_elsewhere and result.error == "", result
    return result


def test_a_message_from_a_contacts_address_is_linked_to_them_and_appears_on_their_timeline(cast, dovecot):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["Anna@Kovacs.example"])
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(sender="Anna Kovács <anna@KOVACS.example>", subject="Thermostat question",
                                 text="Does it work with floor heating?"))  # fmt: skip

    assert _read(mailbox).imported == 1

    email = Email.objects.get(mailbox=mailbox)
    assert (email.direction, email.status, email.contact, email.needs_triage) == ("inbound", "received", anna, False)
    assert email.owner == cast.sales_north and email.team == cast.north
    assert email.from_address == "anna@kovacs.example" and email.from_name == "Anna Kovács"
    [entry] = activity_queries.activities_of(cast.sales_north_2, anna)  # a teammate sees it too
    assert (entry.channel, entry.direction, entry.subject) == ("email", "inbound", "Thermostat question")
    assert "floor heating" in entry.body and entry.email == email
    assert list(activity_queries.activities_of(cast.sales_south, anna)) == []  # another team does not
    assert Event.objects.filter(record_id=email.public_id, action="email.receive", actor=None).count() == 1


def test_a_reply_to_an_email_we_sent_is_threaded_onto_it_and_keeps_its_deal(cast, dovecot):
    from clientela.sales import actions as sales_actions

    anna = factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    deal = sales_actions.deal_create(
        actor=cast.sales_north, values={"name": "Thermostats", "contact": str(anna.public_id)}
    )
    ours = sent_email(cast.sales_north, anna, to="anna@kovacs.example", deal=deal)
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(sender="anna@kovacs.example", subject="Re: Our offer", in_reply_to=ours.message_id))
    _read(mailbox)

    reply = Email.objects.get(mailbox=mailbox)
    assert reply.thread_id == ours.thread_id == ours.pk
    assert reply.in_reply_to == ours.message_id and reply.references == ours.message_id
    assert reply.contact == anna and reply.deal == deal
    assert reply.activity.deal == deal  # on the deal's timeline as well


def test_a_reply_from_an_unknown_address_in_a_known_conversation_goes_to_its_contact(cast, dovecot):
    anna = factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    ours = sent_email(cast.sales_north, anna, to="anna@kovacs.example")
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(sender="anna.private@mail.example", in_reply_to=ours.message_id))
    _read(mailbox)
    reply = Email.objects.get(mailbox=mailbox)
    assert (reply.contact, reply.needs_triage, reply.thread_id) == (anna, False, ours.pk)


def test_an_unknown_sender_waits_in_triage_and_creating_the_contact_links_it(cast, dovecot):
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(sender="Béla Nagy <bela@nagy.example>", subject="Price list?"))
    dovecot.append(user, message(sender="bela@nagy.example", subject="And delivery times?"))
    _read(mailbox)
    waiting = list(Email.objects.filter(mailbox=mailbox).order_by("pk"))
    assert [(e.needs_triage, e.contact, e.activity) for e in waiting] == [(True, None, None)] * 2

    contact = actions.triage_create_contact(actor=cast.sales_north, email=waiting[0])

    assert (contact.first_name, contact.last_name, contact.primary_email) == ("Béla", "Nagy", "bela@nagy.example")
    timeline = activity_queries.activities_of(cast.sales_north, contact)
    assert sorted(a.subject for a in timeline) == ["And delivery times?", "Price list?"]  # both of the sender's
    assert not Email.objects.filter(mailbox=mailbox, needs_triage=True).exists()
    with pytest.raises(Exception, match="no longer waiting"):
        actions.triage_create_contact(actor=cast.sales_north, email=waiting[0])


def test_the_same_message_in_two_mailboxes_or_read_twice_is_imported_once(cast, dovecot):
    factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    raw = message(sender="anna@kovacs.example", to="sales@clientela.example, sales_north@example.test")
    first, first_user = mailbox_on(dovecot, cast.sales_north)
    second, second_user = mailbox_on(dovecot, cast.admin, shared=True, team=cast.north)
    dovecot.append(first_user, raw)
    dovecot.append(second_user, raw)
    without_id = message(subject="Without an id", message_id="no id here")  # no usable Message-ID
    dovecot.append(second_user, without_id)
    dovecot.append(second_user, without_id)

    assert _read(first).imported == 1
    assert (_read(second).imported, _read(second).imported) == (1, 0)
    assert Email.objects.filter(subject="Hello").count() == 1
    no_id = Email.objects.get(subject="Without an id")  # the same bytes: one synthetic id
    assert no_id.message_id.startswith("<sha256.") and no_id.message_id.endswith("@clientela.invalid>")
    assert MailboxMessage.objects.filter(mailbox__in=[first, second]).count() == 4  # every UID seen once


def test_a_new_uidvalidity_reads_the_folder_again_without_importing_twice(cast, dovecot):
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(subject="One"))
    _read(mailbox)
    mailbox.refresh_from_db()
    before = mailbox.uid_validity
    dovecot.reset_uidvalidity(user)
    dovecot.append(user, message(subject="Two"))

    result = _read(mailbox)

    mailbox.refresh_from_db()
    assert mailbox.uid_validity != before and mailbox.last_uid == 2
    assert (result.imported, result.already) == (1, 1)
    assert sorted(Email.objects.filter(mailbox=mailbox).values_list("subject", flat=True)) == ["One", "Two"]


def test_a_delivery_report_marks_our_email_and_the_contacts_address_bounced(cast, dovecot):
    anna = factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    ours = sent_email(cast.sales_north, anna, to="anna@kovacs.example")
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, _bounce(ours.message_id, "anna@kovacs.example"))
    dovecot.append(user, _bounce("<never-sent@elsewhere.example>", "anna@kovacs.example"))  # not about ours
    _read(mailbox)

    ours.refresh_from_db()
    assert ours.status == EmailStatus.BOUNCED and "5.1.1" in ours.error and "no such user" in ours.error
    report = Email.objects.get(mailbox=mailbox, bounce_of=ours)
    assert (report.contact, report.needs_triage, report.activity) == (anna, False, None)
    point = ContactPoint.objects.get(contact=anna, kind="email")
    assert point.bounced_at is not None and "5.1.1" in point.bounce_reason
    assert Event.objects.filter(record_id=anna.public_id, action="contact.email_bounce").count() == 1
    assert Event.objects.filter(record_id=ours.public_id, action="email.bounce").count() == 1


def _bounce(original_id: str, recipient: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.kovacs.example>\r\n"
        "To: sales@clientela.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{original_id.strip('<>')}@mx.kovacs.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.kovacs.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: no such user\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: sales@clientela.example\r\nTo: {recipient}\r\nSubject: Our offer\r\nMessage-ID: {original_id}\r\n"
        "--B--\r\n"
    ).encode()


def test_a_wrong_password_is_reported_on_the_mailbox_and_nothing_is_read(cast, dovecot):
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    actions.mailbox_update(actor=cast.sales_north, mailbox=mailbox, values={"password": "wrong"})
    dovecot.append(user, message())
    result = tasks_inbound.read_mailbox_now(mailbox.pk)
    mailbox.refresh_from_db()
    assert result.error == mailbox.last_error == "The server refused the user name or password."
    assert mailbox.leased_until is None and mailbox.last_checked_at is not None
    assert not Email.objects.filter(mailbox=mailbox).exists()


def test_a_mailbox_held_by_another_worker_is_left_alone(cast, dovecot):
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message())
    assert actions.mailbox_lease(mailbox_id=mailbox.pk, seconds=60) is not None  # another worker's
    assert tasks_inbound.read_mailbox_now(mailbox.pk).held_elsewhere
    assert not Email.objects.filter(mailbox=mailbox).exists()


def test_a_worker_whose_lease_ran_out_and_was_taken_stops_writing(cast, dovecot):
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    stale = actions.mailbox_lease(mailbox_id=mailbox.pk, seconds=-1)  # taken, and already run out
    assert stale is not None
    assert actions.mailbox_lease(mailbox_id=mailbox.pk, seconds=60) is not None  # the next worker takes it
    assert actions.mailbox_progress(mailbox_id=mailbox.pk, lease=stale, seconds=60, uid_validity=1, last_uid=9) is None
    assert not actions.mailbox_release(mailbox_id=mailbox.pk, lease=stale, error="x")
    mailbox.refresh_from_db()
    assert (mailbox.last_uid, mailbox.last_error) == (0, "")


def test_the_check_queues_due_mailboxes_once_each(cast, dovecot):
    due, _user = mailbox_on(dovecot, cast.sales_north)
    recent, _other = mailbox_on(dovecot, cast.sales_south, poll_seconds=3600)
    lease = actions.mailbox_lease(mailbox_id=recent.pk, seconds=60)
    assert lease is not None and actions.mailbox_release(mailbox_id=recent.pk, lease=lease)  # checked just now
    mailbox_on(dovecot, cast.sales_north_2, is_active=False)
    from django_tasks_db.models import DBTaskResult

    assert tasks_inbound.check_mailboxes() == "1 mailboxes to read"
    assert tasks_inbound.check_mailboxes() is None  # leased: not queued again
    [job] = DBTaskResult.objects.filter(task_path="clientela.channels.tasks_inbound.read_mailbox")
    assert job.args_kwargs["args"][0] == due.pk  # neither the one checked recently nor the inactive one


def test_idle_brings_mail_that_arrives_while_waiting(cast, dovecot):
    import threading
    import time

    mailbox, user = mailbox_on(dovecot, cast.sales_north, use_idle=True)

    def later() -> None:
        time.sleep(1.0)
        dovecot.append(user, message(subject="Arrived while waiting"))

    sender = threading.Thread(target=later)
    sender.start()
    result = tasks_inbound.read_mailbox_now(mailbox.pk, idle_seconds=20)
    sender.join()
    assert result.imported == 1 and result.error == ""
    assert Email.objects.filter(mailbox=mailbox, subject="Arrived while waiting").exists()


def test_mail_whose_date_lies_in_the_future_is_dated_when_it_arrived(cast, dovecot):
    factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.append(user, message(date=timezone.now() + dt.timedelta(days=400)))
    _read(mailbox)
    email = Email.objects.get(mailbox=mailbox)
    assert email.received_at <= timezone.now() and email.activity.occurred_at == email.received_at


def test_a_long_backlog_is_read_in_turns_each_going_on_where_the_last_stopped(cast, dovecot):
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    for n in range(5):
        dovecot.deliver(user, message(subject=f"Backlog {n}"))
    turns = [tasks_inbound.read_mailbox_now(mailbox.pk, max_messages=2) for _turn in range(3)]
    assert [(t.imported, t.more) for t in turns] == [(2, True), (2, True), (1, False)]
    assert Email.objects.filter(mailbox=mailbox).count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_job_worker_reads_due_mailboxes_from_its_housekeeping_check(cast, dovecot, keep_signals, monkeypatch):
    from django.core.management import call_command

    from clientela.core import housekeeping

    anna = factories.contact(cast.sales_north, emails=["anna@kovacs.example"])
    monkeypatch.setattr(tasks_inbound, "MESSAGES_PER_READ", 1)  # a backlog of two: two turns
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    dovecot.deliver(user, message(subject="Through the worker"))
    dovecot.deliver(user, message(subject="And its follower"))
    assert "channels.mailboxes" in housekeeping.registered()

    assert housekeeping.run_checks()["channels.mailboxes"] == "1 mailboxes to read"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)

    assert sorted(e.subject for e in Email.objects.filter(contact=anna)) == ["And its follower", "Through the worker"]
    mailbox.refresh_from_db()
    assert mailbox.leased_until is None and mailbox.last_checked_at is not None and mailbox.last_uid == 2
    assert housekeeping.run_checks()["channels.mailboxes"] is None  # checked: not due for a while
