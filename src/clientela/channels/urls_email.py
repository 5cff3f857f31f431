"""E-mail out's pages: compose, an e-mail and its files, the templates (see channels/urls.py)."""

from django.urls import path

from clientela.channels import views_email

urlpatterns: list = [
    path("emails/new/", views_email.email_new, name="email_new"),
    path("emails/new/preview/", views_email.email_preview, name="email_preview"),
    path("emails/templates/", views_email.template_list, name="template_list"),
    path("emails/templates/new/", views_email.template_new, name="template_new"),
    path("emails/templates/<uuid:public_id>/", views_email.template_edit, name="template_edit"),
    path("emails/templates/<uuid:public_id>/trash/", views_email.template_trash, name="template_trash"),
    path("meetings/<uuid:public_id>/invite/", views_email.meeting_invite, name="meeting_invite"),
    path("emails/<uuid:public_id>/", views_email.email_detail, name="email_detail"),
    path("emails/<uuid:public_id>/files/<int:attachment_id>/", views_email.email_attachment, name="email_attachment"),
]
