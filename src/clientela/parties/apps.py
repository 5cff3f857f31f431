from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "clientela.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from clientela.core.recordtypes import register
        from clientela.parties import queries

        register("parties.contact", scoped_get=queries.contact_get)
        register("parties.organization", scoped_get=queries.organization_get)
        register("parties.customfield", public=True)
