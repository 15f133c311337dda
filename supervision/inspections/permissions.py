"""Who may see and act on deliveries, inspection plans, samples and rectifications.

- view: bureau staff and leaders (model permission) every record; anyone else the records of the projects they
  see (a company its projects, an inspector the projects assigned to them); a testing agency's users besides the
  samples assigned to their agency.
- delivery `change`: the receiving contractor's users (and bureau staff with the model permission).
- plan `change` (edit it, take samples on it) and sample `change` (draw its testing agency): bureau staff, and an
  inspector on a project assigned to them.
- sample `record` (record the result): the users of the testing agency the sample is assigned to — nobody else.
- rectification `rectify` (submit the measures): the responsible unit's users; `verify` (return it, close it,
  take the re-inspection sample): bureau staff (`verify_rectification`) and an inspector on the project."""

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import Role, User
from portal.core import policy
from projects.models import Project

from ..models import InspectionPlan, MaterialDelivery, Rectification, Sample


def visible_projects(user: User) -> QuerySet[Project]:
    return policy.visible(user, Project.objects.all())


def is_inspector_on(user: User, project_id: int) -> bool:
    """An inspector assigned to the project (one who sees it)."""
    return user.has_role(Role.INSPECTOR) and visible_projects(user).filter(pk=project_id).exists()


def inspector_projects(user: User) -> QuerySet[Project]:
    return visible_projects(user) if user.has_role(Role.INSPECTOR) else Project.objects.none()


class _ProjectRecordPolicy(policy.ObjectPolicy):
    """A record of a project (through `project_path`): seen with the project."""

    project_path = "project"

    def project_id_of(self, obj: Model) -> int:
        target = obj
        parts = self.project_path.split("__")
        for part in parts[:-1]:
            target = getattr(target, part)
        return getattr(target, f"{parts[-1]}_id")

    def view_q(self, user: User) -> Q:
        return Q(**{f"{self.project_path}__in": visible_projects(user).values("pk")})

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            return queryset if self.has_global(user, "view") else queryset.filter(self.view_q(user))
        return self.act_scope(user, queryset.filter(voided_at__isnull=True), action)

    def act_scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        return queryset if self.has_global(user, action) else queryset.none()

    def allows(self, user: User, action: str, obj: Model) -> bool:
        if action == "view" and self.has_global(user, "view"):
            return True
        if action != "view" and getattr(obj, "voided_at", None) is not None:
            return False
        return self.scope(user, self.model._default_manager.filter(pk=obj.pk), action).exists()


class MaterialDeliveryPolicy(_ProjectRecordPolicy):
    model = MaterialDelivery
    actions = ("view", "change")

    def act_scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset
        return queryset.filter(contractor_id=user.organization_id) if user.organization_id else queryset.none()


class InspectionPlanPolicy(_ProjectRecordPolicy):
    model = InspectionPlan
    actions = ("view", "change")

    def act_scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset
        return queryset.filter(project__in=inspector_projects(user).values("pk"))


class SamplePolicy(_ProjectRecordPolicy):
    model = Sample
    actions = ("view", "change", "record")
    project_path = "plan__project"

    def view_q(self, user: User) -> Q:
        q = super().view_q(user)
        if user.organization_id is not None:
            q |= Q(agency_id=user.organization_id)
        return q

    def act_scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "record":  # the agency's own users; the superuser may stand in
            if user.is_superuser:
                return queryset
            return queryset.filter(agency_id=user.organization_id) if user.organization_id else queryset.none()
        if self.has_global(user, action):
            return queryset
        return queryset.filter(plan__project__in=inspector_projects(user).values("pk"))


class RectificationPolicy(_ProjectRecordPolicy):
    model = Rectification
    actions = ("view", "rectify", "verify")

    def view_q(self, user: User) -> Q:
        q = super().view_q(user)
        if user.organization_id is not None:
            q |= Q(responsible_id=user.organization_id)
        return q

    def act_scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "rectify":
            if user.is_superuser:
                return queryset
            return (queryset.filter(responsible_id=user.organization_id)
                    if user.organization_id and user.has_role(Role.CONTRACTOR) else queryset.none())
        if self.has_global(user, action):
            return queryset
        return queryset.filter(project__in=inspector_projects(user).values("pk"))


def may_record_delivery(user: User, project: Project) -> bool:
    """Bureau staff, or a company user on a project they see (the service checks the organisation's role)."""
    return policy.can(user, "view", project) and user.has_perm("supervision.add_materialdelivery")


def may_plan(user: User, project: Project) -> bool:
    """Bureau staff, or an inspector assigned to the project."""
    if project.voided_at is not None or not policy.can(user, "view", project):
        return False
    return user.has_perm("supervision.add_inspectionplan") or is_inspector_on(user, project.pk)


POLICIES = (MaterialDeliveryPolicy(), InspectionPlanPolicy(), SamplePolicy(), RectificationPolicy())
