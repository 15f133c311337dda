"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("map/", views.project_map, name="map"),
    path("regions.json", views.region_options, name="region-options"),
    path("<int:pk>/location/", views.project_location, name="location"),
]
