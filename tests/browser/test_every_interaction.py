"""Issue 12's check, in a real browser: a sales rep logs a call on a contact's page, creates a
task with a reminder, sends the contact an e-mail (through a real SMTP server), and the
contact's reply — read from a real IMAP server (Dovecot) by the mailbox job — appears on the
same timeline, threaded onto the e-mail it answers; the reminder then arrives once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.activities import tasks as activity_tasks
from clientela.activities.models import Notification, Task
from clientela.channels import tasks, tasks_inbound
from clientela.channels.models import Email
from clientela.channels.tests.inbound_kit import mailbox_on, message
from clientela.channels.tests.smtp_kit import smtp_server  # noqa: F401 - the `smtp` fixture
from clientela.testing import factories
from clientela.testing.dovecot import dovecot_server  # noqa: F401 - the `dovecot` fixture

pytestmark = pytest.mark.browser


def test_a_call_a_task_an_email_and_its_reply_all_land_on_the_contacts_timeline(
    new_page, login, live_cast, smtp, dovecot, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.DATA_DIR = tmp_path
    anna = factories.contact(live_cast.sales_north, first_name="Anna", last_name="Kovács",
                             emails=["anna@kovacs.example"])  # fmt: skip
    mailbox, user = mailbox_on(dovecot, live_cast.sales_north)
    problems: list[str] = []
    page = new_page()
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))
    login(page, "sales_north")
    page.goto(f"/contacts/{anna.public_id}/")
    panel = page.get_by_test_id("activities-panel")

    # A call, logged from the quick form.
    panel.get_by_test_id("quick-log").locator("summary").click()
    form = panel.get_by_test_id("quick-log-form")
    form.locator("#log-channel").select_option("call")
    form.locator("#log-duration_minutes").fill("4")
    form.locator("#log-subject").fill("Called about the pilot")
    form.locator("#log-outcome").fill("answered")
    form.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("timeline-entry").first).to_contain_text("Called about the pilot")

    # A task with a reminder a minute ago: the worker's sweep delivers it, once.
    page.get_by_test_id("quick-task").locator("summary").click()
    task_form = page.get_by_test_id("quick-task-form")
    task_form.locator("#task-title").fill("Send Anna the pilot plan")
    soon = timezone.localtime(timezone.now() + dt.timedelta(hours=2))
    task_form.locator("#task-due_at").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    task_form.locator("#task-remind_at").fill((soon - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    task_form.get_by_role("button", name="Add the task").click()
    expect(page.get_by_test_id("record-tasks")).to_contain_text("Send Anna the pilot plan")
    task = Task.objects.get(title="Send Anna the pilot plan")
    activity_tasks.deliver_due_reminders()
    activity_tasks.deliver_due_reminders()
    assert Notification.objects.filter(task=task).count() == 1

    # An e-mail from the contact page, sent by the worker through SMTP.
    page.get_by_test_id("record-emails").get_by_test_id("send-email").click()
    compose = page.get_by_test_id("compose-form")
    expect(compose.locator("#f-to")).to_have_value("anna@kovacs.example")
    compose.locator("#f-subject").fill("Pilot plan")
    compose.locator("#f-body_text").fill("Dear Anna,\n\nthe plan for the pilot is attached.")
    compose.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("email-status")).to_have_text("Queued")
    sent = Email.objects.get(subject="Pilot plan")
    assert tasks.send_email.call(str(sent.public_id), 1) == "sent"
    [delivered] = smtp.messages
    sent.refresh_from_db()
    assert delivered.header("Message-ID") == sent.message_id

    # Anna answers; the mailbox job reads the reply from Dovecot and threads it.
    dovecot.append(user, message(sender="Anna Kovács <anna@kovacs.example>", to=mailbox.address,
                                 subject="Re: Pilot plan", text="Thank you, we start on Monday.",
                                 in_reply_to=sent.message_id,
                                 date=timezone.now() + dt.timedelta(seconds=2)))  # fmt: skip
    tasks_inbound.read_mailbox_now(mailbox.pk)
    reply = Email.objects.get(subject="Re: Pilot plan")
    assert (reply.contact_id, reply.thread_id) == (anna.pk, sent.thread_id or sent.pk)

    page.goto(f"/contacts/{anna.public_id}/")
    entries = page.get_by_test_id("timeline-entry")
    expect(entries.first).to_contain_text("Re: Pilot plan")
    timeline = page.get_by_test_id("timeline-entries")
    for text in ("Pilot plan", "Called about the pilot"):
        expect(timeline).to_contain_text(text)
    assert problems == []
