"""Checking an uploaded document of an approval case before it is stored. The checks are shared with every app
that takes files (`portal.core.uploads`); this module keeps the approvals' own size setting
(APPROVALS_MAX_UPLOAD_BYTES) and its public names."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from portal.core import uploads
from portal.core.uploads import ALLOWED_TYPES, CheckedUpload, storage_name

__all__ = ["ALLOWED_TYPES", "CheckedUpload", "max_upload_bytes", "storage_name", "validate_upload"]


def max_upload_bytes() -> int:
    return getattr(settings, "APPROVALS_MAX_UPLOAD_BYTES", uploads.max_upload_bytes())


def validate_upload(upload: UploadedFile | None) -> CheckedUpload:
    return uploads.validate_upload(upload, max_bytes=max_upload_bytes())
