"""Who may see and act on dangerous works.

- view: whoever sees the project (bureau staff and leaders every one; a participating organisation its projects;
  an inspector the projects assigned to them). Anyone else gets 404, like a missing work.
- change (register, edit, add the plan, the expert review and the monitoring plan, start, complete): bureau staff
  (`change_dangerouswork`), and the users of the project's owner (建设单位) and of its contractors, while the
  work is live.
- approve (the special plan): bureau staff (`approve_dangerouswork`)."""

from typing import cast

from django.db.models import Model, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

from ..models import DangerousWork
from .selectors import managed_projects


class DangerousWorkPolicy(policy.ObjectPolicy):
    model = DangerousWork
    actions = ("view", "change", "approve")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            if self.has_global(user, "view"):
                return queryset
            return queryset.filter(project_id__in=policy.visible(user, Project.objects.all()).values("pk"))
        queryset = queryset.filter(voided_at__isnull=True)
        if self.has_global(user, action):
            return queryset
        if action == "approve":
            return queryset.none()
        return queryset.filter(project_id__in=managed_projects(user).values("pk"))

    def allows(self, user: User, action: str, obj: Model) -> bool:
        work = cast(DangerousWork, obj)
        if action != "view" and work.voided_at is not None:
            return False
        if self.has_global(user, action):
            return True
        if action == "approve":
            return False
        return self.scope(user, DangerousWork.objects.filter(pk=work.pk), action).exists()


POLICIES = (DangerousWorkPolicy(),)
