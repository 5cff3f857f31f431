from django.urls import path

from clientela.parties import views_import

app_name = "imports"
urlpatterns = [
    path("", views_import.index, name="index"),
    path("export/", views_import.export, name="export"),
    path("<uuid:public_id>/", views_import.mapping, name="mapping"),
    path("<uuid:public_id>/status/", views_import.job_status, name="job"),
    path("<uuid:public_id>/errors.csv", views_import.job_errors, name="errors"),
]
