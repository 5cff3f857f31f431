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
        # Saved views of the contact and organization lists (other apps register theirs).
        from functools import partial

        from clientela.parties import listing, savedviews

        for entity in listing.ENTITIES:
            savedviews.register_list(
                entity, clean=partial(listing.clean_query_string, entity), path=partial(_list_path, entity)
            )


def _list_path(entity: str) -> str:
    from django.urls import reverse

    return reverse(f"parties:{entity}_list")
