from django.urls import path

from clientela.sales import views, views_import, views_settings, views_webforms

app_name = "sales"
urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/board/", views.deal_board, name="deal_board"),
    path("deals/new/", views.deal_new, name="deal_new"),
    path("deals/<uuid:public_id>/", views.deal_detail, name="deal_detail"),
    path("deals/<uuid:public_id>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<uuid:public_id>/move/", views.deal_move, name="deal_move"),
    path("deals/<uuid:public_id>/trash/", views.deal_trash, name="deal_trash"),
    path("sales/dashboard/", views.dashboard, name="dashboard"),
    path("sales/forecast/", views.forecast, name="forecast"),
    path("sales/dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("f/<str:token>/", views_webforms.webform, name="webform"),
    path("settings/pipelines/", views_settings.pipelines, name="settings_pipelines"),
    path("settings/pipelines/new/", views_settings.pipeline_edit, name="settings_pipeline_new"),
    path("settings/pipelines/<uuid:public_id>/", views_settings.pipeline_edit, name="settings_pipeline"),
    path("settings/lost-reasons/", views_settings.lost_reasons, name="settings_lost_reasons"),
    path("settings/lead-assignment/", views_settings.lead_assignment, name="settings_lead_assignment"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/forms/", views.lead_forms, name="lead_forms"),
    path("leads/import/", views_import.lead_import, name="lead_import"),
    path("leads/<uuid:public_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<uuid:public_id>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<uuid:public_id>/convert/", views.lead_convert, name="lead_convert"),
    path("leads/<uuid:public_id>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
]
