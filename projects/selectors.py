"""Reads for key projects, already narrowed to what the user may see and joined for what callers render."""

from collections.abc import Iterable
from typing import cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.accounts.models import User
from portal.core import policy
from portal.core.regions import region_prefix

from .models import OVERDUE_STAGES, LiaisonAssignment, Project, ProjectParticipant, ProjectQuerySet

# ?sort= values of the list page and API → ORM ordering; "-" in front reverses. The default is Meta.ordering.
SORTS = {
    "code": ("code",), "name": ("name", "id"), "investment": ("total_investment", "id"),
    "planned_finish": ("planned_finish", "id"), "stage": ("stage", "id"), "created": ("created_at", "id"),
}


def sort_ordering(sort: str) -> tuple[str, ...] | None:
    """The ordering for a `sort` value such as "investment" or "-planned_finish"; None when unknown."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        return None
    return tuple(f"-{f}" for f in SORTS[key]) if sort.startswith("-") else SORTS[key]


def project_is_overdue(project: Project, today=None) -> bool:
    today = today or timezone.localdate()
    return bool(project.planned_finish and project.planned_finish < today and project.stage in OVERDUE_STAGES)


def project_list(*, user: User, search: str = "", filters: dict | None = None, include_voided: bool = False
                 ) -> QuerySet[Project]:
    qs: ProjectQuerySet = Project.objects.all() if include_voided else Project.objects.active()
    # The policy narrows the queryset it is given: still a ProjectQuerySet.
    qs = cast(ProjectQuerySet, policy.visible(user, qs).select_related("owner", "liaison_officer"))
    filters = filters or {}
    if search := search.strip():
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search) | Q(owner__name__icontains=search))
    if value := filters.get("project_type"):
        qs = qs.filter(project_type=value)
    if value := filters.get("level"):
        qs = qs.filter(level=value)
    if value := filters.get("stage"):
        qs = qs.filter(stage=value)
    if value := filters.get("phase"):
        qs = qs.in_phase(value)
    if value := filters.get("owner"):  # an organisation (or its id), or a part of its name
        value = getattr(value, "pk", value)
        if isinstance(value, int) or str(value).strip().isdigit():
            qs = qs.filter(owner_id=int(value))
        else:
            qs = qs.filter(owner__name__icontains=str(value).strip())
    if filters.get("overdue") in (True, "1", "true", "yes"):
        qs = qs.overdue(timezone.localdate())
    if (value := filters.get("sort")) and (ordering := sort_ordering(str(value))):
        qs = qs.order_by(*ordering)
    if value := filters.get("region"):
        qs = qs.filter(
            pk__in=Project.regions.through.objects.filter(region__code__startswith=region_prefix(value)).values(
                "project_id"
            )
        )
    return qs


def project_for(user: User, pk, action: str | None = "view", *, related: tuple[str, ...] = ("owner",)) -> Project:
    """Project `pk` for a page or API call of one of its parts: 404 when the user may not see it (like a missing
    one), PermissionDenied when they see it but may not `action` it."""
    project = policy.get_or_404(user, Project.objects.select_related(*related), pk=pk)
    if action and action != "view":
        policy.require(user, action, project)
    return project


def _region_values(projects: Iterable[Project | int], column: str) -> dict[int, list[str]]:
    """`column` of each project's (or project id's) divisions, in code order, read in one query from the link
    table: no Region objects and no per-project prefetch cache."""
    values: dict[int, list[str]] = {p if isinstance(p, int) else p.pk: [] for p in projects}
    links = Project.regions.through.objects.filter(project_id__in=list(values)).order_by("region_id")
    for project_id, value in links.values_list("project_id", column):
        values[project_id].append(value)
    return values


def project_region_codes(*, projects: Iterable[Project | int]) -> dict[int, list[str]]:
    """The division codes of each project (as `project.regions.all()`), in one query (a per-project prefetch cost
    most of a 50-row API page)."""
    return _region_values(projects, "region_id")


def project_region_names(*, projects: Iterable[Project | int]) -> dict[int, list[str]]:
    """The division names of each project, in code order, in one query (a list page's prefetch of 50 projects'
    regions cost a tenth of the page)."""
    return _region_values(projects, "region__name")


def project_participants(*, project: Project) -> QuerySet[ProjectParticipant]:
    return project.participants.active().select_related("organization").order_by("role", "organization__name")


def liaison_history(*, project: Project) -> QuerySet[LiaisonAssignment]:
    """Every liaison officer `project` has had, the current one (open row) first, then newest first; the caller
    has checked the project may be seen."""
    return (LiaisonAssignment.objects.filter(project=project).select_related("officer", "assigned_by", "ended_by")
            .order_by("-started_at", "-id"))


def officer_projects(*, officer: User) -> QuerySet[Project]:
    """The live projects `officer` is the liaison officer of now, by name."""
    return (Project.objects.active().filter(liaison_officer_id=officer.pk).select_related("owner")
            .order_by("name", "id"))
