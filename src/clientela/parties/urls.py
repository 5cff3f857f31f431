from django.urls import path

from clientela.parties import views, views_custom_fields, views_relationships

app_name = "parties"
urlpatterns = [
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/bulk/", views.contact_bulk, name="contact_bulk"),
    path("contacts/<uuid:public_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<uuid:public_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<uuid:public_id>/trash/", views.contact_trash, name="contact_trash"),
    path("contacts/<uuid:public_id>/restore/", views.contact_restore, name="contact_restore"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_new, name="organization_new"),
    path("organizations/bulk/", views.organization_bulk, name="organization_bulk"),
    path("organizations/suggest/", views.organization_suggest, name="organization_suggest"),
    path("organizations/<uuid:public_id>/", views.organization_detail, name="organization_detail"),
    path("organizations/<uuid:public_id>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<uuid:public_id>/trash/", views.organization_trash, name="organization_trash"),
    path("organizations/<uuid:public_id>/restore/", views.organization_restore, name="organization_restore"),
    path(
        "contacts/<uuid:public_id>/relationships/",
        views_relationships.relationship_add,
        {"entity": "contact"},
        name="contact_relationship_add",
    ),
    path(
        "contacts/<uuid:public_id>/relationships/<uuid:relationship_id>/remove/",
        views_relationships.relationship_remove,
        {"entity": "contact"},
        name="contact_relationship_remove",
    ),
    path(
        "organizations/<uuid:public_id>/relationships/",
        views_relationships.relationship_add,
        {"entity": "organization"},
        name="organization_relationship_add",
    ),
    path(
        "organizations/<uuid:public_id>/relationships/<uuid:relationship_id>/remove/",
        views_relationships.relationship_remove,
        {"entity": "organization"},
        name="organization_relationship_remove",
    ),
    path("parties/suggest/", views_relationships.party_suggest, name="party_suggest"),
    path("views/<str:entity>/save/", views.saved_view_save, name="saved_view_save"),
    path("views/<str:entity>/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("trash/", views.trash, name="trash"),
    # Settings: custom field definitions (administrators)
    path("accounts/settings/custom-fields/", views_custom_fields.custom_fields, name="settings_custom_fields"),
    path(
        "accounts/settings/custom-fields/new/",
        views_custom_fields.custom_field_create,
        name="settings_custom_field_create",
    ),
    path(
        "accounts/settings/custom-fields/<uuid:public_id>/",
        views_custom_fields.custom_field_edit,
        name="settings_custom_field_edit",
    ),
    path(
        "accounts/settings/custom-fields/<uuid:public_id>/delete/",
        views_custom_fields.custom_field_delete,
        name="settings_custom_field_delete",
    ),
]
