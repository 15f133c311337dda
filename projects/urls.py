from django.urls import path

from . import views
from .bim import urls as bim
from .feasibility import urls as feasibility
from .gates import urls as gates
from .gis import urls as gis
from .progress import urls as progress
from .regions import urls as regions
from .risks import urls as risks
from .schedule import urls as schedule

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/history/", views.project_history, name="history"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/void/", views.project_void, name="void"),
    path("<int:pk>/participants/add/", views.participant_add, name="participant-add"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant-remove"),
    path("<int:pk>/liaison/", views.liaison_assign, name="liaison"),
    *gates.urlpatterns, *feasibility.urlpatterns, *risks.urlpatterns, *schedule.urlpatterns,
    *progress.urlpatterns, *regions.urlpatterns, *gis.urlpatterns, *bim.urlpatterns,
]
