"""The activities app's pages: timelines' quick logging, tasks, projects, notifications
(`urls_calendar`: the calendar and its ICS feed)."""

from django.urls import include, path

from clientela.activities import urls_calendar, views, views_tasks

app_name = "activities"

urlpatterns: list = [
    path("", include(urls_calendar.urlpatterns)),
    path("activities/<uuid:public_id>/", views.activity_detail, name="activity_detail"),
    path("activities/<uuid:public_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<uuid:public_id>/trash/", views.activity_trash, name="activity_trash"),
    path("activities/timeline/<str:kind>/<uuid:public_id>/", views.timeline, name="timeline"),
    path("activities/log/<str:kind>/<uuid:public_id>/", views.quick_log, name="quick_log"),
    path("tasks/quick/<str:kind>/<uuid:public_id>/", views.quick_task, name="quick_task"),
    path("tasks/", views_tasks.task_list, name="task_list"),
    path("tasks/new/", views_tasks.task_new, name="task_new"),
    path("tasks/<uuid:public_id>/", views_tasks.task_detail, name="task_detail"),
    path("tasks/<uuid:public_id>/edit/", views_tasks.task_edit, name="task_edit"),
    path("tasks/<uuid:public_id>/complete/", views_tasks.task_complete, name="task_complete"),
    path("tasks/<uuid:public_id>/trash/", views_tasks.task_trash, name="task_trash"),
    path("projects/", views_tasks.project_list, name="project_list"),
    path("projects/new/", views_tasks.project_new, name="project_new"),
    path("projects/<uuid:public_id>/", views_tasks.project_detail, name="project_detail"),
    path("projects/<uuid:public_id>/edit/", views_tasks.project_edit, name="project_edit"),
    path("projects/<uuid:public_id>/trash/", views_tasks.project_trash, name="project_trash"),
]
