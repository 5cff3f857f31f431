"""Issue 13 in a real browser: on a contact's page an administrator records the person's consent
and their objection to e-mail, logs their erasure request, verifies their identity and erases
them from the request page (confirming the question); the person is then gone from their page
and from the search."""

from __future__ import annotations

import pytest

from clientela.parties.models import Contact
from clientela.privacy import actions
from clientela.testing import factories

pytestmark = pytest.mark.browser


def test_a_person_objects_then_asks_to_be_erased_and_is(new_page, login, live_cast, settings, tmp_path):
    from playwright.sync_api import expect

    settings.DATA_DIR = tmp_path
    actions.purpose_create(
        actor=live_cast.admin,
        values={"code": "newsletter", "name": "Newsletter", "legal_basis": "consent", "channel": "email"},
    )
    anna = factories.contact(live_cast.sales_north, first_name="Anna", last_name="Kovács",
                             emails=["anna@kovacs.example"], notes="Anna likes the tasting menu.")  # fmt: skip
    problems: list[str] = []
    page = new_page()
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "admin")
    page.goto(f"/contacts/{anna.public_id}/")
    panel = page.get_by_test_id("privacy-panel")

    panel.get_by_text("Record a consent").click()
    consent = panel.get_by_test_id("consent-form")
    consent.locator("#consent-evidence").fill("Ticked the box at the fair")
    consent.get_by_role("button", name="Save consent").click()
    expect(page.get_by_test_id("consents")).to_contain_text("Newsletter")

    page.get_by_test_id("privacy-panel").get_by_text("Record an objection").click()
    objection = page.get_by_test_id("restriction-form")
    objection.locator("#restriction-kind").select_option("channel")
    objection.locator("#restriction-channel").select_option("email")
    objection.get_by_role("button", name="Save objection").click()
    expect(page.get_by_test_id("restrictions")).to_contain_text("E-mail")

    page.get_by_test_id("privacy-panel").get_by_text("Log a request from the person").click()
    request = page.get_by_test_id("request-form")
    request.locator("#request-type").select_option("erasure")
    request.locator("#request-details").fill("Letter of 3 December")
    request.get_by_role("button", name="Log request").click()
    expect(page.get_by_test_id("request")).to_be_visible()
    fulfil = page.get_by_test_id("fulfil-form")
    fulfil.locator("#verification").fill("Called back on the number on file")
    fulfil.get_by_role("button", name="Erase the person").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("Erased:")

    page.goto(f"/contacts/{anna.public_id}/")
    expect(page.locator("h1")).to_contain_text("[erased]")
    content = page.content()
    assert "Kovács" not in content and "anna@kovacs.example" not in content and "tasting menu" not in content
    page.goto("/contacts/?q=Kov%C3%A1cs")
    expect(page.locator("main")).not_to_contain_text("Kovács")
    assert Contact.all_objects.get(pk=anna.pk).notes == ""
    assert problems == []
