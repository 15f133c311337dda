"""The live site view: a project's "Smart site" page, its event stream, and one chart's JSON."""

from django.urls import path

from . import stream, views_live

urlpatterns = [
    path("projects/<int:project_pk>/site/", views_live.project_site, name="project-site"),
    path("projects/<int:project_pk>/site/stream/", stream.project_site_stream, name="project-site-stream"),
    path("site-devices/<int:pk>/series/", views_live.device_series, name="device-series"),
]
