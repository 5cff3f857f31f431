"""The tasks and projects API (/api/v1/tasks, /projects): assignment within the caller's scope,
filters (overdue, due moments, linked records), completion of a recurring task followed once,
projects' progress, If-Match, Idempotency-Key, the trash and bounded list queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from clientela.activities import actions
from clientela.activities.models import Task
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def _task(api: ApiClient, **values: Any) -> dict[str, Any]:
    response = api.post("/tasks", {"title": "Call back", **values})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_task_is_created_as_the_contract_says_for_a_colleague_of_the_team(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    body = {"title": "Send the offer", "due_at": "2026-12-07T09:00:00+01:00", "contact": str(anna.public_id)}
    response = api.post("/tasks", {**body, "assignee": str(cast.sales_north_2.public_id)})
    assert response.status_code == 201, response.content
    task = response.json()
    assert response["Location"] == f"/api/v1/tasks/{task['id']}" and response["ETag"] == '"1"'
    assert task["assignee"]["username"] == "sales_north_2" and task["team"]["name"] == "North"
    assert (task["due_at"], task["contact"], task["status"], task["priority"]) == (
        "2026-12-07T08:00:00Z", str(anna.public_id), "open", "normal",
    )  # fmt: skip
    assert task["next_occurrence"] is None and task["overdue"] is False
    mine = _task(api)
    assert mine["assignee"]["username"] == "sales_north" and mine["due_at"] is None


def test_a_sales_rep_cannot_assign_to_another_team_nor_link_its_contact(cast):
    south = ApiClient(cast.sales_south)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    refused = south.post(
        "/tasks", {"title": "Steal", "assignee": str(cast.sales_north.public_id), "contact": str(anna.public_id)}
    )
    assert refused.status_code == 422
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("contact", "not_found"), ("assignee", "forbidden"),
    }  # fmt: skip
    task = _task(ApiClient(cast.sales_north), contact=str(anna.public_id))
    assert south.get(f"/tasks/{task['id']}").status_code == 404
    assert south.post(f"/tasks/{task['id']}/complete").status_code == 404
    assert south.get("/tasks").json()["items"] == []
    assert ApiClient(cast.readonly_north).post("/tasks", {"title": "x"}).status_code == 403


def test_tasks_are_filtered_by_assignee_status_due_moment_link_and_overdue(cast):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    late = _task(api, title="Late", due_at=past, contact=str(anna.public_id))
    soon = _task(api, title="Soon", due_at=future, priority="high")
    undated = _task(api, title="Some day")
    theirs = _task(api, title="Theirs", due_at=past, assignee=str(cast.sales_north_2.public_id))
    done = _task(api, title="Done", due_at=past, status="done")

    def ids(**params: str) -> list[str]:
        response = api.get("/tasks", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(overdue="true") == [late["id"], theirs["id"]]
    assert ids(assignee="me", status="open") == [late["id"], soon["id"], undated["id"]]
    assert ids(assignee=str(cast.sales_north_2.public_id)) == [theirs["id"]]
    assert ids(contact=str(anna.public_id)) == [late["id"]]
    assert ids(priority="high") == [soon["id"]]
    assert ids(status="done") == [done["id"]]
    assert ids(due_after=timezone.now().isoformat()) == [soon["id"]]
    assert set(ids(due_before=timezone.now().isoformat())) == {late["id"], theirs["id"], done["id"]}
    assert ids(sort="-due_at")[-1] == undated["id"]  # without a due moment: last, either way
    late_body = api.get(f"/tasks/{late['id']}").json()
    assert late_body["overdue"] is True


def test_task_pages_walk_across_tasks_without_a_due_moment(cast):
    api = ApiClient(cast.sales_north)
    made = [_task(api, title=f"T{n}", due_at=f"2026-12-0{n}T10:00:00Z" if n % 2 else None)["id"] for n in range(1, 8)]
    for sort in ("due_at", "-due_at", "title", "-created_at"):
        seen: list[str] = []
        cursor = None
        while True:
            page = api.get("/tasks", {"limit": "2", "sort": sort, **({"cursor": cursor} if cursor else {})}).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(made) and len(seen) == 7, sort
    forged = api.get("/tasks", {"cursor": "eyJzIjoieCJ9"})
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"


def test_completing_a_recurring_task_makes_its_next_occurrence_once(cast):
    api = ApiClient(cast.sales_north)
    task = _task(api, title="Weekly report", due_at="2026-12-07T09:00:00+01:00", recurrence="weekly",
                 remind_at="2026-12-07T08:30:00+01:00")  # fmt: skip
    done = api.post(f"/tasks/{task['id']}/complete")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "done" and body["completed_at"] is not None and body["next_occurrence"] is not None
    following = api.get(f"/tasks/{body['next_occurrence']}").json()
    assert (following["due_at"], following["remind_at"]) == ("2026-12-14T08:00:00Z", "2026-12-14T07:30:00Z")
    assert following["follows"] == task["id"] and following["status"] == "open"
    again = api.post(f"/tasks/{task['id']}/complete")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "task_closed"
    assert Task.objects.filter(title="Weekly report").count() == 2
    other = _task(api, title="Once")
    stale = api.post(f"/tasks/{other['id']}/complete", headers={"If-Match": '"7"'})
    assert stale.status_code == 412


def test_a_task_changes_with_if_match_goes_to_the_trash_and_comes_back(cast):
    api = ApiClient(cast.sales_north)
    created = api.post("/tasks", {"title": "Call back"}, headers={"Idempotency-Key": "task-1"})
    replay = api.post("/tasks", {"title": "Call back"}, headers={"Idempotency-Key": "task-1"})
    task = created.json()
    assert replay.json()["id"] == task["id"] and Task.objects.count() == 1
    assert api.patch(f"/tasks/{task['id']}", {"priority": "urgent"}).status_code == 428
    changed = api.patch(f"/tasks/{task['id']}", {"priority": "urgent"}, headers={"If-Match": created["ETag"]})
    assert changed.status_code == 200 and changed.json()["priority"] == "urgent"
    assert api.patch(f"/tasks/{task['id']}", {"title": "x"}, headers={"If-Match": created["ETag"]}).status_code == 412
    bad = api.patch(
        f"/tasks/{task['id']}", {"recurrence": "daily", "recurrence_interval": 0}, headers={"If-Match": changed["ETag"]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "recurrence_interval"
    no_due = api.patch(f"/tasks/{task['id']}", {"recurrence": "daily"}, headers={"If-Match": changed["ETag"]})
    assert no_due.status_code == 422 and no_due.json()["errors"][0]["field"] == "recurrence"
    trashed = api.delete(f"/tasks/{task['id']}", headers={"If-Match": changed["ETag"]})
    assert trashed.status_code == 200 and api.get(f"/tasks/{task['id']}").status_code == 404
    assert [t["id"] for t in api.get("/tasks", {"trash": "true"}).json()["items"]] == [task["id"]]
    assert api.post(f"/tasks/{task['id']}/restore").status_code == 200
    assert api.get(f"/tasks/{task['id']}").json()["deleted_at"] is None


def test_a_project_shows_its_progress(cast):
    api = ApiClient(cast.sales_north)
    org = factories.organization(cast.sales_north, name="Kovács Kft.")
    created = api.post("/projects", {"name": "Boiler installation", "organization": str(org.public_id),
                                     "starts_on": "2026-12-01", "due_on": "2026-12-20"})  # fmt: skip
    assert created.status_code == 201, created.content
    project = created.json()
    assert (project["task_count"], project["done_count"], project["progress"]) == (0, 0, 0)
    tasks = [_task(api, title=f"Step {n}", project=project["id"]) for n in range(4)]
    api.post(f"/tasks/{tasks[0]['id']}/complete")
    api.patch(f"/tasks/{tasks[1]['id']}", {"status": "cancelled"}, headers={"If-Match": '"1"'})
    read = api.get(f"/projects/{project['id']}").json()
    assert (read["task_count"], read["done_count"], read["progress"]) == (3, 1, 33)
    listed = api.get("/projects", {"organization": str(org.public_id)}).json()["items"]
    assert [(p["id"], p["progress"]) for p in listed] == [(project["id"], 33)]
    assert [t["id"] for t in api.get("/tasks", {"project": project["id"]}).json()["items"]] == [t["id"] for t in tasks]
    backwards = api.patch(f"/projects/{project['id']}", {"due_on": "2026-11-01"}, headers={"If-Match": '"1"'})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "due_on"
    renamed = api.patch(f"/projects/{project['id']}", {"name": "Boiler"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Boiler"
    assert ApiClient(cast.sales_south).get(f"/projects/{project['id']}").status_code == 404
    assert api.delete(f"/projects/{project['id']}", headers={"If-Match": '"2"'}).status_code == 200
    assert api.get("/projects").json()["items"] == []
    assert api.post(f"/projects/{project['id']}/restore").json()["deleted_at"] is None
    south_task = ApiClient(cast.sales_south).post("/tasks", {"title": "x", "project": project["id"]})
    assert south_task.status_code == 422 and south_task.json()["errors"][0]["field"] == "project"


def test_task_and_project_lists_cost_the_same_few_queries_however_long(cast, django_assert_max_num_queries):
    api = ApiClient(cast.sales_north)
    anna = factories.contact(cast.sales_north, last_name="Kovács")

    def make(count: int) -> None:
        for n in range(count):
            project = actions.project_create(actor=cast.sales_north, values={"name": f"P{n}"})
            task = actions.task_create(
                actor=cast.sales_north,
                values={"title": f"T{n}", "contact": anna.public_id, "project": project.public_id,
                        "due_at": timezone.now() + dt.timedelta(days=n), "recurrence": "daily"},
            )  # fmt: skip
            actions.task_complete(actor=cast.sales_north, task=task)

    make(2)
    api.get("/tasks")
    for path in ("/tasks", "/projects"):
        with django_assert_max_num_queries(5) as few:
            api.get(path)
        make(10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(api.get(path).json()["items"]) > 10
