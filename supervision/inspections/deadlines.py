"""Rectifications of failed tests on the deadline engine (portal.core.deadlines): near their due date → the
responsible unit's users, overdue → the unit's heads, LEADER_AFTER_WORKDAYS more working days → the bureau's
leaders, in the daily digest of the one deadline scan (the periodic task `core.deadline_scan`)."""

import datetime

from django.urls import reverse

from portal.accounts.models import Role
from portal.core.deadlines import EscalationLadder, by_organization

from ..models import Rectification, RectificationState

OPEN_STATES = (RectificationState.OPEN, RectificationState.SUBMITTED)


def open_rectifications(day: datetime.date):
    """Rectifications not closed: the clock runs until the re-inspection passed and an inspector closed it."""
    return Rectification.objects.filter(state__in=OPEN_STATES, voided_at__isnull=True)


def describe_rectifications(rectifications) -> dict[int, tuple[str, str]]:
    marker = 987654321
    template = reverse("supervision:rectification-detail", args=[marker])
    return {
        pk: (f"{number} {sample} — {project}", template.replace(str(marker), str(pk)))
        for pk, number, sample, project in rectifications.values_list("pk", "number", "sample__number",
                                                                      "project__name")
    }


def _list_url(rung: str) -> str:
    url = reverse("supervision:inspection-rectifications")
    return f"{url}?due=overdue" if rung != "near" else f"{url}?due=soon"


RECTIFICATION_LADDER = EscalationLadder(
    name="supervision.rectification",
    model=Rectification,
    open_items=open_rectifications,
    due_field="due_on",
    audience="responsible_id",
    holders=by_organization(Role.CONTRACTOR),
    heads=by_organization(heads_only=True),
    describe=describe_rectifications,
    list_url=_list_url,
)
