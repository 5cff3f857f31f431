"""The triage inbox and the mailboxes page: what each user sees, the buttons that act on a
waiting e-mail, received files sent as downloads only, and a password that never goes back to
the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clientela.channels import actions, tasks_inbound
from clientela.channels.models import Email, Mailbox
from clientela.channels.tests.inbound_kit import mailbox_on, message
from clientela.core.models import Event
from clientela.parties.models import Contact
from clientela.sales.models import Lead
from clientela.testing.dovecot import dovecot_server  # noqa: F401 - the `dovecot` fixture

pytestmark = pytest.mark.django_db
INBOX = "/inbox/"


@pytest.fixture
def waiting(cast, dovecot, settings, tmp_path) -> Email:
    """An e-mail from an unknown sender, with a file, in sales_north's mailbox."""
    settings.DATA_DIR = tmp_path
    mailbox, user = mailbox_on(dovecot, cast.sales_north)
    page = ("page.pdf", "text/html", b"<html><script>alert(1)</script>")
    dovecot.append(user, message(sender="Béla Nagy <bela@nagy.example>", subject="Price list?", attachments=[page]))
    tasks_inbound.read_mailbox_now(mailbox.pk)
    return Email.objects.get(mailbox=mailbox)


def test_the_inbox_lists_waiting_emails_to_those_who_may_see_them(client, cast, waiting, django_assert_max_num_queries):
    client.force_login(cast.sales_north_2)  # the same team
    with django_assert_max_num_queries(12):
        page = client.get(INBOX)
    assert page.status_code == 200 and b"Price list?" in page.content and b"bela@nagy.example" in page.content
    client.force_login(cast.sales_south)
    assert b"Price list?" not in client.get(INBOX).content


def test_create_contact_from_the_inbox_links_the_email_and_answers_htmx_with_the_row(client, cast, waiting):
    client.force_login(cast.sales_north)
    answer = client.post(f"/inbox/{waiting.public_id}/", {"operation": "contact"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and b"triage-done" in answer.content
    contact = Contact.objects.get(last_name="Nagy")
    waiting.refresh_from_db()
    assert (waiting.contact, waiting.needs_triage, waiting.activity.contact) == (contact, False, contact)
    again = client.post(f"/inbox/{waiting.public_id}/", {"operation": "contact"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and b"no longer waiting" in again.content
    assert Contact.objects.filter(last_name="Nagy").count() == 1


def test_create_lead_and_dismiss_take_the_email_out_of_the_inbox(client, cast, waiting):
    client.force_login(cast.sales_north)
    assert client.post(f"/inbox/{waiting.public_id}/", {"operation": "lead"}).status_code == 302
    lead = Lead.objects.get(email="bela@nagy.example")
    assert (lead.source, lead.first_name, lead.last_name) == ("email", "Béla", "Nagy")
    assert "Price list?" in lead.qualification_notes
    waiting.refresh_from_db()
    assert not waiting.needs_triage
    assert Event.objects.filter(record_id=waiting.public_id, action="email.triage").count() == 1


def test_a_read_only_user_or_another_team_cannot_act_on_a_waiting_email(client, cast, waiting):
    client.force_login(cast.readonly_north)
    assert client.post(f"/inbox/{waiting.public_id}/", {"operation": "dismiss"}).status_code == 403
    client.force_login(cast.sales_south)
    assert client.post(f"/inbox/{waiting.public_id}/", {"operation": "dismiss"}).status_code == 404
    waiting.refresh_from_db()
    assert waiting.needs_triage


def test_a_received_file_is_a_download_never_a_page(client, cast, waiting):
    [file] = waiting.attachments.all()
    client.force_login(cast.sales_north)
    response = client.get(f"/inbox/{waiting.public_id}/files/{file.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"  # it declared text/html
    assert response["Content-Disposition"].startswith("attachment;") and "page.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"<html><script>alert(1)</script>"
    client.force_login(cast.sales_south)
    assert client.get(f"/inbox/{waiting.public_id}/files/{file.pk}/").status_code == 404


def test_a_user_adds_a_mailbox_and_its_password_is_never_shown_or_logged(client, cast, dovecot):
    client.force_login(cast.sales_north)
    user = dovecot.add_user()
    form = {"name": "Mine", "address": "me@clientela.example", "host": "127.0.0.1", "port": str(dovecot.port),
            "security": "none", "username": user, "password": dovecot.users[user], "folder": "INBOX",
            "poll_seconds": "60", "is_active": "1"}  # fmt: skip
    assert client.post(reverse("channels:mailboxes"), form).status_code == 302
    mailbox = Mailbox.objects.get(name="Mine")
    assert (mailbox.owner, mailbox.team) == (cast.sales_north, cast.north)
    assert mailbox.password_encrypted and dovecot.users[user] not in mailbox.password_encrypted
    page = client.get(reverse("channels:mailboxes"), {"mailbox": str(mailbox.public_id)})
    assert b"Mine" in page.content and mailbox.password_encrypted.encode() not in page.content
    assert f'value="{dovecot.users[user]}"'.encode() not in page.content
    [event] = Event.objects.filter(record_id=mailbox.public_id)
    assert event.changes["password"] == [None, "(set)"] and mailbox.password_encrypted not in str(event.changes)

    tested = client.post(reverse("channels:mailbox_test"), {**form, "password": "", "mailbox": str(mailbox.public_id)})
    assert b"Signed in" in tested.content  # the saved password
    wrong = client.post(reverse("channels:mailbox_test"), {**form, "password": "wrong"})
    assert b"refused the user name or password" in wrong.content


def test_a_mailbox_without_encryption_must_be_on_this_machine(client, cast):
    client.force_login(cast.sales_north)
    form = {"name": "Far", "address": "me@clientela.example", "host": "imap.example.com", "port": "143",
            "security": "none", "username": "me", "password": "pw", "poll_seconds": "60"}  # fmt: skip
    page = client.post(reverse("channels:mailboxes"), form)
    assert page.status_code == 422 and b"security" in page.content
    assert not Mailbox.objects.filter(name="Far").exists()
    tested = client.post(reverse("channels:mailbox_test"), form)
    assert b"would cross the network readable" in tested.content


def test_each_user_manages_their_own_mailboxes_and_administrators_the_shared_ones(client, cast, dovecot):
    mine, _user = mailbox_on(dovecot, cast.sales_north)
    shared, _other = mailbox_on(dovecot, cast.admin, shared=True, team=cast.north)
    client.force_login(cast.sales_north_2)
    page = client.get(reverse("channels:mailboxes")).content.decode()
    assert mine.name not in page and shared.name not in page
    assert client.get(reverse("channels:mailboxes"), {"mailbox": str(mine.public_id)}).status_code == 404
    with pytest.raises(Exception, match="only administrators"):
        actions.mailbox_create(actor=cast.sales_north, shared=True, values={
            "name": "X", "address": "x@clientela.example", "host": "127.0.0.1", "port": 1, "security": "none",
            "username": "x", "password": "x"})  # fmt: skip
    client.force_login(cast.admin)
    page = client.get(reverse("channels:mailboxes")).content.decode()
    assert shared.name in page and mine.name not in page  # the admin's own and the shared ones
    client.force_login(cast.sales_north)
    assert (
        client.post(reverse("channels:mailboxes"), {"mailbox": str(mine.public_id), "operation": "trash"}).status_code
        == 302
    )
    assert not Mailbox.objects.filter(pk=mine.pk).exists()
