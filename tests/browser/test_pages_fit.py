"""The organization list, trash, audit and sign-in pages fit a phone and a desktop screen."""

from __future__ import annotations

import pytest

from clientela.parties import actions
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [375, 1280])
def test_admin_pages_have_no_sideways_scrolling(new_page, login, live_cast, width):
    long_name = "Budapesti Kereskedelmi és Szolgáltató Korlátolt Felelősségű Társaság"
    for n in range(3):
        factories.organization(live_cast.sales_north, name=f"{long_name} {n}", industry="Wholesale", tags=["vip"])
    gone = factories.contact(live_cast.sales_north, first_name="Trashed", last_name="Person With A Long Name")
    actions.contact_trash(actor=live_cast.sales_north, contact=gone)
    page = new_page(width=width, height=800)
    page.goto("/accounts/login/")
    assert _overflow(page) <= 1, "the sign-in page is wider than the screen"
    box = page.locator(".auth").bounding_box()
    assert box is not None and box["width"] <= min(width, 26 * 16) + 1
    login(page, "admin")
    for url in ("/organizations/", "/trash/", "/audit/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert _overflow(page) <= 1, f"{url} is wider than a {width}px screen"
    # Every main menu entry stays in sight, also on a phone.
    settings = page.locator(".mainnav a", has_text="Settings")
    settings_box = settings.bounding_box()
    assert settings_box is not None and settings_box["x"] + settings_box["width"] <= width
