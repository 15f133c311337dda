"""Access rules of the stage gates (declared by `ProjectsConfig.portal_plugin`).

- A project's documents: seen with the project; uploaded and voided by whoever may `manage` it (the default).
- A confirmation: seen with the project; given and voided only by whoever may `advance` the project (bureau
  staff), like the move to the next stage itself.
- A stage transition: seen with the project (the default).
- The checklist configuration: bureau staff (model permissions, `ProjectsConfig.portal_plugin`); leaders read it."""

from django.db.models import QuerySet

from portal.accounts.models import User
from portal.core import policy

from ..models import GateConfirmation, Project, ProjectDocument, StageTransition
from ..permissions import ProjectPartPolicy


class GateConfirmationPolicy(ProjectPartPolicy):
    """Seen with the project; changed (given, voided) by whoever may advance the project through its gate."""

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            return super().scope(user, queryset, action)
        projects = policy.visible(user, Project.objects.active(), "advance")
        return queryset.filter(project__in=projects.values("pk"))

    def allows(self, user: User, action: str, obj) -> bool:
        return policy.can(user, "view" if action == "view" else "advance", self.project_of(obj))


POLICIES = (
    ProjectPartPolicy(ProjectDocument), ProjectPartPolicy(StageTransition),
    GateConfirmationPolicy(GateConfirmation, "project"),
)
