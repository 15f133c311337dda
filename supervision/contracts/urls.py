"""Pages of contracts (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/export/", views.contract_export, name="contract-export"),
    path("projects/<int:pk>/contracts/", views.project_contracts, name="project-contracts"),
    path("projects/<int:pk>/contracts/export/", views.project_contracts_export, name="project-contracts-export"),
    path("projects/<int:pk>/contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/complete/", views.contract_complete, name="contract-complete"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract-terminate"),
    path("contracts/<int:pk>/documents/", views.contract_document_add, name="contract-document-add"),
    path("contract-documents/<int:pk>/", views.contract_document, name="contract-document"),
]
