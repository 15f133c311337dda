"""Reads of hazards for other parts and apps (the project's quality & safety page, funding's payment gate)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ..models import OPEN_HAZARD_STATES, Hazard, HazardGrade


def open_hazards_by_grade(*, project_id: int) -> dict[str, int]:
    """{"general": n, "major": m} of the project's open hazards."""
    counts = Hazard.objects.filter(project_id=project_id, state__in=OPEN_HAZARD_STATES,
                                   voided_at__isnull=True).aggregate(
        general=Count("pk", filter=Q(grade=HazardGrade.GENERAL)), major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)))
    return {"general": counts["general"], "major": counts["major"]}


def has_open_major_hazard(*, project_id: int) -> bool:
    """An open major hazard blocks the project's progress payments (DOMAIN.md)."""
    return Hazard.objects.filter(project_id=project_id, grade=HazardGrade.MAJOR, state__in=OPEN_HAZARD_STATES,
                                 voided_at__isnull=True).exists()


def hazard_list(*, user, project_id: int | None = None, grade: str = "", state: str = "",
                responsible_id: int | None = None, responsible: str = "", overdue: bool = False, q: str = "",
                on: datetime.date | None = None) -> QuerySet[Hazard]:
    """The hazards `user` may see, filtered, with what a list renders joined (no query per row)."""
    from portal.core import policy

    qs = policy.visible(user, Hazard.objects.all()).filter(voided_at__isnull=True)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if grade:
        qs = qs.filter(grade=grade)
    if state == "open":
        qs = qs.filter(state__in=OPEN_HAZARD_STATES)
    elif state:
        qs = qs.filter(state=state)
    if responsible_id:
        qs = qs.filter(responsible_id=responsible_id)
    if responsible:
        qs = qs.filter(responsible__name__icontains=responsible)
    if overdue:
        qs = qs.filter(state__in=OPEN_HAZARD_STATES, due_on__lt=on or timezone.localdate())
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(location__icontains=q)
                       | Q(description__icontains=q))
    return qs.select_related("project", "responsible").order_by("-found_on", "-id")


def counts_by_grade(hazards: QuerySet[Hazard], on: datetime.date | None = None) -> dict[str, int]:
    """{"general", "major", "open_major", "overdue"} of a filtered list: one query."""
    day = on or timezone.localdate()
    open_q = Q(state__in=OPEN_HAZARD_STATES)
    return hazards.order_by().aggregate(
        general=Count("pk", filter=Q(grade=HazardGrade.GENERAL)), major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)),
        open_major=Count("pk", filter=open_q & Q(grade=HazardGrade.MAJOR)),
        overdue=Count("pk", filter=open_q & Q(due_on__lt=day)))
