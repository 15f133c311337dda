"""Pages of the safety records (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:pk>/safety/", views.project_safety, name="project-safety"),
    path("projects/<int:pk>/safety/export/", views.project_safety_export, name="project-safety-export"),
    path("projects/<int:pk>/safety/roster/new/", views.roster_create, name="safety-roster-create"),
    path("safety/roster/<int:pk>/", views.roster_edit, name="safety-roster-edit"),
    path("projects/<int:pk>/safety/trainings/", views.project_trainings, name="project-safety-trainings"),
    path("projects/<int:pk>/safety/trainings/export/", views.project_trainings_export,
         name="project-safety-trainings-export"),
    path("projects/<int:pk>/safety/trainings/new/", views.training_create, name="safety-training-create"),
    path("safety/trainings/<int:pk>/", views.training_detail, name="safety-training-detail"),
    path("projects/<int:pk>/safety/incidents/", views.project_incidents, name="project-safety-incidents"),
    path("projects/<int:pk>/safety/incidents/export/", views.project_incidents_export,
         name="project-safety-incidents-export"),
    path("projects/<int:pk>/safety/incidents/new/", views.incident_create, name="safety-incident-create"),
    path("safety/incidents/", views.incident_list, name="safety-incidents"),
    path("safety/incidents/export/", views.incident_list_export, name="safety-incidents-export"),
    path("safety/incidents/<int:pk>/", views.incident_detail, name="safety-incident-detail"),
]
