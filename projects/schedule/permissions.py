"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Declared by `ProjectsConfig.portal_plugin`.

A task has one more action, `report`: telling its progress (% complete, actual start and finish, its note). The
project's managers may, and so may the users of an organisation that is responsible (R) or accountable (A) for the
task in the responsibility matrix — a contractor reports the work it owes without being able to touch the plan."""

from typing import cast

from django.db.models import Model, QuerySet

from portal.accounts.models import User
from portal.core import policy

from ..models import Project, ResponsibilityKind, ScheduleBaseline, ScheduleTask, TaskResponsibility
from ..permissions import ProjectPartPolicy

REPORTING_KINDS = (ResponsibilityKind.RESPONSIBLE, ResponsibilityKind.ACCOUNTABLE)


def owed_task_ids(organization_id: int) -> QuerySet:
    """Ids of the tasks an organisation is responsible or accountable for (a subquery)."""
    return TaskResponsibility.objects.filter(organization_id=organization_id, kind__in=REPORTING_KINDS).values("task_id")


class ScheduleTaskPolicy(ProjectPartPolicy):
    actions = ("view", "change", "report")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action != "report":
            return super().scope(user, queryset, action)
        queryset = queryset.filter(voided_at__isnull=True)
        managed = super().scope(user, queryset, "change")
        if user.organization_id is None:
            return managed
        seen = policy.visible(user, Project.objects.active()).values("pk")
        owed = queryset.filter(project__in=seen, pk__in=owed_task_ids(user.organization_id))
        return queryset.filter(pk__in=managed.values("pk")) | owed

    def allows(self, user: User, action: str, obj: Model) -> bool:
        if action == "view":
            return super().allows(user, action, obj)
        obj = cast(ScheduleTask, obj)  # policy_for() gives a policy only objects of its model
        if obj.voided_at is not None:
            return False
        if action == "report":
            project = obj.project
            if policy.can(user, "manage", project):
                return True
            return bool(
                user.organization_id is not None and project.voided_at is None
                and TaskResponsibility.objects.filter(task=obj, organization_id=user.organization_id,
                                                      kind__in=REPORTING_KINDS).exists()
                and policy.can(user, "view", project)
            )
        return super().allows(user, action, obj)


POLICIES = (ScheduleTaskPolicy(ScheduleTask, "project"), ProjectPartPolicy(ScheduleBaseline))
