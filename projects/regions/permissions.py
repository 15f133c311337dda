"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Declared by `ProjectsConfig.portal_plugin`.

The joint command and its members keep the default. A region work item may also be `report`ed — its completed
quantity, status and blockers — by the project's liaison officer (项目联络员), who follows the cross-region
difficulties for the bureau; creating, editing and voiding items stays with whoever manages the project."""

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.core import policy

from ..models import JointCommand, JointCommandMember, Project, RegionWorkItem
from ..permissions import ProjectPartPolicy


class RegionWorkItemPolicy(ProjectPartPolicy):
    actions = ("view", "change", "report")

    def __init__(self) -> None:
        super().__init__(RegionWorkItem, "project")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action != "report":
            return super().scope(user, queryset, action)
        managed = policy.visible(user, Project.objects.all(), "manage")
        return queryset.filter(Q(project__in=managed.values("pk"))
                               | Q(project__liaison_officer_id=user.pk, project__voided_at__isnull=True))

    def allows(self, user: User, action: str, obj) -> bool:
        # Who may; a voided item is refused by the services with a message, like any other rule.
        if action == "report":
            project = obj.project
            return policy.can(user, "manage", project) or (
                project.voided_at is None and project.liaison_officer_id is not None
                and project.liaison_officer_id == user.pk)
        return super().allows(user, action, obj)


POLICIES = (
    ProjectPartPolicy(JointCommand), ProjectPartPolicy(JointCommandMember, "command__project"), RegionWorkItemPolicy(),
)
