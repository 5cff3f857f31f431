"""REST endpoints of the activities app: /api/v1/activities, /tasks, /projects (the calendar:
`api_calendar.py`).

Each endpoint parses input, calls one scoped query or one action, and answers. A record the
caller may not see is a 404, exactly as if it did not exist, and a linked record they may not
see is a field error (`contact`: no such contact). Writes of one record need `If-Match` (428
without, 412 when stale); creates honour `Idempotency-Key`; deletes go to the trash.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from clientela.activities import actions, queries
from clientela.activities.api_support import (
    action_values,
    activities_filtered,
    activity_body,
    naming_assignee,
    paginate_by,
    project_body,
    projects_filtered,
    task_body,
    tasks_filtered,
)
from clientela.activities.schemas import (
    ACTIVITY_SORTS,
    ActivityCreate,
    ActivityListParams,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    ProjectCreate,
    ProjectListParams,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    TaskCreate,
    TaskListParams,
    TaskOut,
    TaskPage,
    TaskPatch,
)
from clientela.core.apikit.auth import caller
from clientela.core.apikit.errors import COMMON, PRECONDITIONS, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import NOT_MODIFIED, IfMatch, IfNoneMatch, conditional_read, etag_for, expected_version
from clientela.core.apikit.idempotency import IdempotencyKeyHeader
from clientela.core.apikit.pagination import paginate, parse_sort
from clientela.core.context import acting_via, overwriting
from clientela.parties.api_support import created_once

if TYPE_CHECKING:
    from clientela.accounts.models import User

activities = Router(tags=["activities"])
tasks = Router(tags=["tasks"])
projects = Router(tags=["projects"])


def _json(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    return schema.model_validate(data).model_dump()


def _changes(payload: Any) -> dict[str, Any]:
    return action_values(payload.model_dump(exclude_unset=True))


# --- activities ----------------------------------------------------------------------------------


def _activity(user: User, public_id: Any, *, include_trash: bool = False) -> dict[str, Any]:
    return activity_body(user, queries.activity_get(user, public_id, include_trash=include_trash))


@activities.get("", response={200: ActivityPage, **COMMON}, summary="List activities")
def activity_list(request: HttpRequest, params: Query[ActivityListParams]) -> dict[str, Any]:
    """A contact's list holds its own activities and the meetings it took part in. Newest first
    unless you `sort`; page with `cursor` (from `next_cursor`) and `limit`."""
    user = caller(request)
    queryset = queries.with_email_id(queries.activities_visible(user, trash=params.trash))
    queryset = activities_filtered(queryset, params, user=user).prefetch_related("attendees")
    keys = parse_sort(params.sort, allowed=ACTIVITY_SORTS, default=("-occurred_at",))
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [activity_body(user, a) for a in page.items], "next_cursor": page.next_cursor}


@activities.post("", response={201: ActivityOut, **COMMON, 409: ErrorOut}, summary="Log an activity")
def activity_create(
    request: HttpRequest, payload: ActivityCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """A call, an e-mail, a meeting, a note... linked to a contact, an organization or a deal you
    can see (a deal brings its customer unless you name one). `occurred_at` defaults to now."""
    user = caller(request)

    def create() -> dict[str, Any]:
        activity = actions.activity_create(actor=user, values=_changes(payload))
        return _json(ActivityOut, _activity(user, activity.public_id))

    return created_once(request, user, payload, idempotency_key, "activities", create)


@activities.get(
    "/{activity_id}", response={200: ActivityOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read an activity"
)
def activity_read(
    request: HttpRequest, activity_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    user = caller(request)
    activity = queries.activity_get(user, activity_id)
    return conditional_read(response, if_none_match, activity.version, activity_body(user, activity))


@activities.patch("/{activity_id}", response={200: ActivityOut, **PRECONDITIONS}, summary="Correct an activity")
def activity_patch(
    request: HttpRequest, activity_id: uuid.UUID, payload: ActivityPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Send only the fields to change, with `If-Match` set to the ETag you read."""
    user = caller(request)
    activity = queries.activity_get(user, activity_id)
    expected = expected_version(if_match, activity.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.activity_update(
            actor=user, activity=activity, values=_changes(payload), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return _activity(user, activity_id)


@activities.delete(
    "/{activity_id}", response={200: ActivityOut, **PRECONDITIONS}, summary="Move an activity to the trash"
)
def activity_delete(
    request: HttpRequest, activity_id: uuid.UUID, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    activity = queries.activity_get(user, activity_id)
    expected = expected_version(if_match, activity.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.activity_trash(actor=user, activity=activity, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return _activity(user, activity_id, include_trash=True)


@activities.post(
    "/{activity_id}/restore", response={200: ActivityOut, **WITH_RECORD}, summary="Restore an activity from the trash"
)
def activity_restore(request: HttpRequest, activity_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    activity = queries.activity_get(user, activity_id, include_trash=True)
    with acting_via("api"):
        restored = actions.activity_restore(actor=user, activity=activity)
    response["ETag"] = etag_for(restored)
    return _activity(user, activity_id)


# --- tasks ---------------------------------------------------------------------------------------


def _task(user: User, public_id: Any, *, include_trash: bool = False) -> dict[str, Any]:
    return task_body(user, queries.task_get(user, public_id, include_trash=include_trash))


@tasks.get("", response={200: TaskPage, **COMMON}, summary="List tasks")
def task_list(request: HttpRequest, params: Query[TaskListParams]) -> dict[str, Any]:
    """By due moment unless you `sort` (tasks without one last); `overdue=true` for the open tasks
    past their due moment; page with `cursor` (from `next_cursor`) and `limit`."""
    user = caller(request)
    queryset = tasks_filtered(queries.with_series(queries.tasks_visible(user, trash=params.trash)), params, user=user)
    page = paginate_by(queryset, params.sort, cursor=params.cursor, limit=params.limit)
    now = timezone.now()
    return {"items": [task_body(user, t, now=now) for t in page.items], "next_cursor": page.next_cursor}


@tasks.post("", response={201: TaskOut, **COMMON, 409: ErrorOut}, summary="Create a task")
def task_create(
    request: HttpRequest, payload: TaskCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Assigned to you unless you name an `assignee` you may assign to (your team's members, for
    a manager or a sales rep); its reminder (`remind_at`) comes in the app and by e-mail."""
    user = caller(request)

    def create() -> dict[str, Any]:
        with naming_assignee():
            task = actions.task_create(actor=user, values=_changes(payload))
        return _json(TaskOut, _task(user, task.public_id))

    return created_once(request, user, payload, idempotency_key, "tasks", create)


@tasks.get("/{task_id}", response={200: TaskOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a task")
def task_read(
    request: HttpRequest, task_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    user = caller(request)
    task = queries.task_get(user, task_id)
    return conditional_read(response, if_none_match, task.version, task_body(user, task))


@tasks.patch("/{task_id}", response={200: TaskOut, **PRECONDITIONS}, summary="Change a task")
def task_patch(
    request: HttpRequest, task_id: uuid.UUID, payload: TaskPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Send only the fields to change, with `If-Match` set to the ETag you read."""
    user = caller(request)
    task = queries.task_get(user, task_id)
    expected = expected_version(if_match, task.version)
    with acting_via("api"), overwriting(expected is None), naming_assignee():
        updated = actions.task_update(actor=user, task=task, values=_changes(payload), expected_version=expected)
    response["ETag"] = etag_for(updated)
    return _task(user, task_id)


@tasks.delete("/{task_id}", response={200: TaskOut, **PRECONDITIONS}, summary="Move a task to the trash")
def task_delete(request: HttpRequest, task_id: uuid.UUID, if_match: IfMatch, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    task = queries.task_get(user, task_id)
    expected = expected_version(if_match, task.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.task_trash(actor=user, task=task, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return _task(user, task_id, include_trash=True)


@tasks.post("/{task_id}/restore", response={200: TaskOut, **WITH_RECORD}, summary="Restore a task from the trash")
def task_restore(request: HttpRequest, task_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    task = queries.task_get(user, task_id, include_trash=True)
    with acting_via("api"):
        restored = actions.task_restore(actor=user, task=task)
    response["ETag"] = etag_for(restored)
    return _task(user, task_id)


@tasks.post(
    "/{task_id}/complete",
    response={200: TaskOut, **WITH_RECORD, 409: ErrorOut, 412: PRECONDITIONS[412]},
    summary="Mark a task done",
)
def task_complete(request: HttpRequest, task_id: uuid.UUID, response: HttpResponse, if_match: IfMatch) -> Any:
    """Done now. A recurring task is followed by its next occurrence (its id is
    `next_occurrence`), made once even if two people complete the task at the same moment.
    `If-Match` is optional here; a task no longer open is refused (409 `task_closed`)."""
    user = caller(request)
    task = queries.task_get(user, task_id)
    expected = expected_version(if_match, task.version) if if_match is not None else task.version
    with acting_via("api"):
        done = actions.task_complete(actor=user, task=task, expected_version=expected)
    response["ETag"] = etag_for(done)
    return _task(user, task_id)


# --- projects ------------------------------------------------------------------------------------


def _project(user: User, public_id: Any, *, include_trash: bool = False) -> dict[str, Any]:
    return project_body(user, queries.project_get(user, public_id, include_trash=include_trash))


@projects.get("", response={200: ProjectPage, **COMMON}, summary="List projects")
def project_list(request: HttpRequest, params: Query[ProjectListParams]) -> dict[str, Any]:
    """Each with its progress: tasks done of its tasks (cancelled ones left out)."""
    user = caller(request)
    queryset = projects_filtered(queries.projects_visible(user, trash=params.trash), params, user=user)
    page = paginate_by(queries.with_progress(queryset), params.sort, cursor=params.cursor, limit=params.limit)
    return {"items": [project_body(user, p) for p in page.items], "next_cursor": page.next_cursor}


@projects.post("", response={201: ProjectOut, **COMMON, 409: ErrorOut}, summary="Create a project")
def project_create(
    request: HttpRequest, payload: ProjectCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)

    def create() -> dict[str, Any]:
        project = actions.project_create(actor=user, values=_changes(payload))
        return _json(ProjectOut, _project(user, project.public_id))

    return created_once(request, user, payload, idempotency_key, "projects", create)


@projects.get("/{project_id}", response={200: ProjectOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read a project")
def project_read(
    request: HttpRequest, project_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    """With its progress: `task_count`, `done_count` and `progress` in percent."""
    user = caller(request)
    project = queries.project_get(user, project_id)
    return conditional_read(response, if_none_match, project.version, project_body(user, project))


@projects.patch("/{project_id}", response={200: ProjectOut, **PRECONDITIONS}, summary="Change a project")
def project_patch(
    request: HttpRequest, project_id: uuid.UUID, payload: ProjectPatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    project = queries.project_get(user, project_id)
    expected = expected_version(if_match, project.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.project_update(
            actor=user, project=project, values=_changes(payload), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return _project(user, project_id)


@projects.delete("/{project_id}", response={200: ProjectOut, **PRECONDITIONS}, summary="Move a project to the trash")
def project_delete(
    request: HttpRequest, project_id: uuid.UUID, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    project = queries.project_get(user, project_id)
    expected = expected_version(if_match, project.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.project_trash(actor=user, project=project, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return _project(user, project_id, include_trash=True)


@projects.post(
    "/{project_id}/restore", response={200: ProjectOut, **WITH_RECORD}, summary="Restore a project from the trash"
)
def project_restore(request: HttpRequest, project_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    project = queries.project_get(user, project_id, include_trash=True)
    with acting_via("api"):
        restored = actions.project_restore(actor=user, project=project)
    response["ETag"] = etag_for(restored)
    return _project(user, project_id)
