"""A sales rep sends an e-mail from a contact's page: "Send e-mail" opens the compose page with
the contact's address, picking a template fills in the subject and text in the contact's
language (htmx, under the Content-Security-Policy), a file goes with it; the job worker sends it
through a real SMTP server and it shows as sent, and on the contact's timeline."""

from __future__ import annotations

from typing import Any

import pytest

from clientela.channels import actions, tasks
from clientela.channels.models import Email
from clientela.channels.tests.smtp_kit import smtp_server  # noqa: F401 - the `smtp` fixture
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    return problems


def test_an_email_written_with_a_template_from_the_contact_page_is_sent_and_shows_on_the_timeline(
    new_page, login, live_cast, smtp, tmp_path
):
    from playwright.sync_api import expect

    actions.email_template_create(actor=live_cast.admin, values={"name": "Offer", "texts": [
        {"language": "en", "subject": "Our offer", "body": "Dear {{ contact.first_name }},"},
        {"language": "hu", "subject": "Ajánlatunk", "body": "Kedves {{ contact.first_name }}!\n\n{{ user.name }}"},
    ]})  # fmt: skip
    anna = factories.contact(live_cast.sales_north, first_name="Anna", last_name="Kovács", language="hu",
                             emails=["anna@kovacs.example"])  # fmt: skip
    page = new_page()
    problems = _watch(page)
    login(page, "sales_north")
    page.goto(f"/contacts/{anna.public_id}/")
    page.get_by_test_id("record-emails").get_by_test_id("send-email").click()
    form = page.get_by_test_id("compose-form")
    expect(form.locator("#f-to")).to_have_value("anna@kovacs.example")

    form.locator("#f-template").select_option(label="Offer")
    expect(form.locator("#f-subject")).to_have_value("Ajánlatunk")
    expect(form.locator("#f-body_text")).to_have_value("Kedves Anna!\n\nSales North")
    attachment = tmp_path / "ajánlat.pdf"
    attachment.write_bytes(b"%PDF-1.4 the offer")
    form.locator("#f-attachments").set_input_files(str(attachment))
    form.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("email-status")).to_have_text("Queued")
    email = Email.objects.get()
    assert (email.subject, email.language, email.template.name) == ("Ajánlatunk", "hu", "Offer")

    assert tasks.send_email.call(str(email.public_id), 1) == "sent"
    [received] = smtp.messages
    assert received.header("Subject") == "Ajánlatunk"
    assert [part.get_filename() for part in received.message.iter_attachments()] == ["ajánlat.pdf"]
    page.reload()
    expect(page.get_by_test_id("email-status")).to_have_text("Sent")
    page.get_by_role("link", name="Anna Kovács").click()
    expect(page.get_by_test_id("activities-panel")).to_contain_text("Ajánlatunk")
    assert problems == []
