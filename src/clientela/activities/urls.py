"""The activities app's pages: timelines' quick logging, tasks, projects, notifications
(`urls_calendar`: the calendar and its ICS feed)."""

from django.urls import include, path

from clientela.activities import urls_calendar

app_name = "activities"

urlpatterns: list = [
    path("", include(urls_calendar.urlpatterns)),
]
