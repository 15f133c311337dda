"""Pages of the dangerous-works register (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dangerous/", views.dangerous_list, name="dangerous-list"),
    path("dangerous/export/", views.dangerous_export, name="dangerous-export"),
    path("dangerous/<int:pk>/", views.dangerous_detail, name="dangerous-detail"),
    path("dangerous/<int:pk>/edit/", views.dangerous_edit, name="dangerous-edit"),
    path("dangerous/<int:pk>/review/", views.dangerous_review, name="dangerous-review"),
    path("dangerous/<int:pk>/documents/", views.dangerous_attach, name="dangerous-attach"),
    path("dangerous/<int:pk>/moves/<slug:move>/", views.dangerous_move, name="dangerous-move"),
    path("projects/<int:pk>/dangerous/", views.project_dangerous, name="project-dangerous"),
    path("projects/<int:pk>/dangerous/export/", views.project_dangerous_export, name="project-dangerous-export"),
    path("projects/<int:pk>/dangerous/new/", views.dangerous_create, name="dangerous-create"),
]
