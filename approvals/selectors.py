"""Reads of the approval workflow, narrowed to what the user may see and joined for what pages render."""

import datetime
from collections import defaultdict
from statistics import mean
from typing import cast

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When

from portal.accounts.models import User
from portal.core import policy, workdays

from .models import (
    ACCEPTED_STATES,
    NATIONAL_TARGET_WORKDAYS,
    RUNNING_REVIEW_STATES,
    ApprovalCase,
    ApprovalStage,
    CaseState,
    CatalogueItem,
    ItemReview,
)


def case_list(*, user: User, search: str = "", state: str = "", stage: str = "", mine: bool = False
              ) -> QuerySet[ApprovalCase]:
    qs = policy.visible(user, ApprovalCase.objects.active()).select_related("project", "applicant")
    qs = qs.prefetch_related(Prefetch("reviews", queryset=ItemReview.objects.select_related("department")))
    if mine:
        qs = qs.filter(applicant_id=user.organization_id)
    if search := search.strip():
        qs = qs.filter(Q(number__icontains=search) | Q(project__name__icontains=search)
                       | Q(project__code__icontains=search))
    if state:
        qs = qs.filter(state=state)
    if stage:
        qs = qs.filter(stage=stage)
    return qs


def case_holder(case: ApprovalCase) -> str:
    """Who holds the case now, in words (uses the prefetched reviews)."""
    from django.utils.translation import gettext as _

    if case.state in (CaseState.DRAFT, CaseState.CORRECTION_REQUESTED):
        return case.applicant.name
    if case.state == CaseState.SUBMITTED:
        return _("Bureau service window")
    if case.state in ACCEPTED_STATES:
        waiting = [r.department.short_name or r.department.name for r in case.reviews.all()
                   if r.state in RUNNING_REVIEW_STATES]
        correcting = [r for r in case.reviews.all() if r.state == "correction_requested"]
        if correcting:
            waiting.append(case.applicant.name)
        return "、".join(dict.fromkeys(waiting)) or _("Bureau staff (commitments)")
    return "—"


def case_light(case: ApprovalCase, today: datetime.date) -> str:
    """The worst light of the case's running items (uses the prefetched reviews)."""
    lights = [r.light(today) for r in case.reviews.all()]
    for colour in ("red", "amber", "green"):
        if colour in lights:
            return colour
    return ""


def review_queue(*, user: User, state: str = "") -> QuerySet[ItemReview]:
    """The department's items, most urgent first: running items by due date, then the decided ones."""
    qs = policy.visible(user, ItemReview.objects.all(), "decide").select_related(
        "case__project", "case__applicant", "item", "department", "reviewer")
    qs = qs.filter(case__state__in=ACCEPTED_STATES + (CaseState.COMPLETED, CaseState.HALTED))
    if state == "open":
        qs = qs.filter(state__in=RUNNING_REVIEW_STATES)
    elif state:
        qs = qs.filter(state=state)
    running_first = Case(When(state__in=RUNNING_REVIEW_STATES, then=Value(0)), default=Value(1))
    return qs.order_by(running_first, "due_on", "id")


def stage_department_statistics(*, user: User) -> list[dict]:
    """Per stage and department: decided items, average elapsed working days against the limit, on-time rate."""
    reviews = policy.visible(user, ItemReview.objects.filter(decided_on__isnull=False)).select_related(
        "item", "department")
    groups: dict[tuple[str, int], list[ItemReview]] = defaultdict(list)
    for r in reviews:
        groups[(r.item.stage, r.department_id)].append(r)
    rows = []
    for (stage, _dept), items in sorted(groups.items(), key=lambda kv: (list(ApprovalStage.values).index(kv[0][0]),
                                                                         kv[1][0].department.name)):
        decided = [(r, cast(datetime.date, r.decided_on)) for r in items]  # decided ones only (the query)
        elapsed = [r.elapsed_workdays(on) for r, on in decided]
        on_time = sum(1 for r, on in decided if on <= r.due_on)
        rows.append({
            "stage": ApprovalStage(stage).label, "department": items[0].department.name, "decided": len(items),
            "avg_elapsed": round(mean(elapsed), 1), "avg_limit": round(mean(r.item.time_limit_days for r in items), 1),
            "on_time_rate": round(100 * on_time / len(items)),
        })
    return rows


def project_elapsed(*, user: User, today: datetime.date) -> list[dict]:
    """Each project's working days from its first submission to its last permit (or today), against 120."""
    cases = policy.visible(user, ApprovalCase.objects.active().exclude(first_submitted_at__isnull=True)).select_related(
        "project")
    by_project: dict[int, list[ApprovalCase]] = defaultdict(list)
    for c in cases:
        by_project[c.project_id].append(c)
    rows = []
    for items in by_project.values():
        from django.utils import timezone

        first = min(timezone.localtime(c.first_submitted_at).date() for c in items)
        done = all(c.state == CaseState.COMPLETED for c in items) and len({c.stage for c in items}) == 4
        last = max((c.completed_on for c in items if c.completed_on), default=None)
        end = last if done and last else today
        used = workdays.workdays_between(first, end)
        rows.append({"project": items[0].project, "first": first, "end": end, "finished": done, "workdays": used,
                     "permits": sum(1 for c in items if c.state == CaseState.COMPLETED),
                     "over_target": used > NATIONAL_TARGET_WORKDAYS})
    return sorted(rows, key=lambda r: -r["workdays"])


def catalogue(*, stage: str = "") -> QuerySet[CatalogueItem]:
    qs = CatalogueItem.objects.select_related("department").prefetch_related("documents").annotate(
        document_count=Count("documents"))
    return qs.filter(stage=stage) if stage else qs
