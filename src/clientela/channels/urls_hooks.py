"""SMS out's page hook: the contact page's "Send SMS" form (see channels/urls.py). The SMS
gateway's delivery reports and the telephony system's call events are API webhooks
(`api_sms`, `api_telephony`)."""

from django.urls import path

from clientela.channels import views_hooks

urlpatterns: list = [
    path("contacts/<uuid:public_id>/sms/", views_hooks.sms_send, name="sms_send"),
]
