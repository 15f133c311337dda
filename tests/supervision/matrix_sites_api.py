"""Access-matrix rows of the smart site's API (loaded by tests/access_matrix_spec.py): devices, rules, alerts, and
the ingestion endpoints the devices post to.

The objects are the smart-site pages' world (tests/supervision/matrix_sites.py: on each side a tower crane with
the alert its over-limit reading opened, and a project rule), so the API and the pages are called on the same ones
and nothing more is committed for the matrix."""

from access_matrix_spec import BUREAU, E

# Who registers devices and sets rules: bureau staff, and the users of an organisation owning or building a project
# (A's `owner` and `contractor`); on which project, the policy decides (`may_register`).
KEEPERS = BUREAU | {"owner", "contractor"}
REPORTERS = BUREAU | {"inspector"}  # supervision.add_hazard: raise a hazard from an alarm
DEVICE_ID = {"id": "site_device"}
RULE_ID = {"id": "site_rule"}
ALERT_ID = {"id": "site_alert"}

API = {
    "supervision_site_devices_list": E(),
    "supervision_site_devices_create": E(who=KEEPERS),
    "supervision_site_devices_retrieve": E(args=DEVICE_ID),
    "supervision_site_devices_partial_update": E(args=DEVICE_ID, action="change"),
    "supervision_site_devices_rotate_token_create": E(args=DEVICE_ID, action="change"),
    "supervision_site_devices_retire_create": E(args=DEVICE_ID, action="change"),
    "supervision_site_devices_readings_retrieve": E(args=DEVICE_ID),
    "supervision_site_devices_rollups_retrieve": E(args=DEVICE_ID),
    "supervision_site_rules_list": E(),
    "supervision_site_rules_create": E(who=KEEPERS),
    "supervision_site_rules_retrieve": E(args=RULE_ID),
    "supervision_site_rules_partial_update": E(args=RULE_ID, action="change"),
    "supervision_site_rules_reset_create": E(args=RULE_ID, action="change"),
    "supervision_site_alerts_list": E(),
    "supervision_site_alerts_retrieve": E(args=ALERT_ID),
    "supervision_site_alerts_clear_create": E(args=ALERT_ID, action="clear"),
    "supervision_site_alerts_hazard_create": E(args=ALERT_ID, who=REPORTERS),
    # Where devices post: no user session, each reading or event proves itself with its device's token.
    "supervision_ingest_readings_create": E(args={"id": "project"}, public=True),
    "supervision_ingest_events_create": E(args={"id": "project"}, public=True),
}
