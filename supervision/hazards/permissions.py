"""Who may see and act on hazards.

- view: bureau staff and leaders (`view_hazard`) every hazard; anyone else the hazards of the projects they may
  see, and those their organisation is responsible for. Other organisations get 404.
- report (`may_report`, on a project): bureau staff and inspectors (`add_hazard`) on a project they see.
- rectify (acknowledge, submit evidence): the users of the responsible unit.
- verify (reject, close): `verify_hazard` (bureau staff, inspectors on the projects they see) — never a user of the
  responsible unit, which may not check its own rectification.
- attach (add photos): whoever may rectify or verify it, or reported it, while it is open."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

from ..models import OPEN_HAZARD_STATES, Hazard


def may_report(user: User, project: Project) -> bool:
    return (user.has_perm("supervision.add_hazard") and project.voided_at is None
            and policy.can(user, "view", project))


class HazardPolicy(policy.ObjectPolicy):
    model = Hazard
    actions = ("view", "rectify", "verify", "attach")
    action_codenames = {"verify": "verify_hazard", "rectify": "view_hazard", "attach": "view_hazard"}

    def _projects(self, user: User) -> QuerySet:
        return policy.visible(user, Project.objects.all()).values("pk")

    def view_q(self, user: User) -> Q:
        q = Q(project_id__in=self._projects(user))
        if user.organization_id is not None:
            q |= Q(responsible_id=user.organization_id)
        return q

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            return queryset if self.has_global(user, "view") else queryset.filter(self.view_q(user))
        live = queryset.filter(voided_at__isnull=True)
        if action == "rectify":
            if user.organization_id is None:
                return queryset.none()
            return live.filter(responsible_id=user.organization_id)
        if action == "verify":
            if not self.has_global(user, "verify"):
                return queryset.none()
            if user.organization_id is not None:
                live = live.exclude(responsible_id=user.organization_id)
            return live if self.has_global(user, "view") else live.filter(project_id__in=self._projects(user))
        # attach
        live = live.filter(state__in=OPEN_HAZARD_STATES)
        q = Q(found_by_id=user.pk)
        if user.organization_id is not None:
            q |= Q(responsible_id=user.organization_id)
        if self.has_global(user, "verify"):
            return live.filter(q | Q(pk__in=self.scope(user, Hazard.objects.all(), "verify").values("pk")))
        return live.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        hazard = cast(Hazard, obj)
        if action != "view" and hazard.voided_at is not None:
            return False
        org = user.organization_id
        if action == "rectify":
            return org is not None and hazard.responsible_id == org
        if action == "verify":
            return (self.has_global(user, "verify") and (org is None or hazard.responsible_id != org)
                    and (self.has_global(user, "view") or policy.can(user, "view", hazard.project)))
        if action == "attach":
            return hazard.is_open and (hazard.found_by_id == user.pk or self.allows(user, "rectify", hazard)
                                       or self.allows(user, "verify", hazard))
        if self.has_global(user, "view") or (org is not None and hazard.responsible_id == org):
            return True
        return policy.can(user, "view", hazard.project)


POLICIES = (HazardPolicy(),)
