"""Who may see and keep a project's safety records (the responsibility roster, trainings and drills, incidents).

- view: whoever sees the project; anyone else gets 404, like a missing record.
- change (add, correct, void): bureau staff (the model's change permission), and the users of the project's owner
  (建设单位) and of its contractors, while the record is live."""

from typing import cast

from django.db.models import Model, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

from ..dangerous.selectors import managed_projects
from ..models import Incident, SafetyResponsibility, TrainingRecord


class ProjectSafetyPolicy(policy.ObjectPolicy):
    actions = ("view", "change")

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            if self.has_global(user, "view"):
                return queryset
            return queryset.filter(project_id__in=policy.visible(user, Project.objects.all()).values("pk"))
        queryset = queryset.filter(voided_at__isnull=True)
        if self.has_global(user, action):
            return queryset
        return queryset.filter(project_id__in=managed_projects(user).values("pk"))

    def allows(self, user: User, action: str, obj: Model) -> bool:
        if action != "view" and cast(SafetyResponsibility, obj).voided_at is not None:
            return False
        if self.has_global(user, action):
            return True
        return self.scope(user, self.model._default_manager.filter(pk=obj.pk), action).exists()


POLICIES = (ProjectSafetyPolicy(SafetyResponsibility), ProjectSafetyPolicy(TrainingRecord),
            ProjectSafetyPolicy(Incident))
