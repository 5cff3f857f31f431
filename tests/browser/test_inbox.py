"""The triage inbox and the mailboxes page in a real browser (htmx under the site's CSP): mail
from a stranger, read from a real Dovecot, becomes a contact with one click, and a mailbox's
connection is tried from its settings form."""

from __future__ import annotations

import pytest

from clientela.channels import tasks_inbound
from clientela.channels.models import Email
from clientela.channels.tests.inbound_kit import mailbox_on, message
from clientela.testing.dovecot import dovecot_server  # noqa: F401 - the `dovecot` fixture

pytestmark = pytest.mark.browser


def test_a_stranger_becomes_a_contact_from_the_inbox_and_the_mailbox_connection_is_tried(
    live_cast, new_page, login, dovecot, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    mailbox, user = mailbox_on(dovecot, live_cast.sales_north)
    dovecot.append(user, message(sender="Béla Nagy <bela@nagy.example>", subject="Price list?"))
    dovecot.append(user, message(sender="Zoé <zoe@unknown.example>", subject="Newsletter"))
    tasks_inbound.read_mailbox_now(mailbox.pk)
    page = new_page()
    login(page, "sales_north")

    page.goto("/inbox/")
    row = page.get_by_test_id("triage-row").filter(has_text="Price list?")
    row.get_by_role("button", name="Create contact").click()
    done = page.get_by_test_id("triage-done")
    done.wait_for()
    assert "Béla Nagy" in done.inner_text()
    assert page.get_by_test_id("triage-row").count() == 1  # Zoé still waits
    assert Email.objects.get(subject="Price list?").contact.last_name == "Nagy"

    page.goto(f"/settings/mailboxes/?mailbox={mailbox.public_id}")
    page.get_by_test_id("mailbox-test").click()
    result = page.get_by_test_id("mailbox-test-result")
    result.wait_for()
    assert "Signed in; the folder holds 2 messages." in result.inner_text()
