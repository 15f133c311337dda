"""Who may see and act on feasibility reviews and opinions.

- A review is seen with its project, and by the users of every department asked in it; only bureau staff
  (who may `advance` the project) open, extend, conclude or void it.
- An opinion is seen with its project, and by the users of its department (a reviewer need not see the
  project: the opinion page shows what they need). It is given by a department reviewer of that department;
  when (pending, its review open) is the workflow's rule (FeasibilityOpinion.workflow). Nobody changes it
  afterwards.

Declared by `ProjectsConfig.portal_plugin` (the only policies of these two models)."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import Role, User
from portal.core import policy
from projects.models import FeasibilityOpinion, FeasibilityReview, Project
from projects.permissions import ProjectPartPolicy


class FeasibilityReviewPolicy(ProjectPartPolicy):
    actions = ("view", "change")

    def __init__(self) -> None:
        super().__init__(FeasibilityReview, "project")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "change":
            may = user.is_superuser or user.has_perm("projects.change_project")
            return queryset.filter(voided_at__isnull=True) if may else queryset.none()
        if policy.policy_for(Project).has_global(user, "view"):
            return queryset
        projects = policy.visible(user, Project.objects.all()).values("pk")
        q = Q(project__in=projects)
        if user.organization_id is not None:
            q |= Q(pk__in=FeasibilityOpinion.objects.filter(department_id=user.organization_id).values("review_id"))
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(FeasibilityReview, obj)  # policy_for() gives a policy only objects of its model
        if action == "change":
            return obj.voided_at is None and policy.can(user, "advance", obj.project)
        if policy.can(user, "view", obj.project):
            return True
        return user.organization_id is not None and obj.opinions.filter(department_id=user.organization_id).exists()


class FeasibilityOpinionPolicy(policy.ObjectPolicy):
    model = FeasibilityOpinion
    actions = ("view", "give")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "give":  # when it may be given is the workflow's (FeasibilityOpinion.workflow)
            if user.organization_id is None or not user.has_role(Role.DEPARTMENT_REVIEWER):
                return queryset.none()
            return queryset.filter(department_id=user.organization_id)
        if policy.policy_for(Project).has_global(user, "view"):
            return queryset
        q = Q(review__project__in=policy.visible(user, Project.objects.all()).values("pk"))
        if user.organization_id is not None:
            q |= Q(department_id=user.organization_id)
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(FeasibilityOpinion, obj)  # policy_for() gives a policy only objects of its model
        if action == "give":
            return (user.organization_id is not None and user.organization_id == obj.department_id
                    and user.has_role(Role.DEPARTMENT_REVIEWER))
        if user.organization_id is not None and user.organization_id == obj.department_id:
            return True
        return policy.can(user, "view", obj.review.project)


POLICIES = (FeasibilityReviewPolicy(), FeasibilityOpinionPolicy())
