"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("<int:pk>/gates/", views.gates, name="gates"),
    path("<int:pk>/gates/documents/upload/", views.document_upload, name="gate-document-upload"),
    path("<int:pk>/gates/advance/", views.stage_advance, name="gate-advance"),
    path("<int:pk>/gates/requirements/<int:requirement_pk>/confirm/", views.confirmation_give, name="gate-confirm"),
    path("gates/documents/<int:pk>/download/", views.document_download, name="gate-document-download"),
    path("gates/documents/<int:pk>/void/", views.document_void, name="gate-document-void"),
    path("gates/confirmations/<int:pk>/void/", views.confirmation_void, name="gate-confirmation-void"),
    path("gates/requirements/", views.requirement_list, name="gate-requirements"),
    path("gates/requirements/new/", views.requirement_add, name="gate-requirement-add"),
    path("gates/requirements/<int:pk>/edit/", views.requirement_edit, name="gate-requirement-edit"),
    path("gates/requirements/<int:pk>/toggle/", views.requirement_toggle, name="gate-requirement-toggle"),
]
