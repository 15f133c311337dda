"""Pages of tendering and qualifications (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("qualifications/", views.qualification_list, name="qualification-list"),
    path("qualifications/export/", views.qualification_export, name="qualification-export"),
    path("qualifications/new/", views.qualification_create, name="qualification-create"),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="qualification-edit"),
    path("qualifications/expiring/", views.expiring_list, name="qualification-expiring"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/export/", views.certificate_export, name="certificate-export"),
    path("certificates/new/", views.certificate_create, name="certificate-create"),
    path("certificates/<int:pk>/edit/", views.certificate_edit, name="certificate-edit"),
    path("organizations/<int:pk>/qualifications/", views.organization_qualifications,
         name="organization-qualifications"),
    path("projects/<int:pk>/lots/", views.project_lots, name="project-lots"),
    path("projects/<int:pk>/lots/export/", views.project_lots_export, name="project-lots-export"),
    path("projects/<int:pk>/lots/new/", views.lot_create, name="lot-create"),
    path("lots/<int:pk>/", views.lot_detail, name="lot-detail"),
    path("lots/<int:pk>/edit/", views.lot_edit, name="lot-edit"),
    path("lots/<int:pk>/bids/new/", views.lot_bid_add, name="lot-bid-add"),
    path("lots/<int:pk>/award/", views.lot_award, name="lot-award"),
    path("lots/<int:pk>/cancel/", views.lot_cancel, name="lot-cancel"),
]
