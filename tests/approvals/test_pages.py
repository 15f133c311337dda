"""The approvals pages: who may open which page (a role page answers 403, a hidden object 404), the moves and
decisions made through the pages, uploads that are refused, and query counts that do not grow with the rows.

The demo cases (approvals/demo.py) belong to 钱立群 (`owner`) of 之江交通建设投资有限公司. Pages are read in
English so the assertions do not depend on the Chinese catalogue."""

import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import services
from approvals.demo import FORM, _backdate, _upload_all, demo_pdf
from approvals.models import (
    ApprovalCase,
    ApprovalStage,
    CaseDocument,
    CaseState,
    CatalogueItem,
    Commitment,
    ItemReview,
    JointReview,
    ReviewState,
)
from portal.accounts.models import DepartmentCode, Organization, User
from portal.audit.models import AuditEvent
from portal.core import workdays
from projects.models import Project
from projects.services import project_create

pytestmark = pytest.mark.django_db

ZHIJIANG = "之江交通建设投资有限公司"
HANGWEN, HUHANG, QUZHOU, HANGSHAOTAI = "杭温高速铁路义乌至温州段", "湖杭高速公路二期工程", "衢州机场迁建工程", "杭绍台高速公路台州段"
BUREAU, WINDOW = {"admin", "staff", "leader"}, {"admin", "staff"}
APPLICANT_ROLE = {"contractor", "owner", "builder2"}
USERS = ["admin", "staff", "leader", "reviewer", "contractor", "owner", "builder2", "liaison", "inspector"]


@pytest.fixture
def en(client_for):
    """en(user) → a logged-in client that reads the pages in English."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


def demo_case(project: str, stage: str) -> ApprovalCase:
    return ApprovalCase.objects.get(project__name=project, stage=stage)


def fgw_review(case: ApprovalCase, state=None) -> ItemReview:
    reviews = case.reviews.filter(department__department_code=DepartmentCode.DEVELOPMENT_REFORM)
    if state:
        reviews = reviews.filter(state=state)
    return reviews.select_related("item").order_by("item__order").first()


def accepted_case(owner, staff, project, stage=ApprovalStage.LAND_USE_PLANNING, *, workdays_ago=0) -> ApprovalCase:
    """A case of `owner` accepted by `staff` (deemed accepted: no documents needed), its clock started
    `workdays_ago` working days ago."""
    case = services.case_create(actor=owner, project=project, stage=stage, form_data=FORM)
    _upload_all(case, owner)  # every document in: a plain acceptance, clocks from today
    services.case_submit(actor=owner, case=case)
    case = services.case_accept(actor=staff, case=case)
    if workdays_ago:
        _backdate(case, workdays_ago)
    return ApprovalCase.objects.get(pk=case.pk)


def new_projects(staff, n: int) -> list[Project]:
    owner_org = Organization.objects.get(name=ZHIJIANG)
    start = Project.objects.count()
    return [project_create(actor=staff, code=f"2025-330100-48-01-{900000 + start + i:06d}", name=f"审批加量项目{i}",
                           project_type="transport", level="provincial", total_investment=Decimal("100000000"),
                           owner=owner_org) for i in range(n)]


def html(response) -> str:
    return response.content.decode()


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "approvals"
    return set(root.rglob("*")) if root.exists() else set()


# --------------------------------------------------------------------------------------------- who sees what
def expected_pages(username: str) -> dict[str, int]:
    """Status of every approvals page for each demo user. Role pages answer 403; an object the user may not
    see answers 404, like a missing one."""
    completed = demo_case(HANGWEN, ApprovalStage.LAND_USE_PLANNING)  # has 发改 items, applicant 之江
    waiting = demo_case(HUHANG, ApprovalStage.COMPLETION_ACCEPTANCE)  # submitted, at the window
    review = fgw_review(completed)
    document = completed.documents.first()
    item = CatalogueItem.objects.order_by("pk").first()
    sees_completed = username in BUREAU | {"owner", "reviewer"}
    sees_waiting = username in BUREAU | {"owner"}
    window_page = 200 if username in WINDOW else 403 if sees_waiting else 404
    return {
        "/approvals/": 200 if username in BUREAU else 403,
        "/approvals/?state=accepted&stage=engineering_planning&q=杭温": 200 if username in BUREAU else 403,
        "/approvals/statistics/": 200 if username in BUREAU else 403,
        "/approvals/mine/": 200 if username in APPLICANT_ROLE else 403,
        "/approvals/new/": 200 if username in APPLICANT_ROLE else 403,
        "/approvals/queue/": 200 if username == "reviewer" else 403,
        "/approvals/queue/?show=all": 200 if username == "reviewer" else 403,
        "/approvals/catalogue/": 200,
        f"/approvals/catalogue/items/{item.pk}/edit/": 200 if username in WINDOW else 403,
        f"/approvals/catalogue/items/{item.pk}/documents/new/": 200 if username in WINDOW else 403,
        completed.get_absolute_url(): 200 if sees_completed else 404,
        waiting.get_absolute_url(): 200 if sees_waiting else 404,
        review.get_absolute_url(): 200 if sees_completed else 404,
        f"/approvals/documents/{document.pk}/download/": 200 if sees_completed else 404,
        f"/approvals/{completed.pk}/permit/": 200 if sees_completed else 404,
        f"/approvals/{waiting.pk}/moves/reject/": window_page,
        f"/approvals/{waiting.pk}/moves/request_correction/": window_page,
        # nothing is missing from the waiting case: the disabled move's link goes back to the case, saying why
        f"/approvals/{waiting.pk}/moves/accept_with_deficiency/": 302 if window_page == 200 else window_page,
        "/approvals/999999/": 404,
        "/approvals/reviews/999999/": 404,
        "/approvals/documents/999999/download/": 404,
    }


@pytest.mark.parametrize("username", USERS)
def test_every_approvals_page_for_every_role(en, username):
    user = User.objects.get(username=username)
    client = en(user)
    for url, status in expected_pages(username).items():
        response = client.get(url)
        assert response.status_code == status, f"{username} {url}: {response.status_code}"
        if status == 200 and response["Content-Type"].startswith("text/html"):
            assert user.get_full_name() in html(response), url


@pytest.mark.parametrize("username", ["contractor", "builder2"])
def test_another_organisations_contractor_gets_404_everywhere(en, username):
    """赵刚's organisation builds 杭温高铁 but did not apply; 孙海涛's has nothing to do with it: both see nothing."""
    completed = demo_case(HANGWEN, ApprovalStage.LAND_USE_PLANNING)
    client = en(User.objects.get(username=username))
    for url in [completed.get_absolute_url(), fgw_review(completed).get_absolute_url(),
                f"/approvals/documents/{completed.documents.first().pk}/download/",
                f"/approvals/{completed.pk}/permit/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert completed.number not in html(response)
    # Their own list does not show the other organisation's cases either.
    assert completed.number not in html(client.get("/approvals/mine/"))


def test_document_and_permit_download_for_the_applicant(en, owner):
    completed = demo_case(HANGWEN, ApprovalStage.LAND_USE_PLANNING)
    document = completed.documents.select_related("required_document").first()
    response = en(owner).get(f"/approvals/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert quote(document.original_name) in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    permit = en(owner).get(f"/approvals/{completed.pk}/permit/")
    assert permit.status_code == 200 and permit["Content-Type"] == "application/pdf"
    assert f"{completed.permit_number}.pdf" in permit["Content-Disposition"]


def test_navigation_leads_each_role_to_its_approvals_page(en, staff, leader, reviewer, owner, liaison):
    assert 'href="/approvals/"' in html(en(staff).get("/"))
    assert 'href="/approvals/"' in html(en(leader).get("/"))
    assert 'href="/approvals/queue/"' in html(en(reviewer).get("/"))
    assert 'href="/approvals/mine/"' in html(en(owner).get("/"))
    page = html(en(liaison).get("/"))
    assert 'data-testid="nav-approvals"' not in page and 'data-testid="nav-review-queue"' not in page


# ------------------------------------------------------------------------------------------------ the board
def test_board_shows_light_and_holder_and_filters(en, staff):
    running = demo_case(HANGWEN, ApprovalStage.ENGINEERING_PLANNING)
    response = en(staff).get("/approvals/")
    rows = {case.number: (light, holder) for case, light, holder in response.context["rows"]}
    assert rows[running.number][0] == "amber"
    assert "省水利厅" in rows[running.number][1]
    assert rows[demo_case(QUZHOU, ApprovalStage.CONSTRUCTION_PERMIT).number][0] == "red"
    assert rows[demo_case(HUHANG, ApprovalStage.COMPLETION_ACCEPTANCE).number] == ("", "Bureau service window")
    assert 'data-light="red"' in html(response) and 'data-light="amber"' in html(response)
    assert "Working days follow the official calendar for" in html(response)

    filtered = en(staff).get("/approvals/", {"state": "submitted"})
    assert [c.state for c, _, _ in filtered.context["rows"]] == [CaseState.SUBMITTED]
    searched = en(staff).get("/approvals/", {"q": running.number})
    assert [c.pk for c, _, _ in searched.context["rows"]] == [running.pk]


def test_my_cases_lists_the_organisations_cases_with_a_new_application_button(en, owner):
    response = en(owner).get("/approvals/mine/")
    assert {c.pk for c, _, _ in response.context["rows"]} == set(
        ApprovalCase.objects.filter(applicant=owner.organization).values_list("pk", flat=True))
    assert 'href="/approvals/new/"' in html(response)


# ---------------------------------------------------------------------------------------- new application
def test_new_application_validates_the_form_then_creates_a_draft(en, owner):
    project = Project.objects.get(name=HANGSHAOTAI)
    client = en(owner)
    bad = client.post("/approvals/new/", {"project": project.pk, "stage": ApprovalStage.LAND_USE_PLANNING,
                                          "scale": "四车道", "land_area": "-5", "location": "台州",
                                          "contact": "钱立群", "phone": "12345"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"land_area", "phone"}
    assert "Enter an 11-digit mobile number" in html(bad)
    assert not ApprovalCase.objects.filter(project=project).exists()

    good = client.post("/approvals/new/", {"project": project.pk, "stage": ApprovalStage.LAND_USE_PLANNING,
                                           "scale": "四车道", "land_area": "125000.50", "location": "台州",
                                           "contact": "钱立群", "phone": "0576-88000000"})
    case = ApprovalCase.objects.get(project=project)
    assert good.status_code == 302 and good["Location"] == case.get_absolute_url()
    assert case.state == CaseState.DRAFT
    assert case.form_data == {"scale": "四车道", "land_area": "125000.5", "location": "台州", "contact": "钱立群",
                              "phone": "0576-88000000"}

    again = client.post("/approvals/new/", {"project": project.pk, "stage": ApprovalStage.LAND_USE_PLANNING,
                                            "scale": "四车道", "land_area": "1", "location": "台州",
                                            "contact": "钱立群", "phone": "13800000001"})
    assert again.status_code == 400
    assert again.context["form"].errors["stage"] == [
        "An application for “Project approval and land-use planning permit” exists already."]


def test_new_application_offers_only_the_organisations_projects(en, other_contractor):
    response = en(other_contractor).get("/approvals/new/")
    offered = set(response.context["form"].fields["project"].queryset.values_list("pk", flat=True))
    assert offered == set(Project.objects.filter(participants__organization=other_contractor.organization,
                                                 participants__voided_at__isnull=True).values_list("pk", flat=True))
    foreign = Project.objects.get(name=HANGWEN)
    response = en(other_contractor).post("/approvals/new/", {
        "project": foreign.pk, "stage": ApprovalStage.CONSTRUCTION_PERMIT, **FORM})
    assert response.status_code == 400 and "project" in response.context["form"].errors


# ------------------------------------------------------------------------------------------------ uploads
@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "Files of type “.exe” are not accepted."),
    ("施工合同.pdf", "这其实是一个文本文件".encode(), "The content of the file is not a .pdf file."),
])
def test_refused_upload_shows_the_field_error_and_stores_nothing(en, owner, name, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = demo_case(HANGWEN, ApprovalStage.CONSTRUCTION_PERMIT)
    required = services.stage_documents(draft.stage).first()
    files, documents = stored_files(), CaseDocument.objects.count()
    response = en(owner).post(f"/approvals/{draft.pk}/documents/{required.pk}/upload/",
                              {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    page = html(response)
    assert 'data-testid="upload-error"' in page and message in page
    assert CaseDocument.objects.count() == documents
    assert stored_files() == files


def test_upload_adds_versions_listed_newest_first(en, owner):
    draft = demo_case(HANGWEN, ApprovalStage.CONSTRUCTION_PERMIT)
    required = services.stage_documents(draft.stage).first()
    client = en(owner)
    for _ in range(2):
        response = client.post(f"/approvals/{draft.pk}/documents/{required.pk}/upload/",
                               {"file": demo_pdf(required.name)})
        assert response.status_code == 302
    versions = CaseDocument.objects.filter(case=draft, required_document=required)
    assert sorted(versions.values_list("version", "superseded")) == [(1, True), (2, False)]
    page = client.get(draft.get_absolute_url())
    (doc, listed, form, locked), *_ = [row for row in page.context["documents"] if row[0].pk == required.pk]
    assert form is not None and locked == ""  # a draft: nothing is locked
    assert [v.version for v in listed] == [2, 1]
    assert versions.get(version=2).sha256[:12] in html(page)


def test_only_the_applicant_may_upload(en, staff):
    draft = demo_case(HANGWEN, ApprovalStage.CONSTRUCTION_PERMIT)
    required = services.stage_documents(draft.stage).first()
    response = en(staff).post(f"/approvals/{draft.pk}/documents/{required.pk}/upload/",
                              {"file": demo_pdf(required.name)})
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------- moves of the case
def test_case_moves_through_the_page_and_a_refused_move_shows_its_message(en, owner, staff):
    draft = demo_case(HANGWEN, ApprovalStage.CONSTRUCTION_PERMIT)
    owner_client, staff_client = en(owner), en(staff)
    page = owner_client.get(draft.get_absolute_url())
    assert [t.name for t in page.context["moves"]] == ["submit"]
    assert page.context["application_form"] is not None  # editable in draft

    # Nothing uploaded: submitting asks for a confirmation first (test_submit_with_missing_documents_...).
    assert owner_client.post(f"/approvals/{draft.pk}/moves/submit/").status_code == 400
    assert owner_client.post(f"/approvals/{draft.pk}/moves/submit/", {"confirm_missing": "on"}).status_code == 302
    draft.refresh_from_db()
    assert draft.state == CaseState.SUBMITTED

    staff_page = staff_client.get(draft.get_absolute_url())
    assert {t.name for t in staff_page.context["moves"]} == {"request_correction", "accept",
                                                             "accept_with_deficiency", "reject"}
    # Nothing uploaded: accepting is refused, and the page says why.
    refused = staff_client.post(f"/approvals/{draft.pk}/moves/accept/", follow=True)
    assert refused.status_code == 200
    assert "Documents are missing:" in html(refused)
    assert ApprovalCase.objects.get(pk=draft.pk).state == CaseState.SUBMITTED

    empty = staff_client.post(f"/approvals/{draft.pk}/moves/request_correction/", {"items": "  \n "})
    assert empty.status_code == 400 and "items" in empty.context["form"].errors
    sent = staff_client.post(f"/approvals/{draft.pk}/moves/request_correction/",
                             {"items": "缺少施工合同\n\n缺少监理合同\n", "message": "请一次补齐"})
    assert sent.status_code == 302
    draft.refresh_from_db()
    assert draft.state == CaseState.CORRECTION_REQUESTED
    assert draft.correction_notices.get().items == ["缺少施工合同", "缺少监理合同"]
    assert "缺少监理合同" in html(owner_client.get(draft.get_absolute_url()))

    # The applicant may not take the window's moves; a move the state does not allow is refused with a message.
    assert owner_client.post(f"/approvals/{draft.pk}/moves/accept/").status_code == 403
    late = staff_client.post(f"/approvals/{draft.pk}/moves/reject/", {"reason": "材料不全"}, follow=False)
    assert late.status_code == 400
    assert "This cannot be done while the state is “Correction requested”." in html(late)
    assert staff_client.post(f"/approvals/{draft.pk}/moves/complete/").status_code == 404


def test_application_form_is_edited_on_the_case_page(en, owner):
    draft = demo_case(HANGWEN, ApprovalStage.CONSTRUCTION_PERMIT)
    client = en(owner)
    bad = client.post(f"/approvals/{draft.pk}/form/", {**FORM, "land_area": "abc"})
    assert bad.status_code == 400 and "land_area" in bad.context["application_form"].errors
    good = client.post(f"/approvals/{draft.pk}/form/", {**FORM, "location": "浙江省金华市"})
    assert good.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data["location"] == "浙江省金华市"
    assert AuditEvent.objects.filter(object_id=str(draft.pk), action="update").exists()


def test_accept_with_deficiency_takes_one_due_date_per_missing_non_core_document(en, owner, staff):
    project = Project.objects.get(name=HANGSHAOTAI)
    case = services.case_create(actor=owner, project=project, stage=ApprovalStage.CONSTRUCTION_PERMIT,
                                form_data=FORM)
    for doc in services.stage_documents(case.stage):
        if doc.is_core:
            services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf(doc.name))
    services.case_submit(actor=owner, case=case)
    missing = [d for d in services.missing_documents(case)]
    assert missing and not any(d.is_core for d in missing)
    client = en(staff)
    form = client.get(f"/approvals/{case.pk}/moves/accept_with_deficiency/").context["form"]
    assert set(form.fields) == {f"due_{d.pk}" for d in missing}

    today = timezone.localdate()
    too_late = {f"due_{d.pk}": workdays.add_workdays(today, 1) for d in missing}
    first = missing[0]
    too_late[f"due_{first.pk}"] = workdays.add_workdays(today, first.item.time_limit_days) + datetime.timedelta(1)
    refused = client.post(f"/approvals/{case.pk}/moves/accept_with_deficiency/", too_late)
    assert refused.status_code == 400
    assert refused.context["form"].errors[f"due_{first.pk}"][0].startswith(f"“{first.name}”: the due date may not")

    ok = {f"due_{d.pk}": workdays.add_workdays(today, 1) for d in missing}
    assert client.post(f"/approvals/{case.pk}/moves/accept_with_deficiency/", ok).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED_WITH_DEFICIENCY
    assert Commitment.objects.filter(case=case).count() == len(missing)


def test_overdue_commitment_is_red_and_staff_may_revoke(en, staff, owner):
    deficient = demo_case(QUZHOU, ApprovalStage.CONSTRUCTION_PERMIT)
    page = en(owner).get(deficient.get_absolute_url())
    assert all(overdue for _, overdue in page.context["commitments"])
    assert 'class="row-overdue"' in html(page)
    assert "halt" not in [t.name for t in page.context["moves"]]
    staff_client = en(staff)
    assert "halt" in [t.name for t in staff_client.get(deficient.get_absolute_url()).context["moves"]]
    assert staff_client.post(f"/approvals/{deficient.pk}/moves/halt/", {"reason": "承诺期满仍未补交"}).status_code == 302
    deficient.refresh_from_db()
    assert deficient.state == CaseState.HALTED and deficient.halt_reason == "承诺期满仍未补交"


# ------------------------------------------------------------------------------------- department review
def test_reviewer_queue_shows_only_the_departments_items(en, reviewer, owner, staff):
    case = accepted_case(owner, staff, Project.objects.get(name=HANGSHAOTAI), workdays_ago=18)
    mine = set(case.reviews.filter(department=reviewer.organization).values_list("pk", flat=True))
    others = case.reviews.exclude(department=reviewer.organization)
    assert mine and others.exists()
    client = en(reviewer)

    # the department's running items: this case's and those the demo leaves waiting for 发改 (环湖大堤's land use)
    running = set(ItemReview.objects.filter(department=reviewer.organization, state__in=[
        ReviewState.PENDING, ReviewState.IN_REVIEW]).values_list("pk", flat=True))
    assert mine < running

    open_rows = client.get("/approvals/queue/").context["rows"]
    assert {row.review.pk for row in open_rows} == running
    assert {row.review.department_id for row in open_rows} == {reviewer.organization_id}
    assert [row.review.due_on for row in open_rows] == sorted(row.review.due_on for row in open_rows)
    # 20 and 10 working days, 18 used
    assert {row.light for row in open_rows if row.review.pk in mine} == {"amber", "red"}

    every = client.get("/approvals/queue/", {"show": "all"}).context["rows"]
    assert {row.review.department_id for row in every} == {reviewer.organization_id}
    assert [row.review.is_running for row in every] == sorted((r.review.is_running for r in every), reverse=True)
    decided = client.get("/approvals/queue/", {"show": "decided"}).context["rows"]
    assert decided and all(row.review.state == ReviewState.APPROVED for row in decided)
    page = html(client.get("/approvals/queue/"))
    for other in others.select_related("item"):
        assert other.item.name not in page


def test_decision_through_the_page_and_a_second_post_is_refused(en, reviewer, owner, staff):
    case = accepted_case(owner, staff, Project.objects.get(name=HANGSHAOTAI), workdays_ago=3)
    review = fgw_review(case, ReviewState.PENDING)
    client = en(reviewer)
    page = client.get(review.get_absolute_url())
    assert [(b.name, b.enabled) for b in page.context["moves"]] == [("start", True)]
    assert page.context["decision_form"] is not None

    missing_opinion = client.post(f"/approvals/reviews/{review.pk}/decide/", {"decision": "reject"})
    assert missing_opinion.status_code == 400
    assert missing_opinion.context["decision_form"].errors["opinion"] == ["This field is required."]

    decided = client.post(f"/approvals/reviews/{review.pk}/decide/",
                          {"decision": "approve_with_conditions", "opinion": "同意", "conditions": "补充节能措施"})
    assert decided.status_code == 302
    review.refresh_from_db()
    assert review.state == ReviewState.APPROVED_WITH_CONDITIONS and review.reviewer == reviewer
    assert review.conditions == "补充节能措施"

    second = client.post(f"/approvals/reviews/{review.pk}/decide/", {"decision": "reject", "opinion": "不同意"})
    assert second.status_code == 400
    assert "This cannot be done while the state is “Approved with conditions”." in html(second)
    review.refresh_from_db()
    assert review.state == ReviewState.APPROVED_WITH_CONDITIONS
    assert client.get(review.get_absolute_url()).context["decision_form"] is None


def test_only_the_department_decides(en, staff, owner):
    case = accepted_case(owner, staff, Project.objects.get(name=HANGSHAOTAI))
    review = fgw_review(case)
    payload = {"decision": "approve", "opinion": "同意"}
    assert en(staff).post(f"/approvals/reviews/{review.pk}/decide/", payload).status_code == 403
    assert en(owner).post(f"/approvals/reviews/{review.pk}/decide/", payload).status_code == 403
    zrzy = User.objects.get(username="zrzy_reviewer")
    assert en(zrzy).post(f"/approvals/reviews/{review.pk}/decide/", payload).status_code == 404
    assert ItemReview.objects.get(pk=review.pk).state == ReviewState.PENDING


def test_start_then_correction_then_the_applicant_resumes(en, reviewer, owner, staff):
    case = accepted_case(owner, staff, Project.objects.get(name=HANGSHAOTAI))
    review = fgw_review(case)
    client = en(reviewer)
    assert client.post(f"/approvals/reviews/{review.pk}/start/").status_code == 302
    assert ItemReview.objects.get(pk=review.pk).state == ReviewState.IN_REVIEW
    again = client.post(f"/approvals/reviews/{review.pk}/start/", follow=True)
    assert "This cannot be done while the state is “In review”." in html(again)
    client.post(f"/approvals/reviews/{review.pk}/decide/", {"decision": "request_correction", "opinion": "补充节能报告"})
    assert ItemReview.objects.get(pk=review.pk).state == ReviewState.CORRECTION_REQUESTED

    owner_client = en(owner)
    page = owner_client.get(review.get_absolute_url())
    assert [(b.name, b.enabled) for b in page.context["moves"]] == [("resume", True)]
    assert 'data-testid="move-resume"' in html(page)
    assert client.post(f"/approvals/reviews/{review.pk}/resume/").status_code == 403  # not the applicant
    assert owner_client.post(f"/approvals/reviews/{review.pk}/resume/").status_code == 302
    assert ItemReview.objects.get(pk=review.pk).state == ReviewState.IN_REVIEW


# ------------------------------------------------------------------------------------------- joint review
def test_staff_schedule_a_joint_review_and_record_minutes(en, staff, owner):
    running = demo_case(HANGWEN, ApprovalStage.ENGINEERING_PLANNING)
    client = en(staff)
    form = client.get(running.get_absolute_url()).context["joint_form"]
    invitable = set(form.fields["attendees"].queryset)
    zrzy = User.objects.get(username="zrzy_reviewer")
    assert staff in invitable and zrzy in invitable and User.objects.get(username="reviewer") not in invitable
    when = (timezone.localtime() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    past = client.post(f"/approvals/{running.pk}/joint-reviews/", {
        "scheduled_at": "2020-01-02T09:00", "location": "省重点办3楼会议室", "attendees": [zrzy.pk]})
    assert past.status_code == 400 and "scheduled_at" in past.context["joint_form"].errors
    response = client.post(f"/approvals/{running.pk}/joint-reviews/", {
        "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "location": "省重点办3楼会议室",
        "attendees": [zrzy.pk, staff.pk]})
    assert response.status_code == 302
    sitting = JointReview.objects.get(case=running)
    assert set(sitting.attendees.all()) == {zrzy, staff}
    assert client.post(f"/approvals/joint-reviews/{sitting.pk}/minutes/", {"minutes": "各部门同意"}).status_code == 302
    sitting.refresh_from_db()
    assert sitting.minutes == "各部门同意" and sitting.held_at is not None
    # The applicant sees the sitting but may not schedule one.
    owner_page = en(owner).get(running.get_absolute_url())
    assert owner_page.context["joint_form"] is None and "各部门同意" in html(owner_page)
    assert en(owner).post(f"/approvals/joint-reviews/{sitting.pk}/minutes/", {"minutes": "x"}).status_code == 403


# --------------------------------------------------------------------------------- statistics and catalogue
def test_statistics_show_elapsed_days_against_the_targets(en, leader):
    response = en(leader).get("/approvals/statistics/")
    assert response.context["stage_rows"] and response.context["projects"]
    page = html(response)
    assert "The national target is 120 working days" in page and "the cities aim for 90" in page


def test_staff_edit_the_catalogue_and_it_is_audited(en, staff):
    item = CatalogueItem.objects.get(code="LY04")
    client = en(staff)
    bad = client.post(f"/approvals/catalogue/items/{item.pk}/edit/", {"name": item.name, "time_limit_days": 0,
                                                                       "is_active": "on"})
    assert bad.status_code == 200 and "time_limit_days" in bad.context["form"].errors
    ok = client.post(f"/approvals/catalogue/items/{item.pk}/edit/", {"name": item.name, "time_limit_days": 8,
                                                                      "is_active": "on"})
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.time_limit_days == 8
    event = AuditEvent.objects.filter(object_id=str(item.pk), action="update").latest("id")
    assert event.changes == {"time_limit_days": [10, 8]} and event.actor == staff

    added = client.post(f"/approvals/catalogue/items/{item.pk}/documents/new/", {"name": "能耗测算表"})
    assert added.status_code == 302
    assert item.documents.filter(name="能耗测算表", is_core=False).exists()
    duplicate = client.post(f"/approvals/catalogue/items/{item.pk}/documents/new/", {"name": "能耗测算表"})
    assert "name" in duplicate.context["form"].errors
    assert "能耗测算表" in html(client.get("/approvals/catalogue/"))


# -------------------------------------------------------------------------------------------- home pages
def test_home_pages_show_the_approvals_card_of_each_role(en, staff, leader, reviewer, owner):
    for user in (staff, leader):
        response = en(user).get("/")
        lights = response.context["approval_lights"]
        assert lights["red"] == 1 and lights["amber"] == 1 and lights["window"] == 1
        assert lights["open"] == ApprovalCase.objects.filter(state__in=[
            CaseState.SUBMITTED, CaseState.CORRECTION_REQUESTED, CaseState.ACCEPTED,
            CaseState.ACCEPTED_WITH_DEFICIENCY]).count()
    case = accepted_case(owner, staff, Project.objects.get(name=HANGSHAOTAI), workdays_ago=18)
    rows = en(reviewer).get("/").context["review_rows"]
    # this case's items, and those of the demo's case waiting for 发改 (环湖大堤's land use); the red one first
    assert {row.review.case_id for row in rows} == set(ItemReview.objects.filter(
        department=reviewer.organization, state__in=[ReviewState.PENDING, ReviewState.IN_REVIEW]).values_list(
        "case_id", flat=True)) and case.pk in {row.review.case_id for row in rows}
    assert rows[0].light == "red" and rows[0].review.case_id == case.pk
    owner_rows = en(owner).get("/").context["case_rows"]
    assert {c.pk for c, _, _ in owner_rows} == set(ApprovalCase.objects.filter(
        applicant=owner.organization, state__in=[CaseState.SUBMITTED, CaseState.CORRECTION_REQUESTED,
                                                 CaseState.ACCEPTED, CaseState.ACCEPTED_WITH_DEFICIENCY],
    ).values_list("pk", flat=True))


def test_light_counts_match_the_board(en, staff):
    """The home card counts in SQL what the board computes per case: both must agree."""
    board = en(staff).get("/approvals/", {"state": ""}).context["rows"]
    lights = en(staff).get("/").context["approval_lights"]
    for colour in ("red", "amber", "green"):
        assert lights[colour] == sum(1 for case, light, _ in board if light == colour and case.is_open), colour


# ------------------------------------------------------------------------------------------- query counts
def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = {"staff": ["/approvals/", "/"], "owner": ["/approvals/mine/", "/"], "reviewer": ["/approvals/queue/",
                                                                                       "/approvals/queue/?show=all", "/"]}


def test_list_query_counts_do_not_grow_with_cases(en, staff, owner):
    accepted_case(owner, staff, Project.objects.get(name=HANGSHAOTAI))  # an empty queue skips its page query
    clients = {name: en(User.objects.get(username=name)) for name in PAGES}
    for client in clients.values():
        client.get("/")  # warm the session
    before = {(n, url): count_queries(clients[n], url) for n, urls in PAGES.items() for url in urls}
    for i, project in enumerate(new_projects(staff, 10)):
        accepted_case(owner, staff, project, workdays_ago=i * 2)
    after = {(n, url): count_queries(clients[n], url) for n, urls in PAGES.items() for url in urls}
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert max(after.values()) <= 20, after
