"""A sales rep filters the deals list and keeps the filters as a view; imports a file of leads
after checking it; an administrator sets a rule that gives Polish leads to the south team; in
a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from clientela.sales import actions, queries
from clientela.sales.models import Lead

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_the_deals_list_filters_as_you_choose_and_keeps_a_saved_view(new_page, login, live_cast):
    expect = _expect()
    rep = live_cast.sales_north
    actions.deal_create(actor=rep, values={"name": "Boiler", "amount": "1000"})
    won = actions.deal_create(actor=rep, values={"name": "Heat pump", "amount": "300"})
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    actions.deal_move(actor=rep, deal=won, stage=pipeline.stages.get(name="Won"), expected_version=1)
    page = new_page()
    login(page, "sales_north")
    page.goto("/deals/")
    table = page.get_by_test_id("deal-list")
    expect(table).to_contain_text("Boiler")
    page.select_option("#flt-status", "won")  # htmx redraws the results and the address
    expect(table).not_to_contain_text("Boiler")
    expect(table).to_contain_text("Heat pump")
    page.wait_for_url("**/deals/?status=won")

    page.locator("summary", has_text="Save these filters as a view").click()
    page.fill("input[name=name]", "Won lately")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".chip", has_text="Won lately")).to_be_visible()

    page.goto("/deals/")
    expect(page.get_by_test_id("deal-list")).to_contain_text("Boiler")
    page.locator(".chip a", has_text="Won lately").click()
    expect(page.get_by_test_id("deal-list")).not_to_contain_text("Boiler")
    expect(page.locator("#flt-status")).to_have_value("won")


def test_a_file_of_leads_is_checked_then_imported_and_a_rule_places_the_polish_one(
    new_page, login, live_cast, tmp_path
):
    expect = _expect()
    admin = new_page()
    login(admin, "admin")
    admin.goto("/settings/lead-assignment/")
    form = admin.get_by_test_id("rule-form")
    form.locator("#rule-name").fill("Poland")
    form.locator("#rule-country").fill("PL")
    form.locator("#rule-team").select_option(label="South")
    form.get_by_role("button", name="Add rule").click()
    expect(admin.get_by_test_id("lead-rules")).to_contain_text("Poland")
    expect(admin.get_by_test_id("lead-rules")).to_contain_text("South, in turn")

    csv = tmp_path / "fair.csv"
    csv.write_text("Nazwisko;Imię;Firma;E-mail;Kraj\nKowalski;Jan;Kowalski sp. z o.o.;jan@kowalski.example;PL\n"
                   "Nagy;Anna;Nagy Kft.;not-an-address;HU\n", encoding="utf-8")  # fmt: skip
    rep = new_page()
    login(rep, "sales_north")
    rep.goto("/leads/")
    rep.get_by_role("link", name="Import leads").click()
    rep.set_input_files("input[type=file]", str(csv))
    rep.get_by_role("button", name="Check the file").click()
    report = rep.get_by_test_id("import-report")
    expect(report).to_contain_text("1 would be created")
    expect(rep.get_by_test_id("import-errors")).to_contain_text("E-mail")
    assert Lead.objects.count() == 0

    rep.get_by_label("Import the valid rows, report the others").check()
    rep.get_by_test_id("import-start").click()
    expect(rep.get_by_test_id("import-report")).to_contain_text("Imported 1 lead.")
    lead = Lead.objects.get()
    assert lead.last_name == "Kowalski" and lead.team == live_cast.south
