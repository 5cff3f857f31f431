from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clientela.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from clientela.core import collation

        collation.install()
