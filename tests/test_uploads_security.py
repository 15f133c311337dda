"""Upload refusals at every door (issue 11, "Security checks"): a body larger than any upload is answered 413
before it is read (pages and API); a path-like file name is refused on a page as on the API, not quietly cut; the
content must be what the extension says (sniffed, with `filetype`); programs and scripts are refused whatever they
are called. The checks the apps already had (type, empty, size of a read file) are tested beside their apps."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from openpyxl import Workbook

from portal.core.errors import ApplicationError
from portal.core.uploads import max_request_bytes, validate_upload
from projects.gates.demo import demo_pdf
from projects.models import Project, ProjectDocument

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\0" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 40
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 120
PROGRAM = "The file is a program or a script; only documents and images are accepted."
NOT_A = "The content of the file is not a {} file."
PLAIN_NAME = "The file name must be a plain name, without folders."


def office_zip(main_part: str) -> bytes:
    """A minimal Office Open XML package whose main part is `main_part` (word/document.xml, xl/workbook.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main_part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(name: str, content: bytes) -> list[str]:
    with override("en"), pytest.raises(ApplicationError) as refused:
        validate_upload(upload(name, content))
    return refused.value.extra["file"]


# --------------------------------------------------------------------------------------------- content sniffing
@pytest.mark.parametrize(("name", "content"), [
    ("批复.pdf", PDF), ("现场.png", PNG), ("现场.jpg", JPEG), ("现场.jpeg", JPEG), ("报表.xlsx", None),
    ("合同.docx", office_zip("word/document.xml")),
], ids=["pdf", "png", "jpg", "jpeg", "xlsx", "docx"])
def test_real_documents_are_accepted(name, content):
    checked = validate_upload(upload(name, content if content is not None else xlsx()))
    assert checked.name == name and checked.size > 0 and len(checked.sha256) == 64


@pytest.mark.parametrize(("name", "content", "message"), [
    ("照片.jpg", PNG, NOT_A.format(".jpg")),
    ("照片.png", JPEG, NOT_A.format(".png")),
    ("报表.xlsx", office_zip("word/document.xml"), NOT_A.format(".xlsx")),  # a Word file renamed
    ("合同.docx", xlsx(), NOT_A.format(".docx")),  # a workbook renamed
    ("公文.ofd", office_zip("word/document.xml"), NOT_A.format(".ofd")),  # a zip, but not OFD
    ("批复.pdf", ELF, PROGRAM),
    ("合同.doc", PE, PROGRAM),
    ("批复.pdf", b"#!/bin/sh\nrm -rf /\n", PROGRAM),
    ("照片.jpg", b"<?php system($_GET['c']); ?>", PROGRAM),
    ("批复.pdf", b"\xef\xbb\xbf  <html><script>alert(1)</script></html>", PROGRAM),
    ("图.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", PROGRAM),
], ids=["png-as-jpg", "jpg-as-png", "docx-as-xlsx", "xlsx-as-docx", "zip-as-ofd", "elf", "pe", "shell",
        "php", "html", "svg"])
def test_content_that_is_not_what_the_name_says_or_a_program_is_refused(name, content, message):
    assert refusal(name, content) == [message]


# --------------------------------------------------------------------------------------------- pages and API
@pytest.fixture
def project() -> Project:
    return Project.objects.filter(owner__name="之江交通建设投资有限公司").order_by("pk").first()


@pytest.fixture
def owner_client(client_for):
    from portal.accounts.models import User

    client = client_for(User.objects.get(username="owner"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page_url(project) -> str:
    return f"/projects/{project.pk}/gates/documents/upload/"


def api_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/documents/"


def multipart(filename: str, content: bytes, **fields: str) -> tuple[bytes, str]:
    boundary = "securityboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\\\..\\\\boot.pdf", "/etc/cron.d/x.pdf",
                                  "合同\x00.pdf", "..", "folder/"],
                         ids=["dotdot", "backslash", "absolute", "nul", "parent", "folder"])
def test_a_path_like_name_is_refused_on_the_page_as_on_the_api(owner_client, project, name):
    body, content_type = multipart(name, demo_pdf("合同"), title="施工合同")

    page = owner_client.post(page_url(project), body, content_type=content_type)
    assert page.status_code == 400
    assert PLAIN_NAME in page.content.decode()
    api = owner_client.post(api_url(project), body, content_type=content_type)
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {"file": [PLAIN_NAME]}
    assert not ProjectDocument.objects.filter(project=project, title="施工合同").exists()


def test_a_path_like_name_is_refused_on_the_api_when_csrf_parses_the_body_first(project):
    """With session auth and a real CSRF check (a browser, the Swagger UI) Django parses the body before DRF, and
    DRF takes request.FILES as Django left it: the name as sent is still what validate_upload sees."""
    from django.test import Client

    from portal.accounts.models import User

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="owner"))
    client.get("/")  # the page sets the CSRF cookie
    body, content_type = multipart("../../etc/passwd.pdf", demo_pdf("合同"), title="施工合同")
    api = client.post(api_url(project), body, content_type=content_type,
                      HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {"file": [PLAIN_NAME]}
    assert not ProjectDocument.objects.filter(project=project, title="施工合同").exists()


def test_a_plain_name_still_uploads_through_the_same_parser(owner_client, project):
    body, content_type = multipart("施工合同.pdf", demo_pdf("合同"), title="施工合同")
    assert owner_client.post(page_url(project), body, content_type=content_type).status_code == 302
    document = ProjectDocument.objects.get(project=project, title="施工合同")
    assert document.original_name == "施工合同.pdf"


def test_a_program_is_refused_on_the_page_and_the_api(owner_client, project):
    body, content_type = multipart("合同.pdf", ELF, title="施工合同")
    assert PROGRAM in owner_client.post(page_url(project), body, content_type=content_type).content.decode()
    api = owner_client.post(api_url(project), body, content_type=content_type)
    assert api.json()["error"]["fields"] == {"file": [PROGRAM]}
    assert not ProjectDocument.objects.filter(project=project, title="施工合同").exists()


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


def claims(client, url: str, length: str | None, body=None, **extra):
    """A multipart POST whose Content-Length says `length` (None: none sent, as with a chunked body)."""
    meta = {"CONTENT_LENGTH": length if length is not None else "", "wsgi.input": body or Unreadable(),
            "CONTENT_TYPE": "multipart/form-data; boundary=securityboundary", **extra}
    return client.generic("POST", url, **meta)


def test_a_200_mb_upload_is_answered_413_on_a_page_without_reading_it(client_for, project):
    from portal.accounts.models import User

    before = ProjectDocument.objects.count()
    body = Unreadable()
    response = claims(client_for(User.objects.get(username="owner")), page_url(project), str(200 * MB), body)

    assert response.status_code == 413 and body.asked == 0
    html = response.content.decode()
    assert "上传内容为 200.0 MB；单个文件最大 20 MB。" in html and 'data-testid="error-home"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert ProjectDocument.objects.count() == before


def test_a_200_mb_upload_is_answered_413_in_json_on_the_api_without_reading_it(owner_client, project):
    body = Unreadable()
    response = claims(owner_client, api_url(project), str(200 * MB), body)

    assert response.status_code == 413 and body.asked == 0
    message = "The upload is 200.0 MB; a file may be at most 20 MB."
    assert response.json() == {"error": {"code": "too_large", "message": message, "fields": {"file": [message]}}}


def test_the_limit_follows_the_largest_upload_setting(owner_client, project, settings):
    settings.UPLOAD_MAX_BYTES = 2 * MB
    settings.APPROVALS_MAX_UPLOAD_BYTES = 5 * MB
    assert max_request_bytes() == 6 * MB  # the approvals' larger limit plus 1 MB of form
    assert claims(owner_client, api_url(project), str(6 * MB + 1)).status_code == 413
    # Just under the limit the body is read as usual (and this small one is refused for what it is).
    body, content_type = multipart("施工合同.pdf", b"", title="x")
    response = owner_client.post(api_url(project), body, content_type=content_type)
    assert response.status_code == 400


def test_a_body_without_content_length_is_not_read_at_all(owner_client, project):
    before = ProjectDocument.objects.count()
    body = Unreadable()
    response = claims(owner_client, page_url(project), None, body, HTTP_TRANSFER_ENCODING="chunked")

    assert body.asked == 0  # WSGI: Django reads no more than the declared length, here none
    assert response.status_code == 400  # the form again: no file arrived
    assert ProjectDocument.objects.count() == before
