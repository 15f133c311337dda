"""/api/v1/approvals/: one case from application to permit through the API only, the refusals the law and the
upload checks demand (400 in the one error shape, nothing changed), who may see and do what, and query budgets."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import services
from approvals.demo import FORM, _upload_all
from approvals.models import (
    ApprovalCase,
    ApprovalStage,
    CaseDocument,
    CaseState,
    Commitment,
    CorrectionNotice,
    ItemReview,
    ReviewState,
)
from portal.accounts.models import User
from portal.accounts.services import organization_set_credit_standing
from portal.core import workdays
from projects.models import Project

pytestmark = pytest.mark.django_db

CASES = "/api/v1/approvals/cases/"
REVIEWS = "/api/v1/approvals/reviews/"
JSON = "application/json"


# ------------------------------------------------------------------------------------------------ helpers
@pytest.fixture
def api(client_for):
    """api(user) → a logged-in client that asks for English, so messages can be asserted exactly."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def owner(db):
    """钱立群 of 之江交通建设投资有限公司 (建设单位): the applicant of the demo cases."""
    return User.objects.get(username="owner")


def pdf(name: str, padding: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n% " + name.encode() + b"\n" + b"0" * padding + b"\ntrailer << >>\n%%EOF\n"
    return SimpleUploadedFile(f"{name}.pdf", body, content_type="application/pdf")


def upload(client, case_id: int, doc, file=None):
    return client.post(f"{CASES}{case_id}/documents/", {"required_document": doc.pk, "file": file or pdf(doc.name)})


def post(client, case_id: int, move: str, body=None):
    return client.post(f"{CASES}{case_id}/{move}/", body or {}, content_type=JSON)


def decide(client, review_id: int, decision: str = "approve", **extra):
    return client.post(f"{REVIEWS}{review_id}/decide/", {"decision": decision, **extra}, content_type=JSON)


def error(response) -> dict:
    """The error of a refused call: 409 for a move the object's state no longer allows (a lost race), 400 for
    the rest (portal.core.errors)."""
    body = response.json()["error"]
    expected = 409 if body["code"] in ("invalid_transition", "stale") else 400
    assert response.status_code == expected, response.content
    return body


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def submitted_case(owner, project_name: str, stage: str, *, leave_out=()) -> ApprovalCase:
    """Setup for the refusal tests (the success path goes through the API): a submitted case, every document
    uploaded except `leave_out`."""
    case = services.case_create(actor=owner, project=Project.objects.get(name=project_name), stage=stage,
                                form_data=FORM)
    for doc in services.stage_documents(stage):
        if doc not in leave_out:
            services.document_upload(actor=owner, case=case, required_document=doc, upload=pdf(doc.name))
    return services.case_submit(actor=owner, case=case)


def non_core(stage: str, item_code: str):
    return next(d for d in services.stage_documents(stage) if not d.is_core and d.item.code == item_code)


def workdays_ago(n: int) -> datetime.date:
    day = timezone.localdate()
    for _ in range(n):
        day -= datetime.timedelta(days=1)
        while not workdays.is_workday(day):
            day -= datetime.timedelta(days=1)
    return day


def demo_case(project_name: str, stage: str) -> ApprovalCase:
    return ApprovalCase.objects.get(project__name=project_name, stage=stage)


# ------------------------------------------------------------------------------------------- end to end
def test_a_case_goes_from_application_to_permit_through_the_api(
        api, owner, staff, reviewer, contractor, other_contractor, django_capture_on_commit_callbacks):
    stage = ApprovalStage.LAND_USE_PLANNING  # its items belong to 发改, 自然资源 and 生态环境: all have reviewers
    project = Project.objects.get(name="衢州机场迁建工程")  # the owner's; no 立项用地 case yet
    documents = list(services.stage_documents(stage))
    promised = non_core(stage, "LY03")  # 国有土地使用权出让合同, item limit 10 working days
    corrected = next(d for d in documents if d.name == "可行性研究报告")
    as_owner, as_staff = api(owner), api(staff)

    # given: the owner opens the case and uploads every document but one non-core one
    response = as_owner.post(CASES, {"project": project.pk, "stage": stage, "form_data": FORM}, content_type=JSON)
    assert response.status_code == 201, response.content
    case = response.json()
    case_id = case["id"]
    assert (case["state"], case["applicant_name"], case["allowed_moves"]) == (
        "draft", "之江交通建设投资有限公司", ["submit"])
    for doc in documents:
        if doc != promised:
            response = upload(as_owner, case_id, doc)
            assert response.status_code == 201, response.content
            assert response.json()["version"] == 1 and response.json()["required_document_id"] == doc.pk
    assert post(as_owner, case_id, "submit").json()["state"] == "submitted"

    # when: the window sends one correction notice
    response = post(as_staff, case_id, "request-correction",
                    {"items": ["可行性研究报告缺少专家评审意见页"], "message": "请补正后重新提交"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "correction_requested"
    assert response.json()["correction_notices"][0]["items"] == ["可行性研究报告缺少专家评审意见页"]
    # then: the owner is told, corrects and resubmits
    inbox = as_owner.get("/api/v1/notifications/", {"unread": "1"}).json()["results"]
    assert any(case["number"] in n["title"] and n["level"] == "warning" for n in inbox)
    response = upload(as_owner, case_id, corrected, pdf("可行性研究报告（补正）"))
    assert response.status_code == 201 and response.json()["version"] == 2
    response = post(as_owner, case_id, "submit")
    assert response.json()["state"] == "submitted"
    assert response.json()["correction_notices"][0]["resubmitted_at"] is not None
    current = {d["required_document_id"]: d["version"] for d in response.json()["documents"]}
    assert len(current) == len(documents) - 1 and current[corrected.pk] == 2

    # when: the window accepts with deficiency, the missing document promised by the item's own limit
    detail = as_staff.get(f"{CASES}{case_id}/").json()
    assert set(detail["allowed_moves"]) == {"request_correction", "accept_with_deficiency", "reject"}
    (accept,) = [m for m in detail["moves"] if m["name"] == "accept"]  # offered, disabled, saying why
    assert not accept["enabled"] and accept["reason"].startswith("Documents are missing: ")
    due = workdays.add_workdays(timezone.localdate(), promised.item.time_limit_days)
    response = post(as_staff, case_id, "accept-with-deficiency", {"commitments": {str(promised.pk): due.isoformat()}})
    assert response.status_code == 200, response.content
    case = response.json()
    assert case["state"] == "accepted_with_deficiency" and case["accepted_on"] == timezone.localdate().isoformat()
    assert [(c["required_document_id"], c["due_on"], c["state"]) for c in case["commitments"]] == [
        (promised.pk, due.isoformat(), "open")]
    assert len(case["reviews"]) == 5 and {r["state"] for r in case["reviews"]} == {"pending"}

    # then: every department approves its items from its own queue
    decided = 0
    for user in (reviewer, User.objects.get(username="zrzy_reviewer"), User.objects.get(username="sthj_reviewer")):
        client = api(user)
        queue = [r for r in client.get(REVIEWS, {"state": "open"}).json()["results"] if r["case_id"] == case_id]
        assert queue and {r["department_id"] for r in queue} == {user.organization_id}
        for row in queue:
            assert row["light"] == "green" and row["workdays_left"] > 0
            assert client.post(f"{REVIEWS}{row['id']}/start/").json()["state"] == "in_review"
            response = decide(client, row["id"], opinion="符合要求，同意。")
            assert response.status_code == 200, response.content
            assert response.json()["state"] == "approved" and response.json()["reviewer_name"] == user.full_name
            decided += 1
    assert decided == 5
    case = as_owner.get(f"{CASES}{case_id}/").json()
    assert case["state"] == "accepted_with_deficiency"  # the commitment is still open
    assert case["permit_number"] == "" and as_owner.get(f"{CASES}{case_id}/permit/").status_code == 404

    # when: the owner uploads the promised document (the permit is rendered once the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(as_owner, case_id, promised).status_code == 201
    # then: the commitment is fulfilled, the case completed, the permit issued and downloadable by those who see it
    case = as_owner.get(f"{CASES}{case_id}/").json()
    assert case["state"] == "completed" and case["permit_number"].startswith("LY") and case["has_permit"]
    assert case["commitments"][0]["state"] == "fulfilled" and case["allowed_moves"] == []
    for user in (owner, staff, reviewer):
        response = api(user).get(f"{CASES}{case_id}/permit/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'{case["permit_number"]}.pdf' in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (contractor, other_contractor):  # 浙中建工 even takes part in the project; the case is not theirs
        assert api(user).get(f"{CASES}{case_id}/permit/").status_code == 404


# ---------------------------------------------------------------------------------------------- refusals
def test_a_commitment_due_after_the_items_limit_is_refused(api, owner, staff):
    stage = ApprovalStage.LAND_USE_PLANNING
    promised = non_core(stage, "LY03")
    case = submitted_case(owner, "湖杭高速公路二期工程", stage, leave_out=[promised])
    limit = workdays.add_workdays(timezone.localdate(), promised.item.time_limit_days)
    too_late = workdays.add_workdays(limit, 1)

    response = post(api(staff), case.pk, "accept-with-deficiency", {"commitments": {str(promised.pk): str(too_late)}})

    body = error(response)
    assert body["message"] == "Please correct the commitment dates."
    assert body["fields"] == {f"due_{promised.pk}": [
        f"“{promised.name}”: the due date may not be later than the item's time limit, {limit}."]}
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert not Commitment.objects.filter(case=case).exists() and not ItemReview.objects.filter(case=case).exists()


@pytest.mark.parametrize(("commitments", "field"), [
    ({"PROMISED": "2025-02-30"}, "due_PROMISED"),
    ({"PROMISED": "next week"}, "due_PROMISED"),
    ({"abc": "2030-01-01"}, "due_abc"),
    ({}, "commitments"),
    ([], "commitments"),
    ("2030-01-01", "commitments"),
])
def test_malformed_commitments_are_400_naming_the_field(api, owner, staff, commitments, field):
    stage = ApprovalStage.LAND_USE_PLANNING
    promised = non_core(stage, "LY03")
    case = submitted_case(owner, "湖杭高速公路二期工程", stage, leave_out=[promised])
    if isinstance(commitments, dict):
        commitments = {k.replace("PROMISED", str(promised.pk)): v for k, v in commitments.items()}
        field = field.replace("PROMISED", str(promised.pk))

    body = error(post(api(staff), case.pk, "accept-with-deficiency", {"commitments": commitments}))

    assert body["code"] == "invalid" and field in body["fields"]
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_a_dishonest_applicant_may_not_use_deficiency_tolerant_acceptance(api, owner, staff):
    stage = ApprovalStage.LAND_USE_PLANNING
    promised = non_core(stage, "LY03")
    case = submitted_case(owner, "湖杭高速公路二期工程", stage, leave_out=[promised])
    organization_set_credit_standing(actor=staff, organization=owner.organization, standing="dishonest",
                                     reason="拖欠农民工工资被列入失信名单")
    due = workdays.add_workdays(timezone.localdate(), 3)

    body = error(post(api(staff), case.pk, "accept-with-deficiency", {"commitments": {str(promised.pk): str(due)}}))

    assert body["code"] == "dishonest_applicant"
    assert body["message"].startswith("之江交通建设投资有限公司 has a dishonesty record")
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and not Commitment.objects.filter(case=case).exists()


def test_a_move_the_workflow_does_not_list_is_refused_and_changes_nothing(api, staff):
    draft = demo_case("杭温高速铁路义乌至温州段", ApprovalStage.CONSTRUCTION_PERMIT)
    assert draft.state == CaseState.DRAFT

    body = error(post(api(staff), draft.pk, "accept"))

    assert body == {"code": "invalid_transition", "message": "This cannot be done while the state is “Draft”.",
                    "fields": {"state": ["Not allowed from “Draft”."]}}
    draft.refresh_from_db()
    assert draft.state == CaseState.DRAFT and draft.accepted_on is None and draft.decided_by is None
    assert not draft.reviews.exists()


def test_a_second_decision_on_a_decided_item_is_refused_and_the_first_kept(api):
    zrzy = User.objects.get(username="zrzy_reviewer")
    decided = ItemReview.objects.get(case=demo_case("杭温高速铁路义乌至温州段", ApprovalStage.ENGINEERING_PLANNING),
                                     department=zrzy.organization, state=ReviewState.APPROVED)

    body = error(decide(api(zrzy), decided.pk, "reject", opinion="不同意"))

    assert body["code"] == "invalid_transition"
    decided.refresh_from_db()
    assert (decided.state, decided.opinion) == (ReviewState.APPROVED, "方案符合控制性详细规划。")


def test_a_correction_notice_after_five_working_days_is_refused(api, staff):
    waiting = demo_case("湖杭高速公路二期工程", ApprovalStage.COMPLETION_ACCEPTANCE)
    assert waiting.state == CaseState.SUBMITTED
    day = workdays_ago(6)  # the fifth working day after it has passed
    submitted = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    ApprovalCase.objects.filter(pk=waiting.pk).update(submitted_at=submitted)
    notices = CorrectionNotice.objects.filter(case=waiting).count()

    body = error(post(api(staff), waiting.pk, "request-correction", {"items": ["缺少竣工测量报告"]}))

    assert body["code"] == "deadline_passed"
    assert body["fields"] == {"items": ["Too late for a correction notice."]}
    assert str(workdays.add_workdays(day, 5)) in body["message"]
    waiting.refresh_from_db()
    assert waiting.state == CaseState.SUBMITTED
    assert CorrectionNotice.objects.filter(case=waiting).count() == notices


def test_accepting_after_the_correction_deadline_counts_from_the_day_of_submission(api, staff):
    waiting = demo_case("湖杭高速公路二期工程", ApprovalStage.COMPLETION_ACCEPTANCE)  # one core document missing
    day = workdays_ago(6)
    ApprovalCase.objects.filter(pk=waiting.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0))))

    response = post(api(staff), waiting.pk, "accept")

    assert response.status_code == 200, response.content
    case = response.json()
    assert (case["state"], case["deemed_accepted"], case["accepted_on"]) == ("accepted", True, day.isoformat())
    assert {r["started_on"] for r in case["reviews"]} == {day.isoformat()}


def test_the_window_rejects_with_a_reason_and_revokes_a_broken_commitment(api, staff):
    client = api(staff)
    waiting = demo_case("湖杭高速公路二期工程", ApprovalStage.COMPLETION_ACCEPTANCE)
    assert error(post(client, waiting.pk, "reject", {"reason": "  "}))["fields"] == {
        "reason": ["This field may not be blank."]}
    response = post(client, waiting.pk, "reject", {"reason": "不属于重点项目审批范围"})
    assert response.status_code == 200 and response.json()["state"] == "rejected"
    assert response.json()["rejection_reason"] == "不属于重点项目审批范围"

    deficient = demo_case("衢州机场迁建工程", ApprovalStage.CONSTRUCTION_PERMIT)  # its commitment is overdue
    response = post(client, deficient.pk, "revoke-deficiency", {"reason": "承诺逾期未履行"})
    assert response.status_code == 200 and response.json()["state"] == "halted"
    assert {c["state"] for c in response.json()["commitments"]} == {"revoked"}
    # then: the departments can no longer start or decide its items
    czt = User.objects.get(username="czt_reviewer")
    item = deficient.reviews.get(department=czt.organization)
    assert error(api(czt).post(f"{REVIEWS}{item.pk}/start/"))["code"] == "invalid_transition"
    assert error(decide(api(czt), item.pk))["code"] == "invalid_transition"
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING


def raw_multipart(field_values: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would strip the folders from the file name itself."""
    boundary = "----approvals-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in field_values.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


MB = 1024 * 1024


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00 not a document", "Files of type “.exe” are not accepted. Accepted: "
                                                  ".doc .docx .jpeg .jpg .ofd .pdf .png .xls .xlsx."),
    ("合同.pdf", b"PK\x03\x04 a zip pretending to be a pdf", "The content of the file is not a .pdf file."),
    ("../../etc/passwd.pdf", b"%PDF-1.4\n%%EOF\n", "The file name must be a plain name, without folders."),
    ("..\\..\\boot.pdf", b"%PDF-1.4\n%%EOF\n", "The file name must be a plain name, without folders."),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (MB + MB // 5), "The file is 1.2 MB; at most 1 MB is accepted."),
    ("empty.pdf", b"", "The submitted file is empty."),
], ids=["forbidden-type", "wrong-content", "path", "windows-path", "oversized", "empty"])
def test_a_refused_upload_is_400_naming_file_and_stores_nothing(api, owner, settings, name, content, message):
    settings.APPROVALS_MAX_UPLOAD_BYTES = MB  # small, instead of the 20 MB default
    draft = demo_case("杭温高速铁路义乌至温州段", ApprovalStage.CONSTRUCTION_PERMIT)
    doc = services.stage_documents(draft.stage).first()
    documents, files = CaseDocument.objects.count(), media_files()

    body, content_type = raw_multipart({"required_document": doc.pk}, name, content)
    response = api(owner).post(f"{CASES}{draft.pk}/documents/", body, content_type=content_type)

    assert error(response)["fields"] == {"file": [message]}
    assert CaseDocument.objects.count() == documents
    assert media_files() == files


def test_upload_input_is_checked_before_anything_is_stored(api, owner):
    draft = demo_case("杭温高速铁路义乌至温州段", ApprovalStage.CONSTRUCTION_PERMIT)
    other_stage = services.stage_documents(ApprovalStage.LAND_USE_PLANNING).first()
    client = api(owner)
    documents = CaseDocument.objects.count()

    assert "file" in error(client.post(f"{CASES}{draft.pk}/documents/", {"required_document": other_stage.pk}))[
        "fields"]
    assert error(upload(client, draft.pk, other_stage))["fields"] == {"required_document": ["Select a valid choice."]}
    missing = client.post(f"{CASES}{draft.pk}/documents/", {"required_document": 99999999, "file": pdf("x")})
    assert error(missing)["fields"] == {"required_document": ["Select a valid choice."]}
    assert "required_document" in error(client.post(f"{CASES}{draft.pk}/documents/",
                                                    {"required_document": "abc", "file": pdf("x")}))["fields"]
    assert CaseDocument.objects.count() == documents


def test_bad_case_input_is_400_naming_the_field(api, owner, other_contractor):
    client = api(owner)
    hangwen = Project.objects.get(name="杭温高速铁路义乌至温州段")
    elsewhere = Project.objects.get(name="杭州地铁十二号线一期工程")  # not the owner's
    cases = ApprovalCase.objects.count()

    assert "stage" in error(client.post(CASES, {"project": hangwen.pk, "stage": "moon"}, content_type=JSON))["fields"]
    assert "project" in error(client.post(CASES, {"project": elsewhere.pk, "stage": "land_use_planning"},
                                          content_type=JSON))["fields"]
    assert "project" in error(client.post(CASES, {"project": "x", "stage": "land_use_planning"},
                                          content_type=JSON))["fields"]
    assert "form_data" in error(client.post(CASES, {"project": hangwen.pk, "stage": "completion_acceptance",
                                                    "form_data": {"scale": {"nested": 1}}},
                                            content_type=JSON))["fields"]
    duplicate = error(client.post(CASES, {"project": hangwen.pk, "stage": "construction_permit"}, content_type=JSON))
    assert duplicate["fields"] == {"stage": ["An application for “Construction permit” exists already."]}
    assert client.post(CASES, "{oops", content_type=JSON).status_code == 400
    assert client.get(CASES, {"state": "nonsense"}).status_code == 400
    assert client.get(REVIEWS, {"state": "nonsense"}).status_code == 400
    assert client.get(f"{CASES}abc/").status_code == 404
    assert api(other_contractor).post(CASES, {"project": hangwen.pk, "stage": "completion_acceptance"},
                                      content_type=JSON).status_code == 400  # not a participant's project to them
    assert ApprovalCase.objects.count() == cases


def test_the_form_changes_only_before_submission(api, owner):
    draft = demo_case("杭温高速铁路义乌至温州段", ApprovalStage.CONSTRUCTION_PERMIT)
    client = api(owner)

    response = client.patch(f"{CASES}{draft.pk}/", {"form_data": {**FORM, "scale": "双向八车道"}}, content_type=JSON)

    assert response.status_code == 200 and response.json()["form_data"]["scale"] == "双向八车道"
    waiting = demo_case("湖杭高速公路二期工程", ApprovalStage.COMPLETION_ACCEPTANCE)
    refused = error(client.patch(f"{CASES}{waiting.pk}/", {"form_data": {"scale": "x"}}, content_type=JSON))
    assert refused["code"] == "invalid_transition"
    assert "form_data" in error(client.patch(f"{CASES}{draft.pk}/", {"form_data": "x"}, content_type=JSON))["fields"]


# ------------------------------------------------------------------------------------------- permissions
def test_another_organisations_contractor_gets_404_on_the_case_its_documents_and_actions(
        api, owner, other_contractor):
    case = demo_case("衢州机场迁建工程", ApprovalStage.CONSTRUCTION_PERMIT)  # 浙中建工 takes part in the project
    document = case.documents.filter(superseded=False).first()
    promised = case.commitments.first().required_document
    as_owner, stranger = api(owner), api(other_contractor)
    # the same requests succeed for the applicant
    assert as_owner.get(f"{CASES}{case.pk}/").status_code == 200
    response = as_owner.get(f"{CASES}{case.pk}/documents/{document.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")

    for method, url, body in [
        ("get", f"{CASES}{case.pk}/", None),
        ("patch", f"{CASES}{case.pk}/", {"form_data": {"scale": "x"}}),
        ("get", f"{CASES}{case.pk}/documents/{document.pk}/file/", None),
        ("get", f"{CASES}{case.pk}/permit/", None),
        ("post", f"{CASES}{case.pk}/submit/", {}),
        ("post", f"{CASES}{case.pk}/accept/", {}),
        ("post", f"{CASES}{case.pk}/revoke-deficiency/", {"reason": "x"}),
    ]:
        response = getattr(stranger, method)(url, body, content_type=JSON) if body is not None else getattr(
            stranger, method)(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    documents = CaseDocument.objects.count()
    assert upload(stranger, case.pk, promised).status_code == 404
    assert CaseDocument.objects.count() == documents
    review = case.reviews.first()
    assert stranger.get(f"{REVIEWS}{review.pk}/").status_code == 404
    assert stranger.post(f"{REVIEWS}{review.pk}/resume/").status_code == 404
    assert stranger.get(CASES).json()["count"] == 0


def test_a_department_reviewer_sees_only_their_departments_cases_and_items(api, reviewer):
    client = api(reviewer)
    department = reviewer.organization
    cases = ApprovalCase.objects.active().filter(reviews__department=department).distinct()
    items = ItemReview.objects.filter(department=department)

    listed = client.get(CASES).json()
    queue = client.get(REVIEWS).json()

    assert listed["count"] == cases.count() > 0
    assert {row["id"] for row in listed["results"]} == set(cases.values_list("pk", flat=True))
    assert queue["count"] == items.count() > 0
    assert {row["department_id"] for row in queue["results"]} == {department.pk}
    running = client.get(CASES + f"{cases.first().pk}/").json()
    assert {r["department_id"] for r in running["reviews"]} == {department.pk}
    waiting = demo_case("湖杭高速公路二期工程", ApprovalStage.COMPLETION_ACCEPTANCE)  # not accepted: no items yet
    assert client.get(f"{CASES}{waiting.pk}/").status_code == 404


def test_a_reviewer_cannot_decide_another_departments_item(api, reviewer):
    case = demo_case("衢州机场迁建工程", ApprovalStage.CONSTRUCTION_PERMIT)
    foreign = case.reviews.exclude(department=reviewer.organization).first()  # 住建/财政 items, not 发改

    response = decide(api(reviewer), foreign.pk, opinion="同意")

    assert response.status_code == 404  # not even visible to another department
    assert api(reviewer).post(f"{REVIEWS}{foreign.pk}/start/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == ReviewState.PENDING and foreign.reviewer is None


def test_a_leader_reads_everything_but_may_not_act(api, leader):
    client = api(leader)
    waiting = demo_case("湖杭高速公路二期工程", ApprovalStage.COMPLETION_ACCEPTANCE)
    review = ItemReview.objects.filter(state=ReviewState.PENDING).first()

    assert client.get(CASES).json()["count"] == ApprovalCase.objects.active().count()
    detail = client.get(f"{CASES}{waiting.pk}/").json()
    assert detail["state"] == "submitted" and detail["allowed_moves"] == []
    response = post(client, waiting.pk, "accept")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert post(client, waiting.pk, "reject", {"reason": "x"}).status_code == 403
    assert client.get(f"{REVIEWS}{review.pk}/").status_code == 200
    assert decide(client, review.pk, opinion="同意").status_code == 403
    waiting.refresh_from_db()
    review.refresh_from_db()
    assert waiting.state == CaseState.SUBMITTED and review.state == ReviewState.PENDING


def test_bureau_staff_may_not_act_for_the_applicant(api, staff):
    draft = demo_case("杭温高速铁路义乌至温州段", ApprovalStage.CONSTRUCTION_PERMIT)
    assert post(api(staff), draft.pk, "submit").status_code == 403
    assert api(staff).post(CASES, {"project": draft.project_id, "stage": "completion_acceptance"},
                           content_type=JSON).status_code == 403
    draft.refresh_from_db()
    assert draft.state == CaseState.DRAFT


def test_the_applicant_resumes_an_item_after_the_departments_correction(api, owner):
    case = demo_case("衢州机场迁建工程", ApprovalStage.CONSTRUCTION_PERMIT)
    czt = User.objects.get(username="czt_reviewer")
    review = case.reviews.get(department=czt.organization)

    response = decide(api(czt), review.pk, "request_correction", opinion="请补充资金来源说明的银行盖章页")
    assert response.status_code == 200 and response.json()["state"] == "correction_requested"
    assert response.json()["workdays_left"] is None and response.json()["light"] == ""
    assert api(czt).post(f"{REVIEWS}{review.pk}/resume/").status_code == 403
    assert api(owner).get(f"{REVIEWS}{review.pk}/").json()["allowed_moves"] == ["resume"]

    response = api(owner).post(f"{REVIEWS}{review.pk}/resume/")

    assert response.status_code == 200 and response.json()["state"] == "in_review"


# ------------------------------------------------------------------------------------------ query budgets
def test_list_endpoints_keep_a_constant_query_count(api, owner, staff, reviewer):
    def measure(user, url):
        client = api(user)
        client.get(url)  # warm the per-process caches (content types, translations)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": 100})
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    probes = [(staff, CASES), (owner, CASES), (reviewer, CASES), (reviewer, REVIEWS)]
    before = [measure(user, url) for user, url in probes]

    free = [(p, s) for p in Project.objects.filter(participants__organization=owner.organization).distinct()
            for s in ApprovalStage.values if not ApprovalCase.objects.filter(project=p, stage=s).exists()]
    for project, stage in free[:10]:
        case = services.case_create(actor=owner, project=project, stage=stage, form_data=FORM)
        _upload_all(case, owner)  # every document in: a plain acceptance, clocks from today
        services.case_submit(actor=owner, case=case)
        services.case_accept(actor=staff, case=case)

    after = [measure(user, url) for user, url in probes]
    assert [q for q, _ in after] == [q for q, _ in before]
    assert after[0][1] == before[0][1] + 10 and after[1][1] == before[1][1] + 10
    assert after[3][1] > before[3][1]
