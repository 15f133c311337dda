"""The approval case and item state machines, the legal rules of the window, and the working-day clock."""

import datetime
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from approvals import services
from approvals.demo import demo_pdf
from approvals.models import ApprovalCase, ApprovalStage, CaseState, CommitmentState, ItemReview, ReviewState
from portal.accounts.models import User
from portal.accounts.services import organization_set_credit_standing
from portal.audit.models import AuditEvent
from portal.core import workdays
from portal.core.errors import ApplicationError
from projects.models import Project

pytestmark = pytest.mark.django_db

def reviewer_of(review) -> User:
    """A department reviewer of the item's department: the one who may decide it (ItemReview.workflow)."""
    return User.objects.filter(organization_id=review.department_id, groups__name="department_reviewer",
                               is_active=True).order_by("pk").first()



@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


@pytest.fixture
def project(owner):
    """A project of the owner's organisation with no approval case yet."""
    return Project.objects.filter(participants__organization=owner.organization).exclude(
        approval_cases__isnull=False).first()


def new_case(owner, project, stage=ApprovalStage.LAND_USE_PLANNING, *, upload="all"):
    case = services.case_create(actor=owner, project=project, stage=stage, form_data={"scale": "一期"})
    docs = list(services.stage_documents(stage))
    if upload == "core":
        docs = [d for d in docs if d.is_core]
    for doc in docs if upload else []:
        services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf(doc.name))
    return case


def refresh(obj):
    obj.refresh_from_db()
    return obj


# ------------------------------------------------------------------------------------ case state machine
ALL_MOVES = ["submit", "request_correction", "accept", "accept_with_deficiency", "reject", "complete", "halt"]
ALLOWED = {
    CaseState.DRAFT: {"submit"},
    CaseState.SUBMITTED: {"request_correction", "accept", "accept_with_deficiency", "reject"},
    CaseState.CORRECTION_REQUESTED: {"submit"},
    CaseState.ACCEPTED: {"complete"},
    CaseState.ACCEPTED_WITH_DEFICIENCY: {"complete", "halt"},
    CaseState.REJECTED: set(),
    CaseState.COMPLETED: set(),
    CaseState.HALTED: set(),
}


@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize("move", ALL_MOVES)
def test_case_machine_lists_exactly_the_moves_of_the_domain(state, move):
    case = ApprovalCase(state=state)
    refusal = case.workflow.state_refusal(case, case.workflow.transitions[move])
    if move in ALLOWED[state]:
        assert refusal is None
    else:
        assert refusal.code == "invalid_transition" and refusal.error().http_status == 409


def test_forbidden_service_call_changes_nothing(owner, project, staff):
    case = new_case(owner, project)
    with pytest.raises(ApplicationError, match="cannot be done while the state is “Draft”"):
        services.case_accept(actor=staff, case=case)
    assert refresh(case).state == CaseState.DRAFT
    assert not ItemReview.objects.filter(case=case).exists()


def test_review_machine():
    allowed = {
        ReviewState.PENDING: {"start", "approve", "approve_with_conditions", "reject", "request_correction"},
        ReviewState.IN_REVIEW: {"approve", "approve_with_conditions", "reject", "request_correction"},
        ReviewState.CORRECTION_REQUESTED: {"resume"},
        ReviewState.APPROVED: set(), ReviewState.APPROVED_WITH_CONDITIONS: set(), ReviewState.REJECTED: set(),
    }
    for state, moves in allowed.items():
        for move in ItemReview.workflow.transitions:
            review = ItemReview(state=state)
            refusal = review.workflow.state_refusal(review, review.workflow.transitions[move])
            assert (refusal is None) == (move in moves), (state, move)


# ------------------------------------------------------------------------------------------------ window
def test_full_acceptance_needs_every_document(owner, project, staff):
    case = new_case(owner, project, upload="core")
    services.case_submit(actor=owner, case=case)
    with pytest.raises(ApplicationError, match="Documents are missing"):
        services.case_accept(actor=staff, case=case)


def test_acceptance_sends_every_item_to_its_department_at_once(owner, project, staff):
    case = new_case(owner, project)
    services.case_submit(actor=owner, case=case)
    services.case_accept(actor=staff, case=case)
    reviews = list(case.reviews.select_related("item"))
    assert len(reviews) == services.stage_items(case.stage).count() == 5
    today = timezone.localdate()
    assert {r.started_on for r in reviews} == {today}
    for r in reviews:
        assert r.due_on == workdays.add_workdays(today, r.item.time_limit_days)
    reviewer = User.objects.get(username="reviewer")  # 发改委 owns two items of this stage
    assert reviewer.notifications.filter(event_key__startswith=f"case:{case.pk}:item:").count() == 2


def test_deficiency_acceptance_rules(owner, project, staff):
    case = new_case(owner, project, upload="core")
    services.case_submit(actor=owner, case=case)
    missing = services.missing_documents(case)
    assert missing and not any(d.is_core for d in missing)
    today = timezone.localdate()
    late = {d.pk: workdays.add_workdays(today, d.item.time_limit_days) + timedelta(days=1) for d in missing}
    with pytest.raises(ApplicationError) as exc:
        services.case_accept_with_deficiency(actor=staff, case=case, commitments=late)
    assert set(exc.value.extra) == {f"due_{d.pk}" for d in missing}
    assert "may not be later than the item's time limit" in exc.value.extra[f"due_{missing[0].pk}"][0]

    ok = {d.pk: workdays.add_workdays(today, 1) for d in missing}
    services.case_accept_with_deficiency(actor=staff, case=case, commitments=ok)
    assert refresh(case).state == CaseState.ACCEPTED_WITH_DEFICIENCY
    assert case.commitments.filter(state=CommitmentState.OPEN).count() == len(missing)


def test_no_deficiency_acceptance_for_a_dishonest_applicant(owner, project, staff):
    case = new_case(owner, project, upload="core")
    services.case_submit(actor=owner, case=case)
    organization_set_credit_standing(actor=staff, organization=owner.organization, standing="dishonest",
                                     reason="失信被执行人")
    with pytest.raises(ApplicationError) as exc:
        services.case_accept_with_deficiency(actor=staff, case=case, commitments={})
    assert exc.value.code == "dishonest_applicant"
    assert refresh(case).state == CaseState.SUBMITTED


def test_core_documents_are_required_for_deficiency_acceptance(owner, project, staff):
    case = new_case(owner, project, upload=None)
    services.case_submit(actor=owner, case=case, missing_confirmed=True)
    with pytest.raises(ApplicationError, match="Core documents are missing"):
        services.case_accept_with_deficiency(actor=staff, case=case, commitments={})


def test_one_correction_notice_listing_everything_then_resubmission(owner, project, staff):
    case = new_case(owner, project, upload="core")
    services.case_submit(actor=owner, case=case)
    with pytest.raises(ApplicationError, match="List everything that is missing"):
        services.case_request_correction(actor=staff, case=case, items=["  ", ""])
    notice = services.case_request_correction(actor=staff, case=case, items=["缺少社会稳定风险评估报告", "缺少勘测定界图"])
    assert refresh(case).state == CaseState.CORRECTION_REQUESTED and notice.items == [
        "缺少社会稳定风险评估报告", "缺少勘测定界图"]
    assert owner.notifications.get(event_key=f"case:{case.pk}:correction:{notice.pk}").body.count("\n") == 1
    services.case_submit(actor=owner, case=case)
    assert refresh(notice).resubmitted_at is not None


def test_correction_notice_after_five_working_days_is_refused_and_the_case_counts_as_accepted(owner, project, staff):
    from approvals.deadlines import deemed_acceptances

    case = new_case(owner, project)
    services.case_submit(actor=owner, case=case)
    submitted = datetime.date(2025, 9, 26)  # Friday before National Day
    ApprovalCase.objects.filter(pk=case.pk).update(
        submitted_at=datetime.datetime(2025, 9, 26, 10, 0, tzinfo=timezone.get_current_timezone()))
    # 5 working days after 26 Sep 2025: 28 (Sunday, make-up), 29, 30 Sep, 9, 10 Oct.
    assert services.correction_deadline(refresh(case)) == datetime.date(2025, 10, 10)
    with pytest.raises(ApplicationError) as exc:
        services.case_request_correction(actor=staff, case=case, items=["缺少节能报告"])
    assert exc.value.code == "deadline_passed"
    assert deemed_acceptances(datetime.date(2025, 10, 10)) == 0  # still within the limit that day
    assert deemed_acceptances(datetime.date(2025, 10, 13)) == 1
    case = refresh(case)
    assert case.state == CaseState.ACCEPTED and case.deemed_accepted and case.accepted_on == submitted
    assert {r.started_on for r in case.reviews.all()} == {submitted}


def test_reject_needs_a_reason_and_allows_a_new_application(owner, project, staff):
    case = new_case(owner, project)
    services.case_submit(actor=owner, case=case)
    with pytest.raises(ApplicationError, match="reason for rejection"):
        services.case_reject(actor=staff, case=case, reason=" ")
    services.case_reject(actor=staff, case=case, reason="不属于重点项目审批范围")
    assert refresh(case).state == CaseState.REJECTED
    again = services.case_create(actor=owner, project=project, stage=case.stage)
    assert again.state == CaseState.DRAFT


def test_only_participants_apply_and_once_per_stage(owner, project, other_contractor):
    with pytest.raises(ApplicationError, match="taking part in the project"):
        services.case_create(actor=other_contractor, project=project, stage=ApprovalStage.LAND_USE_PLANNING)
    new_case(owner, project)
    with pytest.raises(ApplicationError, match="already has an application"):
        services.case_create(actor=owner, project=project, stage=ApprovalStage.LAND_USE_PLANNING)


# -------------------------------------------------------------------------------------- parallel review
def accepted_case(owner, project, staff):
    case = new_case(owner, project)
    services.case_submit(actor=owner, case=case)
    services.case_accept(actor=staff, case=case)
    return case


def test_a_decided_item_cannot_be_decided_again(owner, project, staff):
    case = accepted_case(owner, project, staff)
    review = case.reviews.filter(department__department_code="fgw").first()
    reviewer = User.objects.get(username="reviewer")
    services.review_decide(actor=reviewer, review=review, decision="approve", opinion="同意")
    with pytest.raises(ApplicationError) as exc:
        services.review_decide(actor=reviewer, review=review, decision="reject", opinion="不同意")
    assert exc.value.code == "invalid_transition"
    review = refresh(review)
    assert review.state == ReviewState.APPROVED and review.opinion == "同意"


def test_decisions_need_reasons(owner, project, staff):
    review = accepted_case(owner, project, staff).reviews.first()
    with pytest.raises(ApplicationError, match="Give your opinion"):
        services.review_decide(actor=reviewer_of(review), review=review, decision="reject")
    with pytest.raises(ApplicationError, match="State the conditions"):
        services.review_decide(actor=reviewer_of(review), review=review, decision="approve_with_conditions", opinion="x")


def test_item_correction_stops_the_clock_and_extends_the_due_date(owner, project, staff):
    case = accepted_case(owner, project, staff)
    review = case.reviews.select_related("item").first()
    start = datetime.date(2025, 9, 25)
    ItemReview.objects.filter(pk=review.pk).update(
        started_on=start, due_on=workdays.add_workdays(start, review.item.time_limit_days))
    services.review_decide(actor=reviewer_of(review), review=review, decision="request_correction", opinion="补充图纸")
    ItemReview.objects.filter(pk=review.pk).update(paused_since=datetime.date(2025, 9, 30))
    services.review_resume(actor=owner, review=review)
    review = refresh(review)
    stopped = workdays.workdays_between(datetime.date(2025, 9, 30), timezone.localdate())
    assert review.state == ReviewState.IN_REVIEW and review.paused_workdays == stopped
    assert review.due_on == workdays.add_workdays(start, review.item.time_limit_days + stopped)


def test_case_completes_when_all_items_approved_and_commitments_fulfilled(owner, project, staff,
                                                                          django_capture_on_commit_callbacks):
    case = new_case(owner, project, upload="core")
    services.case_submit(actor=owner, case=case)
    missing = services.missing_documents(case)
    services.case_accept_with_deficiency(
        actor=staff, case=case, commitments={d.pk: workdays.add_workdays(timezone.localdate(), 2) for d in missing})
    for review in case.reviews.all():
        services.review_decide(actor=reviewer_of(review), review=review, decision="approve_with_conditions", opinion="同意",
                               conditions="施工前完成文物勘探")
    assert refresh(case).state == CaseState.ACCEPTED_WITH_DEFICIENCY  # commitments still open
    with django_capture_on_commit_callbacks(execute=True):
        for doc in missing:
            services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf(doc.name))
    case = refresh(case)
    assert case.state == CaseState.COMPLETED and case.permit_number.startswith("LY")
    assert case.permit_pdf.name.endswith(".pdf")
    with case.permit_pdf.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_revoking_a_deficiency_acceptance_halts_the_case(owner, project, staff):
    case = new_case(owner, project, upload="core")
    services.case_submit(actor=owner, case=case)
    services.case_accept_with_deficiency(
        actor=staff, case=case,
        commitments={d.pk: timezone.localdate() for d in services.missing_documents(case)})
    services.case_revoke_deficiency(actor=staff, case=case, reason="承诺逾期未履行")
    case = refresh(case)
    assert case.state == CaseState.HALTED
    assert not case.commitments.filter(state=CommitmentState.OPEN).exists()
    with pytest.raises(ApplicationError):
        services.review_decide(actor=reviewer_of(case.reviews.first()), review=case.reviews.first(), decision="approve")


def test_documents_are_versioned_and_checksummed(owner, project):
    import hashlib

    case = new_case(owner, project, upload=None)
    doc = services.stage_documents(case.stage).first()
    first = services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf("v1"))
    second = services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf("v2"))
    first.refresh_from_db()
    assert (first.version, first.superseded, second.version, second.superseded) == (1, True, 2, False)
    with second.file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == second.sha256
    assert "v2" not in second.file.name and second.file.name.endswith(".pdf")  # a generated name


@pytest.mark.parametrize(("name", "content", "message"), [
    ("virus.exe", b"MZ\x90\x00", "are not accepted"),
    ("fake.pdf", b"hello, not a pdf", "is not a .pdf file"),
    (".htaccess", b"%PDF-1.4", "plain name"),
    ("report.docx", b"PK\x03\x04garbage", "is not a .docx file"),
    ("empty.pdf", b"", "is empty"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(owner, project, name, content, message):
    case = new_case(owner, project, upload=None)
    doc = services.stage_documents(case.stage).first()
    with pytest.raises(ApplicationError, match=message) as exc:
        services.document_upload(actor=owner, case=case, required_document=doc,
                                 upload=SimpleUploadedFile(name, content))
    assert "file" in exc.value.extra
    assert not case.documents.exists()


def test_every_move_is_audited(owner, project, staff):
    case = accepted_case(owner, project, staff)
    moves = list(AuditEvent.objects.filter(object_id=str(case.pk), action="transition",
                                           content_type__model="approvalcase")
                 .order_by("id").values_list("from_state", "to_state", "actor__username"))
    assert moves == [("draft", "submitted", "owner"), ("submitted", "accepted", "staff")]


def test_a_path_like_name_never_reaches_the_file_system(owner, project, settings):
    """Django keeps only the last part of an uploaded file's name; the stored name is generated anyway."""
    from pathlib import Path

    case = new_case(owner, project, upload=None)
    doc = services.stage_documents(case.stage).first()
    stored = services.document_upload(actor=owner, case=case, required_document=doc,
                                      upload=SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.4 x"))
    assert stored.original_name == "passwd.pdf"
    path = Path(stored.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in path.name
