"""A person creating a contact that may already exist, with several addresses, and
linking records from the 360° page, in a real browser."""

from __future__ import annotations

import pytest

from clientela.parties.models import Contact, Relationship
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _expect():
    from playwright.sync_api import expect

    return expect


def test_user_is_warned_about_a_likely_duplicate_and_creates_anyway_with_two_addresses(new_page, login, live_cast):
    existing = factories.contact(
        live_cast.sales_north, first_name="Ada", last_name="Byron", emails=["ada@example.test"]
    )
    page = new_page()
    login(page, "sales_north")
    expect = _expect()
    page.goto("/contacts/new/")
    page.fill("#f-first_name", "Ada")
    page.fill("#f-last_name", "Byron")
    page.fill("#addr-0-city", "London")
    page.get_by_role("button", name="Add another address").click()
    expect(page.get_by_test_id("address-row")).to_have_count(2)
    expect(page.locator("#addr-1-street")).to_be_focused()
    page.select_option("#addr-1-label", "home")
    page.fill("#addr-1-city", "Kirkby Mallory")
    page.get_by_role("button", name="Create", exact=True).click()

    warning = page.get_by_test_id("duplicates")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("same name")
    expect(warning.get_by_role("link", name="Ada Byron")).to_have_attribute("href", f"/contacts/{existing.public_id}/")
    # Enter in a field re-checks; it does not mean "create anyway".
    page.press("#f-last_name", "Enter")
    expect(page.get_by_test_id("duplicates")).to_be_visible()
    assert Contact.objects.count() == 1

    page.get_by_role("button", name="Create anyway").click()
    expect(page.locator("h1")).to_have_text("Ada Byron")
    expect(page.locator("body")).to_contain_text("Kirkby Mallory")
    created = Contact.objects.exclude(pk=existing.pk).get()
    assert sorted(created.addresses.values_list("label", "city")) == [("home", "Kirkby Mallory"), ("work", "London")]


def test_user_links_two_records_from_the_360_page_and_removes_the_link(new_page, login, live_cast):
    anna = factories.contact(live_cast.sales_north, first_name="Anna", last_name="Kovács")
    factories.organization(live_cast.sales_north, name="Budapest Widgets Zrt", industry="Manufacturing")
    page = new_page()
    login(page, "sales_north")
    expect = _expect()
    page.goto(f"/contacts/{anna.public_id}/")
    section = page.locator("#relationships")
    section.get_by_text("Add a relationship").click()
    section.locator("#rel-kind").select_option("referred_by")
    section.locator("#rel-other").fill("nowhere at all")
    section.get_by_role("button", name="Add relationship").click()
    expect(page.locator("#rel-other-err")).to_contain_text("No contact or organization called")

    page.locator("#rel-other").fill("budapest widgets")
    expect(page.locator("#party-options option")).to_have_count(1)
    page.locator("#rel-other").fill("Budapest Widgets Zrt")
    page.get_by_role("button", name="Add relationship").click()
    expect(page.locator(".messages")).to_contain_text("Relationship added")
    listed = page.get_by_test_id("relationships")
    expect(listed).to_contain_text("referred by Budapest Widgets Zrt")
    expect(page.locator("#history")).to_contain_text("Relationships")

    listed.get_by_role("button", name="Remove").click()
    expect(page.locator(".messages")).to_contain_text("removed")
    expect(page.get_by_test_id("relationships")).to_have_count(0)
    assert not Relationship.objects.exists()
