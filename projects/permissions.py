"""Who may see and change key projects and everything recorded on them.

Bureau staff and leaders hold the model permission and see every project. A participating organisation's
users see its projects through a grant to the organisation's group; a liaison officer or inspector through a
grant to the user. The grants are made and withdrawn by the services in `projects.services`.

Three kinds of change:
- `change` / `void` the registry entry and `advance` its stage through a gate: bureau staff (model permission).
- `manage` the project's plans and reports (schedule, risks, monthly progress, location, cross-region work):
  bureau staff, and the users of the owner organisation (建设单位), who answer for the project.
- Everything recorded on a project (its parts) is seen by whoever sees the project; changed by whoever may
  `manage` it, unless the part's policy says more (a department gives its own feasibility opinion; a task's
  responsible organisation reports that task's progress).
"""

from typing import Any

from django.db.models import Model, QuerySet

from portal.accounts.models import User
from portal.core import policy

from .models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission


def _may_change_all(user: User) -> bool:
    return user.is_superuser or user.has_perm("projects.change_project")


class ProjectPolicy(policy.ObjectPolicy):
    model = Project
    actions = ("view", "change", "void", "advance", "manage")
    action_codenames = {"advance": "change_project"}
    user_perm_model = ProjectUserObjectPermission
    group_perm_model = ProjectGroupObjectPermission

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "manage":
            queryset = queryset.filter(voided_at__isnull=True)
            if _may_change_all(user):
                return queryset
            if user.organization_id is None:
                return queryset.none()
            return queryset.filter(owner_id=user.organization_id)
        return super().scope(user, queryset, action)

    def allows(self, user, action, obj) -> bool:
        if action != "view" and obj.voided_at is not None:
            return False
        if action == "manage":
            return _may_change_all(user) or (user.organization_id is not None
                                             and obj.owner_id == user.organization_id)
        return super().allows(user, action, obj)


class ProjectPartPolicy(policy.ObjectPolicy):
    """A record that belongs to one project (reached by `project_path`): seen with the project, changed by
    whoever may manage it."""

    actions: tuple[str, ...] = ("view", "change")
    project_path = "project"

    def __init__(self, model: type[Model], project_path: str = "project") -> None:
        self.model = model
        self.project_path = project_path

    def project_of(self, obj: Model) -> Project:
        target: Any = obj
        for part in self.project_path.split("__"):
            target = getattr(target, part)
        return target

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        projects = policy.visible(user, Project.objects.all(), "view" if action == "view" else "manage")
        if action == "view" and policy.policy_for(Project).has_global(user, "view"):
            return queryset
        return queryset.filter(**{f"{self.project_path}__in": projects.values("pk")})

    def allows(self, user: User, action: str, obj: Model) -> bool:
        return policy.can(user, "view" if action == "view" else "manage", self.project_of(obj))


# Each part declares the policies of its own records in its permissions.py (`POLICIES`): the default
# `ProjectPartPolicy`, or a subclass of it. Every model has exactly one (see `ProjectsConfig.portal_plugin`).
POLICIES = (ProjectPolicy(),)
