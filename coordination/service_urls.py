"""Meetings, liaison officers, the service log and call-backs (namespace "coordination", under /coordination/)."""

from django.urls import path

from . import service_views as views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/export/", views.meeting_export, name="meeting-export"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting-minutes"),
    path("meetings/<int:pk>/minutes.pdf", views.meeting_minutes_pdf, name="meeting-minutes-pdf"),
    path("meetings/decisions/<int:pk>/issue/", views.decision_issue, name="decision-issue"),
    path("liaison/", views.liaison_home, name="liaison-home"),
    path("liaison/officers/", views.officer_list, name="officer-list"),
    path("service-log/", views.servicelog_list, name="servicelog-list"),
    path("service-log/export/", views.servicelog_export, name="servicelog-export"),
    path("service-log/new/", views.servicelog_create, name="servicelog-create"),
    path("callbacks/", views.callback_list, name="callback-list"),
    path("callbacks/draw/", views.callback_draw, name="callback-draw"),
    path("callbacks/export/", views.callback_export, name="callback-export"),
    path("callbacks/<int:pk>/", views.callback_record, name="callback-record"),
]
