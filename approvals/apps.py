from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    """Parallel approval of a project's permits by the departments, on a working-day clock."""

    name = "approvals"
    verbose_name = "并联审批"

    def ready(self) -> None:
        from portal.accounts.models import Role
        from portal.accounts.roles import grant
        from portal.core.schedule import PERIODIC_TASKS
        from portal.core.templatetags.portal import PSEUDO_FIELD_LABELS

        from . import permissions  # noqa: F401  (registers the access policies)

        grant(Role.BUREAU_STAFF, "approvals.view_approvalcase", "approvals.accept_approvalcase",
              "approvals.view_itemreview", "approvals.view_catalogueitem", "approvals.add_catalogueitem",
              "approvals.change_catalogueitem", "approvals.add_requireddocument", "approvals.change_requireddocument")
        grant(Role.LEADER, "approvals.view_approvalcase", "approvals.view_itemreview")
        grant(Role.CONTRACTOR, "approvals.add_approvalcase")
        PSEUDO_FIELD_LABELS.update({
            "documents": _("documents"), "commitments": _("commitments"), "joint_review": _("joint review"),
            "scale": _("Construction scale"), "land_area": _("Land area (m²)"), "location": _("Location"),
            "contact": _("Contact person"), "phone": _("Contact phone"),
        })
        PERIODIC_TASKS["approval deadline escalation"] = {"task": "approvals.escalate", "every": 15 * 60}
