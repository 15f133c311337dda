"""The issue-list card of the home pages (declared in `CoordinationConfig.portal_plugin`, slot "summary"):

- bureau staff: new issues waiting to be signed for, how many of them are past the 2-working-hour promise, and
  the overdue issues (cached figures: the same for every user with a global view);
- leaders: the issues overdue by LEADER_AFTER_WORKDAYS (5) working days or more (cached likewise);
- a department's reviewers: their queue (assigned or in progress) and how much of it is overdue;
- company users: the answers waiting for their confirmation;
- liaison officers: the open issues of their projects.

"Overdue" is the issue's light: red, that is its clock runs (not yet answered) and a working day has ended after
its due date. Each figure is one aggregate query."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.core import policy, workdays
from portal.dashboards import cache as dashboard_cache

from . import clock
from .models import (
    DEPARTMENT_STATES,
    LEADER_AFTER_WORKDAYS,
    OPEN_ISSUE_STATES,
    SIGN_PROMISE_MINUTES,
    IssueItem,
    IssueState,
    overdue_q,
)


def last_workday(today: datetime.date) -> datetime.date:
    day = today
    while not workdays.is_workday(day):
        day -= datetime.timedelta(days=1)
    return day


def overdue_by_q(today: datetime.date, days: int = 1) -> Q:
    """Issues whose clock runs and that are at least `days` working days past their due date on `today`
    (`IssueItem.workdays_left(today) <= -days`): due before the `days`-th working day back from today."""
    day, seen = today, 0
    while True:
        if workdays.is_workday(day):
            seen += 1
            if seen == days:
                break
        day -= datetime.timedelta(days=1)
    return overdue_q(day)


def sign_deadline(now: datetime.datetime, minutes: int = SIGN_PROMISE_MINUTES) -> datetime.datetime:
    """The moment from which `minutes` working minutes (clock.office_hours on working days) run up to `now`: an
    issue reported before it and not signed for has broken the promise."""
    local = timezone.localtime(now)
    day, left = local.date(), float(minutes)
    for _ in range(60):  # at most a couple of weeks of holidays back
        if workdays.is_workday(day):
            for begin, finish in reversed(clock.office_hours()):
                lo = datetime.datetime.combine(day, begin, local.tzinfo)
                hi = min(datetime.datetime.combine(day, finish, local.tzinfo), local)
                if hi <= lo:
                    continue
                span = (hi - lo).total_seconds() / 60
                if span >= left:
                    return hi - datetime.timedelta(minutes=left)
                left -= span
        day -= datetime.timedelta(days=1)
    return local - datetime.timedelta(days=60)


@dashboard_cache.figures("coordination.issues", scope=("coordination.IssueItem",))
def home_figures(user: User, role: str | None, today: datetime.date) -> dict:
    """The bureau's and the leaders' issue figures, shared by the users who see every issue."""
    issues = policy.visible(user, IssueItem.objects.filter(voided_at__isnull=True))
    return issues.aggregate(
        waiting=Count("pk", filter=Q(state=IssueState.REPORTED)),
        late_signing=Count("pk", filter=Q(state=IssueState.REPORTED, created_at__lt=sign_deadline(timezone.now()))),
        overdue=Count("pk", filter=overdue_by_q(today)),
        escalated=Count("pk", filter=overdue_by_q(today, LEADER_AFTER_WORKDAYS)),
    )


def home_context(user: User, role: str | None, today: datetime.date) -> dict | None:
    if role in (Role.BUREAU_STAFF, Role.LEADER):
        if not policy.policy_for(IssueItem).has_global(user, "view"):
            return None
        cached = home_figures.get(user=user, role=role, today=today)
        return {"issue_figures": cached.data, "as_of": cached.as_of, "issue_role": role,
                "leader_days": LEADER_AFTER_WORKDAYS}
    if role == Role.DEPARTMENT_REVIEWER:
        queue = policy.visible(user, IssueItem.objects.all(), "handle").filter(state__in=DEPARTMENT_STATES)
        return {"issue_queue": queue.aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue_by_q(today)))}
    if role == Role.LIAISON_OFFICER:
        mine = IssueItem.objects.filter(voided_at__isnull=True, project__liaison_officer_id=user.pk,
                                        state__in=OPEN_ISSUE_STATES)
        return {"issue_liaison": policy.visible(user, mine).aggregate(
            open=Count("pk"), overdue=Count("pk", filter=overdue_by_q(today)))}
    if user.has_role(Role.CONTRACTOR) and user.organization_id is not None:
        theirs = policy.visible(user, IssueItem.objects.all(), "verify")
        return {"issue_company": theirs.aggregate(to_confirm=Count("pk", filter=Q(state=IssueState.RESOLVED)),
                                                  open=Count("pk", filter=Q(state__in=OPEN_ISSUE_STATES)))}
    return None
