"""The issue-list selectors: each list holds only what the user may see, filters and orders as documented, and the
timeline reads the audit trail into steps with their holders and how long each held the issue."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination import selectors, services
from coordination.models import IssueItem, IssueState
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from projects.models import Project

pytestmark = pytest.mark.django_db


def project_of(user) -> Project:
    return (Project.objects.active().filter(participants__organization=user.organization,
                                            participants__voided_at__isnull=True).order_by("pk").distinct().first())


def raise_issue(user, title="选择器测试", category="land", **kw) -> IssueItem:
    return services.issue_raise(actor=user, project=kw.pop("project", None) or project_of(user), title=title,
                                description="说明", category=category, **kw)


def test_issue_list_is_narrowed_by_the_policy(staff, leader, contractor, other_contractor, reviewer):
    mine = raise_issue(contractor)
    other_project = Project.objects.active().filter(participants__organization=other_contractor.organization).exclude(
        participants__organization=contractor.organization).first()
    theirs = raise_issue(other_contractor, project=other_project)
    for user in (staff, leader):
        assert {mine.pk, theirs.pk} <= set(selectors.issue_list(user=user).values_list("pk", flat=True))
    seen = set(selectors.issue_list(user=contractor).values_list("pk", flat=True))
    assert mine.pk in seen and theirs.pk not in seen
    assert not selectors.issue_list(user=reviewer).filter(pk__in=[mine.pk, theirs.pk]).exists()
    services.issue_accept(actor=staff, issue=mine)
    services.issue_assign(actor=staff, issue=IssueItem.objects.get(pk=mine.pk), department=reviewer.organization)
    assert selectors.issue_list(user=reviewer).filter(pk=mine.pk).exists()


def test_voided_issues_are_not_listed(staff, contractor):
    issue = raise_issue(contractor)
    IssueItem.objects.filter(pk=issue.pk).update(voided_at=timezone.now())
    assert not selectors.issue_list(user=staff).filter(pk=issue.pk).exists()
    assert not selectors.my_issues(user=contractor).filter(pk=issue.pk).exists()


def test_overdue_means_a_running_clock_past_its_due_date(staff, contractor, reviewer):
    today = datetime.date(2026, 6, 15)
    running = raise_issue(contractor, title="超期在办")
    answered = raise_issue(contractor, title="超期已答")
    future = raise_issue(contractor, title="未到期")
    IssueItem.objects.filter(pk__in=[running.pk, answered.pk]).update(due_on=datetime.date(2026, 6, 1))
    IssueItem.objects.filter(pk=future.pk).update(due_on=datetime.date(2026, 7, 1))
    IssueItem.objects.filter(pk=answered.pk).update(state=IssueState.RESOLVED)
    got = set(selectors.issue_list(user=staff, overdue=True, today=today).values_list("pk", flat=True))
    assert running.pk in got and answered.pk not in got and future.pk not in got


def test_ordering_values(staff, contractor):
    assert selectors.ordering_for("due") == ("due_on", "id")
    assert selectors.ordering_for("-due") == ("-due_on", "-id")
    assert selectors.ordering_for("nonsense") is None
    a = raise_issue(contractor, title="排序甲", category="demolition")
    b = raise_issue(contractor, title="排序乙", category="approval")
    got = list(selectors.issue_list(user=staff, search="排序", ordering="due").values_list("pk", flat=True))
    assert got == [b.pk, a.pk]
    got = list(selectors.issue_list(user=staff, search="排序").values_list("pk", flat=True))
    assert got == [b.pk, a.pk]  # newest first by default
    got = list(selectors.issue_list(user=staff, search="排序", ordering="created").values_list("pk", flat=True))
    assert got == [a.pk, b.pk]


def test_queue_tabs_and_order(staff, contractor, reviewer):
    def assigned(title, category, due=None):
        issue = raise_issue(contractor, title=title, category=category)
        services.issue_accept(actor=staff, issue=issue)
        issue = services.issue_assign(actor=staff, issue=IssueItem.objects.get(pk=issue.pk),
                                      department=reviewer.organization)
        if due:
            IssueItem.objects.filter(pk=issue.pk).update(due_on=due)
        return IssueItem.objects.get(pk=issue.pk)

    late = assigned("队列超期", "land", datetime.date(2020, 1, 6))
    soon = assigned("队列近", "approval")
    far = assigned("队列远", "utilities")
    services.issue_start(actor=reviewer, issue=far)
    done = assigned("队列答", "land")
    services.issue_start(actor=reviewer, issue=done)
    services.issue_resolve(actor=reviewer, issue=IssueItem.objects.get(pk=done.pk), answer="已办")
    open_ids = list(selectors.issue_queue(user=reviewer).values_list("pk", flat=True))
    assert open_ids.index(late.pk) < open_ids.index(soon.pk) < open_ids.index(far.pk)
    assert done.pk not in open_ids
    assert done.pk in set(selectors.issue_queue(user=reviewer, tab="answered").values_list("pk", flat=True))
    assert not selectors.issue_queue(user=staff).exists()
    assert not selectors.issue_queue(user=contractor).exists()
    other = User.objects.get(username="zrzy_reviewer")
    assert not selectors.issue_queue(user=other).filter(pk__in=[late.pk, soon.pk]).exists()


def test_my_issues_hold_the_companys_and_the_users_own(contractor, liaison, other_contractor):
    project = project_of(contractor)
    project.liaison_officer = liaison
    project.save(update_fields=["liaison_officer"])
    own = raise_issue(contractor)
    for_company = services.issue_raise(actor=liaison, project=project, title="代提", description="说明",
                                       category="other", company=contractor.organization, source="liaison")
    assert {own.pk, for_company.pk} <= set(selectors.my_issues(user=contractor).values_list("pk", flat=True))
    assert set(selectors.my_issues(user=liaison).values_list("pk", flat=True)) >= {for_company.pk}
    assert own.pk not in set(selectors.my_issues(user=liaison).values_list("pk", flat=True))
    assert not selectors.my_issues(user=other_contractor).filter(pk__in=[own.pk, for_company.pk]).exists()
    assert not selectors.my_issues(user=contractor, state="solved").filter(pk=own.pk).exists()


def test_project_issues_and_counts(staff, contractor):
    issue = raise_issue(contractor)
    IssueItem.objects.filter(pk=raise_issue(contractor, title="已结").pk).update(state=IssueState.CLOSED)
    before = selectors.project_issue_counts(user=staff, project=issue.project)
    assert issue.pk in set(selectors.project_issues(user=staff, project=issue.project).values_list("pk", flat=True))
    raise_issue(contractor, title="再一个")
    after = selectors.project_issue_counts(user=staff, project=issue.project)
    assert after["open"] == before["open"] + 1 and after["solved"] == before["solved"] >= 1


def test_raisable_projects(staff, leader, contractor, liaison, inspector, reviewer):
    live = Project.objects.active()
    assert selectors.raisable_projects(user=staff).count() == live.count()
    ours = set(selectors.raisable_projects(user=contractor).values_list("pk", flat=True))
    assert project_of(contractor).pk in ours
    assert ours <= set(live.filter(participants__organization=contractor.organization).values_list("pk", flat=True)) \
        | set(live.filter(owner=contractor.organization).values_list("pk", flat=True))
    assigned = set(live.filter(liaison_officer=liaison).values_list("pk", flat=True))
    assert assigned and set(selectors.raisable_projects(user=liaison).values_list("pk", flat=True)) == assigned
    assert not selectors.raisable_projects(user=leader).exists()
    assert not selectors.raisable_projects(user=reviewer).exists()
    assert selectors.may_raise(contractor) and not selectors.may_raise(leader)


def test_rows_compute_light_and_holder_without_queries(staff, contractor):
    from coordination.models import Holder

    a = raise_issue(contractor, title="行测一")
    b = raise_issue(contractor, title="行测二")
    IssueItem.objects.filter(pk=b.pk).update(due_on=datetime.date(2026, 6, 16))
    issues = list(selectors.issue_list(user=staff, search="行测"))
    with CaptureQueriesContext(connection) as ctx:
        rows = {r.issue.pk: r for r in selectors.issue_rows(issues, datetime.date(2026, 6, 17))}
    assert len(ctx.captured_queries) == 0
    assert {r.holder for r in rows.values()} == {str(Holder.BUREAU.label)}
    assert rows[b.pk].light == "red" and rows[b.pk].overdue_by == 1
    assert rows[a.pk].light == "green" and rows[a.pk].left > 2


def test_timeline_holders_and_durations(staff, contractor, reviewer):
    issue = raise_issue(contractor)
    services.issue_accept(actor=staff, issue=issue)
    issue = services.issue_assign(actor=staff, issue=IssueItem.objects.get(pk=issue.pk),
                                  department=reviewer.organization, note="请发改委办理")
    services.issue_decline(actor=reviewer, issue=IssueItem.objects.get(pk=issue.pk), reason="非我委职责")
    issue = IssueItem.objects.get(pk=issue.pk)
    # set the moments apart, an hour each, to read the durations
    events = list(AuditEvent.objects.filter(object_id=str(issue.pk), content_type__model="issueitem",
                                            action__in=["create", "transition"]).order_by("created_at", "id"))
    start = timezone.now() - datetime.timedelta(hours=10)
    for n, e in enumerate(events):
        AuditEvent.objects.filter(pk=e.pk).update(created_at=start + datetime.timedelta(hours=n))
    now = start + datetime.timedelta(hours=len(events) - 1, minutes=30)
    steps = selectors.issue_timeline(IssueItem.objects.select_related("company", "department").get(pk=issue.pk),
                                     now=now)
    assert [(s.from_state, s.to_state) for s in steps] == [
        ("", "reported"), ("reported", "accepted"), ("accepted", "assigned"), ("assigned", "accepted")]
    assert steps[2].holder == reviewer.organization.name and steps[2].reason == "请发改委办理"
    assert steps[3].reason == "非我委职责" and steps[3].current
    assert [s.held for s in steps] == [datetime.timedelta(hours=1)] * 3 + [datetime.timedelta(minutes=30)]
    assert steps[0].actor == contractor and steps[3].actor == reviewer
