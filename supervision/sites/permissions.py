"""Who may see and act on a smart site (devices, rules, readings, alerts).

- view (devices, their readings, rules, alerts): bureau staff and leaders (the model's view permission) every
  site; anyone else the sites of the projects they may see — a contractor its own projects' sites. Other
  organisations get 404.
- change (register, edit, rotate a token, retire a device; tighten a project's rules): bureau staff (the model's
  change permission), and the users of the project's owner and of its contractors (they run the site).
- clear an alert by hand: bureau staff and inspectors (`clear_alert`) on the projects they see, and the users of
  the project's owner — never only the unit that answers for the device, which may not close its own alarm.
- raise a hazard from an alert: whoever may report a hazard on the project (supervision.hazards).
A device's token writes only that device's readings (`ingest`), whoever sends them."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

from ..dangerous.selectors import managed_projects
from ..models import Alert, Device, Rule


def _visible_projects(user: User) -> QuerySet:
    return policy.visible(user, Project.objects.all()).values("pk")


class SitePolicy(policy.ObjectPolicy):
    """Devices and project rules: seen with their project, changed by bureau staff, owner and contractors."""

    actions = ("view", "change")

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            if self.has_global(user, "view"):
                return queryset
            if self.model is Rule:  # the shipped defaults, and the rules of the projects (and their devices) seen
                projects = _visible_projects(user)
                return queryset.filter(Q(project__isnull=True, device__isnull=True) | Q(project_id__in=projects)
                                       | Q(device__project_id__in=projects))
            return queryset.filter(project_id__in=_visible_projects(user))
        if self.model is Device:
            queryset = queryset.filter(voided_at__isnull=True)
        if self.has_global(user, "change"):
            return queryset
        managed = managed_projects(user).values("pk")
        if self.model is Rule:
            return queryset.filter(Q(project_id__in=managed) | Q(device__project_id__in=managed))
        return queryset.filter(project_id__in=managed)

    @staticmethod
    def _project_id(obj: Model) -> int | None:
        """The project `obj` belongs to: a device's, a project rule's, or a device rule's device's."""
        if isinstance(obj, Rule) and obj.device is not None:
            return obj.device.project_id
        return getattr(obj, "project_id", None)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        project_id = self._project_id(obj)
        if action == "view":
            if self.has_global(user, "view") or project_id is None:
                return True  # a shipped default is seen by every signed-in user
            return policy.visible(user, Project.objects.filter(pk=project_id)).exists()
        if getattr(obj, "voided_at", None) is not None:
            return False
        if self.has_global(user, "change"):
            return True
        if project_id is None:
            return False
        return managed_projects(user).filter(pk=project_id).exists()


class AlertPolicy(policy.ObjectPolicy):
    model = Alert
    actions = ("view", "clear")
    action_codenames = {"clear": "clear_alert"}

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            return queryset if self.has_global(user, "view") else queryset.filter(
                project_id__in=_visible_projects(user))
        queryset = queryset.filter(state="open")
        q = Q(pk__in=[])
        if self.has_global(user, "clear"):
            q = Q(project_id__in=_visible_projects(user))
        if user.organization_id is not None:
            q |= Q(project__owner_id=user.organization_id)
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        alert = cast(Alert, obj)
        if action == "view":
            return self.has_global(user, "view") or policy.can(user, "view", alert.project)
        if not alert.is_open:
            return False
        if user.organization_id is not None and alert.project.owner_id == user.organization_id:
            return True
        return self.has_global(user, "clear") and policy.can(user, "view", alert.project)


def may_register(user: User, project: Project) -> bool:
    """Register devices on `project`, or set its rules."""
    if project.voided_at is not None or not policy.can(user, "view", project):
        return False
    return user.has_perm("supervision.change_device") or managed_projects(user).filter(pk=project.pk).exists()


POLICIES = (SitePolicy(Device), SitePolicy(Rule), AlertPolicy())
