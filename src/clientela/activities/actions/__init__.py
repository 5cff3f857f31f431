"""Every write of the activities app (DESIGN.md rule 1): activities, tasks and projects,
reminders delivered, notifications read, calendar feeds."""

from clientela.activities.actions.activities import (
    activity_create,
    activity_restore,
    activity_trash,
    activity_update,
)
from clientela.activities.actions.calendar import calendar_feed_rotate
from clientela.activities.actions.projects import project_create, project_restore, project_trash, project_update
from clientela.activities.actions.reminders import (
    notification_read,
    notifications_read_all,
    reminder_claim,
    reminder_email_failed,
    reminder_emailed,
)
from clientela.activities.actions.tasks import task_complete, task_create, task_restore, task_trash, task_update

__all__ = [
    "activity_create", "activity_restore", "activity_trash", "activity_update", "calendar_feed_rotate",
    "notification_read", "notifications_read_all", "project_create", "project_restore", "project_trash",
    "project_update", "reminder_claim", "reminder_email_failed", "reminder_emailed", "task_complete", "task_create",
    "task_restore", "task_trash", "task_update",
]  # fmt: skip
