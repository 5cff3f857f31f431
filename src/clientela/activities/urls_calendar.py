"""The calendar's pages and the ICS feed (included by `activities.urls`)."""

urlpatterns: list = []
