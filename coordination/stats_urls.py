"""The closure statistics of the issue list and their Excel export (namespace "coordination")."""

from django.urls import path

from . import stats_views

urlpatterns = [
    path("statistics/", stats_views.statistics, name="statistics"),
    path("statistics/export/", stats_views.statistics_export, name="statistics-export"),
]
