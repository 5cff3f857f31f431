"""The calendar's pages, its ICS feed and the notifications page (included by `activities.urls`)."""

from django.urls import path

from clientela.activities import views_calendar

urlpatterns: list = [
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("calendar/feed/", views_calendar.calendar_feed_rotate, name="calendar_feed_rotate"),
    path("calendar/feed/<str:token>.ics", views_calendar.calendar_feed, name="calendar_feed"),
    path("notifications/", views_calendar.notifications, name="notifications"),
    path("notifications/<int:notification_id>/read/", views_calendar.notification_read, name="notification_read"),
    path("notifications/read-all/", views_calendar.notifications_read_all, name="notifications_read_all"),
]
