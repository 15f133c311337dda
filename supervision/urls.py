"""The supervision pages, namespace "supervision": each part's `urls.urlpatterns`, joined."""

from importlib import import_module

from .apps import PARTS

app_name = "supervision"

urlpatterns = [pattern for part in PARTS for pattern in import_module(f"supervision.{part}.urls").urlpatterns]
