"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("progress/", views.progress_overview, name="progress-overview"),
    path("<int:pk>/progress/", views.progress_tab, name="progress"),
    path("<int:pk>/progress/plan/", views.progress_plan, name="progress-plan"),
    path("<int:pk>/progress/report/", views.progress_report, name="progress-report"),
    path("<int:pk>/progress/<int:year>-<int:month>/correct/", views.progress_correct, name="progress-correct"),
]
