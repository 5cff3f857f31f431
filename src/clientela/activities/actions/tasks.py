"""Tasks: created, changed, completed (a recurring one is followed by its next occurrence, once),
trashed, restored. The assignee is the task's owner; its team follows the assignee's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clientela.activities.models import Task, TaskStatus
from clientela.activities.rules import clean_task, next_due
from clientela.core import records
from clientela.core.errors import Refused
from clientela.core.visibility import require_delete, require_write

if TYPE_CHECKING:
    from clientela.accounts.models import User

SCHEDULERS: list[Any] = []  # called with each task whose reminder moment was set (tasks.py registers one)


def _schedule(task: Task) -> Task:
    if task.remind_at is not None and task.reminded_at is None and task.status == TaskStatus.OPEN:
        for schedule in SCHEDULERS:
            transaction.on_commit(lambda schedule=schedule: schedule(task))
    return task


def task_create(*, actor: User | None, values: dict[str, Any], system: bool = False) -> Task:
    """Create a task, assigned to the actor unless `values` names an `assignee` (or `owner`) they
    may assign to. `system` is the channels' own (a missed call's call-back task)."""
    if not system:
        if actor is None:
            raise ValueError("only the channels' own logging (system=True) has no actor")
        require_write(actor)
    from clientela.activities.actions.activities import _System

    cleaned = clean_task(actor if actor is not None else _System(), values, None)  # type: ignore[arg-type]
    if actor is not None:
        cleaned.setdefault("owner", actor)
        cleaned.setdefault("team", actor.team)
    with transaction.atomic():
        return _schedule(records.create_record(Task, actor=actor, values=cleaned, action="task.create"))


def task_update(
    *, actor: User, task: Task, values: dict[str, Any], expected_version: int | None = None, merge: bool = False,
) -> Task:  # fmt: skip
    """Change a task at `expected_version`. Marking it done through a change completes it as
    `task_complete` does (a recurring task gets its next occurrence)."""
    require_write(actor, task)
    cleaned = clean_task(actor, values, task)
    completing = cleaned.get("status") == TaskStatus.DONE and task.status != TaskStatus.DONE
    with transaction.atomic():
        updated = records.update_record(
            task, actor=actor, values=cleaned, action="task.update", expected_version=expected_version, merge=merge
        )
        if completing:
            _follow(actor, updated)
        return _schedule(updated)


class AlreadyClosed(Refused):
    status = 409
    code = "task_closed"


def task_complete(*, actor: User, task: Task, expected_version: int | None = None) -> Task:
    """Mark an open task done (now). A recurring one is followed by its next occurrence, due the
    same local time one interval later, with its reminder as far before it — created once, even if
    two people complete the task at the same moment (the version check lets one through)."""
    require_write(actor, task)
    if task.status != TaskStatus.OPEN:
        raise AlreadyClosed(_closed_message())
    with transaction.atomic():
        done = records.update_record(
            task, actor=actor, values={"status": TaskStatus.DONE, "completed_at": timezone.now()},
            action="task.complete", expected_version=expected_version if expected_version is not None else task.version,
        )  # fmt: skip
        _follow(actor, done)
        return done


def _closed_message() -> str:
    from django.utils.translation import gettext as _

    return _("this task is no longer open")


def _follow(actor: User | None, task: Task) -> Task | None:
    due = next_due(task)
    if due is None or Task.all_objects.filter(follows=task).exists():
        return None
    remind = due - (task.due_at - task.remind_at) if task.remind_at and task.due_at else None
    values = {
        "title": task.title, "description": task.description, "due_at": due, "priority": task.priority,
        "recurrence": task.recurrence, "recurrence_interval": task.recurrence_interval,
        "recurrence_until": task.recurrence_until, "remind_at": remind, "project": task.project,
        "contact": task.contact, "organization": task.organization, "deal": task.deal, "follows": task,
        "owner": task.owner, "team": task.team,
    }  # fmt: skip
    return _schedule(records.create_record(Task, actor=actor, values=values, action="task.recur"))


def task_trash(*, actor: User, task: Task, expected_version: int | None = None) -> Task:
    require_delete(actor, task)
    return records.trash_record(task, actor=actor, action="task.trash", expected_version=expected_version)


def task_restore(*, actor: User, task: Task) -> Task:
    require_delete(actor, task)
    return _schedule(records.restore_record(task, actor=actor, action="task.restore"))
