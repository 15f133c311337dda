"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("<int:pk>/regions/", views.regions_tab, name="regions"),
    path("<int:pk>/regions/command/", views.command_edit, name="regions-command"),
    path("<int:pk>/regions/members/add/", views.member_add, name="regions-member-add"),
    path("<int:pk>/regions/members/<int:member_pk>/void/", views.member_void, name="regions-member-void"),
    path("<int:pk>/regions/items/add/", views.work_create, name="regions-item-add"),
    path("<int:pk>/regions/items/<int:item_pk>/edit/", views.work_edit, name="regions-item-edit"),
    path("<int:pk>/regions/items/<int:item_pk>/report/", views.work_report, name="regions-item-report"),
    path("<int:pk>/regions/items/<int:item_pk>/void/", views.work_void, name="regions-item-void"),
    path("<int:pk>/regions/items/<int:item_pk>/history/", views.work_history, name="regions-item-history"),
]
