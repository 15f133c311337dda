"""Reads of hazards for other parts and apps (the project's quality & safety page, funding's payment gate)."""

from django.db.models import Count, Q

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
