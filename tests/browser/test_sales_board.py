"""A sales rep converts a lead and drags its deal across the kanban board into won, while a
colleague who had the board open drags the same card and is told; in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from clientela.sales import actions
from clientela.sales.models import Deal
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _drag(page: Any, card: Any, column: Any) -> None:
    """Drag with the mouse, in steps, as a person does (SortableJS follows pointer moves)."""
    start = card.bounding_box()
    target = column.locator("ol.cards").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=20)
    page.mouse.up()


def test_a_converted_leads_deal_is_dragged_into_won_and_a_stale_drag_is_refused(new_page, login, live_cast):
    expect = _expect()
    company = factories.organization(live_cast.sales_north, name="Kovács Kft.")
    lead = actions.lead_create(
        actor=live_cast.sales_north,
        values={"first_name": "Anna", "last_name": "Kovács", "company": "Kovács Kft.", "email": "anna@kovacs.example"},
    )
    rep = new_page()
    login(rep, "sales_north")
    rep.goto(f"/leads/{lead.public_id}/")
    expect(rep.get_by_test_id("convert")).to_contain_text("Links to the existing organization")
    rep.fill("#convert-deal-name", "Heat pumps for Kovács")
    rep.fill("#convert-amount", "12000")
    rep.get_by_test_id("convert").get_by_role("button", name="Convert").click()
    expect(rep.locator("h1")).to_have_text("Heat pumps for Kovács")
    deal = Deal.objects.get(name="Heat pumps for Kovács")
    assert deal.organization == company

    colleague = new_page()
    login(colleague, "sales_north_2")
    colleague.goto("/deals/board/")
    stale_card = colleague.locator(f'[data-deal="{deal.public_id}"]')
    expect(stale_card).to_be_visible()

    rep.goto("/sales/dashboard/")
    won_before = int(rep.get_by_test_id("won-count").inner_text())
    rep.goto("/deals/board/")
    card = rep.locator(f'[data-deal="{deal.public_id}"]')
    _drag(rep, card, rep.get_by_test_id("column-proposal"))
    expect(rep.get_by_test_id("column-proposal").locator(f'[data-deal="{deal.public_id}"]')).to_be_visible()
    expect(rep.locator("#board-message")).to_contain_text("moved to Proposal")
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"

    # The colleague's board still shows the card in Qualification, at version 1.
    _drag(colleague, stale_card, colleague.get_by_test_id("column-negotiation"))
    expect(colleague.locator("#board-message")).to_contain_text("while you were looking")
    expect(colleague.get_by_test_id("column-proposal").locator(f'[data-deal="{deal.public_id}"]')).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"

    card = rep.locator(f'[data-deal="{deal.public_id}"]')
    _drag(rep, card, rep.get_by_test_id("column-won"))
    expect(rep.locator("#board-message")).to_contain_text("moved to Won")
    expect(rep.get_by_test_id("column-won").locator(f'[data-deal="{deal.public_id}"]')).to_be_visible()
    won = Deal.objects.get(pk=deal.pk)
    assert won.stage.name == "Won" and won.probability == 100 and won.closed_on is not None

    rep.goto("/sales/dashboard/")
    expect(rep.get_by_test_id("won-count")).to_have_text(str(won_before + 1))
    expect(rep.locator('canvas[data-chart="months"]')).to_be_visible()
    rep.goto(f"/organizations/{company.public_id}/")
    expect(rep.get_by_test_id("party-deals")).to_contain_text("Heat pumps for Kovács")
    expect(rep.get_by_test_id("party-deals")).to_contain_text("Won")


def test_dropping_a_card_into_lost_asks_for_the_reason(new_page, login, live_cast):
    expect = _expect()
    deal = actions.deal_create(actor=live_cast.sales_north, values={"name": "Roof"})
    page = new_page()
    login(page, "sales_north")
    page.goto("/deals/board/")
    _drag(page, page.locator(f'[data-deal="{deal.public_id}"]'), page.get_by_test_id("column-lost"))
    dialog = page.get_by_test_id("lost-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("select").select_option(label="Price")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(page.locator("#board-message")).to_contain_text("moved to Lost")
    expect(page.get_by_test_id("column-lost").locator(f'[data-deal="{deal.public_id}"]')).to_be_visible()
    lost = Deal.objects.get(pk=deal.pk)
    assert lost.stage.name == "Lost" and lost.lost_reason is not None and lost.lost_reason.name == "Price"


def test_a_card_moves_with_the_arrow_keys_and_keeps_the_focus(new_page, login, live_cast):
    expect = _expect()
    deal = actions.deal_create(actor=live_cast.sales_north, values={"name": "Keyboard"})
    page = new_page()
    login(page, "sales_north")
    page.goto("/deals/board/")
    card = page.locator(f'[data-deal="{deal.public_id}"]')
    card.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#board-message")).to_contain_text("moved to Needs analysis")
    moved = page.get_by_test_id("column-needs-analysis").locator(f'[data-deal="{deal.public_id}"]')
    expect(moved).to_have_attribute("data-version", "2")  # drawn again from the server
    expect(moved).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#board-message")).to_contain_text("moved to Qualification")
    assert Deal.objects.get(pk=deal.pk).stage.name == "Qualification"
