"""What materials and third-party inspection adds to the portal (merged by `supervision.apps`)."""

from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role
from portal.core.plugins import HomeCard

from . import home

_VIEW = ["supervision.view_materialdelivery", "supervision.view_inspectionplan", "supervision.view_sample",
         "supervision.view_rectification"]

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: [*_VIEW, "supervision.add_materialdelivery", "supervision.change_materialdelivery",
                        "supervision.add_inspectionplan", "supervision.change_inspectionplan",
                        "supervision.change_sample", "supervision.verify_rectification"],
    Role.LEADER: _VIEW,
    Role.CONTRACTOR: ["supervision.add_materialdelivery"],
}

AUDIT_LABELS = {"agency_candidates": _("agencies drawn from"), "retest": _("re-inspection sample")}

LADDERS = ("supervision.inspections.deadlines.RECTIFICATION_LADDER",)

HOME_CARDS = (HomeCard("supervision-inspections", "supervision/inspections/home/_card.html", home.home_context,
                       order=45, roles=(Role.INSPECTOR, Role.CONTRACTOR)),)

# The samples that name model elements colour them in the project's BIM viewer (failed, pending, passed).
ELEMENT_FINDINGS = "supervision.inspections.selectors.element_findings"
