from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The workspace above the apps: the home page, the search across apps, the demo data."""

    name = "clientela.site"
    label = "site"
    verbose_name = "Site"
