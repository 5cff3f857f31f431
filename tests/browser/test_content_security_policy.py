"""The pages work in a real browser under their Content-Security-Policy, and the browser reports
no violation of it: no script, style, eval or request the policy blocks, on any page opened."""

from __future__ import annotations

import re
from typing import Any

import pytest

from clientela.testing import factories

pytestmark = pytest.mark.browser

# Runs in every document before its own scripts (Playwright injects it; the page's policy does not apply).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""
NOT_FOUND = "/no/such/page/"


class Watch:
    """What the browser said about the pages of one tab: CSP violations, console errors, script errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: script error {error}"))

    def _console(self, message: Any) -> None:
        text = message.text
        if self.page.url.endswith(NOT_FOUND) and text.startswith("Failed to load resource") and "404" in text:
            return  # the 404 page itself
        if "Content Security Policy" in text or "Content-Security-Policy" in text or message.type == "error":
            self.problems.append(f"{self.page.url}: console {message.type}: {text}")

    def collect(self) -> None:
        """Adds the violations the current document recorded (call before leaving it)."""
        found = self.page.evaluate("window.__cspViolations || []")
        self.problems += [f"{self.page.url}: {violation}" for violation in found]


def _expect():
    from playwright.sync_api import expect

    return expect


def _visit(page: Any, watch: Watch, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    watch.collect()


def test_the_main_pages_run_under_the_policy_without_a_violation(new_page, login, live_cast):
    contact = factories.contact(live_cast.admin, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    twin = factories.contact(live_cast.admin, first_name="Anna", last_name="Kovacs", emails=["anna@x.example"])
    organization = factories.organization(live_cast.admin, name="Acme Holdings")
    page = new_page()
    watch = Watch(page)
    expect = _expect()
    response = page.goto("/accounts/login/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    watch.collect()
    login(page, "admin")
    watch.collect()
    for url in (
        "/",
        "/contacts/",
        f"/contacts/{contact.public_id}/",
        f"/contacts/{contact.public_id}/edit/",
        "/contacts/new/",
        "/organizations/",
        f"/organizations/{organization.public_id}/",
        f"/organizations/{organization.public_id}/edit/",
        "/trash/",
        f"/merge/contact/{contact.public_id}/duplicates/",
        f"/merge/contact/{contact.public_id}/?with={twin.public_id}",
        "/import/",
        "/audit/",
        "/accounts/settings/users/",
        "/accounts/settings/teams/",
        "/accounts/settings/custom-fields/",
        "/accounts/profile/",
        NOT_FOUND,
    ):
        _visit(page, watch, url)
    # The API docs: Swagger UI, from this site's static files, renders the operations.
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    watch.collect()
    assert watch.problems == []


def test_list_filters_and_the_header_search_work_under_the_policy(new_page, login, live_cast):
    factories.contact(live_cast.sales_north, first_name="Klara", last_name="Quasimodo", lifecycle_stage="customer")
    factories.contact(live_cast.sales_north, first_name="Klaus", last_name="Quasiother", tags=["vip"])
    factories.contact(live_cast.sales_north, first_name="Otto", last_name="Elsewhere", lifecycle_stage="customer")
    page = new_page()
    watch = Watch(page)
    expect = _expect()
    login(page, "sales_north")
    page.goto("/contacts/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)

    # A select changes the list at once (the trigger that used to need a filter expression).
    page.select_option("#flt-stage", "customer")
    page.wait_for_url(re.compile(r"stage=customer"))
    expect(rows).to_have_count(2)
    # Typing in the search box filters as one types ...
    page.fill("#flt-q", "quasi")
    page.wait_for_url(re.compile(r"q=quasi"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Klara Quasimodo")
    # ... and leaving it (its change event) asks for nothing more.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/contacts/" in request.url else None)
    page.locator("#flt-q").dispatch_event("change")
    page.locator("#flt-q").blur()
    page.wait_for_timeout(700)  # the search box's own trigger waits 350 ms; a change would ask at once
    assert asked == []
    page.select_option("#flt-stage", "")
    page.wait_for_url(lambda url: "stage=customer" not in url)
    expect(rows).to_have_count(2)
    # The tag box filters when it changes (Enter or leaving it).
    page.fill("#flt-tag", "vip")
    page.press("#flt-tag", "Tab")
    page.wait_for_url(re.compile(r"tag=vip"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Klaus Quasiother")
    watch.collect()

    # The header search drops down its results as one types.
    page.fill(".globalsearch input[name=q]", "elsewhere")
    dropdown = page.locator("#search-results")
    expect(dropdown).to_contain_text("Otto Elsewhere")
    dropdown.get_by_text("Otto Elsewhere").click()
    expect(page.locator("h1")).to_have_text("Otto Elsewhere")
    page.wait_for_load_state("networkidle")
    watch.collect()
    assert watch.problems == []
