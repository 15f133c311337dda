"""Pages across the parts (namespace "supervision")."""

from django.urls import path

from .. import documents

urlpatterns: list = [
    path("documents/<int:pk>/", documents.download, name="document"),
]
