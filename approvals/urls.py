from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.case_board, name="case-list"),
    path("mine/", views.my_cases, name="my-cases"),
    path("queue/", views.review_queue, name="queue"),
    path("statistics/", views.statistics, name="statistics"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/items/<int:pk>/edit/", views.catalogue_item_edit, name="catalogue-item-edit"),
    path("catalogue/items/<int:pk>/documents/new/", views.required_document_add, name="required-document-add"),
    path("new/", views.case_create, name="case-create"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/form/", views.case_update_form, name="case-form"),
    path("<int:pk>/documents/<int:document_pk>/upload/", views.document_upload, name="document-upload"),
    path("<int:pk>/permit/", views.permit_download, name="permit-download"),
    path("<int:pk>/moves/<slug:move>/", views.case_move, name="case-move"),
    path("<int:pk>/joint-reviews/", views.joint_review_schedule, name="joint-review-schedule"),
    path("joint-reviews/<int:pk>/minutes/", views.joint_review_minutes, name="joint-review-minutes"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/start/", views.review_start, name="review-start"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review-decide"),
    path("reviews/<int:pk>/resume/", views.review_resume, name="review-resume"),
]
