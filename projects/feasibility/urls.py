"""Pages of this part, included in the `projects` URL namespace by projects/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/feasibility/", views.project_feasibility, name="feasibility"),
    path("<int:pk>/feasibility/new/", views.review_create, name="feasibility-review-create"),
    path("feasibility/reviews/<int:pk>/departments/", views.review_add_department,
         name="feasibility-review-add-department"),
    path("feasibility/reviews/<int:pk>/conclude/", views.review_conclude, name="feasibility-review-conclude"),
    path("feasibility/reviews/<int:pk>/void/", views.review_void, name="feasibility-review-void"),
    path("feasibility/opinions/", views.opinion_queue, name="feasibility-queue"),
    path("feasibility/opinions/<int:pk>/", views.opinion_detail, name="feasibility-opinion"),
    path("feasibility/opinions/<int:pk>/extend/", views.opinion_extend, name="feasibility-opinion-extend"),
]
