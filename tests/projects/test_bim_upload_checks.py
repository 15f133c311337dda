"""Checking an uploaded IFC model before it is stored (projects.bim.ifcfile, issue 15): .ifc and .ifczip of IFC2X3
and IFC4 pass with their header read; a renamed PDF or PNG, a damaged header, an unsupported schema (named), an
archive that is not one .ifc, a file over BIM_MAX_UPLOAD_BYTES are refused naming the field "file"; and the BIM
upload paths take bodies up to that limit, refused 413 above it before the body is read, while every other path
keeps the portal's own limit (pages, API, and the ASGI application)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override

from portal.asgi import _unread
from portal.core.errors import ApplicationError
from portal.core.uploads import MULTIPART_OVERHEAD_BYTES, RAW_NAME_ATTRIBUTE, max_request_bytes
from projects.bim.ifcfile import check_ifc, max_model_bytes
from projects.bim.samples import APPLICATION, build_ifc
from projects.models import BimModel, Project

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\0" * 40
HEADER = ("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');\n"
          "FILE_NAME('x.ifc','2026-01-01T00:00:00',(''),(''),'IfcOpenShell','Some \\X2\\5EFA7B51\\X0\\ CAD 3','');\n"
          "FILE_SCHEMA(('{schema}'));\nENDSEC;\nDATA;\n#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'P',$,$,$,$,$,$);\n"
          "ENDSEC;\nEND-ISO-10303-21;\n")
NOT_IFC = "The file is not an IFC model: it does not start with ISO-10303-21;."
DAMAGED = ("The header of the IFC file is damaged: it must name its schema (FILE_SCHEMA) and be followed by a DATA "
           "section.")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    """`content` uploaded as `name`, kept as the client sent it (as the portal's multipart parsers keep it)."""
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    setattr(file, RAW_NAME_ATTRIBUTE, name)
    return file


def refusal(name: str, content: bytes) -> list[str]:
    with override("en"), pytest.raises(ApplicationError) as refused:
        check_ifc(upload(name, content))
    return refused.value.extra["file"]


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_an_ifc_built_by_ifcopenshell_passes_with_its_header_read(tmp_path, schema):
    path = tmp_path / "楼.ifc"
    build_ifc(path, schema=schema)

    header = check_ifc(upload("主体结构.ifc", path.read_bytes()))

    assert (header.schema, header.application) == (schema, f"{APPLICATION[0]} {APPLICATION[1]}")
    assert header.description == "ViewDefinition [CoordinationView]"
    assert (header.name, header.extension, header.size) == ("主体结构.ifc", ".ifc", path.stat().st_size)
    assert len(header.sha256) == 64


def test_an_ifczip_holding_one_ifc_passes_and_the_step_strings_are_decoded():
    header = check_ifc(upload("model.IFCZIP", zipped(("model.ifc", HEADER.format(schema="IFC4").encode()))))

    assert (header.schema, header.extension) == ("IFC4", ".ifczip")
    assert header.application == "Some 建筑 CAD 3"  # \X2\ (UTF-16) decoded; the originating system first


def test_a_bom_and_blank_lines_before_the_magic_are_accepted():
    content = b"\xef\xbb\xbf\r\n" + HEADER.format(schema="IFC2X3").encode()
    assert check_ifc(upload("a.ifc", content)).schema == "IFC2X3"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("图纸.pdf", PDF, "Only IFC models (.ifc or .ifczip files) are accepted."),
    ("模型.ifc", PDF, NOT_IFC),
    ("模型.ifc", PNG, NOT_IFC),
    ("模型.ifc", b"#!/bin/sh\nrm -rf /\n", NOT_IFC),
    ("模型.ifc", b"ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\n", DAMAGED),  # cut inside its header
    ("模型.ifc", HEADER.format(schema="IFC4").encode().replace(b"DATA;", b"DAT"), DAMAGED),
    ("模型.ifc", HEADER.format(schema="IFC4").encode().replace(b"FILE_SCHEMA(('IFC4'));", b""), DAMAGED),
    ("模型.ifc", HEADER.format(schema="IFC4").encode().replace(b"(('IFC4'))", b"(('IFC4'"), DAMAGED),
    ("模型.ifc", HEADER.format(schema="IFC4X3_ADD2").encode(),
     "The model is in the IFC4X3_ADD2 schema; only IFC2X3 and IFC4 models can be read."),
    ("模型.ifc", HEADER.format(schema="IFC2X2_FINAL").encode(),
     "The model is in the IFC2X2_FINAL schema; only IFC2X3 and IFC4 models can be read."),
    ("模型.ifczip", PNG, "The .ifczip file is not a readable zip archive."),
    ("模型.ifczip", zipped(("a.ifc", b"x"), ("b.ifc", b"y")),
     "An .ifczip file must hold exactly one .ifc file; this one holds 2 files."),
    ("模型.ifczip", zipped(("readme.txt", b"x")), "An .ifczip file must hold exactly one .ifc file; this one holds 1 "
                                                 "files."),
    ("模型.ifczip", zipped(("a.ifc", PDF)), NOT_IFC),
    ("模型.ifc", b"", "The file is empty."),
    ("../模型.ifc", HEADER.format(schema="IFC4").encode(), "The file name must be a plain name, without folders."),
], ids=["pdf", "pdf-renamed", "png-renamed", "script", "cut-header", "no-data", "no-schema", "unclosed",
        "ifc4x3", "ifc2x2", "zip-png", "zip-two", "zip-none", "zip-pdf", "empty", "path"])
def test_what_is_not_an_ifc_model_we_read_is_refused_with_the_reason(name, content, message):
    assert refusal(name, content) == [message]


def test_a_file_over_the_limit_is_refused_before_it_is_read(settings):
    settings.BIM_MAX_UPLOAD_BYTES = 1 * MB
    assert max_model_bytes() == MB
    content = HEADER.format(schema="IFC4").encode() + b"/*" + b" " * MB + b"*/"

    assert refusal("模型.ifc", content) == [f"The file is {len(content) / MB:.1f} MB; at most 1 MB is accepted."]


def test_an_ifczip_whose_model_unpacks_over_the_limit_is_refused(settings):
    settings.BIM_MAX_UPLOAD_BYTES = 1 * MB
    bomb = zipped(("model.ifc", HEADER.format(schema="IFC4").encode() + b" " * (3 * MB)))
    assert len(bomb) < MB

    assert refusal("模型.ifczip", bomb) == ["The model inside the .ifczip file is 3.0 MB; at most 1 MB is accepted."]


def test_the_default_limit_is_500_mb():
    assert max_model_bytes() == 500 * MB


# --------------------------------------------------------------------------------------------- 413 before reading
class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it, counting what was asked."""

    def __init__(self):
        self.asked = 0

    def readable(self):
        return True

    def read(self, size=-1):
        self.asked += 1
        raise AssertionError("the body was read")

    readline = read
    readinto = read


class Empty(io.RawIOBase):
    """A body that says it is `length` long and holds nothing: what a server hands on when it is read."""

    def __init__(self):
        self.asked = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.asked += 1
        return 0


@pytest.fixture
def project() -> Project:
    return Project.objects.filter(owner__name="之江交通建设投资有限公司").order_by("pk").first()


@pytest.fixture
def owner_client(client_for):
    from portal.accounts.models import User

    client = client_for(User.objects.get(username="owner"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def claims(client, url: str, length: int, body):
    return client.generic("POST", url, **{"CONTENT_LENGTH": str(length), "wsgi.input": body,
                                          "CONTENT_TYPE": "multipart/form-data; boundary=bimboundary"})


def bim_paths(project) -> list[str]:
    return [f"/projects/{project.pk}/bim/upload/", f"/api/v1/projects/{project.pk}/bim-models/"]


def test_the_bim_upload_paths_take_a_model_of_the_bim_limit_and_other_paths_keep_theirs(owner_client, project):
    documents = f"/api/v1/projects/{project.pk}/documents/"
    assert max_request_bytes(documents) == max_request_bytes() == 20 * MB + MULTIPART_OVERHEAD_BYTES
    for path in bim_paths(project):
        assert max_request_bytes(path) == 500 * MB + MULTIPART_OVERHEAD_BYTES

    # 200 MB: too large for a document, refused unread; let through on the BIM paths (this empty body is then
    # refused for what it is, not for its size)
    body = Unreadable()
    assert claims(owner_client, documents, 200 * MB, body).status_code == 413 and body.asked == 0
    for path in bim_paths(project):
        response = claims(owner_client, path, 200 * MB, Empty())
        assert response.status_code != 413


def test_a_model_over_the_bim_limit_is_answered_413_before_it_is_read(owner_client, project, settings):
    settings.BIM_MAX_UPLOAD_BYTES = 2 * MB
    before = BimModel.objects.count()
    page, api = bim_paths(project)

    body = Unreadable()
    response = claims(owner_client, api, 3 * MB + 1, body)
    assert response.status_code == 413 and body.asked == 0
    message = "The upload is 3.0 MB; a file may be at most 2 MB."
    assert response.json() == {"error": {"code": "too_large", "message": message, "fields": {"file": [message]}}}

    body = Unreadable()
    response = claims(owner_client, page, 3 * MB + 1, body)
    assert response.status_code == 413 and body.asked == 0
    assert message in response.content.decode("utf-8")
    assert BimModel.objects.count() == before
    # a document of 3 MB is still within the portal's own limit: read as usual
    response = claims(owner_client, f"/api/v1/projects/{project.pk}/documents/", 3 * MB + 1, Empty())
    assert response.status_code != 413


def test_the_asgi_application_leaves_a_large_model_unread_only_above_the_bim_limit(project, settings):
    def scope(path: str, length: int) -> dict:
        return {"type": "http", "method": "POST", "path": path,
                "headers": [(b"content-type", b"multipart/form-data; boundary=x"),
                            (b"content-length", str(length).encode())]}

    page, api = bim_paths(project)
    documents = f"/api/v1/projects/{project.pk}/documents/"
    assert _unread(scope(documents, 200 * MB))
    assert not _unread(scope(page, 200 * MB)) and not _unread(scope(api, 200 * MB))
    assert _unread(scope(api, 502 * MB))
    settings.BIM_MAX_UPLOAD_BYTES = 100 * MB
    assert _unread(scope(api, 200 * MB))
