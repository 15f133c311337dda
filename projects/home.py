"""The projects' cards of the home pages (declared in `ProjectsConfig.portal_plugin`): figures computed from what
the user may see (never from global counts), the recent activity and the latest projects.

The figures, and the leader cockpit's two lists, are cached per visibility scope for up to five minutes
(`portal.dashboards.cache`: values only, labelled when the page is rendered); the user's own to-do counts are
read live."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditEvent
from portal.core import policy
from portal.dashboards import cache as dashboard_cache

from .models import OVERDUE_STAGES, STAGE_PHASE, Phase, Project, ProjectLevel, ProjectType
from .models.risks import LIVE_RISK_STATUSES


def project_figures(*, user: User, today: datetime.date | None = None) -> dict:
    """Counts by phase, type and level (by their values), the overdue ones, and the total investment of the visible
    active projects: language-independent data, labelled by `figures_display` when the page is rendered.

    One grouped query (a few dozen rows) instead of a scan of the visible projects per figure."""
    today = today or timezone.localdate()
    qs = policy.visible(user, Project.objects.active())
    groups = qs.order_by().values_list("stage", "project_type", "level").annotate(
        n=Count("id"), investment=Sum("total_investment"),
        late=Count("id", filter=Q(planned_finish__lt=today, stage__in=OVERDUE_STAGES)),
    )
    count, overdue, investment = 0, 0, Decimal("0")
    by_phase: dict[str, int] = {}
    by_type: dict[str, int] = {}
    by_level: dict[str, int] = {}
    for stage, project_type, level, n, group_investment, late in groups:
        count += n
        overdue += late
        investment += group_investment or 0
        phase = str(STAGE_PHASE[stage].value)
        by_phase[phase] = by_phase.get(phase, 0) + n
        by_type[project_type] = by_type.get(project_type, 0) + n
        by_level[level] = by_level.get(level, 0) + n
    return {"count": count, "overdue": overdue, "investment": investment,
            "phases": by_phase, "types": by_type, "levels": by_level}


def figures_display(figures: dict) -> dict:
    """`project_figures` with (label, count) pairs, every phase, type and level in order, in today's language."""
    return {
        **figures,
        "phases": [(p.label, figures["phases"].get(p.value, 0)) for p in Phase],
        "types": [(t.label, figures["types"].get(t.value, 0)) for t in ProjectType],
        "levels": [(lv.label, figures["levels"].get(lv.value, 0)) for lv in ProjectLevel],
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


# The cockpit's lists, kept as plain values (no labels: the page renders them in the reader's language).
LATEST_FIELDS = ("id", "code", "name", "project_type", "level", "stage", "total_investment", "owner_id",
                 "owner__name", "liaison_officer_id", "liaison_officer__full_name", "liaison_officer__username")
ACTIVITY_FIELDS = ("id", "content_type_id", "object_id", "object_repr", "action", "changes", "reason", "created_at",
                   "actor_id", "actor__full_name", "actor__username")


@dashboard_cache.figures("projects.figures", scope=("projects.Project",))  # risks are seen with their projects
def home_figures(user: User, role: str | None, today: datetime.date) -> dict:
    """The figures of the home cards that depend only on the projects the user sees (cached and shared by users who
    see the same projects: `portal.dashboards.cache`)."""
    data: dict = {"figures": project_figures(user=user, today=today)}
    if role in (Role.LEADER, Role.BUREAU_STAFF):
        data["serious_risks"] = live_serious_risks(user=user)
    return data


@dashboard_cache.figures("projects.cockpit_lists", scope=("projects.Project",))
def cockpit_lists(user: User, role: str | None, today: datetime.date) -> dict:
    """The leader cockpit's latest projects and recent activity, as values. Only the cockpit reads them cached: it
    is read-only, so a few minutes' delay is fine there; the bureau's workbench shows its own changes at once."""
    return {"projects": list(recent_projects(user=user).values(*LATEST_FIELDS)),
            "activity": list(recent_activity(user=user).values(*ACTIVITY_FIELDS))}


def _person(pk: int | None, full_name: str | None, username: str | None) -> User | None:
    return User(pk=pk, full_name=full_name or "", username=username or "") if pk is not None else None


def _latest_rows(rows: list[dict]) -> list[Project]:
    """Unsaved projects carrying the cached values, for the table's template (its labels and links)."""
    return [Project(pk=r["id"], code=r["code"], name=r["name"], project_type=r["project_type"], level=r["level"],
                    stage=r["stage"], total_investment=r["total_investment"],
                    owner=Organization(pk=r["owner_id"], name=r["owner__name"]),
                    liaison_officer=_person(r["liaison_officer_id"], r["liaison_officer__full_name"],
                                            r["liaison_officer__username"]))
            for r in rows]


def _activity_rows(rows: list[dict]) -> list[AuditEvent]:
    """Unsaved audit events carrying the cached values (content types come from Django's in-process cache)."""
    return [AuditEvent(pk=r["id"], content_type=ContentType.objects.get_for_id(r["content_type_id"]),
                       object_id=r["object_id"], object_repr=r["object_repr"], action=r["action"],
                       changes=r["changes"], reason=r["reason"], created_at=r["created_at"],
                       actor=_person(r["actor_id"], r["actor__full_name"], r["actor__username"]))
            for r in rows]


def home_context(user: User, role: str | None, today: datetime.date) -> dict:
    """The context of the projects' home cards (one call per page, shared by the cards): the cached figures, and
    the user's own to-do counts and the lists, live (cached on the leader cockpit)."""
    from .feasibility.selectors import opinion_queue
    from .schedule.selectors import owed_counts

    cached = home_figures.get(user=user, role=role, today=today)
    context: dict = {
        "role": role,
        "figures": figures_display(cached.data["figures"]),
        "serious_risks": cached.data.get("serious_risks"),
        "as_of": cached.as_of,
    }
    if role == Role.LEADER:
        lists = cockpit_lists.get(user=user, role=role, today=today).data
        context["projects"] = _latest_rows(lists["projects"])
        context["activity"] = _activity_rows(lists["activity"])
    else:
        context["projects"] = recent_projects(user=user)
        if role == Role.BUREAU_STAFF:
            context["activity"] = recent_activity(user=user)
    if role == Role.DEPARTMENT_REVIEWER:
        context["pending_opinions"] = opinion_queue(user=user).count()
    elif role in (Role.CONTRACTOR, Role.INSPECTOR) and user.organization_id:  # a testing agency owes tasks too
        context["owed"] = owed_counts(user=user)
    return context
