"""Checking an uploaded document before it is stored, for every app that takes files (approval cases, project
documents): a plain file name, an allowed type whose content really is that type, a size limit; and its SHA-256.
Files are stored under MEDIA_ROOT (outside the web root) with a generated name, and served only through a
permission-checked view (`file_response`)."""

import hashlib
import html
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

from .errors import ApplicationError

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# extension → (MIME type, the bytes the content must start with)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
}


def max_upload_bytes() -> int:
    """The size limit of an upload (setting UPLOAD_MAX_BYTES, 20 MB by default). Read at call time, so a test
    or a deployment may change it."""
    return getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    content: UploadedFile


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, {"file": [message]})


def validate_upload(upload: UploadedFile | None, *, max_bytes: int | None = None) -> CheckedUpload:
    """The checked upload, or ApplicationError naming the field "file". `max_bytes` overrides the default
    limit (an app with its own setting)."""
    if upload is None:
        raise _refuse(_("Choose a file to upload."))
    raw_name = upload.name or ""
    if any(c in raw_name for c in ("/", "\\", "\x00")) or raw_name in (".", "..") or raw_name.startswith("."):
        raise _refuse(_("The file name must be a plain name, without folders."))
    name = PurePosixPath(raw_name).name.strip()
    if not name or len(name) > 150:
        raise _refuse(_("The file name must be between 1 and 150 characters."))
    extension = PurePosixPath(name).suffix.lower()
    if extension not in ALLOWED_TYPES:
        raise _refuse(_("Files of type “%(ext)s” are not accepted. Accepted: %(allowed)s.") % {
            "ext": extension or _("no extension"), "allowed": " ".join(sorted(ALLOWED_TYPES))})
    if upload.size == 0:
        raise _refuse(_("The file is empty."))
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    if upload.size > limit:
        raise _refuse(_("The file is %(size)s MB; at most %(limit)s MB is accepted.") % {
            "size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"})
    content_type, signatures = ALLOWED_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(sig) for sig in signatures):
        raise _refuse(_("The content of the file is not a %(ext)s file.") % {"ext": extension})
    if signatures[0] == b"PK\x03\x04" and extension != ".ofd":
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                if "[Content_Types].xml" not in archive.namelist():
                    raise _refuse(_("The content of the file is not a %(ext)s file.") % {"ext": extension})
        except zipfile.BadZipFile:
            raise _refuse(_("The content of the file is not a %(ext)s file.") % {"ext": extension}) from None
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name=name, extension=extension, content_type=content_type, size=upload.size,
                         sha256=digest.hexdigest(), content=upload)


def storage_name(owner_id: int, checked: CheckedUpload) -> str:
    """A generated name under the owning object's id: nothing the uploader chose reaches the file system."""
    return f"{owner_id}/{uuid.uuid4().hex}{checked.extension}"


def file_response(field, name: str, content_type: str) -> FileResponse:
    """A stored file as a download under its original name. The caller has checked that the user may see it."""
    if not field:
        raise Http404("No file.")
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


# --------------------------------------------------------------------------------------------- API parsing
class _PlainNameDjangoParser(DjangoMultiPartParser):
    """Django's parser, noting each file name it had to cut down (folders, "..", control characters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cut_names: list[str] = []

    def sanitize_file_name(self, file_name):
        name = super().sanitize_file_name(file_name)
        if name != html.unescape(file_name):
            self.cut_names.append(file_name)
        return name


class PlainNameMultiPartParser(parsers.MultiPartParser):
    """DRF multipart, but a path-like file name ("../../etc/passwd.pdf") is refused instead of being quietly cut
    to its last part, as Django does before any of our checks could see it. Used where the file field is `file`."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        parser = _PlainNameDjangoParser(meta, stream, request.upload_handlers, parsers.get_encoding(parser_context))
        try:
            data, files = parser.parse()
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc
        if parser.cut_names:
            for upload in files.values():
                upload.close()
            raise serializers.ValidationError({"file": [_("The file name must be a plain name, without folders.")]})
        return parsers.DataAndFiles(data, files)
