"""What the dangerous-works part declares to the portal (merged by `supervision.apps`)."""

from portal.accounts.models import Role

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: ["supervision.view_dangerouswork", "supervision.add_dangerouswork",
                        "supervision.change_dangerouswork", "supervision.approve_dangerouswork"],
    Role.LEADER: ["supervision.view_dangerouswork"],
    Role.CONTRACTOR: ["supervision.add_dangerouswork"],
}
