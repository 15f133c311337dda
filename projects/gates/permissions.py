"""Access rules of the stage gates, beyond the default in projects/permissions.py. Imported when the app is ready.

- A project's documents: seen with the project; uploaded and voided by whoever may `manage` it (the default).
- A confirmation: seen with the project; given and voided only by whoever may `advance` the project (bureau
  staff), like the move to the next stage itself.
- The checklist configuration: bureau staff (model permissions); leaders read it.

Also wires the default checklist to every migrate, so a production install has it without the demo."""

from django.apps import apps
from django.db.models import QuerySet
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role, User
from portal.accounts.roles import grant
from portal.core import policy
from portal.core.templatetags.portal import PSEUDO_FIELD_LABELS

from ..models import GateConfirmation, Project
from ..permissions import ProjectPartPolicy
from .catalogue import seed_after_migrate


class GateConfirmationPolicy(ProjectPartPolicy):
    """Seen with the project; changed (given, voided) by whoever may advance the project through its gate."""

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            return super().scope(user, queryset, action)
        projects = policy.visible(user, Project.objects.active(), "advance")
        return queryset.filter(project__in=projects.values("pk"))

    def allows(self, user: User, action: str, obj) -> bool:
        return policy.can(user, "view" if action == "view" else "advance", self.project_of(obj))


policy.register(GateConfirmationPolicy(GateConfirmation, "project"))

grant(Role.BUREAU_STAFF, "projects.view_gaterequirement", "projects.add_gaterequirement",
      "projects.change_gaterequirement")
grant(Role.LEADER, "projects.view_gaterequirement")

PSEUDO_FIELD_LABELS.update({"gate_documents": _("Documents"), "gate_confirmations": _("Gate confirmations")})

post_migrate.connect(seed_after_migrate, sender=apps.get_app_config("projects"),
                     dispatch_uid="projects.gates.seed_catalogue")
