"""The issue list of the scale data (coordination/scale.py): consistent with what the services would have written,
deterministic, idempotent."""

import datetime

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from coordination import scale
from coordination.models import (
    DEFAULT_WORKDAYS,
    OPEN_ISSUE_STATES,
    SOLVED_STATES,
    CallBack,
    CallBackState,
    IssueItem,
    IssueRating,
    IssueState,
    RatingKind,
)
from portal.accounts.models import Role, User
from portal.core import workdays

N = 3000


@pytest.fixture
def seeded(db):
    scale.seed_existing(issues=N, log=lambda _msg: None)
    return IssueItem.objects.filter(number__startswith=scale.SCALE_PREFIX)


def test_rows_are_what_the_services_would_write(seeded):
    today = timezone.localdate()
    assert seeded.count() == N
    states = dict(seeded.values_list("state").annotate(n=Count("pk")))
    assert states.get(IssueState.CLOSED, 0) > N / 2  # most of a year's issues are filed
    assert sum(states.get(s, 0) for s in OPEN_ISSUE_STATES) > 0
    for issue in seeded.iterator():
        assert issue.created_at <= timezone.now()
        assert issue.created_at >= timezone.now() - datetime.timedelta(days=scale.DAYS + 1)
        assert issue.limit_workdays == DEFAULT_WORKDAYS[issue.category]
        assert issue.due_on == workdays.add_workdays(timezone.localtime(issue.created_at).date(), issue.limit_workdays)
        if issue.state != IssueState.REPORTED:
            assert issue.sign_minutes is not None and issue.accepted_at >= issue.created_at
        if issue.state in (IssueState.ASSIGNED, IssueState.IN_PROGRESS, IssueState.RESOLVED, *SOLVED_STATES):
            assert issue.department_id is not None
        if issue.state in (IssueState.RESOLVED, *SOLVED_STATES):
            assert issue.answer and issue.answer_workdays is not None and issue.first_answer_at
        if issue.state in SOLVED_STATES:
            verified_on = timezone.localtime(issue.verified_at).date()
            assert verified_on <= today
            assert issue.close_workdays == workdays.workdays_between(
                timezone.localtime(issue.created_at).date(), verified_on)
            assert issue.on_time == (verified_on <= issue.due_on)
            assert issue.satisfied_count >= 1
        else:
            assert issue.verified_at is None and issue.on_time is None
        if issue.state == IssueState.CLOSED:
            assert issue.closed_at >= issue.verified_at
        assert issue.held_since <= timezone.now()


def test_ratings_and_callbacks_match_the_counters(seeded):
    counted = seeded.annotate(n=Count("ratings"), ok=Count("ratings", filter=Q(ratings__satisfied=True)))
    assert not counted.exclude(n=F("rating_count")).exists()
    assert not counted.exclude(ok=F("satisfied_count")).exists()
    assert IssueRating.objects.filter(issue__in=seeded, kind=RatingKind.CALLBACK).exists()
    assert not IssueRating.objects.exclude(department_id=F("issue__department_id")).filter(issue__in=seeded).exists()
    # A call-back for at least 10 % of each past month's confirmed issues, none for this month's.
    this_month = timezone.localdate().replace(day=1)
    for month in CallBack.objects.values_list("month", flat=True).distinct():
        assert month < this_month
        start = timezone.make_aware(datetime.datetime.combine(month, datetime.time()))
        end = timezone.make_aware(datetime.datetime.combine((month + datetime.timedelta(days=32)).replace(day=1),
                                                            datetime.time()))
        confirmed = seeded.filter(verified_at__gte=start, verified_at__lt=end).count()
        assert CallBack.objects.filter(month=month).count() * 10 >= confirmed
    assert CallBack.objects.filter(state=CallBackState.DONE, satisfied__isnull=True).count() == 0
    done = CallBack.objects.filter(state=CallBackState.DONE).count()
    assert IssueRating.objects.filter(kind=RatingKind.CALLBACK).count() == done


def test_bench_users_idempotent_and_counts(seeded):
    reviewer = User.objects.get(username=scale.BENCH_REVIEWER)
    assert reviewer.has_role(Role.DEPARTMENT_REVIEWER) and reviewer.organization.name == scale.BENCH_DEPARTMENT
    assert User.objects.get(username=scale.BENCH_STAFF).has_role(Role.BUREAU_STAFF)
    # The bench reviewer's department has work in its queue; some departments fall under the 85 % line.
    assert seeded.filter(department=reviewer.organization, state__in=OPEN_ISSUE_STATES).exists()
    before = scale.counts()
    assert before["issue_items"] >= N and before["issue_ratings"] > 0
    scale.seed_existing(issues=N, log=lambda _msg: None)  # a second run adds nothing
    assert scale.counts() == before


def test_seed_scale_builds_the_issue_list_in_proportion(db):
    """Through the foundation's seeder (Plugin.scale): 30 projects → 2,000 issue items and the bench users."""
    from portal.core.scale import seed_scale

    result = seed_scale(projects=30, organizations=300, users=400)
    assert result["created"] is True
    assert IssueItem.objects.filter(number__startswith=scale.SCALE_PREFIX).count() == 2000
    assert result["issue_items"] >= 2000 and result["callbacks"] > 0
    assert User.objects.filter(username__in=[scale.BENCH_REVIEWER, scale.BENCH_STAFF]).count() == 2
