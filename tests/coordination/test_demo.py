"""The coordination demo: issues in every state with consistent clocks, the meetings, the service log and the
call-backs; a second seed adds nothing."""


import pytest
from django.utils import timezone

from coordination import clock, demo, services
from coordination.models import (
    CallBack,
    CallBackState,
    IssueItem,
    IssueRating,
    IssueSource,
    IssueState,
    Meeting,
    MeetingState,
    ServiceLog,
)
from portal.core import workdays

pytestmark = pytest.mark.django_db


def test_every_state_is_there_with_consistent_clocks():
    issues = list(IssueItem.objects.all())
    assert 20 <= len(issues) <= 40
    assert {i.state for i in issues} == set(IssueState.values)
    assert {i.source for i in issues} == set(IssueSource.values)
    now = timezone.now()
    for issue in issues:
        created = timezone.localtime(issue.created_at)
        assert issue.created_at < now and issue.held_since <= now
        limit, due = services.default_due(issue.category, created.date())
        assert (issue.limit_workdays, issue.due_on) == (limit, due)
        if issue.accepted_at:
            assert issue.accepted_at >= issue.created_at
            assert issue.sign_minutes == clock.working_minutes(issue.created_at, issue.accepted_at)
        if issue.first_answer_at:
            assert issue.answer_workdays == workdays.workdays_between(
                created.date(), timezone.localtime(issue.first_answer_at).date())
        if issue.verified_at:
            verified = timezone.localtime(issue.verified_at).date()
            assert issue.close_workdays == workdays.workdays_between(created.date(), verified)
            assert issue.on_time == (verified <= issue.due_on)
        assert issue.rating_count == issue.ratings.count()
        assert issue.satisfied_count == issue.ratings.filter(satisfied=True).count()


def test_the_tour_finds_what_it_needs(contractor):
    today = services.today()
    waiting = IssueItem.objects.filter(state=IssueState.RESOLVED, company=contractor.organization)
    assert waiting.count() >= 1  # the contractor confirms one in the browser tour
    assert IssueItem.objects.filter(state=IssueState.IN_PROGRESS, reopen_count__gte=1).exists()  # sent back
    assert IssueItem.objects.filter(state=IssueState.ACCEPTED, department__isnull=True,
                                    reopen_count=0).exists()
    running = IssueItem.objects.filter(state=IssueState.IN_PROGRESS)
    overdue_by = sorted(workdays.workdays_between(i.due_on, today) for i in running if i.due_on < today)
    assert overdue_by and overdue_by[0] >= 1 and overdue_by[-1] > 5  # one overdue, one beyond the leaders' line
    closed = IssueItem.objects.filter(state=IssueState.CLOSED)
    assert closed.count() >= 5 and all(i.rating_count >= 1 for i in closed)
    assert IssueRating.objects.filter(satisfied=False).exists()


def test_meetings_service_log_and_callbacks(liaison):
    held = Meeting.objects.get(state=MeetingState.HELD, kind="matchmaking")
    assert held.minutes and held.decisions.count() == 3
    assert held.decisions.filter(issue__isnull=False).count() == 1
    assert held.decisions.get(issue__isnull=False).issue.source == IssueSource.MEETING
    planned = Meeting.objects.get(state=MeetingState.PLANNED)
    assert planned.kind == "site" and planned.held_at > timezone.now()
    assert ServiceLog.objects.filter(officer=liaison).count() >= 4
    month = services.previous_month(services.today())
    callbacks = CallBack.objects.filter(month=month)
    assert callbacks.count() >= 1
    assert callbacks.filter(state=CallBackState.DONE, satisfied=True).count() == 1


def test_a_second_seed_adds_nothing():
    before = (IssueItem.objects.count(), Meeting.objects.count(), ServiceLog.objects.count(),
              CallBack.objects.count(), IssueRating.objects.count())
    demo.seed()
    assert before == (IssueItem.objects.count(), Meeting.objects.count(), ServiceLog.objects.count(),
                      CallBack.objects.count(), IssueRating.objects.count())


def test_a_fresh_seed_is_quick():
    """Everything goes through the services (about 80 queries an issue: locks, audit, notifications); the clocks
    are set back in a handful of statements. The query count guards the seed's speed (times belong to bench/)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coordination.models import IssueAttachment, MeetingDecision

    IssueRating.objects.all().delete()
    CallBack.objects.all().delete()
    MeetingDecision.objects.all().delete()
    Meeting.objects.all().delete()
    ServiceLog.objects.all().delete()
    IssueAttachment.objects.all().delete()
    IssueItem.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        counts = demo.seed()
    assert counts["issue_items"] >= 20 and counts["meetings"] == 3
    assert IssueAttachment.objects.count() == 2
    assert len(queries) < 2300, len(queries)


def test_the_scan_escalates_the_demos_overdue_issues(leader):
    from portal.core.deadlines import scan
    from portal.notifications.models import Notification

    today = services.today()
    running = IssueItem.objects.filter(state=IssueState.IN_PROGRESS, due_on__lt=today)
    longest = max(running, key=lambda i: workdays.workdays_between(i.due_on, today))
    scan(on=today)
    assert all(i.supervised_on == today for i in running.all())  # 督办
    digest = Notification.objects.get(recipient=leader, event_key=f"digest:{leader.pk}:{today}")
    assert longest.number in digest.body
