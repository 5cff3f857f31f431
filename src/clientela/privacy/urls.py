from django.urls import path

from clientela.privacy import views, views_public, views_retention

app_name = "privacy"
urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request_detail"),
    path("requests/<uuid:public_id>/export/", views.request_export, name="request_export"),
    path("contacts/<uuid:public_id>/consents/", views.consent_new, name="consent_new"),
    path("contacts/<uuid:public_id>/objections/", views.restriction_new, name="restriction_new"),
    path("contacts/<uuid:public_id>/requests/", views.request_new, name="request_new"),
    path("consents/<uuid:public_id>/", views.consent_history, name="consent_history"),
    path("objections/<uuid:public_id>/lift/", views.restriction_lift, name="restriction_lift"),
    path("purposes/", views.purposes, name="purposes"),
    path("retention/", views_retention.retention, name="retention"),
    path("audit/", views.audit, name="audit"),
]

public_urlpatterns = (
    [
        path("confirm/<str:token>/", views_public.confirm, name="confirm"),
        path("preferences/<str:token>/", views_public.preferences, name="preferences"),
    ],
    "privacy_public",
)
