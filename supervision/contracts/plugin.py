"""What contracts add to the portal (merged by `supervision.apps`)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {"documents": _("Documents")}
