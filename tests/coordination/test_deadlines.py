"""Deadlines of issue items in working days on the official calendar (holidays and 调休 make-up days), the working
minutes to sign (the service window's office hours), the escalation ladder of the deadline scan (near → the
department's reviewers, overdue → its head and the 督办 stamp, 5 more working days → the leaders; each once), and
the monthly call-backs (回访)."""

import datetime
import math
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coordination import clock, services
from coordination.models import (
    CallBack,
    CallBackState,
    IssueItem,
    IssueRating,
    IssueState,
)
from portal.accounts.models import User
from portal.core import workdays
from portal.core.deadlines import escalations_of
from portal.core.deadlines import scan as deadline_scan
from portal.core.errors import ApplicationError
from portal.notifications.models import Notification
from projects.models import Project

pytestmark = pytest.mark.django_db

D = datetime.date


def at(day: D, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def back(day: D, n: int) -> D:
    """`n` working days before `day`."""
    for _ in range(n):
        day -= datetime.timedelta(days=1)
        while not workdays.is_workday(day):
            day -= datetime.timedelta(days=1)
    return day


# ------------------------------------------------------------------------------------- default due dates
def test_the_2026_calendar_has_national_day_and_its_make_up_days():
    assert not workdays.is_workday(D(2026, 10, 1)) and not workdays.is_workday(D(2026, 10, 7))
    assert workdays.is_workday(D(2026, 10, 10))  # 调休: Saturday worked
    assert workdays.is_workday(D(2026, 9, 20))  # 调休: Sunday worked
    assert not workdays.is_workday(D(2026, 9, 25))  # 中秋


@pytest.mark.parametrize(("category", "limit", "due"), [
    # reported Wednesday 30 September 2026, the eve of 国庆: 8, 9, 10 (Saturday, make-up), 12, 13 October …
    ("approval", 5, D(2026, 10, 13)), ("labour", 5, D(2026, 10, 13)),
    ("land", 10, D(2026, 10, 20)), ("financing", 10, D(2026, 10, 20)), ("other", 10, D(2026, 10, 20)),
    ("demolition", 15, D(2026, 10, 27)), ("utilities", 15, D(2026, 10, 27)),
])
def test_default_due_date_across_national_day(category, limit, due):
    assert services.default_due(category, D(2026, 9, 30)) == (limit, due)


def test_default_due_date_across_spring_festival_2026():
    # Friday 13 February 2026; Saturday 14 is a make-up working day, 15–23 the holiday.
    assert services.default_due("approval", D(2026, 2, 13)) == (5, D(2026, 2, 27))
    assert services.default_due("labour", D(2026, 2, 12)) == (5, D(2026, 2, 26))


def test_a_raised_issue_is_due_by_its_category_counted_from_today(contractor):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    for category, limit in [("approval", 5), ("land", 10), ("demolition", 15)]:
        issue = services.issue_raise(actor=contractor, project=project, title="t", description="d",
                                     category=category)
        assert issue.limit_workdays == limit
        assert issue.due_on == workdays.add_workdays(services.today(), limit)
        assert workdays.workdays_between(services.today(), issue.due_on) == limit


def test_the_light_and_working_days_left(contractor):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    issue = services.issue_raise(actor=contractor, project=project, title="t", description="d", category="approval")
    today = D(2026, 9, 30)
    issue.due_on = D(2026, 10, 13)
    assert issue.workdays_left(today) == 5 and issue.light(today) == "green"
    assert issue.workdays_left(D(2026, 10, 9)) == 3 and issue.light(D(2026, 10, 9)) == "green"
    assert issue.workdays_left(D(2026, 10, 10)) == 2 and issue.light(D(2026, 10, 10)) == "amber"  # 调休 Saturday
    assert issue.light(D(2026, 10, 13)) == "amber" and issue.light(D(2026, 10, 14)) == "red"
    issue.state = IssueState.RESOLVED
    assert issue.workdays_left(D(2026, 10, 14)) is None and issue.light(D(2026, 10, 14)) == ""


# -------------------------------------------------------------------------------------- working minutes
@pytest.mark.parametrize(("start", "end", "minutes"), [
    (at(D(2026, 12, 3), 9, 10), at(D(2026, 12, 3), 10, 40), 90),  # the same morning
    (at(D(2026, 12, 3), 11, 30), at(D(2026, 12, 3), 14, 0), 60),  # over lunch: 30 + 30
    (at(D(2026, 12, 3), 12, 10), at(D(2026, 12, 3), 13, 20), 0),  # within lunch
    (at(D(2026, 12, 3), 7, 0), at(D(2026, 12, 3), 9, 30), 30),  # before office hours
    (at(D(2026, 12, 3), 16, 30), at(D(2026, 12, 4), 9, 45), 105),  # overnight: 60 + 45
    (at(D(2026, 12, 3), 9, 0), at(D(2026, 12, 4), 9, 0), 420),  # a whole office day: 3 h + 4 h
    (at(D(2026, 12, 4), 17, 0), at(D(2026, 12, 7), 9, 30), 60),  # over a weekend
    (at(D(2026, 12, 4), 19, 0), at(D(2026, 12, 7), 9, 30), 30),  # reported Friday evening
    (at(D(2026, 9, 30), 17, 0), at(D(2026, 10, 8), 9, 30), 60),  # over 国庆
    (at(D(2026, 10, 9), 17, 0), at(D(2026, 10, 10), 10, 0), 90),  # into the make-up Saturday
    (at(D(2026, 12, 3), 10, 0), at(D(2026, 12, 3), 10, 0), 0),
    (at(D(2026, 12, 3), 11, 0), at(D(2026, 12, 3), 10, 0), 0),  # end before start
])
def test_working_minutes(start, end, minutes):
    assert clock.working_minutes(start, end) == minutes


def test_working_minutes_of_utc_moments():
    utc = datetime.UTC
    # 01:00 UTC is 09:00 in China; 06:00 UTC is 14:00.
    start = datetime.datetime(2026, 12, 3, 1, 0, tzinfo=utc)
    assert clock.working_minutes(start, datetime.datetime(2026, 12, 3, 6, 0, tzinfo=utc)) == 210


def test_working_minutes_over_a_long_gap_is_whole_days():
    start, end = at(D(2026, 1, 5), 9, 0), at(D(2026, 12, 31), 17, 30)
    days = workdays.workdays_between(D(2026, 1, 4), D(2026, 12, 31))
    assert clock.working_minutes(start, end) == days * 420


def test_office_hours_are_a_setting(settings):
    settings.COORDINATION_OFFICE_HOURS = ((datetime.time(8, 30), datetime.time(12, 0)),)
    assert clock.working_minutes(at(D(2026, 12, 3), 8, 0), at(D(2026, 12, 3), 15, 0)) == 210


def test_signing_measures_the_working_minutes(contractor, staff):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    issue = services.issue_raise(actor=contractor, project=project, title="t", description="d", category="land")
    reported = timezone.now() - datetime.timedelta(days=9, hours=3)
    IssueItem.objects.filter(pk=issue.pk).update(created_at=reported)
    issue = services.issue_accept(actor=staff, issue=issue)
    issue.refresh_from_db()
    assert issue.sign_minutes == clock.working_minutes(reported, issue.accepted_at) > 0


def test_answer_and_close_are_measured_in_working_days(contractor, staff, reviewer):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    today = services.today()
    issue = services.issue_raise(actor=contractor, project=project, title="t", description="d", category="approval")
    reported = back(today, 7)
    IssueItem.objects.filter(pk=issue.pk).update(created_at=at(reported, 10), due_on=back(today, 2))
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
    services.issue_start(actor=reviewer, issue=issue)
    services.issue_resolve(actor=reviewer, issue=issue, answer="已办结")
    services.issue_verify(actor=contractor, issue=issue, satisfied=True)
    issue.refresh_from_db()
    assert issue.answer_workdays == 7 and issue.close_workdays == 7 and issue.on_time is False


# ------------------------------------------------------------------------------------------ escalation
@pytest.fixture
def day():
    """Today, with everything already due (the demo, other workflows) escalated by a first scan: what the scans
    of a test find new is the test's own."""
    today = services.today()
    deadline_scan(on=today)
    return today


def assigned(contractor, staff, reviewer, due, *, start=True, department=None):
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    issue = services.issue_raise(actor=contractor, project=project, title="融资贷款审批", description="d",
                                 category="financing")
    services.issue_accept(actor=staff, issue=issue)
    services.issue_assign(actor=staff, issue=issue, department=department or reviewer.organization)
    if start:
        handler = reviewer if department is None else User.objects.filter(
            organization=department, groups__name="department_reviewer").order_by("pk").first()
        services.issue_start(actor=handler, issue=issue)
    IssueItem.objects.filter(pk=issue.pk).update(due_on=due)
    issue.refresh_from_db()
    return issue


def digest(username, day):
    user = User.objects.get(username=username)
    return Notification.objects.filter(recipient=user, event_key=f"digest:{user.pk}:{day}").first()


def test_near_overdue_and_leader_rungs_each_once(day, contractor, staff, reviewer, leader):
    near = assigned(contractor, staff, reviewer, workdays.add_workdays(day, 1))
    overdue = assigned(contractor, staff, reviewer, back(day, 1), start=False)  # assigned, not started: counts
    long_overdue = assigned(contractor, staff, reviewer, back(day, 6))  # 1 + 5 more working days
    not_yet = assigned(contractor, staff, reviewer, back(day, 5))  # only 5 overdue: not the leaders' yet
    answered = assigned(contractor, staff, reviewer, back(day, 8))
    services.issue_resolve(actor=reviewer, issue=answered, answer="已答复")

    first = deadline_scan(on=day)
    assert (first["near"], first["overdue"], first["leader"]) == (1, 3, 1)
    assert first["supervision_notices"] == 3

    # the department's reviewers: the near one
    for username in ("reviewer", "fgw_head"):
        assert near.number in digest(username, day).body
    assert overdue.number not in digest("reviewer", day).body
    # its head: the overdue ones (督办), urgent
    head = digest("fgw_head", day)
    assert head.level == "urgent"
    assert all(i.number in head.body for i in (overdue, long_overdue, not_yet))
    # the leaders: only the one overdue by 5 more working days
    top = digest("leader", day)
    assert long_overdue.number in top.body and overdue.number not in top.body and not_yet.number not in top.body
    assert answered.number not in head.body + top.body + digest("reviewer", day).body
    assert not escalations_of(answered).exists()
    # 督办: stamped on the overdue ones, today
    stamped = dict(IssueItem.objects.filter(pk__in=[near.pk, overdue.pk, long_overdue.pk, not_yet.pk,
                                                    answered.pk]).values_list("pk", "supervised_on"))
    assert stamped == {near.pk: None, overdue.pk: day, long_overdue.pk: day, not_yet.pk: day, answered.pk: None}
    assert [e.rung for e in escalations_of(long_overdue)] == [3]

    # the same day again: nothing sent twice, nothing stamped twice
    total, bodies = Notification.objects.count(), {u: digest(u, day).body for u in ("reviewer", "fgw_head", "leader")}
    again = deadline_scan(on=day)
    assert (again["near"], again["overdue"], again["leader"], again["supervision_notices"]) == (0, 0, 0, 0)
    assert again["notifications"] == 0 and Notification.objects.count() == total
    assert {u: digest(u, day).body for u in bodies} == bodies

    # the next working day: the stamp keeps its day; the one not yet at the leaders' rung climbs there
    next_day = workdays.add_workdays(day, 1)
    later = deadline_scan(on=next_day)
    assert later["supervision_notices"] == 0 and later["leader"] >= 1
    assert IssueItem.objects.get(pk=overdue.pk).supervised_on == day
    assert not_yet.number in digest("leader", next_day).body
    assert long_overdue.number not in digest("leader", next_day).body


def test_without_a_head_the_reviewers_hear_of_the_overdue(day, contractor, staff, reviewer):
    zrzy = User.objects.get(username="zrzy_reviewer")
    issue = assigned(contractor, staff, reviewer, back(day, 1), department=zrzy.organization)
    assert deadline_scan(on=day)["overdue"] == 1
    assert issue.number in digest("zrzy_reviewer", day).body


def test_a_resolved_issue_is_no_longer_escalated(day, contractor, staff, reviewer, leader):
    issue = assigned(contractor, staff, reviewer, workdays.add_workdays(day, 1))
    assert deadline_scan(on=day)["near"] == 1
    services.issue_resolve(actor=reviewer, issue=issue, answer="已答复")
    later = workdays.add_workdays(day, 8)
    deadline_scan(on=later)
    assert [e.rung for e in escalations_of(issue)] == [1]
    assert IssueItem.objects.get(pk=issue.pk).supervised_on is None
    for username in ("fgw_head", "leader"):
        note = digest(username, later)
        assert note is None or issue.number not in note.body
    # sent back unsatisfied: its clock runs again and it climbs from where it was
    services.issue_verify(actor=contractor, issue=issue, satisfied=False, comment="没有解决")
    result = deadline_scan(on=later)
    assert result["overdue"] >= 1 and result["leader"] >= 1
    assert issue.number in digest("fgw_head", later).body and issue.number in digest("leader", later).body


def test_a_new_deadline_climbs_afresh(day, contractor, staff, reviewer):
    issue = assigned(contractor, staff, reviewer, back(day, 1))
    deadline_scan(on=day)
    services.issue_reschedule(actor=staff, issue=issue, due_on=workdays.add_workdays(day, 2), reason="补充材料")
    next_day = workdays.add_workdays(day, 1)
    assert deadline_scan(on=next_day)["near"] >= 1
    assert issue.number in digest("reviewer", next_day).body


# ------------------------------------------------------------------------------------------- call-backs
def confirmed_in(month: D, n: int, contractor, staff, reviewer) -> list[int]:
    """n issues confirmed (and closed) in `month`."""
    project = Project.objects.get(name="杭温高速铁路义乌至温州段")
    ids = []
    for i in range(n):
        issue = services.issue_raise(actor=contractor, project=project, title=f"问题{i}", description="d",
                                     category="labour")
        services.issue_accept(actor=staff, issue=issue)
        services.issue_assign(actor=staff, issue=issue, department=reviewer.organization)
        services.issue_start(actor=reviewer, issue=issue)
        services.issue_resolve(actor=reviewer, issue=issue, answer="已办")
        services.issue_verify(actor=contractor, issue=issue, satisfied=True)
        if i % 2:
            services.issue_close(actor=staff, issue=issue)
        IssueItem.objects.filter(pk=issue.pk).update(verified_at=at(month.replace(day=1 + i % 28), 10))
        ids.append(issue.pk)
    return ids


@pytest.mark.parametrize("n", [1, 3, 10, 11, 25])
def test_callbacks_draw_at_least_a_tenth_at_random_once(n, contractor, staff, reviewer):
    month = D(2025, 6, 1)
    ids = confirmed_in(month, n, contractor, staff, reviewer)
    outside = confirmed_in(D(2025, 7, 1), 2, contractor, staff, reviewer)
    drawn = services.callbacks_draw(month=D(2025, 6, 17), rng=random.Random(7))  # noqa: S311
    count = max(1, math.ceil(n / 10))
    assert len(drawn) == count
    chosen = {c.issue_id for c in drawn}
    assert chosen <= set(ids) and not chosen & set(outside)
    assert chosen == set(random.Random(7).sample(sorted(ids), count))  # noqa: S311
    assert all(c.month == month and c.state == CallBackState.DUE for c in drawn)
    assert services.callbacks_draw(month=month, rng=random.Random(8)) == []  # noqa: S311
    assert CallBack.objects.filter(month=month).count() == count


def test_callbacks_draw_is_random_and_skips_voided_issues(contractor, staff, reviewer):
    month = D(2025, 3, 1)
    ids = confirmed_in(month, 20, contractor, staff, reviewer)
    IssueItem.objects.filter(pk__in=ids[:10]).update(voided_at=timezone.now())
    picks = set()
    for seed in range(6):
        drawn = services.callbacks_draw(month=month, rng=random.Random(seed))  # noqa: S311
        assert len(drawn) == 1 and drawn[0].issue_id in ids[10:]  # 10 % of the 10 live ones
        picks.add(drawn[0].issue_id)
        CallBack.objects.filter(month=month).delete()
    assert len(picks) > 1


def test_a_month_without_confirmed_issues_draws_nothing():
    assert services.callbacks_draw(month=D(2024, 2, 1)) == []


def test_the_scan_draws_last_months_callbacks(contractor, staff, reviewer):
    ids = confirmed_in(D(2025, 8, 1), 4, contractor, staff, reviewer)
    result = deadline_scan(on=D(2025, 9, 1))
    assert result["callbacks"] == 1
    (callback,) = CallBack.objects.filter(month=D(2025, 8, 1))
    assert callback.issue_id in ids
    assert deadline_scan(on=D(2025, 9, 2))["callbacks"] == 0


def test_callback_record(contractor, staff, reviewer, leader):
    month = D(2025, 5, 1)
    confirmed_in(month, 30, contractor, staff, reviewer)
    happy, unhappy, absent = services.callbacks_draw(month=month, rng=random.Random(3))  # noqa: S311
    issue = happy.issue
    before = (issue.rating_count, issue.satisfied_count)
    with pytest.raises(PermissionDenied):
        services.callback_record(actor=leader, callback=happy, reached=True, contact="赵刚", answer="满意",
                                 satisfied=True)
    with pytest.raises(ApplicationError) as refused:
        services.callback_record(actor=staff, callback=happy, reached=True, contact="", answer="满意", satisfied=True)
    assert "contact" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        services.callback_record(actor=staff, callback=happy, reached=True, contact="赵刚", answer="满意")
    assert "satisfied" in refused.value.extra
    assert CallBack.objects.get(pk=happy.pk).state == CallBackState.DUE

    services.callback_record(actor=staff, callback=happy, reached=True, contact="赵刚", answer="很满意",
                             satisfied=True)
    happy.refresh_from_db()
    issue.refresh_from_db()
    assert happy.state == CallBackState.DONE and happy.satisfied is True and happy.called_by == staff
    assert (issue.rating_count, issue.satisfied_count) == (before[0] + 1, before[1] + 1)
    rating = IssueRating.objects.filter(issue=issue).order_by("-pk").first()
    assert (rating.kind, rating.satisfied, rating.comment, rating.department_id) == (
        "callback", True, "很满意", reviewer.organization_id)

    services.callback_record(actor=staff, callback=unhappy, reached=True, contact="钱立群", answer="还有遗留问题",
                             satisfied=False)
    unhappy.issue.refresh_from_db()
    assert (unhappy.issue.rating_count, unhappy.issue.satisfied_count) == (2, 1)

    ratings = IssueRating.objects.count()
    services.callback_record(actor=staff, callback=absent, reached=False, answer="电话无人接听")
    absent.refresh_from_db()
    assert absent.state == CallBackState.UNREACHABLE and absent.satisfied is None
    assert IssueRating.objects.count() == ratings
    with pytest.raises(ApplicationError) as refused:
        services.callback_record(actor=staff, callback=absent, reached=True, contact="x", answer="y", satisfied=True)
    assert refused.value.code == "invalid_transition"


def add_overdue_issues(n, template, day):
    """n more issues held by 发改委, each overdue by a different number of working days."""
    start = IssueItem.objects.count()
    IssueItem.objects.bulk_create([
        IssueItem(number=f"WTX{start + i:08d}", project_id=template.project_id, title=f"问题{i}", description="d",
                  category="approval", source="company", company_id=template.company_id,
                  raised_by_id=template.raised_by_id, department_id=template.department_id,
                  state=IssueState.IN_PROGRESS, held_since=timezone.now(), limit_workdays=5,
                  due_on=back(day, 1 + i % 9))
        for i in range(n)])
    return [f"WTX{start + i:08d}" for i in range(n)]


def test_the_scan_query_count_does_not_grow_with_the_issues(day, contractor, staff, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    template = assigned(contractor, staff, reviewer, workdays.add_workdays(day, 10))

    def queries(on):
        with CaptureQueriesContext(connection) as ctx:
            deadline_scan(on=on)
        return len(ctx.captured_queries)

    add_overdue_issues(1, template, day)  # the day's digests of the head and the leaders exist from now on
    queries(day)
    add_overdue_issues(9, template, day)  # overdue by 1 to 9 working days: both rungs
    few = queries(day)
    steady_few = queries(day)
    add_overdue_issues(90, template, day)
    many = queries(day)
    steady_many = queries(day)
    assert steady_many == steady_few, (steady_few, steady_many)
    assert many == few, (few, many)
