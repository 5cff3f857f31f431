from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "clientela.activities"
    label = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from clientela.activities import queries
        from clientela.core import housekeeping
        from clientela.core.recordtypes import register

        register("activities.activity", scoped_get=queries.activity_get, names=queries.activity_names)
        register("activities.task", scoped_get=queries.task_get, names=queries.task_names)
        register("activities.project", scoped_get=queries.project_get, names=queries.project_names)
        # Reminders whose moment has come, delivered once (each is also scheduled for its moment).
        housekeeping.register("activities.reminders", "clientela.activities.tasks.deliver_due_reminders")
        from clientela.activities import tasks
        from clientela.activities.actions import tasks as task_actions

        if tasks.schedule_reminder not in task_actions.SCHEDULERS:
            task_actions.SCHEDULERS.append(tasks.schedule_reminder)
        # The timeline, open tasks and quick forms on a contact's, an organization's and a deal's page.
        from clientela.activities import panels
        from clientela.core import panels as core_panels

        for record_type in ("parties.contact", "parties.organization", "sales.deal"):
            core_panels.register(record_type, panels.record_activities)
