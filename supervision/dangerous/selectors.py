"""Reads of dangerous works, for this part's pages and API and for other parts (the project's quality & safety
page); and who manages a project's safety records (`managed_projects`), which the safety part shares."""

from typing import Any

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.models import ParticipantRole, Project, ProjectParticipant

from ..models import DangerousWork


def project_dangerous_works(*, project_id: int) -> QuerySet[DangerousWork]:
    """The project's live dangerous works, the larger class first."""
    return (DangerousWork.objects.filter(project_id=project_id, voided_at__isnull=True)
            .select_related("contractor").order_by("-large_scale", "state", "id"))


def managed_projects(user: User) -> QuerySet[Project]:
    """The live projects whose quality and safety records `user`'s organisation keeps: the projects it owns
    (建设单位) and those it builds (an active contractor participant). Bureau staff are decided by the caller."""
    if user.organization_id is None:
        return Project.objects.none()
    builds = ProjectParticipant.objects.filter(organization_id=user.organization_id, role=ParticipantRole.CONTRACTOR,
                                               voided_at__isnull=True).values("project_id")
    return Project.objects.filter(Q(owner_id=user.organization_id) | Q(pk__in=builds), voided_at__isnull=True)


def manages_project(user: User, project: Project) -> bool:
    if user.organization_id is None or project.voided_at is not None:
        return False
    return managed_projects(user).filter(pk=project.pk).exists()


def project_contractors(*, project: Project) -> list[Any]:
    """The organisations building `project` (active contractor participants), by name."""
    return [p.organization for p in ProjectParticipant.objects.filter(
        project=project, role=ParticipantRole.CONTRACTOR, voided_at__isnull=True)
        .select_related("organization").order_by("organization__name", "id")]


def dangerous_work_list(*, user: User, project: Project | None = None, filters: dict | None = None,
                        search: str = "") -> QuerySet[DangerousWork]:
    """The dangerous works `user` may see (of `project` when given), filtered, with what a row shows."""
    qs = policy.visible(user, DangerousWork.objects.all()).select_related("project", "contractor")
    if project is not None:
        qs = qs.filter(project=project)
    filters = filters or {}
    if not filters.get("voided"):
        qs = qs.filter(voided_at__isnull=True)
    if value := filters.get("state"):
        qs = qs.filter(state=value)
    if value := filters.get("kind"):
        qs = qs.filter(kind=value)
    if filters.get("large_scale") in (True, "1", "true", "yes"):
        qs = qs.filter(large_scale=True)
    if value := filters.get("project"):
        qs = qs.filter(project_id=value)
    if search := (search or "").strip():
        qs = qs.filter(Q(name__icontains=search) | Q(location__icontains=search) | Q(project__name__icontains=search)
                       | Q(contractor__name__icontains=search))
    return qs.order_by("project__name", "-large_scale", "state", "id")
