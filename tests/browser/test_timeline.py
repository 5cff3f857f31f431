"""A sales rep logs a call on a contact's page through the quick form, sees it on the timeline,
adds a task with a reminder there and finds it on "my tasks" and on the home page; in a real
browser, with htmx answering the forms in place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from clientela.activities import actions
from clientela.activities.models import Activity, Task
from clientela.testing import factories

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_a_call_logged_and_a_task_added_from_a_contact_page_show_everywhere(new_page, login, live_cast):
    expect = _expect()
    anna = factories.contact(live_cast.sales_north, first_name="Anna", last_name="Kovács")
    page = new_page()
    problems = _watch(page)
    login(page, "sales_north")
    page.goto(f"/contacts/{anna.public_id}/")
    panel = page.get_by_test_id("activities-panel")
    expect(panel).to_be_visible()

    # A call with a duration that is no number: the error shows beside the field, nothing is written.
    panel.get_by_test_id("quick-log").locator("summary").click()
    form = panel.get_by_test_id("quick-log-form")
    form.locator("#log-channel").select_option("call")
    form.locator("#log-duration_minutes").fill("a while")
    form.locator("#log-subject").fill("Asked about the heat pump")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator("#log-duration_minutes-err")).to_contain_text("minutes")
    assert not Activity.objects.filter(contact=anna).exists()

    # Corrected, it is logged and the timeline shows it at once.
    form = page.get_by_test_id("quick-log-form")
    expect(form.locator("#log-subject")).to_have_value("Asked about the heat pump")
    form.locator("#log-duration_minutes").fill("7")
    form.locator("#log-purpose").fill("Follow up the quote")
    form.locator("#log-outcome").fill("answered")
    form.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("activities-notice")).to_contain_text("Activity logged.")
    timeline = page.get_by_test_id("timeline-entries")
    expect(timeline.get_by_test_id("timeline-entry").first).to_contain_text("Asked about the heat pump")
    expect(timeline.get_by_test_id("timeline-entry").first).to_contain_text("7 min")
    call = Activity.objects.get(contact=anna)
    assert call.duration_seconds == 420 and call.purpose == "Follow up the quote"

    # The filter shows calls only, without reloading the page.
    page.locator('.tl-filters [data-channel="note"]').click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Nothing of this kind yet.")
    page.locator('.tl-filters [data-channel="call"]').click()
    expect(page.get_by_test_id("timeline-entry")).to_have_count(1)

    # A task with a reminder, due tomorrow.
    tomorrow = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(hour=10, minute=0)
    page.get_by_test_id("quick-task").locator("summary").click()
    task_form = page.get_by_test_id("quick-task-form")
    task_form.locator("#task-title").fill("Send Anna the offer")
    task_form.locator("#task-due_at").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    task_form.locator("#task-priority").select_option("high")
    task_form.locator("#task-remind_at").fill(tomorrow.replace(hour=9).strftime("%Y-%m-%dT%H:%M"))
    task_form.get_by_role("button", name="Add the task").click()
    expect(page.get_by_test_id("activities-notice")).to_contain_text("Task added.")
    expect(page.get_by_test_id("record-tasks")).to_contain_text("Send Anna the offer")
    task = Task.objects.get(title="Send Anna the offer")
    assert task.contact == anna and task.owner == live_cast.sales_north
    assert task.remind_at == tomorrow.replace(hour=9, second=0, microsecond=0)

    page.goto("/tasks/")
    expect(page.get_by_test_id("task-list")).to_contain_text("Send Anna the offer")
    expect(page.get_by_test_id("task-list")).to_contain_text("High")

    page.goto("/")
    expect(page.get_by_test_id("home-my-tasks")).to_contain_text("Send Anna the offer")

    # Done with one click from the home page.
    page.get_by_test_id("home-my-tasks").get_by_role("button", name="Mark “Send Anna the offer” as done").click()
    expect(page.get_by_test_id("home-my-tasks").locator(".taskdone")).to_have_text("Send Anna the offer")
    task.refresh_from_db()
    assert task.status == "done"
    assert problems == []


def test_scrolling_down_the_timeline_loads_the_older_entries_once(new_page, login, live_cast):
    expect = _expect()
    anna = factories.contact(live_cast.sales_north, first_name="Anna", last_name="Kovács")
    now = timezone.now()
    for n in range(60):
        actions.activity_create(
            actor=live_cast.sales_north,
            values={"channel": "note", "contact": anna.public_id, "subject": f"Note {n}",
                    "occurred_at": now - dt.timedelta(hours=n)},
        )  # fmt: skip
    page = new_page(height=700)
    problems = _watch(page)
    login(page, "sales_north")
    page.goto(f"/contacts/{anna.public_id}/")
    entries = page.get_by_test_id("timeline-entry")
    expect(entries).to_have_count(25)
    for _ in range(80):  # scroll down as a person does, until nothing older is left
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(100)
        if entries.count() == 61:
            break
    expect(entries).to_have_count(61)  # the sixty notes and the contact's creation
    seen = entries.evaluate_all("(items) => items.map((item) => item.dataset.entry)")
    assert len(set(seen)) == 61
    expect(page.get_by_test_id("timeline-older")).to_have_count(0)
    assert problems == []


def _watch(page: Any) -> list[str]:
    """Script errors and console errors of the tab, but a form's answer with errors to show (422)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))

    def console(message: Any) -> None:
        if message.type == "error" and "status of 422" not in message.text:
            problems.append(f"console: {message.text}")

    page.on("console", console)
    return problems
