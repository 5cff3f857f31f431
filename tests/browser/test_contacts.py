"""A person using the contact pages in a real browser."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from clientela.parties import actions
from clientela.parties.models import Contact
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    """Saves a screenshot when CLIENTELA_SCREENSHOT_DIR names a folder (for a person to look at)."""
    folder = os.environ.get("CLIENTELA_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _expect():
    from playwright.sync_api import expect

    return expect


def test_user_logs_in_and_finds_a_contact_with_the_global_search(new_page, login, live_cast):
    factories.contact(live_cast.sales_north, first_name="Klara", last_name="Quasimodo")
    factories.contact(live_cast.sales_south, first_name="Klaus", last_name="Quasisouth")
    page = new_page()
    login(page, "sales_north")
    expect = _expect()
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.fill(".globalsearch input[name=q]", "quasi")
    dropdown = page.locator("#search-results")
    expect(dropdown).to_contain_text("Klara Quasimodo")
    expect(dropdown).not_to_contain_text("Quasisouth")
    dropdown.get_by_text("Klara Quasimodo").click()
    expect(page.locator("h1")).to_have_text("Klara Quasimodo")
    # Enter in the box opens the full results page.
    page.fill(".globalsearch input[name=q]", "quasimodo")
    page.press(".globalsearch input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=quasimodo"))
    expect(page.get_by_test_id("search-contacts")).to_contain_text("Klara Quasimodo")


def test_user_creates_and_edits_a_contact_and_sees_the_change_in_its_history(new_page, login, live_cast):
    page = new_page()
    login(page, "sales_north")
    expect = _expect()
    page.goto("/contacts/")
    page.get_by_role("link", name="New contact").click()
    page.fill("#f-first_name", "Ada")
    page.fill("#f-last_name", "Lovelace")
    page.fill("#f-emails", "not-an-email")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#f-emails-err")).to_contain_text("not a valid e-mail address")
    _shot(page, "form-error-1280")
    page.fill("#f-emails", "ada@example.test")
    page.fill("#f-tags", "math, pioneer")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_have_text("Ada Lovelace")
    expect(page.locator("body")).to_contain_text("ada@example.test")

    page.get_by_role("link", name="Edit").click()
    page.fill("#f-title", "Countess")
    page.select_option("#f-lifecycle_stage", "customer")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("Changes saved")
    history = page.locator("#history")
    expect(history).to_contain_text("Countess")
    expect(history.locator("li").first).to_contain_text("Lifecycle stage")
    expect(history.locator("li").first).to_contain_text("Target")
    expect(history.locator("li").first).to_contain_text("Customer")


def test_two_people_edit_the_same_contact_and_the_second_resolves_the_conflict(new_page, login, live_cast):
    contact = factories.contact(live_cast.sales_north, first_name="Grace", last_name="Hopper", title="Officer")
    first, second = new_page(), new_page()
    login(first, "sales_north")
    login(second, "sales_north_2")
    expect = _expect()
    edit_url = f"/contacts/{contact.public_id}/edit/"
    first.goto(edit_url)
    second.goto(edit_url)

    first.fill("#f-title", "Rear Admiral")
    first.fill("#f-occupation", "Programmer")
    first.get_by_role("button", name="Save changes").click()
    expect(first.locator(".messages")).to_contain_text("Changes saved")

    second.fill("#f-title", "Commodore")
    second.fill("#f-notes", "Invented the compiler.")
    second.get_by_role("button", name="Save changes").click()
    conflict = second.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Commodore")
    expect(conflict).to_contain_text("Rear Admiral")
    expect(conflict).to_contain_text(live_cast.sales_north.display_name)
    # Their change to another field is already in the form.
    expect(second.locator("#f-occupation")).to_have_value("Programmer")
    _shot(second, "conflict-1280")
    conflict.locator("input[value=theirs]").check()
    second.get_by_role("button", name="Save changes").click()
    expect(second.locator("h1")).to_have_text("Grace Hopper")
    expect(second.locator("body")).to_contain_text("Rear Admiral")
    expect(second.locator("body")).to_contain_text("Invented the compiler.")
    contact.refresh_from_db()
    assert (contact.title, contact.occupation, contact.notes) == (
        "Rear Admiral",
        "Programmer",
        "Invented the compiler.",
    )
    assert contact.version == 3


def test_user_moves_a_contact_to_the_trash_and_restores_it(new_page, login, live_cast):
    contact = factories.contact(live_cast.sales_north, first_name="Alan", last_name="Turing")
    page = new_page()
    login(page, "sales_north")
    expect = _expect()
    page.goto(f"/contacts/{contact.public_id}/")
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".messages")).to_contain_text("moved to the trash")
    expect(page.locator("#results")).not_to_contain_text("Turing")
    page.get_by_role("link", name="Trash").click()
    row = page.get_by_test_id("trash-contact").locator("tr", has_text="Alan Turing")
    row.get_by_role("button", name="Restore").click()
    expect(page.locator("h1")).to_have_text("Alan Turing")
    expect(page.locator("#history")).to_contain_text("restored")
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_list_filters_and_bulk_actions_update_the_results_in_place(new_page, login, live_cast):
    for n in range(3):
        factories.contact(live_cast.sales_north, last_name=f"Bulkperson{n}")
    factories.contact(live_cast.sales_north, last_name="Someoneelse")
    page = new_page()
    login(page, "sales_north")
    expect = _expect()
    page.goto("/contacts/")
    expect(page.locator("#results tbody tr")).to_have_count(4)
    page.fill("#flt-q", "bulkperson")
    page.wait_for_url(re.compile(r"q=bulkperson"))
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.locator("#results tbody input[name=ids]").nth(0).check()
    page.locator("#results tbody input[name=ids]").nth(1).check()
    page.select_option("#bulk-op", "tag")
    page.fill("#results input[name=tag]", "promo")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator("#messages")).to_contain_text("2 records changed")
    expect(page.locator("#results .tag", has_text="promo")).to_have_count(2)
    assert "q=bulkperson" in page.url
    expect(page.locator("#results tbody tr")).to_have_count(3)


@pytest.mark.parametrize("width", [375, 1280])
def test_contact_list_and_360_page_fit_the_screen(new_page, login, live_cast, width):
    organization = factories.organization(live_cast.sales_north, name="Analytical Engines Ltd")
    contact = factories.contact(
        live_cast.sales_north,
        first_name="Charles",
        last_name="Babbage",
        title="Inventor",
        emails=["charles@example.test"],
        phones=["+44 20 7946 0000"],
        tags=["vip", "engineering"],
        organizations=[{"organization": organization, "role": "founder"}],
        lifecycle_stage="customer",
    )
    actions.contact_update(actor=live_cast.sales_north_2, contact=contact, values={"occupation": "Mathematician"})
    for n in range(8):
        factories.contact(live_cast.sales_north, first_name="Person", last_name=f"Example{n}", tags=["demo"])
    page = new_page(width=width, height=800)
    login(page, "sales_north")
    shots = os.environ.get("CLIENTELA_SCREENSHOT_DIR")
    page.fill(".globalsearch input[name=q]", "babbage")
    _expect()(page.locator("#search-results")).to_contain_text("Charles Babbage")
    _shot(page, f"search-{width}")
    for name, url in (("contacts", "/contacts/"), ("contact", f"/contacts/{contact.public_id}/")):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{url} is {overflow}px wider than a {width}px screen"
        if shots:
            page.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    page.goto(f"/contacts/{contact.public_id}/edit/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the edit form is {overflow}px wider than a {width}px screen"
    _shot(page, f"form-{width}")
    page.goto("/")
    _shot(page, f"home-{width}")
