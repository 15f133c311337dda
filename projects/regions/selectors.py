"""Reads of cross-region work, joined for what the pages and the API render (no query per row)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from portal.core.models import Region
from portal.core.regions import region_prefix

from ..models import CommandRole, JointCommand, JointCommandMember, Project, RegionWorkItem, RegionWorkKind
from .summary import Matrix, work_matrix

ROLE_ORDER = Case(*[When(role=r, then=Value(i)) for i, r in enumerate(CommandRole.values)],
                  output_field=IntegerField())


def project_regions(*, project: Project) -> list[Region]:
    return list(project.regions.order_by("code"))


def region_choices(*, project: Project) -> list[Region]:
    """The regions an item or a member may be in: the project's regions and the regions directly inside them."""
    codes = list(project.regions.values_list("code", flat=True))
    return list(Region.objects.filter(Q(code__in=codes) | Q(parent_id__in=codes)).order_by("code"))


def joint_command(*, project: Project) -> JointCommand | None:
    return JointCommand.objects.select_related("lead_region").filter(project=project).first()


def command_members(*, command: JointCommand | None) -> QuerySet[JointCommandMember]:
    if command is None:
        return JointCommandMember.objects.none()
    return (command.members.active().select_related("region", "organization", "user")
            .order_by("region_id", ROLE_ORDER, "id"))


def region_work_list(*, project: Project, filters: dict | None = None,
                     include_voided: bool = False) -> QuerySet[RegionWorkItem]:
    """The project's items; filters: region (a division code: the region and everything inside it), kind,
    status."""
    filters = filters or {}
    qs = RegionWorkItem.objects.filter(project=project)
    if not include_voided:
        qs = qs.active()
    qs = qs.select_related("region", "responsible_organization")
    if value := filters.get("region"):
        qs = qs.filter(region__code__startswith=region_prefix(str(value)))
    if value := filters.get("kind"):
        qs = qs.filter(kind=value)
    if value := filters.get("status"):
        qs = qs.filter(status=value)
    return qs.order_by("region_id", "kind", "id")


def region_work_matrix(*, project: Project, regions: list[Region] | None = None) -> Matrix:
    regions = regions if regions is not None else project_regions(project=project)
    items = RegionWorkItem.objects.active().filter(project=project).select_related("region", "responsible_organization")
    return work_matrix(items, [(r.code, r.name) for r in regions], RegionWorkKind.values)
