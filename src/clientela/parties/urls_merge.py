"""Duplicates and merge pages, included at /merge/ (namespace "merge")."""

from django.urls import path

from clientela.parties import views_merge

app_name = "merge"
urlpatterns = [
    path("<str:entity>/<uuid:public_id>/duplicates/", views_merge.duplicates, name="duplicates"),
    path("<str:entity>/<uuid:public_id>/", views_merge.merge, name="merge"),
]
