from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "clientela.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from clientela.core import housekeeping
        from clientela.core.recordtypes import register
        from clientela.parties import queries

        register("parties.contact", scoped_get=queries.contact_get, names=queries.contact_names)
        register("parties.organization", scoped_get=queries.organization_get, names=queries.organization_names)
        register("parties.customfield", public=True)
        # The job worker hands on an import whose worker stopped (resumed or failed: parties/tasks.py).
        housekeeping.register("parties.import_jobs", "clientela.parties.tasks.recover_import_jobs")
