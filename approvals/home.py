"""The approvals card of the home pages (declared in `ApprovalsConfig.portal_plugin`): the bureau sees its open
cases by light, a department its most urgent items, an applicant its open cases."""

import datetime

from django.db.models import Count, Min, Q

from portal.accounts.models import Role, User
from portal.core import policy, workdays
from portal.dashboards import cache as dashboard_cache

from . import selectors
from .models import AMBER_WORKDAYS, OPEN_CASE_STATES, RUNNING_REVIEW_STATES, ApprovalCase, CaseState
from .rows import case_rows, review_rows

HOME_ROWS = 8


def approval_lights(*, user: User, today: datetime.date) -> dict:
    """Open approval cases the user may see, by the worst light of their running items (the same colours as
    `selectors.case_light`), counted in one query however many cases there are.

    A case's worst light is the light of its earliest-due running item. Red: the due date lies before the
    last working day up to today (at least one working day overdue); amber: 2 working days or fewer left,
    that is due before the 3rd working day after today."""
    last_workday = today
    while not workdays.is_workday(last_workday):
        last_workday -= datetime.timedelta(days=1)
    amber_before = workdays.add_workdays(today, AMBER_WORKDAYS + 1)
    cases = policy.visible(user, ApprovalCase.objects.active()).filter(state__in=OPEN_CASE_STATES).annotate(
        first_due=Min("reviews__due_on", filter=Q(reviews__state__in=RUNNING_REVIEW_STATES)))
    return cases.aggregate(
        open=Count("pk"),
        red=Count("pk", filter=Q(first_due__lt=last_workday)),
        amber=Count("pk", filter=Q(first_due__gte=last_workday, first_due__lt=amber_before)),
        green=Count("pk", filter=Q(first_due__gte=amber_before)),
        window=Count("pk", filter=Q(state=CaseState.SUBMITTED)),
        correcting=Count("pk", filter=Q(state=CaseState.CORRECTION_REQUESTED)),
    )


@dashboard_cache.figures("approvals.lights", scope=("approvals.ApprovalCase",))
def home_figures(user: User, role: str | None, today: datetime.date) -> dict:
    """The bureau's lights, cached and shared by the users who see every case (`portal.dashboards.cache`)."""
    return {"approval_lights": approval_lights(user=user, today=today)}


def home_context(user: User, role: str | None, today: datetime.date) -> dict | None:
    if role in (Role.LEADER, Role.BUREAU_STAFF):
        cached = home_figures.get(user=user, role=role, today=today)
        return {"approval_lights": cached.data["approval_lights"], "as_of": cached.as_of}
    if role == Role.DEPARTMENT_REVIEWER:
        return {"review_rows": review_rows(selectors.review_queue(user=user, state="open")[:HOME_ROWS], today)}
    if user.has_role(Role.CONTRACTOR):
        cases = selectors.case_list(user=user, mine=True).filter(state__in=OPEN_CASE_STATES)[:HOME_ROWS]
        return {"case_rows": case_rows(cases, today), "show_cases": True}
    return None
