"""Figures for the home pages, computed from what the user may see (never from global counts)."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Min, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from approvals import workdays
from approvals.models import AMBER_WORKDAYS, OPEN_CASE_STATES, RUNNING_REVIEW_STATES, ApprovalCase, CaseState
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core import policy
from projects.models import OVERDUE_STAGES, STAGE_PHASE, Phase, Project, ProjectLevel, ProjectType
from projects.models.risks import LIVE_RISK_STATUSES


def project_figures(*, user: User, today: datetime.date | None = None) -> dict:
    """Counts by phase, type and level, the overdue ones, and the total investment of the visible active projects.

    One grouped query (a few dozen rows) instead of a scan of the visible projects per figure."""
    today = today or timezone.localdate()
    qs = policy.visible(user, Project.objects.active())
    groups = qs.order_by().values_list("stage", "project_type", "level").annotate(
        n=Count("id"), investment=Sum("total_investment"),
        late=Count("id", filter=Q(planned_finish__lt=today, stage__in=OVERDUE_STAGES)),
    )
    count, overdue, investment = 0, 0, Decimal("0")
    by_phase = {p.value: 0 for p in Phase}
    by_type: dict[str, int] = {}
    by_level: dict[str, int] = {}
    for stage, project_type, level, n, group_investment, late in groups:
        count += n
        overdue += late
        investment += group_investment or 0
        by_phase[STAGE_PHASE[stage]] += n
        by_type[project_type] = by_type.get(project_type, 0) + n
        by_level[level] = by_level.get(level, 0) + n
    return {
        "count": count,
        "overdue": overdue,
        "investment": investment,
        "phases": [(Phase(p).label, n) for p, n in by_phase.items()],
        "types": [(t.label, by_type.get(t.value, 0)) for t in ProjectType],
        "levels": [(lv.label, by_level.get(lv.value, 0)) for lv in ProjectLevel],
    }


def live_serious_risks(*, user: User) -> int:
    """Open or mitigating risks scored 10 or more (high and extreme bands) on the projects the user sees."""
    from projects.risks.selectors import visible_risks

    return visible_risks(user=user).filter(status__in=LIVE_RISK_STATUSES, score_value__gte=10).count()


def recent_projects(*, user: User, limit: int = 8):
    return policy.visible(user, Project.objects.active()).select_related("owner", "liaison_officer")[:limit]


def recent_activity(*, user: User, limit: int = 10):
    """Latest audit events on projects the user may see."""
    ct = ContentType.objects.get_for_model(Project)
    visible = policy.visible(user, Project.objects.all()).annotate(pk_str=Cast("pk", CharField())).values("pk_str")
    return AuditEvent.objects.filter(content_type=ct, object_id__in=visible).select_related("actor", "content_type")[:limit]


def approval_lights(*, user: User, today: datetime.date) -> dict:
    """Open approval cases the user may see, by the worst light of their running items (the same colours as
    `approvals.selectors.case_light`), counted in one query however many cases there are.

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
