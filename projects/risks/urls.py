"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/risks/", views.project_risks, name="risks"),
    path("<int:pk>/risks/new/", views.risk_create, name="risk-create"),
    path("risks/", views.risk_overview, name="risk-overview"),
    path("risks/<int:pk>/", views.risk_detail, name="risk-detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk-edit"),
    path("risks/<int:pk>/close/", views.risk_close, name="risk-close"),
    path("risks/<int:pk>/reopen/", views.risk_reopen, name="risk-reopen"),
    path("risks/<int:pk>/void/", views.risk_void, name="risk-void"),
]
