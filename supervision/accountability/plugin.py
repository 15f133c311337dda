"""The accountability part's declaration, merged into supervision's plugin (supervision/apps.py)."""

from portal.accounts.models import Role

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: ["supervision.view_accountabilityrecord", "supervision.add_accountabilityrecord",
                        "supervision.decide_accountabilityrecord"],
    Role.LEADER: ["supervision.view_accountabilityrecord"],
}
