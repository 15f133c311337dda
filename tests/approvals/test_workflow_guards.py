"""The workflows carry their own guards (portal.core.fsm): the case page and the API offer the same moves with the
same reasons to every role in every state, a condition decides in one place, and the two defects the review
found — decisions offered on a halted case's items, and an applicant restarting a halted case's clock — are
refused everywhere."""

import html
import re

import pytest

from approvals import services
from approvals.demo import FORM, _upload_all
from approvals.models import ApprovalCase, ApprovalStage, CaseState, ItemReview, ReviewState
from portal.accounts.models import User
from portal.core import fsm
from portal.core.errors import ApplicationError, ErrorCode
from projects.models import Project

pytestmark = pytest.mark.django_db

USERS = ["admin", "staff", "leader", "reviewer", "zrzy_reviewer", "contractor", "owner", "builder2", "liaison"]
CASES = "/api/v1/approvals/cases/"
REVIEWS = "/api/v1/approvals/reviews/"
BUTTON = re.compile(r'<(?:a|button)\b([^>]*)data-testid="move-([a-z_]+)"')


def page_moves(body: str) -> list[tuple[str, bool, str]]:
    """(name, enabled, reason) of each move button of a page, in order (templates/includes/moves.html)."""
    moves = []
    for attrs, name in BUTTON.findall(body):
        enabled = " disabled" not in f" {attrs}"
        reason = ""
        if not enabled:
            reason = html.unescape(re.search(rf'data-testid="why-{name}">(.*?)</span>', body, re.S).group(1))
        moves.append((name, enabled, reason))
    return moves


def api_moves(data: dict) -> list[tuple[str, bool, str]]:
    return [(m["name"], m["enabled"], m["reason"]) for m in data["moves"]]


def free_project(owner) -> tuple[Project, str]:
    for project in Project.objects.filter(participants__organization=owner.organization).distinct():
        for stage in ApprovalStage.values:
            if not ApprovalCase.objects.filter(project=project, stage=stage).exists():
                return project, stage
    raise AssertionError("no free project stage in the demo")


def new_case(owner, *, form=True) -> ApprovalCase:
    project, stage = free_project(owner)
    return services.case_create(actor=owner, project=project, stage=stage, form_data=FORM if form else {})


@pytest.fixture
def halted_case(owner, staff) -> ApprovalCase:
    """A case accepted with deficiency, one item sent back for correction, then halted by the bureau."""
    case = new_case(owner)
    _upload_all(case, owner, skip_non_core=True)
    services.case_submit(actor=owner, case=case)
    missing = {d.pk: services.today() for d in case.missing_documents()}
    case = services.case_accept_with_deficiency(actor=staff, case=case, commitments=missing)
    review = case.reviews.order_by("pk").first()
    reviewer = User.objects.filter(organization_id=review.department_id, groups__name="department_reviewer").first()
    services.review_decide(actor=reviewer, review=review, decision="request_correction", opinion="补充说明")
    services.case_revoke_deficiency(actor=staff, case=case, reason="承诺未兑现")
    return ApprovalCase.objects.get(pk=case.pk)


def every_state_case(owner, staff) -> list[ApprovalCase]:
    """The demo's cases, plus a fresh draft with an empty form (submit disabled, with its reason)."""
    new_case(owner, form=False)
    return list(ApprovalCase.objects.active().order_by("pk"))


def test_the_page_and_the_api_offer_the_same_moves_with_the_same_reasons(en, owner, staff, halted_case):
    cases = every_state_case(owner, staff)
    assert {c.state for c in cases} >= {CaseState.DRAFT, CaseState.ACCEPTED, CaseState.ACCEPTED_WITH_DEFICIENCY,
                                        CaseState.COMPLETED, CaseState.HALTED}
    compared = disabled = 0
    for username in USERS:
        client = en(User.objects.get(username=username))
        for case in cases:
            page = client.get(case.get_absolute_url())
            api = client.get(f"{CASES}{case.pk}/")
            assert page.status_code == api.status_code, (username, case.state)
            if page.status_code != 200:
                continue
            shown, offered = page_moves(page.content.decode()), api_moves(api.json())
            assert shown == offered, (username, case.number, case.state)
            assert api.json()["allowed_moves"] == [name for name, enabled, _ in offered if enabled]
            compared += 1
            disabled += sum(1 for _, enabled, _ in offered if not enabled)
            for review in case.reviews.all():
                review_page, review_api = client.get(review.get_absolute_url()), client.get(f"{REVIEWS}{review.pk}/")
                assert review_page.status_code == review_api.status_code
                if review_page.status_code == 200:
                    page_names = {n for n, _, _ in page_moves(review_page.content.decode())}
                    api_names = {n for n, _, _ in api_moves(review_api.json())}
                    # start and resume are buttons; the four decisions are the decision form's choices
                    assert page_names == api_names & {"start", "resume"}, (username, review.pk)
    assert compared > 20 and disabled > 0  # the comparison saw real pages, some with a disabled button


def test_a_draft_with_an_empty_form_shows_submit_disabled_with_the_reason(en, owner):
    case = new_case(owner, form=False)
    body = en(owner).get(case.get_absolute_url()).content.decode()
    assert ("submit", False, "Fill in the application form before submitting.") in page_moves(body)
    refused = en(owner).post(f"{CASES}{case.pk}/submit/")
    assert refused.status_code == 400 and refused.json()["error"]["fields"] == {
        "form_data": ["This field is required."]}
    assert ApprovalCase.objects.get(pk=case.pk).state == CaseState.DRAFT


def test_a_halted_cases_items_offer_no_decision_anywhere(en, halted_case):
    review = halted_case.reviews.exclude(state=ReviewState.CORRECTION_REQUESTED).filter(
        state__in=[ReviewState.PENDING, ReviewState.IN_REVIEW]).first()
    reviewer = User.objects.filter(organization_id=review.department_id, groups__name="department_reviewer").first()
    client = en(reviewer)
    page = client.get(review.get_absolute_url())
    body = page.content.decode()
    assert 'data-testid="decision-form"' not in body
    assert "The case is “Halted”; its items cannot be decided." in body
    assert ("start", False, "The case is “Halted”; its items cannot be decided.") in page_moves(body)
    detail = client.get(f"{REVIEWS}{review.pk}/").json()
    assert detail["allowed_moves"] == [] and all(not m["enabled"] for m in detail["moves"])
    # the page's POST and the API refuse, with the same reason, and nothing changes
    assert client.post(f"/approvals/reviews/{review.pk}/start/").status_code == 302
    refused = client.post(f"{REVIEWS}{review.pk}/decide/", {"decision": "approve"}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == ErrorCode.INVALID_TRANSITION
    assert ItemReview.objects.get(pk=review.pk).state == review.state


def test_an_applicant_cannot_restart_the_clock_of_a_halted_case(en, owner, halted_case):
    """The defect: review_resume had no guard, so the applicant could restart a halted case's clock."""
    review = halted_case.reviews.get(state=ReviewState.CORRECTION_REQUESTED)
    with pytest.raises(ApplicationError) as exc:
        services.review_resume(actor=owner, review=review)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION and exc.value.http_status == 409
    client = en(owner)
    page = client.get(review.get_absolute_url()).content.decode()
    assert ("resume", False, "The case is “Halted”; its items cannot be decided.") in page_moves(page)
    refused = client.post(f"{REVIEWS}{review.pk}/resume/")
    assert refused.status_code == 409
    client.post(f"/approvals/reviews/{review.pk}/resume/")
    after = ItemReview.objects.get(pk=review.pk)
    assert (after.state, after.paused_since, after.due_on) == (ReviewState.CORRECTION_REQUESTED,
                                                              review.paused_since, review.due_on)


def test_moves_of_another_role_are_forbidden_not_offered(en, owner, staff):
    case = new_case(owner)
    _upload_all(case, owner)
    case = services.case_submit(actor=owner, case=case)
    assert [m.name for m in fsm.available(case, owner)] == []  # the window's moves are not the applicant's
    assert en(owner).post(f"{CASES}{case.pk}/accept/").status_code == 403
    with pytest.raises(ApplicationError) as exc:
        services.case_accept(actor=owner, case=case)
    assert exc.value.code == ErrorCode.FORBIDDEN
    assert {m.name for m in fsm.available(case, staff)} == {"request_correction", "accept",
                                                            "accept_with_deficiency", "reject"}


def test_a_system_move_is_never_offered_nor_taken_by_a_user(owner, staff):
    case = new_case(owner)
    assert "complete" not in {m.name for m in fsm.available(case, staff)}
    with pytest.raises(ApplicationError) as exc:
        fsm.move(case, "complete", user=staff)
    assert exc.value.code in (ErrorCode.INVALID_TRANSITION, ErrorCode.FORBIDDEN)


def test_a_condition_that_raises_refuses_with_a_logged_reason_not_a_500(en, owner, monkeypatch, caplog):
    case = new_case(owner)
    transition = ApprovalCase.workflow.transitions["submit"]

    def broken(case):
        raise RuntimeError("the condition's database went away")

    monkeypatch.setitem(ApprovalCase.workflow.transitions, "submit",
                        fsm.Transition(**{**transition.__dict__, "conditions": [broken]}))
    client = en(owner)
    page = client.get(case.get_absolute_url())
    assert page.status_code == 200
    (move,) = [m for m in page_moves(page.content.decode()) if m[0] == "submit"]
    assert not move[1] and "the failure was logged" in move[2]
    response = client.post(f"{CASES}{case.pk}/submit/")
    assert response.status_code == 400 and "the failure was logged" in response.json()["error"]["message"]
    assert ApprovalCase.objects.get(pk=case.pk).state == CaseState.DRAFT
    assert any("workflow condition broken" in r.getMessage() for r in caplog.records)
