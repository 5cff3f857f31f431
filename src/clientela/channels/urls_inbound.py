"""E-mail in: the triage inbox, received files, the mailboxes settings page (see views_inbound)."""

from django.urls import path

from clientela.channels import views_inbound

urlpatterns: list = [
    path("inbox/", views_inbound.inbox, name="inbox"),
    path("inbox/<uuid:public_id>/", views_inbound.inbox_act, name="inbox_act"),
    path("inbox/<uuid:public_id>/files/<int:attachment_id>/", views_inbound.email_file, name="email_file"),
    path("settings/mailboxes/", views_inbound.mailboxes, name="mailboxes"),
    path("settings/mailboxes/test/", views_inbound.mailbox_test, name="mailbox_test"),
]
