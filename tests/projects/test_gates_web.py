"""The stage gates through the pages and the API: who sees and does what (another organisation gets 404, the
owner uploads but does not advance, a leader only reads), the move through the button and the endpoint, bad
input, downloads, the checklist configuration page, and query counts that do not grow with the rows.

Each test builds its own project of 之江交通建设投资有限公司 (user `owner`, 钱立群); 华东路桥 (`contractor`) is added
as a participant that is not the owner; 浙中建工 (`other_contractor`) takes no part. Pages are read in English."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from projects.gates import services
from projects.gates.demo import demo_pdf
from projects.models import (
    GateConfirmation,
    GateRequirement,
    Project,
    ProjectDocument,
    ScheduleTask,
    Stage,
    StageTransition,
)
from projects.services import participant_add, project_create

pytestmark = pytest.mark.django_db

ZHIJIANG = "之江交通建设投资有限公司"
JSON = "application/json"
POINT = {"type": "Point", "coordinates": [120.15, 30.28]}
_codes = iter(range(800000, 899999))


@pytest.fixture
def web(client_for):
    """web(user) → a logged-in client that asks for English."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


@pytest.fixture
def project(contractor_org) -> Project:
    """In preparation; its checklist: a contract document, the location, the drawings confirmed."""
    staff = User.objects.get(username="staff")
    p = project_create(
        actor=staff, code=f"2025-330100-48-01-{next(_codes):06d}", name="闸口页面测试项目", project_type="transport",
        level="provincial", stage=Stage.PREPARATION, total_investment=Decimal("1000000000"),
        owner=Organization.objects.get(name=ZHIJIANG), liaison_officer=User.objects.get(username="liaison"),
    )
    participant_add(actor=staff, project=p, organization=contractor_org, role="contractor", lot="一标段")
    GateRequirement.objects.filter(stage=Stage.PREPARATION).update(active=False)
    for i, (kind, title, condition) in enumerate([("document", "施工合同", ""), ("condition", "项目位置已标注", "location"),
                                                  ("confirmation", "施工图审查合格", "")]):
        GateRequirement.objects.create(stage=Stage.PREPARATION, kind=kind, title=title, condition=condition, order=i)
    return p


def line(title) -> GateRequirement:
    return GateRequirement.objects.get(title=title, active=True)


def pdf(name="施工合同.pdf", content=None):
    return SimpleUploadedFile(name, content if content is not None else demo_pdf(name), content_type="application/pdf")


def fulfil(project, owner):
    """Every line of the fixture's checklist met."""
    services.document_upload(actor=owner, project=project, requirement=line("施工合同"), upload=pdf())
    Project.objects.filter(pk=project.pk).update(location=POINT)
    services.confirmation_give(actor=User.objects.get(username="staff"), project=project,
                               requirement=line("施工图审查合格"))


def gates_url(project):
    return f"/projects/{project.pk}/gates/"


def api_url(project, rest="gate/"):
    return f"/api/v1/projects/{project.pk}/{rest}"


def error(response, status=400):
    assert response.status_code == status, response.content[:500]
    return response.json()["error"]


# ------------------------------------------------------------------------------------------------ the page
def test_the_page_shows_the_lifecycle_the_checklist_and_what_blocks(web, staff, project):
    response = web(staff).get(gates_url(project))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-stage="preparation" aria-current="step"' in html
    assert html.count('class="lc-stage lc-done"') == 3 and html.count('class="lc-stage lc-todo"') == 5
    assert html.count('data-testid="checklist-row" data-met="0"') == 3
    assert "Not yet ready to move to “Under construction”. Blocking:" in html
    assert "The project location is not on the map yet." in html
    assert 'data-testid="advance"' not in html
    assert 'data-testid="confirm"' in html  # staff may confirm


def test_staff_move_the_project_through_the_button_once_everything_is_met(web, staff, owner, project):
    fulfil(project, owner)
    client = web(staff)
    page = client.get(gates_url(project)).content.decode()
    assert 'data-testid="advance"' in page and "Move to “Under construction”" in page

    response = client.post(f"{gates_url(project)}advance/", {"expected_stage": "preparation", "reason": "正式开工"})

    assert response.status_code == 302 and response["Location"] == gates_url(project)
    project.refresh_from_db()
    assert project.stage == Stage.UNDER_CONSTRUCTION
    page = client.get(gates_url(project)).content.decode()
    assert 'data-testid="transition-row"' in page and "正式开工" in page

    stale = client.post(f"{gates_url(project)}advance/", {"expected_stage": "preparation", "reason": "再点一次"})
    assert stale.status_code == 400
    assert "someone moved it since you opened the page" in stale.content.decode()
    assert StageTransition.objects.filter(project=project).count() == 1


def test_a_blocked_move_posted_anyway_lists_the_blockers_and_changes_nothing(web, staff, project):
    response = web(staff).post(f"{gates_url(project)}advance/", {"expected_stage": "preparation", "reason": "开工"})

    assert response.status_code == 400
    assert "施工图审查合格: Not confirmed yet by bureau staff." in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION and not StageTransition.objects.filter(project=project).exists()


def test_the_owner_uploads_but_does_not_confirm_or_advance(web, owner, project):
    client = web(owner)
    page = client.get(gates_url(project)).content.decode()
    assert 'class="upload-form"' in page and 'data-testid="confirm"' not in page

    response = client.post(f"{gates_url(project)}documents/upload/", {"requirement": line("施工合同").pk, "file": pdf()})

    assert response.status_code == 302
    document = ProjectDocument.objects.get(project=project)
    assert (document.title, document.uploaded_by) == ("施工合同", owner)
    assert client.post(f"{gates_url(project)}advance/", {"expected_stage": "preparation", "reason": "x"}).status_code == 403
    assert client.get(f"{gates_url(project)}requirements/{line('施工图审查合格').pk}/confirm/").status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION


def test_a_refused_upload_shows_its_error_on_the_page_and_stores_nothing(web, owner, project):
    client = web(owner)
    response = client.post(f"{gates_url(project)}documents/upload/",
                           {"requirement": line("施工合同").pk, "file": pdf("合同.exe", b"MZ\x90\x00")})
    assert response.status_code == 400
    assert "Files of type “.exe” are not accepted." in response.content.decode()

    untitled = client.post(f"{gates_url(project)}documents/upload/", {"file": pdf("纪要.pdf")})
    assert untitled.status_code == 400 and "Give the document a title." in untitled.content.decode()
    other_stage = client.post(f"{gates_url(project)}documents/upload/",
                              {"requirement": line("施工图审查合格").pk, "file": pdf()})
    assert other_stage.status_code == 400 and "This checklist line does not apply here." in other_stage.content.decode()
    missing = client.post(f"{gates_url(project)}documents/upload/", {"requirement": 99999999, "file": pdf()})
    assert missing.status_code == 400
    assert not ProjectDocument.objects.filter(project=project).exists()


def test_participant_and_leader_read_but_do_not_change(web, contractor, leader, project):
    for user in (contractor, leader):
        client = web(user)
        page = client.get(gates_url(project))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'class="upload-form"' not in html and 'data-testid="confirm"' not in html
        assert client.post(f"{gates_url(project)}documents/upload/",
                           {"requirement": line("施工合同").pk, "file": pdf()}).status_code == 403
        assert client.post(f"{gates_url(project)}advance/", {"expected_stage": "preparation",
                                                             "reason": "x"}).status_code == 403
    assert not ProjectDocument.objects.filter(project=project).exists()


def test_another_organisation_gets_404_on_page_download_and_api(web, other_contractor, owner, project):
    document = services.document_upload(actor=owner, project=project, requirement=line("施工合同"), upload=pdf())
    client = web(other_contractor)
    for url in (gates_url(project), f"/projects/gates/documents/{document.pk}/download/",
                f"/projects/gates/documents/{document.pk}/void/", api_url(project), api_url(project, "documents/"),
                api_url(project, f"documents/{document.pk}/"), api_url(project, f"documents/{document.pk}/file/"),
                api_url(project, "confirmations/"), api_url(project, "gate/transitions/")):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{gates_url(project)}documents/upload/", {"file": pdf(), "title": "x"}).status_code == 404
    assert client.post(api_url(project, "gate/advance/"), {"expected_stage": "preparation", "reason": "x"},
                       content_type=JSON).status_code == 404
    assert client.post(api_url(project, "documents/"), {"file": pdf(), "title": "x"}).status_code == 404
    assert ProjectDocument.objects.filter(project=project).count() == 1


def test_download_serves_the_file_to_whoever_sees_the_project(web, contractor, owner, project):
    content = demo_pdf("施工合同")
    document = services.document_upload(actor=owner, project=project, requirement=line("施工合同"),
                                        upload=pdf("施工合同.pdf", content))

    for url in (f"/projects/gates/documents/{document.pk}/download/", api_url(project, f"documents/{document.pk}/file/")):
        response = web(contractor).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert web(contractor).get("/projects/gates/documents/99999999/download/").status_code == 404


def test_voiding_a_document_needs_a_reason_and_unmeets_its_line(web, owner, contractor, project):
    document = services.document_upload(actor=owner, project=project, requirement=line("施工合同"), upload=pdf())
    url = f"/projects/gates/documents/{document.pk}/void/"
    assert web(contractor).post(url, {"reason": "x"}).status_code == 403
    client = web(owner)
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again, with its error
    assert ProjectDocument.objects.get(pk=document.pk).voided_at is None

    response = client.post(url, {"reason": "上传了未盖章版本"})

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.void_reason == "上传了未盖章版本"
    assert services.gate_checklist(project)[0].met is False
    assert "上传了未盖章版本" in client.get(gates_url(project)).content.decode()


def test_staff_confirm_and_withdraw_through_the_pages(web, staff, project):
    client = web(staff)
    url = f"{gates_url(project)}requirements/{line('施工图审查合格').pk}/confirm/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"note": "合格书 S3-017"}).status_code == 302
    confirmation = GateConfirmation.objects.get(project=project)
    assert confirmation.note == "合格书 S3-017"
    wrong_kind = f"{gates_url(project)}requirements/{line('施工合同').pk}/confirm/"
    assert client.get(wrong_kind).status_code == 404

    assert client.post(f"/projects/gates/confirmations/{confirmation.pk}/void/", {"reason": "合格书作废"}).status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.void_reason == "合格书作废"


# ------------------------------------------------------------------------------------------------ the API
def test_api_gate_shows_the_checklist_and_may_advance(web, staff, owner, project):
    body = web(owner).get(api_url(project)).json()

    assert (body["stage"], body["next_stage"], body["phase"], body["all_met"], body["may_advance"]) == (
        "preparation", "under_construction", "construction", False, False)
    assert [(c["title"], c["kind"], c["met"], c["detail"]) for c in body["checklist"]] == [
        ("施工合同", "document", False, "Not uploaded yet."),
        ("项目位置已标注", "condition", False, "The project location is not on the map yet."),
        ("施工图审查合格", "confirmation", False, "Not confirmed yet by bureau staff.")]

    fulfil(project, owner)
    assert web(owner).get(api_url(project)).json()["may_advance"] is False  # the owner may not move it
    assert web(staff).get(api_url(project)).json()["may_advance"] is True


def test_api_advance_is_refused_with_every_blocker_then_moves_once(web, staff, owner, project):
    client = web(staff)
    blocked = error(client.post(api_url(project, "gate/advance/"), {"expected_stage": "preparation", "reason": "开工"},
                                content_type=JSON))
    assert blocked["code"] == "gate_blocked"
    assert blocked["fields"] == {"checklist": [
        "施工合同: Not uploaded yet.", "项目位置已标注: The project location is not on the map yet.",
        "施工图审查合格: Not confirmed yet by bureau staff."]}
    assert error(web(owner).post(api_url(project, "gate/advance/"), {"expected_stage": "preparation", "reason": "x"},
                                 content_type=JSON), 403)
    fulfil(project, owner)

    moved = client.post(api_url(project, "gate/advance/"), {"expected_stage": "preparation", "reason": "正式开工"},
                        content_type=JSON)

    assert moved.status_code == 201
    assert (moved.json()["from_stage"], moved.json()["to_stage"], moved.json()["reason"]) == (
        "preparation", "under_construction", "正式开工")
    assert [c["met"] for c in moved.json()["checklist"]] == [True, True, True]
    stale = error(client.post(api_url(project, "gate/advance/"), {"expected_stage": "preparation", "reason": "再来"},
                              content_type=JSON), 409)
    assert stale["code"] == "stale" and "expected_stage" in stale["fields"]
    history = client.get(api_url(project, "gate/transitions/")).json()
    assert [(t["from_stage"], t["to_stage"]) for t in history] == [("preparation", "under_construction")]


def test_api_bad_input_names_the_field(web, staff, owner, project):
    client = web(staff)
    assert "expected_stage" in error(client.post(api_url(project, "gate/advance/"),
                                                 {"expected_stage": "moon", "reason": "x"}, content_type=JSON))["fields"]
    assert "reason" in error(client.post(api_url(project, "gate/advance/"), {"expected_stage": "preparation"},
                                         content_type=JSON))["fields"]
    assert client.post(api_url(project, "gate/advance/"), "{oops", content_type=JSON).status_code == 400
    assert error(client.post(api_url(project, "confirmations/"), {"requirement": line("施工合同").pk},
                             content_type=JSON))["fields"] == {"requirement": ["Select a valid choice."]}
    assert "requirement" in error(client.post(api_url(project, "confirmations/"), {"requirement": "abc"},
                                              content_type=JSON))["fields"]
    assert client.get("/api/v1/projects/abc/gate/").status_code == 404
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION


def raw_multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "gateboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00", "Files of type “.exe” are not accepted. Accepted: "
                                 ".doc .docx .jpeg .jpg .ofd .pdf .png .xls .xlsx."),
    ("合同.pdf", b"PK\x03\x04 zip", "The content of the file is not a .pdf file."),
    ("../../etc/passwd.pdf", b"%PDF-1.4\n%%EOF\n", "The file name must be a plain name, without folders."),
    ("empty.pdf", b"", "The submitted file is empty."),
], ids=["type", "content", "path", "empty"])
def test_api_refused_upload_is_400_naming_file_and_stores_nothing(web, owner, project, name, content, message):
    body, content_type = raw_multipart({"requirement": line("施工合同").pk}, name, content)
    response = web(owner).post(api_url(project, "documents/"), body, content_type=content_type)

    assert error(response)["fields"] == {"file": [message]}
    assert not ProjectDocument.objects.filter(project=project).exists()


def test_api_documents_upload_list_and_void(web, owner, contractor, project):
    client = web(owner)
    created = client.post(api_url(project, "documents/"), {"requirement": line("施工合同").pk, "file": pdf()})
    assert created.status_code == 201, created.content
    document = created.json()
    assert (document["title"], document["requirement_id"], document["uploaded_by_name"]) == (
        "施工合同", line("施工合同").pk, "钱立群")
    assert error(client.post(api_url(project, "documents/"), {"file": pdf("纪要.pdf")}))["fields"] == {
        "title": ["Give the document a title."]}
    assert error(web(contractor).post(api_url(project, "documents/"), {"file": pdf(), "title": "x"}), 403)

    listed = web(contractor).get(api_url(project, "documents/")).json()
    assert [d["id"] for d in listed["results"]] == [document["id"]]
    assert error(client.post(api_url(project, f"documents/{document['id']}/void/"), {}, content_type=JSON))[
        "fields"] == {"reason": ["This field is required."]}

    voided = client.post(api_url(project, f"documents/{document['id']}/void/"), {"reason": "传错了"}, content_type=JSON)

    assert voided.status_code == 200 and voided.json()["void_reason"] == "传错了"
    assert AuditEvent.objects.filter(content_type__model="projectdocument", object_id=str(document["id"]),
                                     action="void").exists()


def test_api_confirmations_only_for_staff(web, staff, owner, leader, project):
    payload = {"requirement": line("施工图审查合格").pk, "note": "已核对"}
    for user in (owner, leader):
        assert error(web(user).post(api_url(project, "confirmations/"), payload, content_type=JSON), 403)
    created = web(staff).post(api_url(project, "confirmations/"), payload, content_type=JSON)
    assert created.status_code == 201 and created.json()["confirmed_by_name"] == "王建国"
    cid = created.json()["id"]
    assert error(web(owner).post(api_url(project, f"confirmations/{cid}/void/"), {"reason": "x"}, content_type=JSON), 403)
    voided = web(staff).post(api_url(project, f"confirmations/{cid}/void/"), {"reason": "合格书作废"}, content_type=JSON)
    assert voided.status_code == 200 and voided.json()["voided_at"]
    assert [c["id"] for c in web(leader).get(api_url(project, "confirmations/")).json()["results"]] == [cid]


# ------------------------------------------------------------------------------------------------ configuration
def test_configuration_page_is_for_bureau_staff(web, staff, leader, owner):
    assert web(owner).get("/projects/gates/requirements/").status_code == 403
    leader_page = web(leader).get("/projects/gates/requirements/")
    assert leader_page.status_code == 200 and 'data-testid="requirement-add"' not in leader_page.content.decode()
    assert web(leader).post("/projects/gates/requirements/new/", {}).status_code == 403

    client = web(staff)
    page = client.get("/projects/gates/requirements/").content.decode()
    assert "项目建议书批复" in page and 'data-testid="requirement-toggle"' in page
    response = client.post("/projects/gates/requirements/new/", {
        "stage": "feasibility", "kind": "document", "title": "节能审查意见", "condition": "",
        "project_types": ["energy", "industry"], "order": 50, "guidance": "能耗较大的项目"})
    assert response.status_code == 302
    added = GateRequirement.objects.get(title="节能审查意见")
    assert (added.project_types, added.active, added.version) == (["energy", "industry"], True, 1)

    bad = client.post("/projects/gates/requirements/new/", {"stage": "feasibility", "kind": "condition",
                                                             "title": "没有条件", "order": 1})
    assert bad.status_code == 200 and "Choose the condition the portal checks." in bad.content.decode()

    edit = f"/projects/gates/requirements/{added.pk}/edit/"
    fields = {"stage": "feasibility", "kind": "document", "title": "节能审查批复", "order": 50, "active": "on",
              "version": 1}
    assert client.post(edit, fields).status_code == 302
    stale = client.post(edit, {**fields, "title": "又改一次"})
    assert stale.status_code == 200 and "Someone else changed this since you opened it" in stale.content.decode()

    assert client.post(f"/projects/gates/requirements/{added.pk}/toggle/", {"version": 2}).status_code == 302
    added.refresh_from_db()
    assert (added.title, added.active, added.version) == ("节能审查批复", False, 3)
    assert AuditEvent.objects.filter(content_type__model="gaterequirement", object_id=str(added.pk)).count() == 3


# ------------------------------------------------------------------------------------------------ query budgets
def grow(project, owner, n):
    """n more documents, schedule tasks and transitions on the project."""
    staff = User.objects.get(username="staff")
    for i in range(n):
        services.document_upload(actor=owner, project=project, requirement=line("施工合同"), upload=pdf(f"合同{i}.pdf"))
        services.document_upload(actor=owner, project=project, title=f"纪要{i}", upload=pdf(f"纪要{i}.pdf"))
        k = ScheduleTask.objects.filter(project=project).count() + 1
        ScheduleTask.objects.create(project=project, wbs=str(k), name=f"任务{k}", percent_complete=50,
                                    planned_start=datetime.date(2025, 1, 1), planned_finish=datetime.date(2025, 6, 30))
        StageTransition.objects.create(project=project, from_stage="proposal", to_stage="feasibility", actor=staff,
                                       reason=f"历史{i}", created_at=timezone.now())


def test_pages_and_lists_keep_a_constant_query_count(web, staff, owner, contractor, project):
    GateRequirement.objects.create(stage=Stage.PREPARATION, kind="condition", title="任务完成", condition="tasks_complete")

    def measure(user, url):
        client = web(user)
        client.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    probes = [(staff, gates_url(project)), (owner, gates_url(project)), (contractor, gates_url(project)),
              (staff, api_url(project)), (contractor, api_url(project, "documents/")),
              (staff, api_url(project, "gate/transitions/")), (staff, api_url(project, "confirmations/")),
              (staff, "/projects/gates/requirements/")]
    grow(project, owner, 3)
    before = [measure(u, url) for u, url in probes]
    grow(project, owner, 9)
    for i in range(9):
        GateRequirement.objects.create(stage=Stage.FEASIBILITY, kind="document", title=f"附加资料{i}")
    after = [measure(u, url) for u, url in probes]

    assert after == before, list(zip([url for _, url in probes], before, after, strict=True))
    assert max(after) <= 40, after
