"""Who may see and change key projects.

Bureau staff and leaders hold the model permission and see every project. A participating organisation's
users see its projects through a grant to the organisation's group; a liaison officer or inspector through a
grant to the user. The grants are made and withdrawn by the services in `projects.services`."""

from portal.core import policy

from .models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission


class ProjectPolicy(policy.ObjectPolicy):
    model = Project
    actions = ("view", "change", "void")
    user_perm_model = ProjectUserObjectPermission
    group_perm_model = ProjectGroupObjectPermission

    def allows(self, user, action, obj) -> bool:
        if action != "view" and obj.voided_at is not None:
            return False
        return super().allows(user, action, obj)


policy.register(ProjectPolicy())
