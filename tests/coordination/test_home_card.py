"""The issue-list card of the home pages (coordination/home.py): what each role is shown, the 2-working-hour
promise and the overdue lights counted as the issues' own lights, and a query count that does not grow."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination import home, services
from coordination.models import IssueItem
from portal.accounts.models import Role
from portal.core import workdays
from projects.models import Project

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clean(db):
    IssueItem.objects.update(voided_at=timezone.now(), void_reason="test")


def _project(contractor):
    return Project.objects.filter(participants__organization=contractor.organization, voided_at__isnull=True).first()


def _raise(contractor):
    return services.issue_raise(actor=contractor, project=_project(contractor), title="用地", description="征地未完成",
                                category="land")


def _overdue_by_one(today: datetime.date) -> datetime.date:
    """A due date the issue's light calls one working day overdue on `today`."""
    day = today
    while not workdays.is_workday(day):
        day -= datetime.timedelta(days=1)
    return day - datetime.timedelta(days=1)


def test_sign_deadline_counts_office_hours():
    monday_10 = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
    assert home.sign_deadline(monday_10) == datetime.datetime(2026, 3, 6, 16, 30, tzinfo=SHANGHAI)  # Friday
    monday_15 = datetime.datetime(2026, 3, 9, 15, 0, tzinfo=SHANGHAI)
    assert home.sign_deadline(monday_15) == datetime.datetime(2026, 3, 9, 11, 30, tzinfo=SHANGHAI)
    saturday = datetime.datetime(2026, 3, 7, 11, 0, tzinfo=SHANGHAI)
    assert home.sign_deadline(saturday) == datetime.datetime(2026, 3, 6, 15, 30, tzinfo=SHANGHAI)


def test_staff_and_leader_figures(clean, staff, leader, contractor):
    today = timezone.localdate()
    late = _raise(contractor)
    IssueItem.objects.filter(pk=late.pk).update(created_at=timezone.now() - datetime.timedelta(days=5))
    _raise(contractor)  # just reported: within the promise
    one_day = services.issue_accept(actor=staff, issue=_raise(contractor))
    IssueItem.objects.filter(pk=one_day.pk).update(due_on=_overdue_by_one(today))
    long_ago = services.issue_accept(actor=staff, issue=_raise(contractor))
    IssueItem.objects.filter(pk=long_ago.pk).update(due_on=today - datetime.timedelta(days=30))
    assert IssueItem.objects.get(pk=one_day.pk).light(today) == "red"
    assert IssueItem.objects.get(pk=one_day.pk).workdays_left(today) == -1

    ctx = home.home_context(staff, Role.BUREAU_STAFF, today)
    assert ctx["issue_figures"] == {"waiting": 2, "late_signing": 1, "overdue": 2, "escalated": 1}
    assert ctx["as_of"] is not None
    assert home.home_context(leader, Role.LEADER, today)["issue_figures"]["escalated"] == 1


def test_reviewer_company_and_liaison(clean, staff, reviewer, contractor, liaison, owner):
    today = timezone.localdate()
    issue = services.issue_accept(actor=staff, issue=_raise(contractor))
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    other = services.issue_accept(actor=staff, issue=_raise(contractor))
    services.issue_assign(actor=staff, issue=other, department=reviewer.organization)
    IssueItem.objects.filter(pk=other.pk).update(due_on=_overdue_by_one(today))
    assert home.home_context(reviewer, Role.DEPARTMENT_REVIEWER, today) == {
        "issue_queue": {"open": 2, "overdue": 1}}

    services.issue_start(actor=reviewer, issue=issue)
    services.issue_resolve(actor=reviewer, issue=issue, answer="已协调")
    assert home.home_context(contractor, Role.CONTRACTOR, today) == {"issue_company": {"to_confirm": 1, "open": 2}}
    # Another company sees none of them.
    if owner.organization_id != contractor.organization_id:
        assert home.home_context(owner, Role.CONTRACTOR, today)["issue_company"]["to_confirm"] == 0

    project = Project.objects.filter(liaison_officer=liaison, voided_at__isnull=True,
                                     participants__organization=contractor.organization).first()
    if project is not None:
        services.issue_raise(actor=contractor, project=project, title="管线", description="迁改", category="utilities")
    expected = IssueItem.objects.filter(voided_at__isnull=True, project__liaison_officer=liaison).count()
    assert home.home_context(liaison, Role.LIAISON_OFFICER, today)["issue_liaison"]["open"] == expected


def test_inspector_has_no_card(clean, inspector):
    assert home.home_context(inspector, Role.INSPECTOR, timezone.localdate()) is None


@pytest.mark.django_db  # the users come from getfixturevalue: marked, so it runs before any flush
@pytest.mark.parametrize(("who", "testid"), [("staff", "issues-late-signing"), ("leader", "issues-escalated"),
                                         ("reviewer", "issues-queue"), ("contractor", "issues-to-confirm"),
                                         ("liaison", "issues-open")])
def test_home_pages_show_the_card(who, testid, request, client_for):
    user = request.getfixturevalue(who)
    html = client_for(user).get("/").content.decode()
    assert 'data-testid="issues-card"' in html and f'data-testid="{testid}"' in html


def test_card_in_english(staff, en):
    assert "Past the 2-working-hour promise" in en(staff).get("/").content.decode()


def _home_queries(client) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow(clean, staff, reviewer, contractor, client_for):
    clients = [client_for(staff), client_for(reviewer), client_for(contractor)]
    issue = services.issue_accept(actor=staff, issue=_raise(contractor))
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    before = [_home_queries(c) for c in clients]
    for _ in range(3):
        issue = services.issue_accept(actor=staff, issue=_raise(contractor))
        services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    assert [_home_queries(c) for c in clients] == before
