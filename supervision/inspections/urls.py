"""Pages of this part (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("projects/<int:pk>/inspections/", views.project_inspections, name="project-inspections"),
    path("projects/<int:pk>/inspections/deliveries/", views.project_deliveries, name="inspection-deliveries"),
    path("projects/<int:pk>/inspections/deliveries/new/", views.delivery_create, name="inspection-delivery-create"),
    path("projects/<int:pk>/inspections/plans/new/", views.plan_create, name="inspection-plan-create"),
    path("inspections/plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("inspections/plans/<int:pk>/samples/new/", views.sample_create, name="inspection-sample-create"),
    path("inspections/samples/<int:pk>/", views.sample_detail, name="sample-detail"),
    path("inspections/samples/<int:pk>/assign/", views.sample_assign, name="inspection-sample-assign"),
    path("inspections/samples/<int:pk>/result/", views.sample_result, name="inspection-sample-result"),
    path("inspections/rectifications/", views.rectification_list, name="inspection-rectifications"),
    path("inspections/rectifications/<int:pk>/", views.rectification_detail, name="rectification-detail"),
    path("inspections/rectifications/<int:pk>/<str:move>/", views.rectification_move,
         name="inspection-rectification-move"),
    path("inspections/board/", views.board, name="inspection-board"),
    path("inspections/agency/", views.agency_samples, name="inspection-agency-samples"),
]
