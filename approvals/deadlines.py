"""Approvals on the deadline engine (portal.core.deadlines): the ladder of a department's item review — near the
limit → the department's reviewers, overdue → the department head, 2 more working days → the leaders — and the
approvals' own daily work run by the same scan: the 5-working-day rule (a submitted case without a correction
notice counts as accepted) and the chase of overdue commitments."""

import datetime
import logging

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import Role
from portal.core.deadlines import EscalationLadder, by_organization
from portal.core.services import users_by_organization, users_with_role
from portal.notifications.services import NotificationSpec, notify_many

from . import services
from .models import (
    ACCEPTED_STATES,
    AMBER_WORKDAYS,
    LEADER_AFTER_WORKDAYS,
    RUNNING_REVIEW_STATES,
    ApprovalCase,
    CaseState,
    Commitment,
    CommitmentState,
    ItemReview,
)

logger = logging.getLogger(__name__)


def _case_url_maker():
    """case id → its page's URL without resolving the URL pattern once per line."""
    marker = 987654321
    template = reverse("approvals:case-detail", args=[marker])
    return lambda pk: template.replace(str(marker), str(pk))


def deemed_acceptances(day: datetime.date) -> int:
    """Cases still waiting at the window 5 working days after submission count as accepted from that day. Each
    case in its own transaction (case_accept's); one that fails is logged and skipped, the others carry on."""
    count = 0
    candidates = ApprovalCase.objects.filter(state=CaseState.SUBMITTED, voided_at__isnull=True,
                                             submitted_at__date__lt=day - datetime.timedelta(days=5))
    for case in candidates:
        try:
            if case.correction_deadline_passed(day):
                services.case_accept(actor=None, case=case)
                count += 1
        except Exception:
            logger.exception("deadline scan: deemed acceptance of case %s failed; skipped", case.pk)
    return count


def deemed_acceptance_step(day: datetime.date) -> dict[str, int]:
    return {"deemed_accepted": deemed_acceptances(day)}


def overdue_commitments_step(day: datetime.date) -> dict[str, int]:
    """Each overdue commitment (承诺书) is chased once, to the applicant's users and the bureau staff."""
    overdue = list(
        Commitment.objects.filter(state=CommitmentState.OPEN, due_on__lt=day, case__voided_at__isnull=True,
                                  case__state=CaseState.ACCEPTED_WITH_DEFICIENCY)
        .select_related("case__project", "required_document")
    )
    if not overdue:
        return {"commitments": 0}
    case_url = _case_url_maker()
    applicants = users_by_organization(organizations={c.case.applicant_id for c in overdue})
    staff = users_with_role(Role.BUREAU_STAFF)
    specs = []
    for c in overdue:
        title = _("Commitment overdue since %(due)s: %(doc)s — %(number)s") % {
            "due": c.due_on, "doc": c.required_document.name, "number": c.case.number}
        specs += [NotificationSpec(u, f"commitment:{c.pk}:overdue", title, url=case_url(c.case_id), target=c.case,
                                   level="urgent") for u in applicants[c.case.applicant_id] + staff]
    return {"commitments": len(overdue), "notifications": notify_many(specs)}


def open_reviews(day: datetime.date):
    """Running item reviews of accepted, live cases: their clocks are running."""
    return ItemReview.objects.filter(state__in=RUNNING_REVIEW_STATES, case__state__in=ACCEPTED_STATES,
                                     case__voided_at__isnull=True)


def describe_reviews(reviews) -> dict[int, tuple[str, str]]:
    case_url = _case_url_maker()
    return {
        pk: (f"{item} — {number} {project}", case_url(case_id))
        for pk, item, number, project, case_id in reviews.values_list(
            "pk", "item__name", "case__number", "case__project__name", "case_id")
    }


REVIEW_LADDER = EscalationLadder(
    name="approvals.item_review",
    model=ItemReview,
    open_items=open_reviews,
    due_field="due_on",
    audience="department_id",
    holders=by_organization(Role.DEPARTMENT_REVIEWER),
    heads=by_organization(heads_only=True),
    describe=describe_reviews,
    near_workdays=AMBER_WORKDAYS,
    leader_after_workdays=LEADER_AFTER_WORKDAYS,
    list_url=lambda rung: reverse("approvals:case-list" if rung == "leader" else "approvals:queue"),
    steps=(deemed_acceptance_step, overdue_commitments_step),
)
