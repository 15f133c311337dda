"""Pages of accountability (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("accountability/", views.record_list, name="accountability-list"),
    path("accountability/export/", views.record_export, name="accountability-export"),
    path("accountability/new/", views.record_create, name="accountability-create"),
    path("accountability/<int:pk>/", views.record_detail, name="accountability-detail"),
    path("accountability/<int:pk>/<slug:move>/", views.record_move, name="accountability-move"),
    path("accountability/units/<int:pk>/", views.unit_record, name="accountability-unit"),
    path("projects/<int:pk>/accountability/", views.project_records, name="project-accountability"),
]
