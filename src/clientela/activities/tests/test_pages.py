"""The pages of tasks, projects and activities: who sees what, "my tasks" and its filters, one
click to complete, forms saved at a version (merged field by field, or refused naming who),
readers without forms, and the home page's task lists."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.activities import actions
from clientela.activities.models import Activity, Project, Task, TaskStatus
from clientela.testing import factories
from clientela.testing.cast import PASSWORD

HTMX = {"HX-Request": "true"}


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _task(actor, title, *, due_in_hours=None, **values):
    if due_in_hours is not None:
        values["due_at"] = timezone.now() + dt.timedelta(hours=due_in_hours)
    return actions.task_create(actor=actor, values={"title": title, **values})


ROW_TITLE = re.compile(r'data-testid="task-row" data-task="[^"]+">.*?class="primary-cell"><a [^>]*>([^<]+)</a>', re.S)


def _titles(html: str) -> set[str]:
    return {unescape(title) for title in ROW_TITLE.findall(html)}


@pytest.mark.parametrize(
    "role",
    ["admin", "manager_north", "sales_north", "service_north", "marketing", "analyst", "readonly_north", "sales_south",
     "manager_south"],
)  # fmt: skip
def test_the_task_project_and_activity_pages_render_for_every_role(cast, role):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = actions.activity_create(actor=cast.sales_north, values={"channel": "call", "contact": anna.public_id})
    task = _task(cast.sales_north, "Call back", contact=anna.public_id)
    project = actions.project_create(actor=cast.sales_north, values={"name": "Roll-out"})
    user = getattr(cast, role)
    client = _client(user)
    sees = role not in ("sales_south", "manager_south")
    for url in (reverse("activities:task_list"), reverse("activities:project_list"), reverse("site:home")):
        assert client.get(url).status_code == 200, url
    for url in (
        reverse("activities:task_detail", args=[task.public_id]),
        reverse("activities:project_detail", args=[project.public_id]),
        reverse("activities:activity_detail", args=[call.public_id]),
    ):
        assert client.get(url).status_code == (200 if sees else 404), url
    new_task = client.get(reverse("activities:task_new"))
    assert new_task.status_code == (200 if user.policy.can_write else 403)


def test_a_south_sales_rep_gets_404_on_north_activity_task_and_project_pages(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = actions.activity_create(actor=cast.sales_north, values={"channel": "call", "contact": anna.public_id})
    task = _task(cast.sales_north, "Northern secret")
    project = actions.project_create(actor=cast.sales_north, values={"name": "Northern project"})
    client = _client(cast.sales_south)
    for name, record in (
        ("activity_detail", call), ("activity_edit", call), ("activity_trash", call), ("task_detail", task),
        ("task_edit", task), ("task_complete", task), ("task_trash", task), ("project_detail", project),
        ("project_edit", project), ("project_trash", project),
    ):  # fmt: skip
        url = reverse(f"activities:{name}", args=[record.public_id])
        method = client.get if name.endswith("detail") else client.post
        assert method(url).status_code == 404, name
    assert "Northern secret" not in client.get(reverse("activities:task_list") + "?scope=all").content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.deleted_at is None


def test_my_tasks_lists_mine_and_the_filters_narrow_it(cast):
    _task(cast.sales_north, "Overdue one", due_in_hours=-30)
    _task(cast.sales_north, "Due soon", due_in_hours=0.5)
    _task(cast.sales_north, "Next month", due_in_hours=24 * 40)
    done = _task(cast.sales_north, "Already done", due_in_hours=1)
    actions.task_complete(actor=cast.sales_north, task=done)
    _task(cast.sales_north_2, "A colleague's")
    _task(cast.sales_south, "Another team's")
    client = _client(cast.sales_north)
    url = reverse("activities:task_list")
    assert _titles(client.get(url).content.decode()) == {"Overdue one", "Due soon", "Next month"}
    assert _titles(client.get(url, {"due": "overdue"}).content.decode()) == {"Overdue one"}
    assert _titles(client.get(url, {"status": "done"}).content.decode()) == {"Already done"}
    assert "Next month" not in _titles(client.get(url, {"due": "week"}).content.decode())
    everything = _titles(client.get(url, {"scope": "all", "status": "any"}).content.decode())
    assert everything == {"Overdue one", "Due soon", "Next month", "Already done", "A colleague's"}
    team = _titles(client.get(url, {"scope": "team"}).content.decode())
    assert "A colleague's" in team and "Another team's" not in team
    ordered = client.get(url, {"sort": "-due"}).content.decode()
    assert ordered.index("Next month") < ordered.index("Due soon") < ordered.index("Overdue one")
    partial = client.get(url, {"due": "overdue"}, headers={**HTMX, "HX-Target": "task-results"}).content.decode()
    assert "<html" not in partial and "Overdue one" in partial


def test_due_today_is_the_readers_day_in_their_time_zone(cast):
    cast.sales_north.time_zone = "Pacific/Kiritimati"  # UTC+14: their day is not the server's
    cast.sales_north.save(update_fields=["time_zone"])
    from clientela.activities.rules import user_zone

    zone = user_zone(cast.sales_north)
    local_now = timezone.localtime(timezone.now(), zone)
    noon = timezone.make_aware(dt.datetime.combine(local_now.date(), dt.time(12)), zone)
    _task(cast.sales_north, "Their noon", due_at=noon)
    _task(cast.sales_north, "Their tomorrow", due_at=noon + dt.timedelta(days=1))
    html = _client(cast.sales_north).get(reverse("activities:task_list"), {"due": "today"}).content.decode()
    assert _titles(html) == {"Their noon"}


def test_an_unknown_filter_falls_back_to_the_default_and_team_is_only_for_those_who_see_a_team(cast):
    _task(cast.marketing, "Marketing's own")
    client = _client(cast.marketing)  # no team
    page = client.get(reverse("activities:task_list"), {"scope": "team", "status": "bogus", "sort": "x"})
    assert page.status_code == 200 and _titles(page.content.decode()) == {"Marketing's own"}
    assert 'data-filter="scope=team"' not in page.content.decode()
    manager = _client(cast.manager_north).get(reverse("activities:task_list")).content.decode()
    assert 'data-filter="scope=team"' in manager


def test_a_task_is_completed_with_one_click_through_htmx(cast):
    task = _task(cast.sales_north, "Send the quote", due_in_hours=2)
    client = _client(cast.sales_north)
    answer = client.post(reverse("activities:task_complete", args=[task.public_id]) + "?as=row", headers=HTMX)
    assert answer.status_code == 200
    row = answer.content.decode()
    assert row.lstrip().startswith("<tr") and "Done" in row and "task_complete" not in row
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at is not None
    again = client.post(reverse("activities:task_complete", args=[task.public_id]) + "?as=row", headers=HTMX)
    assert again.status_code == 200  # already done: shown as it is, nothing written
    assert Task.objects.get(pk=task.pk).version == task.version


def test_completing_a_recurring_task_brings_its_next_occurrence_once(cast):
    task = _task(cast.sales_north, "Weekly report", due_in_hours=1, recurrence="weekly")
    client = _client(cast.sales_north)
    done = client.post(reverse("activities:task_complete", args=[task.public_id]), {"next": "https://evil.test/"})
    assert done["Location"] == reverse("activities:task_detail", args=[task.public_id])  # not to another site
    client.post(reverse("activities:task_complete", args=[task.public_id]))
    assert Task.objects.filter(title="Weekly report", status=TaskStatus.OPEN).count() == 1


def test_the_task_form_saves_and_a_stale_save_is_merged_field_by_field(cast):
    task = _task(cast.sales_north, "Prepare the visit", due_in_hours=5, description="Bring samples")
    client = _client(cast.sales_north)
    page = client.get(reverse("activities:task_detail", args=[task.public_id])).content.decode()
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    due = re.findall(r'name="due_at" value="([^"]+)"', page)[0]
    assert form["version"] == "1" and form["due_at__shown"] == due
    # somebody else changes the description meanwhile
    actions.task_update(actor=cast.sales_north_2, task=task, values={"description": "Bring the samples and a pen"},
                        expected_version=1)  # fmt: skip
    saved = client.post(
        reverse("activities:task_edit", args=[task.public_id]),
        {"version": "1", "title": "Prepare the site visit", "due_at": due, "due_at__shown": due, "priority": "high",
         "status": "open", "assignee": str(cast.sales_north.public_id), "remind_at": "", "recurrence": "",
         "recurrence_interval": "1", "recurrence_until": "", "project": "", "description": "Bring samples"},
    )  # fmt: skip
    assert saved.status_code == 302
    task.refresh_from_db()
    assert task.title == "Prepare the site visit" and task.priority == "high"
    assert task.description == "Bring the samples and a pen"  # theirs kept: this form did not change it
    assert task.version == 3


def test_a_stale_save_that_changes_what_another_changed_is_refused_naming_who(cast):
    task = _task(cast.sales_north, "Prepare the visit")
    actions.task_update(actor=cast.sales_north_2, task=task, values={"title": "Prepare the big visit"},
                        expected_version=1)  # fmt: skip
    refused = _client(cast.sales_north).post(
        reverse("activities:task_edit", args=[task.public_id]),
        {"version": "1", "title": "Prepare the small visit", "priority": "normal", "status": "open"},
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    assert cast.sales_north_2.display_name in html and "Title" in html
    assert 'name="version" value="2"' in html and 'value="Prepare the small visit"' in html
    task.refresh_from_db()
    assert task.title == "Prepare the big visit"


def test_the_task_form_names_bad_fields(cast):
    task = _task(cast.sales_north, "Prepare the visit")
    bad = _client(cast.sales_north).post(
        reverse("activities:task_edit", args=[task.public_id]),
        {"version": "1", "title": "", "due_at": "not a date", "recurrence": "weekly", "priority": "normal",
         "status": "open"},
    )  # fmt: skip
    assert bad.status_code == 422
    html = bad.content.decode()
    for name in ("title", "due_at"):
        assert f'id="task-{name}-err"' in html, name
    assert Task.objects.get(pk=task.pk).version == 1


def test_a_new_task_starts_linked_to_the_record_from_the_address(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    southern = factories.contact(cast.sales_south, last_name="Yılmaz")
    client = _client(cast.sales_north)
    page = client.get(reverse("activities:task_new"), {"contact": anna.public_id}).content.decode()
    assert f'name="contact" value="{anna.public_id}"' in page and "Kovács" in page
    hidden = client.get(reverse("activities:task_new"), {"contact": southern.public_id}).content.decode()
    assert "Yılmaz" not in hidden and f'value="{southern.public_id}"' not in hidden
    created = client.post(
        reverse("activities:task_new"),
        {"title": "Call Anna", "priority": "normal", "contact": str(anna.public_id), "due_at": "2030-01-02T09:00",
         "remind_at": "2030-01-02T08:45"},
    )  # fmt: skip
    task = Task.objects.get(title="Call Anna")
    assert created.status_code == 302
    assert created["Location"] == reverse("activities:task_detail", args=[task.public_id])
    assert task.contact == anna and task.owner == cast.sales_north and task.remind_at is not None


def test_projects_show_their_progress_and_take_new_tasks(cast):
    project = actions.project_create(actor=cast.sales_north, values={"name": "Roll-out"})
    first = _task(cast.sales_north, "Install", project=project.public_id)
    _task(cast.sales_north, "Train", project=project.public_id)
    actions.task_complete(actor=cast.sales_north, task=first)
    client = _client(cast.sales_north)
    listed = client.get(reverse("activities:project_list")).content.decode()
    assert "Roll-out" in listed and "1 of 2 done" in listed and "<progress" in listed
    added = client.post(
        reverse("activities:task_new"),
        {"title": "Hand over", "priority": "normal", "project": str(project.public_id),
         "next": reverse("activities:project_detail", args=[project.public_id])},
    )  # fmt: skip
    assert added["Location"] == reverse("activities:project_detail", args=[project.public_id])
    page = client.get(reverse("activities:project_detail", args=[project.public_id])).content.decode()
    assert "Hand over" in page and "1 of 3 done" in page


def test_a_project_is_created_and_edited_at_its_version(cast):
    client = _client(cast.sales_north)
    bad = client.post(reverse("activities:project_new"), {"name": "", "status": "active"})
    assert bad.status_code == 422 and 'id="project-name-err"' in bad.content.decode()
    client.post(reverse("activities:project_new"), {"name": "Roll-out", "status": "active", "due_on": "2030-06-01"})
    project = Project.objects.get(name="Roll-out")
    actions.project_update(actor=cast.sales_north_2, project=project, values={"description": "Theirs"},
                           expected_version=1)  # fmt: skip
    saved = client.post(
        reverse("activities:project_edit", args=[project.public_id]),
        {"version": "1", "name": "Roll-out 2", "status": "active", "starts_on": "", "due_on": "2030-06-01",
         "description": ""},
    )  # fmt: skip
    assert saved.status_code == 302
    project.refresh_from_db()
    assert project.name == "Roll-out 2" and project.description == "Theirs"


def test_the_activity_page_edits_at_its_version_and_trashes(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = actions.activity_create(
        actor=cast.sales_north,
        values={"channel": "call", "contact": anna.public_id, "subject": "First call", "body": "<b>hi</b>\nthere",
                "duration_seconds": 125},
    )  # fmt: skip
    client = _client(cast.sales_north)
    page = client.get(reverse("activities:activity_detail", args=[call.public_id])).content.decode()
    assert "&lt;b&gt;hi&lt;/b&gt;<br>there" in page and 'data-testid="activity-form"' in page
    occurred = re.findall(r'name="occurred_at" value="([^"]+)"', page)[0]
    actions.activity_update(actor=cast.sales_north_2, activity=call, values={"outcome": "answered"},
                            expected_version=1)  # fmt: skip
    saved = client.post(
        reverse("activities:activity_edit", args=[call.public_id]),
        {"version": "1", "channel": "call", "direction": "outbound", "occurred_at": occurred,
         "occurred_at__shown": occurred, "duration_minutes": "3", "subject": "First real call", "purpose": "",
         "outcome": "", "body": "<b>hi</b>\nthere", "place": "", "ends_at": "", "ends_at__shown": ""},
    )  # fmt: skip
    assert saved.status_code == 302
    call.refresh_from_db()
    assert call.subject == "First real call" and call.outcome == "answered" and call.duration_seconds == 180
    assert call.occurred_at is not None and call.version == 3
    trashed = client.post(reverse("activities:activity_trash", args=[call.public_id]), {"version": "3"})
    assert trashed["Location"] == reverse("parties:contact_detail", args=[anna.public_id])
    assert Activity.all_objects.get(pk=call.pk).deleted_at is not None


def test_a_reader_sees_no_forms_and_gets_403_on_every_post(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    call = actions.activity_create(actor=cast.sales_north, values={"channel": "call", "contact": anna.public_id})
    task = _task(cast.sales_north, "Call back")
    project = actions.project_create(actor=cast.sales_north, values={"name": "Roll-out"})
    client = _client(cast.readonly_north)
    for url in (
        reverse("activities:task_detail", args=[task.public_id]),
        reverse("activities:activity_detail", args=[call.public_id]),
        reverse("activities:project_detail", args=[project.public_id]),
        reverse("activities:task_list") + "?scope=all",
    ):
        page = client.get(url).content.decode()
        assert "Call back" in page or "Roll-out" in page or "Call" in page, url
        assert 'name="version"' not in page and "hx-post" not in page, url
        assert re.search(r'action="[^"]*/(trash|edit|complete|new)/"', page) is None, url
    for url in (
        reverse("activities:task_edit", args=[task.public_id]),
        reverse("activities:task_complete", args=[task.public_id]),
        reverse("activities:task_trash", args=[task.public_id]),
        reverse("activities:task_new"),
        reverse("activities:activity_edit", args=[call.public_id]),
        reverse("activities:activity_trash", args=[call.public_id]),
        reverse("activities:project_new"),
        reverse("activities:project_edit", args=[project.public_id]),
        reverse("activities:project_trash", args=[project.public_id]),
    ):
        assert client.post(url, {"title": "x", "name": "x", "version": "1"}).status_code == 403, url
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.version == 1


def test_the_home_page_lists_my_tasks_and_the_overdue_ones(cast):
    _task(cast.sales_north, "Late report", due_in_hours=-5)
    _task(cast.sales_north, "Tomorrow's call", due_in_hours=20)
    _task(cast.sales_south, "Southern task", due_in_hours=-5)
    page = unescape(_client(cast.sales_north).get(reverse("site:home")).content.decode())
    mine = page.split('data-testid="home-my-tasks"')[1].split("</section>")[0]
    overdue = page.split('data-testid="home-overdue-tasks"')[1].split("</section>")[0]
    assert "Late report" in mine and "Tomorrow's call" in mine
    assert "Late report" in overdue and "Tomorrow's call" not in overdue and "Southern task" not in page
    assert reverse("activities:task_list") in page  # the navigation's "Tasks"
