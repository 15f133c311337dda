"""Pages across the parts (namespace "supervision")."""

from django.urls import path

from .. import documents
from . import views

urlpatterns: list = [
    path("documents/<int:pk>/", documents.download, name="document"),
    path("projects/<int:pk>/", views.project_quality, name="project-quality"),
    path("my-work/", views.my_work, name="my-work"),
    path("my-work/export/", views.my_work_export, name="my-work-export"),
]
