"""Checking an uploaded document before it is stored, for every app that takes files (approval cases, project
documents): a plain file name, an allowed type whose content really is that type (sniffed from its first bytes,
with the `filetype` package beside our own signatures), never a program or a script, a size limit; and its SHA-256.
Files are stored under MEDIA_ROOT (outside the web root) with a generated name, and served only through a
permission-checked view (`file_response`).

A request whose body is larger than any upload could be is answered 413 before it is read
(portal.core.middleware.RequestSizeLimitMiddleware, with `max_request_bytes`); the paths an app declared a limit
of their own for (plugins' `upload_limits`: a BIM model's upload) are held to that limit instead. Browsers' and clients' path-like file
names ("../../x.pdf") are kept as sent (`raw_name_of`) by the parsers below, so they are refused, not quietly cut."""

import hashlib
import html
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import ImmutableList
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

from .errors import ApplicationError

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What a multipart body may hold beyond its largest file: boundaries, part headers and the form's other fields.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024
SNIFF_BYTES = 8192  # what `filetype` looks at
RAW_NAME_ATTRIBUTE = "portal_raw_name"

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
# The part a zip-based document must contain to be what its extension says (a .docx renamed .xlsx is refused).
ZIP_MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".ofd": "OFD.xml"}
# What `filetype` may call each allowed extension's content; anything else it recognises is a mismatch.
SNIFFED_AS = {".pdf": {"pdf"}, ".jpg": {"jpg"}, ".jpeg": {"jpg"}, ".png": {"png", "apng"}, ".ofd": {"zip"},
              ".docx": {"docx", "zip"}, ".xlsx": {"xlsx", "zip"}, ".doc": {"doc"}, ".xls": {"xls"}}
# Programs, whatever their name: Windows PE, ELF, Mach-O, WebAssembly, Flash, browser extensions, packages.
EXECUTABLE_KINDS = {"exe", "elf", "wasm", "swf", "crx", "deb", "rpm"}
MACH_O = (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe")
# Scripts and active markup: a shebang, PHP, HTML/SVG (run by a browser that opens the file), batch files.
SCRIPT_STARTS = (b"#!", b"<?php", b"<?=", b"<script", b"<html", b"<!doctype html", b"<svg", b"@echo off")


def max_upload_bytes() -> int:
    """The size limit of an upload (setting UPLOAD_MAX_BYTES, 20 MB by default). Read at call time, so a test
    or a deployment may change it."""
    return getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def path_upload_limit(path: str | None) -> int | None:
    """The largest file the page or API operation at `path` takes when an app declared a limit of its own for it
    (portal.core.plugins `upload_limits`, e.g. a BIM model's upload), else None."""
    if not path:
        return None
    from . import plugins  # the declarations are read once the apps are loaded

    for pattern, limit in plugins.upload_limits():
        if re.match(pattern, path):
            return limit()
    return None


def max_request_bytes(path: str | None = None) -> int:
    """The largest multipart body worth reading: the largest file any upload accepts (the portal's limit or the
    approvals' own) plus the form around it — or, on a path with a limit of its own (`path_upload_limit`), that
    limit plus the form. A larger body is refused 413 before it is read."""
    own = path_upload_limit(path)
    if own is not None:
        return own + MULTIPART_OVERHEAD_BYTES
    largest = max(max_upload_bytes(), getattr(settings, "APPROVALS_MAX_UPLOAD_BYTES", None) or 0)
    return largest + MULTIPART_OVERHEAD_BYTES


def raw_name_of(upload: UploadedFile) -> str:
    """The file name as the client sent it (Django cuts "../../x.pdf" to "x.pdf" before anyone sees it)."""
    return getattr(upload, RAW_NAME_ATTRIBUTE, None) or upload.name or ""


def is_program(head: bytes) -> bool:
    """Whether these first bytes are a program or a script (refused whatever the file is called)."""
    kind = filetype.guess(head)
    if kind is not None and kind.extension in EXECUTABLE_KINDS:
        return True
    if head.startswith(MACH_O):
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(SCRIPT_STARTS)


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    content: UploadedFile


def refuse(message: str) -> ApplicationError:
    """The error of a refused upload: `message` on the field "file"."""
    return ApplicationError(message, {"file": [message]})


def plain_name(upload: UploadedFile | None) -> tuple[str, str]:
    """(name, lower-case extension) of an upload whose name is a plain file name of 1–150 characters, or the
    ApplicationError naming the field "file"."""
    if upload is None:
        raise refuse(_("Choose a file to upload."))
    raw_name = raw_name_of(upload)
    if any(c in raw_name for c in ("/", "\\", "\x00")) or raw_name in (".", "..") or raw_name.startswith("."):
        raise refuse(_("The file name must be a plain name, without folders."))
    name = PurePosixPath(raw_name).name.strip()
    if not name or len(name) > 150:
        raise refuse(_("The file name must be between 1 and 150 characters."))
    return name, PurePosixPath(name).suffix.lower()


def check_size(upload: UploadedFile, limit: int) -> None:
    """Refuses an empty upload and one larger than `limit` bytes (ApplicationError on the field "file")."""
    if not upload.size:
        raise refuse(_("The file is empty."))
    if upload.size > limit:
        raise refuse(_("The file is %(size)s MB; at most %(limit)s MB is accepted.") % {
            "size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"})


def sha256_of(upload: UploadedFile) -> str:
    """The SHA-256 of the whole upload, read in chunks; the upload is left at its start."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def validate_upload(upload: UploadedFile | None, *, max_bytes: int | None = None) -> CheckedUpload:
    """The checked upload, or ApplicationError naming the field "file". `max_bytes` overrides the default
    limit (an app with its own setting)."""
    name, extension = plain_name(upload)
    assert upload is not None  # plain_name refused a missing one
    if extension not in ALLOWED_TYPES:
        raise refuse(_("Files of type “%(ext)s” are not accepted. Accepted: %(allowed)s.") % {
            "ext": extension or _("no extension"), "allowed": " ".join(sorted(ALLOWED_TYPES))})
    check_size(upload, max_bytes if max_bytes is not None else max_upload_bytes())
    content_type, signatures = ALLOWED_TYPES[extension]
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    if is_program(head):
        raise refuse(_("The file is a program or a script; only documents and images are accepted."))
    mismatch = _("The content of the file is not a %(ext)s file.") % {"ext": extension}
    if not any(head.startswith(sig) for sig in signatures):
        raise refuse(mismatch)
    kind = filetype.guess(head)
    if kind is not None and kind.extension not in SNIFFED_AS[extension]:
        raise refuse(mismatch)
    if extension in ZIP_MAIN_PART:
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise refuse(mismatch) from None
        if ZIP_MAIN_PART[extension] not in names or (extension != ".ofd" and "[Content_Types].xml" not in names):
            raise refuse(mismatch)
    return CheckedUpload(name=name, extension=extension, content_type=content_type, size=upload.size,
                         sha256=sha256_of(upload), content=upload)


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
    """Django's parser, keeping each file name it had to cut down (folders, "..", control characters): listed in
    `cut_names` and kept on the file itself (`raw_name_of`). A name Django would drop with its file ("..", "a/")
    becomes "upload", so the file still arrives and is refused for its name rather than reported missing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cut_names: list[str] = []
        self._raw_name: str | None = None

    def sanitize_file_name(self, file_name):
        name = super().sanitize_file_name(file_name)
        raw = html.unescape(file_name)
        self._raw_name = None
        if name != raw:
            self.cut_names.append(file_name)
            self._raw_name = raw
            return name or "upload"
        return name

    def handle_file_complete(self, old_field_name, counters):
        # Called for a file when the next part starts, before that part's name is sanitised.
        super().handle_file_complete(old_field_name, counters)
        if self._raw_name is not None:
            files = self._files.getlist(force_str(old_field_name, self._encoding, errors="replace"))
            if files:
                setattr(files[-1], RAW_NAME_ATTRIBUTE, self._raw_name)
            self._raw_name = None


def keep_raw_file_names(request: HttpRequest) -> None:
    """Makes the page request parse its multipart body with the parser above, so a form's file keeps the name
    the browser sent and `validate_upload` refuses a path-like one (installed by RequestSizeLimitMiddleware).
    Django has no setting for the parser class; the request's own `parse_file_upload` is the documented seam
    it calls, with the same arguments."""

    def parse_file_upload(META, post_data):  # noqa: N803  (Django's argument name)
        request.upload_handlers = ImmutableList(request.upload_handlers, warning="Upload already processed.")
        return _PlainNameDjangoParser(META, post_data, request.upload_handlers, request.encoding).parse()

    request.parse_file_upload = parse_file_upload  # type: ignore[method-assign]


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
