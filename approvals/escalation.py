"""The deadline scan run by Celery beat: warn reviewers before the limit, escalate overdue items to the
department head and then to a leader, chase overdue commitments, and apply the 5-working-day rule for
correction notices. A constant number of reads however many cases are open; each notice is sent once
(notifications are keyed by event), so running the scan twice changes nothing."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import Role, User
from portal.notifications.services import NotificationSpec, notify_many

from . import services, workdays
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


def _users_by_org(org_ids, **filters) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(organization_id__in=org_ids, is_active=True, **filters).distinct():
        out[user.organization_id].append(user)
    return out


def _case_url_maker():
    """case id → its page's URL without resolving the URL pattern once per notice."""
    marker = 987654321
    template = reverse("approvals:case-detail", args=[marker])
    return lambda pk: template.replace(str(marker), str(pk))


def deemed_acceptances(day: datetime.date) -> int:
    """Cases still waiting at the window 5 working days after submission count as accepted from that day."""
    count = 0
    candidates = ApprovalCase.objects.filter(state=CaseState.SUBMITTED, voided_at__isnull=True,
                                             submitted_at__date__lt=day - datetime.timedelta(days=5))
    for case in candidates:
        deadline = services.correction_deadline(case)
        if deadline is not None and day > deadline:
            services.case_accept(actor=None, case=case, deemed=True)
            count += 1
    return count


@transaction.atomic
def escalation_scan(*, on: datetime.date | None = None) -> dict[str, int]:
    day = on or services.today()
    deemed = deemed_acceptances(day)
    horizon = workdays.add_workdays(day, AMBER_WORKDAYS)
    reviews = list(
        ItemReview.objects.filter(state__in=RUNNING_REVIEW_STATES, due_on__lte=horizon,
                                  case__state__in=ACCEPTED_STATES, case__voided_at__isnull=True)
        .select_related("case__project", "item")
        .only("id", "due_on", "department_id", "case__id", "case__number", "case__project__name", "item__name")
    )
    case_url = _case_url_maker()
    departments = {r.department_id for r in reviews}
    reviewers = _users_by_org(departments, groups__name=Role.DEPARTMENT_REVIEWER)
    heads = _users_by_org(departments, is_org_head=True)
    leaders = list(User.objects.filter(groups__name=Role.LEADER, is_active=True).distinct())

    specs: list[NotificationSpec] = []
    counts = {"deemed_accepted": deemed, "near": 0, "overdue": 0, "leader": 0, "commitments": 0}
    for r in reviews:
        left = workdays.signed_workdays(day, r.due_on)
        what = {"item": r.item.name, "number": r.case.number, "project": r.case.project.name, "due": r.due_on}
        base = f"review:{r.pk}:due:{r.due_on}"
        if left >= 0:
            counts["near"] += 1
            specs += [NotificationSpec(u, f"{base}:near", _("Due in %(left)s working days: %(item)s — %(number)s")
                                       % {**what, "left": left}, url=case_url(r.case_id), target=r.case,
                                       level="warning") for u in reviewers[r.department_id]]
            continue
        counts["overdue"] += 1
        specs += [NotificationSpec(u, f"{base}:overdue", _("Overdue since %(due)s: %(item)s — %(project)s")
                                   % what, url=case_url(r.case_id), target=r.case, level="urgent")
                  for u in heads[r.department_id] or reviewers[r.department_id]]
        if -left >= LEADER_AFTER_WORKDAYS + 1:
            counts["leader"] += 1
            specs += [NotificationSpec(u, f"{base}:leader", _("Escalated to you: %(item)s of %(project)s is "
                                                              "overdue since %(due)s") % what,
                                       url=case_url(r.case_id), target=r.case, level="urgent")
                      for u in leaders]

    overdue_commitments = list(
        Commitment.objects.filter(state=CommitmentState.OPEN, due_on__lt=day, case__voided_at__isnull=True,
                                  case__state=CaseState.ACCEPTED_WITH_DEFICIENCY)
        .select_related("case__project", "required_document")
    )
    if overdue_commitments:
        applicants = _users_by_org({c.case.applicant_id for c in overdue_commitments})
        staff = list(User.objects.filter(groups__name=Role.BUREAU_STAFF, is_active=True).distinct())
        for c in overdue_commitments:
            counts["commitments"] += 1
            title = _("Commitment overdue since %(due)s: %(doc)s — %(number)s") % {
                "due": c.due_on, "doc": c.required_document.name, "number": c.case.number}
            specs += [NotificationSpec(u, f"commitment:{c.pk}:overdue", title, url=case_url(c.case_id),
                                       target=c.case, level="urgent") for u in applicants[c.case.applicant_id] + staff]
    counts["notifications"] = notify_many(specs)
    return counts
