"""The public permit verification page (no login): see approvals/verify.py."""

from django.urls import path

from . import verify

app_name = "verify"

urlpatterns = [
    path("", verify.verify_index, name="index"),
    path("<str:code>/", verify.permit_verify, name="permit"),
]
