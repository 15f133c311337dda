"""Checking an uploaded IFC model before it is stored: a plain file name, `.ifc` or `.ifczip`, no larger than
BIM_MAX_UPLOAD_BYTES, and content that really is an IFC model of a schema we read (IFC2X3 or IFC4), seen from its
STEP header — the file starts with `ISO-10303-21;`, has a HEADER section naming its FILE_SCHEMA and a DATA section
after it. An `.ifczip` is a zip archive holding exactly one `.ifc` file, whose declared size is within the limit
too (no zip bombs), and which passes the same checks. Only the beginning of the file is read here; a file cut
short further on is found out by the reading (projects.bim.reading), which then marks the model failed.

Oversized bodies on the BIM upload paths are refused 413 before they are read (the projects plugin declares
`max_model_bytes` as their limit: portal.core.plugins.upload_limits)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from portal.core.uploads import check_size, plain_name, refuse, sha256_of

DEFAULT_MAX_MODEL_BYTES = 500 * 1024 * 1024
EXTENSIONS = (".ifc", ".ifczip")
SCHEMAS = ("IFC2X3", "IFC4")
STEP_MAGIC = b"ISO-10303-21;"
STEP_END = b"END-ISO-10303-21;"
HEAD_BYTES = 64 * 1024  # a STEP header is a few hundred bytes; exporters' comments may add some


def max_model_bytes() -> int:
    """The largest IFC model accepted (setting BIM_MAX_UPLOAD_BYTES, 500 MB by default), read at call time."""
    return getattr(settings, "BIM_MAX_UPLOAD_BYTES", DEFAULT_MAX_MODEL_BYTES)


@dataclass(frozen=True)
class IfcHeader:
    """What the header of a checked upload says, and the upload's plain name, size and SHA-256."""

    schema: str
    application: str
    description: str
    name: str
    extension: str
    size: int
    sha256: str


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}"


def check_ifc(upload: UploadedFile | None) -> IfcHeader:
    """The header of an uploaded IFC model, or ApplicationError naming the field "file" with the reason."""
    name, extension = plain_name(upload)
    assert upload is not None  # plain_name refused a missing one
    if extension not in EXTENSIONS:
        raise refuse(_("Only IFC models (.ifc or .ifczip files) are accepted."))
    limit = max_model_bytes()
    check_size(upload, limit)
    upload.seek(0)
    head = _zipped_head(upload, limit) if extension == ".ifczip" else upload.read(HEAD_BYTES)
    header = read_header(head)
    return IfcHeader(schema=header["schema"], application=header["application"],
                     description=header["description"], name=name, extension=extension, size=upload.size,
                     sha256=sha256_of(upload))


def zipped_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one .ifc file of an .ifczip archive, or ApplicationError."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    models = [info for info in members if info.filename.lower().endswith(".ifc")]
    if len(models) != 1 or len(members) != 1:
        raise refuse(_("An .ifczip file must hold exactly one .ifc file; this one holds %(count)s files.")
                      % {"count": len(members)})
    return models[0]


def _zipped_head(upload: IO[bytes], limit: int) -> bytes:
    try:
        with zipfile.ZipFile(upload) as archive:
            member = zipped_member(archive)
            if member.file_size > limit:
                raise refuse(_("The model inside the .ifczip file is %(size)s MB; at most %(limit)s MB is "
                                "accepted.") % {"size": _megabytes(member.file_size),
                                                "limit": f"{limit / 1048576:g}"})
            with archive.open(member) as inner:
                return inner.read(HEAD_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise refuse(_("The .ifczip file is not a readable zip archive.")) from None


# ------------------------------------------------------------------------------------------------- STEP header
_FUNCTION = re.compile(rb"\b(FILE_DESCRIPTION|FILE_NAME|FILE_SCHEMA)\s*\(", re.IGNORECASE)


def read_header(head: bytes) -> dict[str, str]:
    """{"schema", "application", "description"} from the first bytes of a STEP file, or ApplicationError: not a
    STEP file, a damaged header, or a schema other than IFC2X3 and IFC4 (named in the message)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(STEP_MAGIC):
        raise refuse(_("The file is not an IFC model: it does not start with ISO-10303-21;."))
    damaged = _("The header of the IFC file is damaged: it must name its schema (FILE_SCHEMA) and be followed by "
                "a DATA section.")
    start = text.find(b"HEADER;")
    end = text.find(b"ENDSEC;", start)
    if start < 0 or end < 0 or b"DATA;" not in text[end:end + 1024]:
        raise refuse(damaged)
    arguments = {}
    section = text[start + len(b"HEADER;"):end]
    for match in _FUNCTION.finditer(section):
        try:
            arguments[match.group(1).upper().decode()] = _arguments(section, match.end())
        except ValueError:
            raise refuse(damaged) from None
    schemas = arguments.get("FILE_SCHEMA") or []
    if not schemas or not isinstance(schemas[0], list) or not schemas[0]:
        raise refuse(damaged)
    schema = str(schemas[0][0]).strip().upper()
    if schema not in SCHEMAS:
        raise refuse(_("The model is in the %(schema)s schema; only IFC2X3 and IFC4 models can be read.")
                      % {"schema": schema[:40] or "?"})
    name = arguments.get("FILE_NAME") or []
    # FILE_NAME(name, time_stamp, (author), (organization), preprocessor_version, originating_system, authorization)
    application = next((str(value) for value in (name[5:6] + name[4:5]) if isinstance(value, str) and value), "")
    description = arguments.get("FILE_DESCRIPTION") or []
    described = description[0] if description and isinstance(description[0], list) else []
    return {"schema": schema, "application": application[:200],
            "description": " ".join(str(d) for d in described if isinstance(d, str))[:500]}


def _arguments(text: bytes, position: int) -> list:
    """The parsed argument list of a STEP header function whose "(" ends just before `position`: strings, lists,
    and anything else as its raw text. ValueError if the list is not closed."""
    stack: list[list] = [[]]
    index = position
    while index < len(text):
        char = text[index:index + 1]
        if char == b"'":
            end = index + 1
            while True:
                end = text.find(b"'", end)
                if end < 0:
                    raise ValueError("unclosed string")
                if text[end + 1:end + 2] == b"'":
                    end += 2
                    continue
                break
            stack[-1].append(decode_step_string(text[index + 1:end].replace(b"''", b"'")))
            index = end + 1
            continue
        if char == b"(":
            stack.append([])
        elif char == b")":
            done = stack.pop()
            if not stack:
                return done
            stack[-1].append(done)
        elif char not in (b",", b" ", b"\t", b"\r", b"\n"):
            end = index
            while end < len(text) and text[end:end + 1] not in (b",", b")", b"(", b"'"):
                end += 1
            stack[-1].append(text[index:end].strip().decode("latin-1"))
            index = end
            continue
        index += 1
    raise ValueError("unclosed argument list")


_ENCODED = re.compile(rb"\\X2\\((?:[0-9A-Fa-f]{4})+)\\X0\\|\\X4\\((?:[0-9A-Fa-f]{8})+)\\X0\\|\\X\\([0-9A-Fa-f]{2})"
                      rb"|\\S\\(.)", re.DOTALL)


def decode_step_string(raw: bytes) -> str:
    r"""A STEP string's text: \X2\…\X0\ (UTF-16), \X4\…\X0\ (UTF-32), \X\hh (ISO 8859-1) and \S\c decoded; other
    bytes read as UTF-8 (what exporters write), or ISO 8859-1 if they are not."""

    def decoded(match: re.Match) -> bytes:
        if match.group(1):
            return bytes.fromhex(match.group(1).decode()).decode("utf-16-be", "replace").encode()
        if match.group(2):
            return bytes.fromhex(match.group(2).decode()).decode("utf-32-be", "replace").encode()
        if match.group(3):
            return bytes.fromhex(match.group(3).decode()).decode("latin-1").encode()
        return bytes([match.group(4)[0] + 128]).decode("latin-1").encode()

    text = _ENCODED.sub(decoded, raw)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return text.decode("latin-1")
