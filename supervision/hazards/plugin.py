"""The hazards part's declaration, merged into supervision's plugin (supervision/apps.py)."""

from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: ["supervision.view_hazard", "supervision.add_hazard", "supervision.verify_hazard"],
    Role.LEADER: ["supervision.view_hazard"],
    Role.INSPECTOR: ["supervision.add_hazard", "supervision.verify_hazard"],
}
AUDIT_LABELS = {"photos": _("photos")}
LADDERS = ("supervision.hazards.deadlines.HAZARD_LADDER",)
