from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/void/", views.project_void, name="void"),
    path("<int:pk>/participants/add/", views.participant_add, name="participant-add"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant-remove"),
    path("<int:pk>/liaison/", views.liaison_assign, name="liaison"),
]
