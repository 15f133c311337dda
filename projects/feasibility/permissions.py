"""Who may see and act on feasibility reviews and opinions.

- A review is seen with its project, and by the users of every department asked in it; only bureau staff
  (who may `advance` the project) open, extend, conclude or void it.
- An opinion is seen with its project, and by the users of its department (a reviewer need not see the
  project: the opinion page shows what they need). It is given by a department reviewer of that department
  while it is pending and its review is open. Nobody changes it afterwards.

Imported when the app is ready, after projects/permissions.py (whose default policy it replaces)."""

from django.db.models import Q, QuerySet

from portal.accounts.models import Role, User
from portal.core import policy
from projects.models import FeasibilityOpinion, FeasibilityReview, OpinionState, Project, ReviewState
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

    def allows(self, user: User, action: str, obj: FeasibilityReview) -> bool:
        if action == "change":
            return obj.voided_at is None and policy.can(user, "advance", obj.project)
        if policy.can(user, "view", obj.project):
            return True
        return user.organization_id is not None and obj.opinions.filter(department_id=user.organization_id).exists()


class FeasibilityOpinionPolicy(policy.ObjectPolicy):
    model = FeasibilityOpinion
    actions = ("view", "give")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "give":
            if user.organization_id is None or not user.has_role(Role.DEPARTMENT_REVIEWER):
                return queryset.none()
            return queryset.filter(department_id=user.organization_id, state=OpinionState.PENDING,
                                   review__state=ReviewState.OPEN, review__voided_at__isnull=True,
                                   review__project__voided_at__isnull=True)
        if policy.policy_for(Project).has_global(user, "view"):
            return queryset
        q = Q(review__project__in=policy.visible(user, Project.objects.all()).values("pk"))
        if user.organization_id is not None:
            q |= Q(department_id=user.organization_id)
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: FeasibilityOpinion) -> bool:
        if action == "give":
            review = obj.review
            return (obj.workflow.transitions["give"].may(user, obj) and obj.state == OpinionState.PENDING
                    and review.state == ReviewState.OPEN and review.voided_at is None
                    and review.project.voided_at is None)
        if user.organization_id is not None and user.organization_id == obj.department_id:
            return True
        return policy.can(user, "view", obj.review.project)


policy.register(FeasibilityReviewPolicy())
policy.register(FeasibilityOpinionPolicy())
