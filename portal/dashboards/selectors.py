"""Figures for the home pages, computed from what the user may see (never from global counts)."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Sum
from django.db.models.functions import Cast

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core import policy
from projects.models import STAGE_PHASE, Phase, Project, ProjectLevel, ProjectType


def project_figures(*, user: User) -> dict:
    qs = policy.visible(user, Project.objects.active())
    by_stage = dict(qs.order_by().values_list("stage").annotate(n=Count("id")))
    by_phase = {p.value: 0 for p in Phase}
    for stage, n in by_stage.items():
        by_phase[STAGE_PHASE[stage]] += n
    totals = qs.aggregate(n=Count("id"), investment=Sum("total_investment"))
    by_type = dict(qs.order_by().values_list("project_type").annotate(n=Count("id")))
    by_level = dict(qs.order_by().values_list("level").annotate(n=Count("id")))
    return {
        "count": totals["n"] or 0,
        "investment": totals["investment"] or Decimal("0"),
        "phases": [(Phase(p).label, n) for p, n in by_phase.items()],
        "types": [(t.label, by_type.get(t.value, 0)) for t in ProjectType],
        "levels": [(lv.label, by_level.get(lv.value, 0)) for lv in ProjectLevel],
    }


def recent_projects(*, user: User, limit: int = 8):
    return policy.visible(user, Project.objects.active()).select_related("owner", "liaison_officer")[:limit]


def recent_activity(*, user: User, limit: int = 10):
    """Latest audit events on projects the user may see."""
    ct = ContentType.objects.get_for_model(Project)
    visible = policy.visible(user, Project.objects.all()).annotate(pk_str=Cast("pk", CharField())).values("pk_str")
    return AuditEvent.objects.filter(content_type=ct, object_id__in=visible).select_related("actor")[:limit]
