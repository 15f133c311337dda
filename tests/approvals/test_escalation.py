"""The periodic escalation scan: warnings before the limit, escalation when overdue, commitments chased; each
notice once however often the task runs, and a number of queries that does not grow with the open cases."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services
from approvals.models import ApprovalCase, CaseState, Commitment, ItemReview
from portal.accounts.models import User
from portal.core import workdays
from portal.core.deadlines import scan as escalation_scan
from portal.core.models import Escalation
from portal.core.tasks import deadline_scan as escalate
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


def set_due(review, due):
    ItemReview.objects.filter(pk=review.pk).update(due_on=due)


def running_reviews():
    return ItemReview.objects.filter(state__in=["pending", "in_review"], case__state__in=[
        "accepted", "accepted_with_deficiency"]).select_related("department")


@pytest.fixture
def quiet():
    """Every running item far from its limit and no overdue commitment: the scan starts from silence."""
    far = workdays.add_workdays(services.today(), 30)
    ItemReview.objects.filter(state__in=["pending", "in_review"]).update(due_on=far)
    Commitment.objects.update(due_on=far)
    from coordination.models import DEPARTMENT_STATES, IssueItem

    # The demo's overdue issues climb the same scan.
    IssueItem.objects.filter(state__in=DEPARTMENT_STATES).update(due_on=far)
    from supervision.models import Hazard, Rectification

    # So do supervision's open rectifications and hazards.
    Rectification.objects.filter(state="open").update(due_on=far)
    Hazard.objects.exclude(state="closed").update(due_on=far)
    Notification.objects.all().delete()
    Escalation.objects.all().delete()


def accepted_land_use_case():
    from approvals.demo import demo_pdf
    from approvals.models import ApprovalStage
    from projects.models import Project

    owner, staff = User.objects.get(username="owner"), User.objects.get(username="staff")
    project = Project.objects.filter(participants__organization=owner.organization).exclude(
        approval_cases__isnull=False).first()
    case = services.case_create(actor=owner, project=project, stage=ApprovalStage.LAND_USE_PLANNING, form_data={"a": 1})
    for doc in services.stage_documents(case.stage):
        services.document_upload(actor=owner, case=case, required_document=doc, upload=demo_pdf(doc.name))
    services.case_submit(actor=owner, case=case)
    services.case_accept(actor=staff, case=case)
    return case


def test_warns_escalates_and_never_twice(quiet):
    today = services.today()
    case = accepted_land_use_case()
    Notification.objects.all().delete()
    near, overdue, long_overdue = case.reviews.order_by("department__department_code", "id")[:3]
    set_due(near, workdays.add_workdays(today, 2))
    set_due(overdue, today - datetime.timedelta(days=1))
    # overdue by 3 working days: the department head was told 2 working days ago, now a leader is.
    three_back = today
    for _ in range(3):
        three_back -= datetime.timedelta(days=1)
        while not workdays.is_workday(three_back):
            three_back -= datetime.timedelta(days=1)
    set_due(long_overdue, three_back)

    first = escalation_scan(on=today)
    assert first["near"] == 1 and first["overdue"] == 2 and first["leader"] == 1

    # The reviewers of the near item hear of it in their day's digest, the heads (or, without one, the reviewers)
    # of the overdue ones in theirs, the leaders in theirs: one digest per person, one line per item.
    near_reviewers = set(User.objects.filter(organization_id=near.department_id,
                                             groups__name="department_reviewer").values_list("username", flat=True))
    key = f"digest:%s:{today}"
    for username in near_reviewers:
        digest = Notification.objects.get(recipient__username=username,
                                          event_key=key % User.objects.get(username=username).pk)
        assert f"/approvals/{near.case_id}/" in digest.body and near.item.name in digest.body
    leader = User.objects.get(username="leader")
    digest = leader.notifications.get(event_key=key % leader.pk)
    assert digest.level == "urgent" and long_overdue.item.name in digest.body and overdue.item.name not in digest.body
    assert not Notification.objects.exclude(event_key__startswith="digest:").exists()
    # One row per item and due date, holding the highest rung it reached.
    assert sorted(Escalation.objects.values_list("rung", flat=True)) == [1, 2, 3]
    total = Notification.objects.count()

    again = escalation_scan(on=today)
    assert again["notifications"] == 0 and again["near"] == again["overdue"] == again["leader"] == 0
    escalate.apply()  # the task, as beat runs it: nothing new either
    assert Notification.objects.count() == total


def test_overdue_commitment_notifies_applicant_and_bureau_staff(quiet):
    commitment = Commitment.objects.filter(case__state=CaseState.ACCEPTED_WITH_DEFICIENCY).first()
    Commitment.objects.filter(pk=commitment.pk).update(due_on=services.today() - datetime.timedelta(days=1))
    result = escalation_scan()
    assert result["commitments"] == 1
    recipients = set(Notification.objects.filter(event_key=f"commitment:{commitment.pk}:overdue")
                     .values_list("recipient__username", flat=True))
    assert {"owner", "staff"} <= recipients


def add_open_cases(n):
    """n more accepted cases (on free project × stage pairs), each with the items of its stage all overdue."""
    from approvals.models import ApprovalStage
    from projects.models import Project

    template = ApprovalCase.objects.filter(state=CaseState.ACCEPTED).first()
    taken = set(ApprovalCase.objects.values_list("project_id", "stage"))
    free = [(p, s) for p in Project.objects.order_by("pk") for s in ApprovalStage.values if (p.pk, s) not in taken]
    start = ApprovalCase.objects.count()
    cases = ApprovalCase.objects.bulk_create([
        ApprovalCase(number=f"SPX{start + i:08d}", project=p, stage=s, applicant=template.applicant,
                     created_by=template.created_by, state=CaseState.ACCEPTED, accepted_on=services.today())
        for i, (p, s) in enumerate(free[:n])
    ])
    overdue = services.today() - datetime.timedelta(days=1)
    ItemReview.objects.bulk_create([
        ItemReview(case=c, item=item, department_id=item.department_id, started_on=overdue, due_on=overdue)
        for c in ApprovalCase.objects.filter(number__in=[c.number for c in cases])
        for item in services.stage_items(c.stage)
    ])


def scan_queries():
    with CaptureQueriesContext(connection) as ctx:
        escalation_scan()
    return len(ctx.captured_queries)


def test_scan_query_count_does_not_grow_with_open_cases(quiet):
    add_open_cases(3)
    scan_queries()  # sends the notices
    small = scan_queries()  # steady state: nothing new
    add_open_cases(40)
    scan_queries()
    large = scan_queries()
    assert large == small, (small, large)


def test_first_scan_query_count_is_independent_of_the_number_of_new_notices(quiet):
    add_open_cases(2)
    few = scan_queries()
    Notification.objects.all().delete()
    add_open_cases(30)
    many = scan_queries()
    assert many == few
