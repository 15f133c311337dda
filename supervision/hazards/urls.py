"""Pages of hazards (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("hazards/", views.board, name="hazard-board"),
    path("hazards/export/", views.board_export, name="hazard-board-export"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard-detail"),
    path("hazards/<int:pk>/photos/", views.hazard_photos, name="hazard-photos"),
    path("hazards/<int:pk>/<slug:move>/", views.hazard_move, name="hazard-move"),
    path("projects/<int:pk>/hazards/", views.project_hazards, name="project-hazards"),
    path("projects/<int:pk>/hazards/export/", views.project_hazards_export, name="project-hazards-export"),
    path("projects/<int:pk>/hazards/new/", views.hazard_create, name="hazard-create"),
]
