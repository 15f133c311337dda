"""The smart-site part's declaration, merged into supervision's plugin (supervision/apps.py)."""

from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role

from . import tasks  # noqa: F401  (registers the smart-site tasks with Celery: autodiscovery reads supervision.tasks)

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: ["supervision.view_device", "supervision.add_device", "supervision.change_device",
                        "supervision.view_rule", "supervision.change_rule", "supervision.view_alert",
                        "supervision.clear_alert"],
    Role.LEADER: ["supervision.view_device", "supervision.view_rule", "supervision.view_alert"],
    Role.INSPECTOR: ["supervision.clear_alert"],
}
PERIODIC_TASKS = {
    "smart-site sweep": {"task": "supervision.sites.sweep", "every": 60,
                         "label": _("Smart site: judge closed averaging windows, clear quiet alerts")},
    "smart-site partitions": {"task": "supervision.sites.maintain_partitions", "every": 60 * 60,
                              "label": _("Smart site: create the day partitions of the readings, drop expired ones")},
}
AUDIT_LABELS = {"token": _("token"), "hazard": _("hazard")}
