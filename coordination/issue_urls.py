"""The issue-list pages (namespace "coordination"): the board, a department's queue, a company's issues, raising
one, one issue with its moves and attachments, and a project's issues tab."""

from django.urls import path

from . import views

urlpatterns = [
    path("issues/", views.board, name="board"),
    path("issues/export/", views.board_export, name="board-export"),
    path("issues/queue/", views.queue, name="queue"),
    path("issues/queue/export/", views.queue_export, name="queue-export"),
    path("issues/mine/", views.my_issues, name="my-issues"),
    path("issues/mine/export/", views.my_issues_export, name="my-issues-export"),
    path("issues/new/", views.issue_create, name="issue-create"),
    path("issues/<int:pk>/", views.issue_detail, name="issue-detail"),
    path("issues/<int:pk>/moves/<slug:move>/", views.issue_move, name="issue-move"),
    path("issues/<int:pk>/deadline/", views.issue_reschedule, name="issue-reschedule"),
    path("issues/<int:pk>/attachments/new/", views.attachment_add, name="issue-attachment-add"),
    path("issues/attachments/<int:pk>/", views.attachment_download, name="issue-attachment"),
    path("projects/<int:pk>/issues/", views.project_issues, name="project-issues"),
]
