"""The projects' cards of the home pages (declared in `ProjectsConfig.portal_plugin`): figures computed from what
the user may see (never from global counts), the recent activity and the latest projects."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.audit.models import AuditEvent
from portal.core import policy

from .models import OVERDUE_STAGES, STAGE_PHASE, Phase, Project, ProjectLevel, ProjectType
from .models.risks import LIVE_RISK_STATUSES


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
    from .risks.selectors import visible_risks

    live = visible_risks(user=user).filter(status__in=LIVE_RISK_STATUSES)
    return live.filter(score_value__gte=10).count()  # score_value: annotated by visible_risks


def recent_projects(*, user: User, limit: int = 8) -> QuerySet[Project]:
    return policy.visible(user, Project.objects.active()).select_related("owner", "liaison_officer")[:limit]


def recent_activity(*, user: User, limit: int = 10) -> QuerySet[AuditEvent]:
    """Latest audit events on projects the user may see."""
    ct = ContentType.objects.get_for_model(Project)
    visible = policy.visible(user, Project.objects.all()).annotate(pk_str=Cast("pk", CharField())).values("pk_str")
    return AuditEvent.objects.filter(content_type=ct, object_id__in=visible).select_related("actor", "content_type")[:limit]


def home_context(user: User, role: str | None, today: datetime.date) -> dict:
    """The context of the projects' home cards (one call per page, shared by the cards)."""
    from .feasibility.selectors import opinion_queue
    from .schedule.selectors import owed_counts

    context: dict = {
        "role": role,
        "figures": project_figures(user=user, today=today),
        "projects": recent_projects(user=user),
    }
    if role in (Role.LEADER, Role.BUREAU_STAFF):
        context["activity"] = recent_activity(user=user)
        context["serious_risks"] = live_serious_risks(user=user)
    if role == Role.DEPARTMENT_REVIEWER:
        context["pending_opinions"] = opinion_queue(user=user).count()
    elif role in (Role.CONTRACTOR, Role.INSPECTOR) and user.organization_id:  # a testing agency owes tasks too
        context["owed"] = owed_counts(user=user)
    return context
