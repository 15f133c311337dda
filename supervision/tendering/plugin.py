"""What tendering and qualifications add to the portal (merged by `supervision.apps`)."""

from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role

from . import tasks  # noqa: F401  (registers the reminder task with Celery: autodiscovery reads supervision.tasks)

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: ["supervision.view_qualification", "supervision.add_qualification",
                        "supervision.change_qualification", "supervision.view_personcertificate",
                        "supervision.add_personcertificate", "supervision.change_personcertificate"],
    Role.LEADER: ["supervision.view_qualification", "supervision.view_personcertificate"],
}

PERIODIC_TASKS = {
    # Daily; each holder hears once at 60, 30, 7 and 0 days left (keyed notices).
    "expiring qualifications": {"task": "supervision.tendering.remind_expiring", "every": 24 * 60 * 60,
                                "label": _("Reminders of expiring qualifications and certificates")},
}

AUDIT_LABELS = {"bids": _("Bids")}
