"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("<int:pk>/bim/", views.bim, name="bim"),
    path("<int:pk>/bim/upload/", views.model_upload, name="bim-upload"),
    path("<int:pk>/bim/links/add/", views.link_add, name="bim-link-add"),
    path("bim/<int:pk>/", views.model_detail, name="bim-model"),
    path("bim/<int:pk>/retry/", views.model_retry, name="bim-retry"),
    path("bim/<int:pk>/file/", views.model_file, name="bim-file"),
    path("bim/<int:pk>/status.json", views.model_status, name="bim-status"),
    path("bim/<int:pk>/geometry.glb", views.model_geometry, name="bim-geometry"),
    path("bim/<int:pk>/viewer/", views.viewer, name="bim-viewer"),
    path("bim/links/<int:pk>/delete/", views.link_delete, name="bim-link-delete"),
]
