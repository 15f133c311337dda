"""Issue 9, defect 5: submitting with missing documents warns (and, with core documents missing, asks for a
confirmation); the 一次性告知 form starts from the missing documents; documents under review or approved are
locked, except during a correction (the window's or the item's department's) and for an open commitment."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from approvals import services
from approvals.demo import FORM, demo_pdf
from approvals.models import ApprovalCase, ApprovalStage, CaseDocument, CaseState, ReviewState
from portal.accounts.models import User
from portal.core.errors import ApplicationError
from projects.models import Project

pytestmark = pytest.mark.django_db

CASES = "/api/v1/approvals/cases/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


@pytest.fixture
def en(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def reviewer_of(review) -> User:
    return User.objects.filter(organization_id=review.department_id, groups__name="department_reviewer",
                               is_active=True).order_by("pk").first()


def new_case(owner, *, upload="all") -> ApprovalCase:
    """A land-use planning case of a project of the owner's with none yet; `upload`: all, core or none."""
    project = Project.objects.filter(participants__organization=owner.organization).exclude(
        approval_cases__isnull=False).first()
    case = services.case_create(actor=owner, project=project, stage=ApprovalStage.LAND_USE_PLANNING, form_data=FORM)
    for doc in services.stage_documents(case.stage):
        if upload == "all" or (upload == "core" and doc.is_core):
            services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf(doc.name))
    return case


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def core_document(case):
    return next(d for d in services.stage_documents(case.stage) if d.is_core)


# ------------------------------------------------------------------------------------------------ locks
def test_after_approval_a_new_version_is_refused_with_the_reason_and_nothing_is_stored(en, owner, staff):
    accepted = new_case(owner)
    services.case_submit(actor=owner, case=accepted)
    services.case_accept(actor=staff, case=accepted)
    review = accepted.reviews.select_related("item").order_by("pk").first()
    services.review_decide(actor=reviewer_of(review), review=review, decision="approve", opinion="同意")
    document = review.item.documents.filter(is_active=True).first()
    before_rows, before_files = CaseDocument.objects.count(), stored_files()

    with pytest.raises(ApplicationError) as exc:
        services.document_upload(actor=owner, case=accepted, required_document=document,
                                 upload=demo_pdf(document.name))
    assert "Locked" in exc.value.message and review.item.name in exc.value.message and "Approved" in exc.value.message
    assert exc.value.extra["file"] == [exc.value.message]

    client = en(owner)
    page = client.post(f"/approvals/{accepted.pk}/documents/{document.pk}/upload/", {"file": demo_pdf(document.name)})
    assert page.status_code == 400 and "Locked: the item" in page.content.decode()
    api = client.post(f"{CASES}{accepted.pk}/documents/", {"required_document": document.pk,
                                                           "file": demo_pdf(document.name)})
    assert api.status_code == 409 and "Locked" in api.json()["error"]["message"]
    # The items still pending at the department are locked as well: under review, nothing is replaced.
    pending = accepted.reviews.exclude(pk=review.pk).select_related("item").first()
    other = pending.item.documents.filter(is_active=True).first()
    with pytest.raises(ApplicationError, match="Locked"):
        services.document_upload(actor=owner, case=accepted, required_document=other, upload=demo_pdf(other.name))
    assert CaseDocument.objects.count() == before_rows and stored_files() == before_files

    # The page shows the lock the service applies: no upload form, the reason instead.
    shown = client.get(accepted.get_absolute_url())
    rows = {doc.pk: (form, locked) for doc, _, form, locked in shown.context["documents"]}
    assert rows[document.pk][0] is None and "Approved" in rows[document.pk][1]
    assert all(form is None and locked for form, locked in rows.values())
    assert 'data-testid="document-locked"' in shown.content.decode()


def test_during_the_windows_correction_documents_may_be_replaced(owner, staff):
    case = new_case(owner)
    services.case_submit(actor=owner, case=case)
    services.case_request_correction(actor=staff, case=case, items=["可行性研究报告缺少评审意见"])
    document = core_document(case)
    doc = services.document_upload(actor=owner, case=case, required_document=document, upload=demo_pdf("补正"))
    assert doc.version == 2


def test_the_documents_of_an_item_sent_back_for_correction_may_be_replaced_and_only_those(en, owner, staff):
    case = new_case(owner)
    services.case_submit(actor=owner, case=case)
    services.case_accept(actor=staff, case=case)
    review = case.reviews.select_related("item").order_by("pk").first()
    services.review_decide(actor=reviewer_of(review), review=review, decision="request_correction", opinion="补图纸")
    ours = review.item.documents.filter(is_active=True).first()
    theirs = next(d for d in services.stage_documents(case.stage) if d.item_id != review.item_id)

    doc = services.document_upload(actor=owner, case=case, required_document=ours, upload=demo_pdf(ours.name))
    assert doc.version == 2
    with pytest.raises(ApplicationError, match="Locked"):
        services.document_upload(actor=owner, case=case, required_document=theirs, upload=demo_pdf(theirs.name))

    page = en(owner).get(case.get_absolute_url())
    rows = {d.pk: (form, locked) for d, _, form, locked in page.context["documents"]}
    assert rows[ours.pk][0] is not None and rows[ours.pk][1] == ""
    assert rows[theirs.pk][0] is None and "Locked" in rows[theirs.pk][1]

    # Corrected: the review resumes and the item's documents are locked again.
    services.review_resume(actor=owner, review=review)
    assert case.reviews.get(pk=review.pk).state == ReviewState.IN_REVIEW
    with pytest.raises(ApplicationError, match="Locked"):
        services.document_upload(actor=owner, case=case, required_document=ours, upload=demo_pdf(ours.name))


def test_every_item_approved_the_core_documents_are_locked_but_a_promised_one_may_come(owner, staff):
    case = new_case(owner, upload="core")
    services.case_submit(actor=owner, case=case)
    promised = services.missing_documents(case)
    services.case_accept_with_deficiency(actor=staff, case=case,
                                         commitments={d.pk: timezone.localdate() for d in promised})
    for review in case.reviews.all():
        services.review_decide(actor=reviewer_of(review), review=review, decision="approve", opinion="同意")
    assert ApprovalCase.objects.get(pk=case.pk).state == CaseState.ACCEPTED_WITH_DEFICIENCY  # commitments open
    core = core_document(case)
    with pytest.raises(ApplicationError, match="Locked"):
        services.document_upload(actor=owner, case=case, required_document=core, upload=demo_pdf(core.name))
    doc = services.document_upload(actor=owner, case=case, required_document=promised[0],
                                   upload=demo_pdf(promised[0].name))
    assert doc.version == 1 and case.commitments.get(required_document=promised[0]).state == "fulfilled"
    if len(promised) > 1:  # the case is still open: the fulfilled document is locked like the rest
        with pytest.raises(ApplicationError, match="Locked"):
            services.document_upload(actor=owner, case=case, required_document=promised[0],
                                     upload=demo_pdf(promised[0].name))


# ------------------------------------------------------------------------------------------ correction form
def test_the_correction_notice_starts_from_the_missing_documents(en, owner, staff):
    case = new_case(owner, upload="core")
    services.case_submit(actor=owner, case=case)
    missing = [d.name for d in services.missing_documents(case)]
    assert missing
    page = en(staff).get(f"/approvals/{case.pk}/moves/request_correction/")
    assert page.status_code == 200
    assert page.context["form"]["items"].value().splitlines() == missing
    assert missing[0] in page.content.decode()


# ------------------------------------------------------------------------------------------------ submitting
def test_submitting_with_core_documents_missing_warns_and_needs_a_confirmation(en, owner):
    case = new_case(owner, upload="none")
    client = en(owner)
    page = client.get(case.get_absolute_url())
    body = page.content.decode()
    assert 'data-testid="submit-warning"' in body
    required = list(services.stage_documents(case.stage))
    assert f"{len(required)} of {len(required)} required documents are missing" in body
    assert all(d.name in body for d in required)
    (submit,) = [m for m in page.context["moves"] if m.name == "submit"]
    assert submit.enabled and submit.has_form  # a link to the confirmation, not a direct post

    refused = client.post(f"/approvals/{case.pk}/moves/submit/")
    assert refused.status_code == 400 and "confirm_missing" in refused.context["form"].errors
    assert "Submit anyway" in refused.content.decode()
    assert ApprovalCase.objects.get(pk=case.pk).state == CaseState.DRAFT
    with pytest.raises(ApplicationError) as exc:
        services.case_submit(actor=owner, case=case)
    assert "confirm_missing" in exc.value.extra
    api = client.post(f"{CASES}{case.pk}/submit/", {}, content_type="application/json")
    assert api.status_code == 400 and "confirm_missing" in api.json()["error"]["fields"]

    done = client.post(f"/approvals/{case.pk}/moves/submit/", {"confirm_missing": "on"})
    assert done.status_code == 302
    assert ApprovalCase.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_submitting_with_only_non_core_documents_missing_warns_without_a_confirmation(en, owner):
    case = new_case(owner, upload="core")
    client = en(owner)
    page = client.get(case.get_absolute_url())
    assert 'data-testid="submit-warning"' in page.content.decode()
    assert "accept with deficiency" in page.content.decode()
    (submit,) = [m for m in page.context["moves"] if m.name == "submit"]
    assert not submit.has_form
    assert client.post(f"/approvals/{case.pk}/moves/submit/").status_code == 302
    assert ApprovalCase.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_with_every_document_in_there_is_no_warning(en, owner):
    case = new_case(owner)
    page = en(owner).get(case.get_absolute_url())
    assert page.context["submission_gaps"] is None
    assert 'data-testid="submit-warning"' not in page.content.decode()
    response = en(owner).post(f"{CASES}{case.pk}/submit/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
