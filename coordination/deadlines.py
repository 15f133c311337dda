"""Issue items on the deadline engine (portal.core.deadlines): near the deadline → the department's reviewers
(reminder), overdue → the department head (督办: the supervision notice, also stamped on the issue), 5 more
working days → the leaders, in their daily digest. The same scan draws the month's call-backs (回访) once the
month is over."""

import datetime
import logging

from django.urls import reverse

from portal.accounts.models import Role
from portal.core.deadlines import EscalationLadder, by_organization, rung_windows

from . import services
from .models import AMBER_WORKDAYS, DEPARTMENT_STATES, LEADER_AFTER_WORKDAYS, IssueItem

logger = logging.getLogger(__name__)


def open_issues(day: datetime.date):
    """Issues a department holds, whose clock runs."""
    return IssueItem.objects.filter(state__in=DEPARTMENT_STATES, voided_at__isnull=True, department__isnull=False)


def describe_issues(issues) -> dict[int, tuple[str, str]]:
    marker = 987654321
    template = reverse("coordination:issue-detail", args=[marker])
    return {
        pk: (f"{number} {title} — {project}", template.replace(str(marker), str(pk)))
        for pk, number, title, project in issues.values_list("pk", "number", "title", "project__name")
    }


def supervision_notice_step(day: datetime.date) -> dict[str, int]:
    """督办: every issue overdue on `day` and not noticed yet gets its supervision notice date, in one UPDATE (the
    department head hears of it in the digest of the same scan). Idempotent: a rerun stamps nothing twice."""
    overdue_before = rung_windows(ISSUE_LADDER, day)["overdue"][1]
    stamped = open_issues(day).filter(due_on__lte=overdue_before, supervised_on__isnull=True).update(
        supervised_on=day)
    return {"supervision_notices": stamped}


def callback_step(day: datetime.date) -> dict[str, int]:
    """From the first of a month on, last month's call-backs are drawn (once: `callbacks_draw` is idempotent)."""
    try:
        drawn = services.callbacks_draw(month=services.previous_month(day))
    except Exception:
        logger.exception("deadline scan: drawing the call-backs failed; skipped")
        return {"callbacks": 0}
    return {"callbacks": len(drawn)}


def _list_url(rung: str) -> str:
    return reverse("coordination:board") + "?overdue=1" if rung == "leader" else reverse("coordination:queue")


ISSUE_LADDER = EscalationLadder(
    name="coordination.issue",
    model=IssueItem,
    open_items=open_issues,
    due_field="due_on",
    audience="department_id",
    holders=by_organization(Role.DEPARTMENT_REVIEWER),
    heads=by_organization(heads_only=True),
    describe=describe_issues,
    near_workdays=AMBER_WORKDAYS,
    leader_after_workdays=LEADER_AFTER_WORKDAYS,
    list_url=_list_url,
    steps=(supervision_notice_step, callback_step),
)


