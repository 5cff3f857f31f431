from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "clientela.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from clientela.channels import queries
        from clientela.core.recordtypes import register

        register("channels.email", scoped_get=queries.email_get)
        register("channels.emailtemplate", public=True)
        register("channels.mailbox", scoped_get=queries.mailbox_get)
        register("channels.sms", scoped_get=queries.sms_get)
