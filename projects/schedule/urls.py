"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("<int:pk>/schedule/", views.schedule, name="schedule"),
    path("<int:pk>/schedule/gantt/", views.gantt, name="gantt"),
    path("<int:pk>/schedule/tasks/new/", views.task_create, name="task-create"),
    path("<int:pk>/schedule/tasks/<int:task_pk>/", views.task_detail, name="task"),
    path("<int:pk>/schedule/tasks/<int:task_pk>/edit/", views.task_edit, name="task-edit"),
    path("<int:pk>/schedule/tasks/<int:task_pk>/progress/", views.task_progress, name="task-progress"),
    path("<int:pk>/schedule/tasks/<int:task_pk>/void/", views.task_void, name="task-void"),
    path("<int:pk>/schedule/baselines/", views.baselines, name="schedule-baselines"),
    path("<int:pk>/schedule/export.xlsx", views.schedule_export, name="schedule-export"),
    path("<int:pk>/schedule/template.xlsx", views.schedule_template, name="schedule-template"),
    path("<int:pk>/schedule/import/", views.schedule_import, name="schedule-import"),
    path("<int:pk>/raci/", views.raci, name="raci"),
    path("my-responsibilities/", views.my_responsibilities, name="my-responsibilities"),
]
