"""Reads of the feasibility review, narrowed to what the user may see and joined for what callers render."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core import policy
from projects.models import (
    FeasibilityOpinion,
    FeasibilityReview,
    FeasibilityState,
    OpinionConclusion,
    OpinionState,
    Project,
)

QUEUE_SHOWS = ("pending", "given", "all")


def departments() -> QuerySet[Organization]:
    """The organisations a review may name: active government departments."""
    return Organization.objects.active().filter(kind=OrganizationKind.DEPARTMENT).order_by("pk")


def opinions_prefetch() -> Prefetch:
    return Prefetch("opinions", queryset=FeasibilityOpinion.objects.select_related("department", "given_by")
                    .order_by("department_id", "id"))


def project_reviews(*, user: User, project: Project, include_voided: bool = True) -> QuerySet[FeasibilityReview]:
    """The project's reviews with their opinions, newest first (the caller has checked the project is visible)."""
    qs = FeasibilityReview.objects.filter(project=project)
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    return policy.visible(user, qs).select_related("project", "requested_by", "concluded_by", "voided_by").prefetch_related(
        opinions_prefetch())


def opinion_queue(*, user: User, show: str = "pending") -> QuerySet[FeasibilityOpinion]:
    """The opinions owed or given by the user's department: pending first by due date, then the given ones,
    newest first. Reviews that were voided are left out."""
    if user.organization_id is None:
        return FeasibilityOpinion.objects.none()
    qs = policy.visible(user, FeasibilityOpinion.objects.filter(department_id=user.organization_id,
                                                                review__voided_at__isnull=True))
    qs = qs.select_related("review__project", "department", "given_by")
    if show == "pending":
        qs = qs.filter(state=OpinionState.PENDING)
    elif show == "given":
        qs = qs.filter(state=OpinionState.GIVEN)
    pending_first = Case(When(state=OpinionState.PENDING, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return qs.order_by(pending_first, "due_date", "-given_at", "id")


def opinion_for_page(*, user: User, pk: int) -> FeasibilityOpinion:
    """One opinion with everything its page shows (404 if missing or not visible)."""
    qs = FeasibilityOpinion.objects.select_related(
        "review__project__owner", "review__requested_by", "department", "given_by")
    return policy.get_or_404(user, qs, pk=pk)


@dataclass(frozen=True)
class OpinionRow:
    """An opinion as a table row: its light and days left, computed once for today."""

    opinion: FeasibilityOpinion
    light: str
    left: int | None

    @property
    def overdue_by(self) -> int:
        return -self.left if self.left is not None and self.left < 0 else 0


def opinion_rows(opinions, today: datetime.date) -> list[OpinionRow]:
    return [OpinionRow(o, o.light(today), o.days_left(today)) for o in opinions]


def review_summary(review: FeasibilityReview) -> dict[str, int]:
    """Counts of the review's opinions by state and conclusion (uses the prefetched opinions)."""
    opinions = list(review.opinions.all())
    out = {"total": len(opinions), "pending": 0, **{c: 0 for c in OpinionConclusion.values}}
    for o in opinions:
        if o.state == OpinionState.PENDING:
            out["pending"] += 1
        else:
            out[o.conclusion] += 1
    return out


# --------------------------------------------------------------------------------------- for the stage gates
def opinions_all_favourable(*, project: Project) -> bool:
    """The latest concluded review of the project has every opinion given and none against — what the gate
    condition "every department gave its feasibility opinion, none against" reads."""
    review = (FeasibilityReview.objects.filter(project=project, voided_at__isnull=True, state=FeasibilityState.CONCLUDED)
              .order_by("-concluded_at", "-id").first())
    if review is None:
        return False
    opinions = review.opinions.all()
    return opinions.exists() and not opinions.exclude(
        state=OpinionState.GIVEN, conclusion__in=[OpinionConclusion.AGREE, OpinionConclusion.AGREE_WITH_CONDITIONS]
    ).exists()
