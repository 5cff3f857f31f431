"""The channels app's pages and hooks: e-mail compose and templates (`urls_email`), the triage
inbox and mailboxes (`urls_inbound`), the SMS gateway's delivery reports and the telephony
system's call events (`urls_hooks`)."""

from django.urls import include, path

from clientela.channels import urls_email, urls_hooks, urls_inbound

app_name = "channels"

urlpatterns: list = [
    path("", include(urls_email.urlpatterns)),
    path("", include(urls_inbound.urlpatterns)),
    path("", include(urls_hooks.urlpatterns)),
]
