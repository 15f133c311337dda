"""Reads of inspections for other parts and apps (the project's quality & safety page, funding's payment gate)."""

import datetime

from django.db.models import Count, Q, QuerySet

from ..models import Rectification, RectificationState, Sample, SampleState


def pass_rate(*, project_id: int) -> tuple[int, int]:
    """(samples passed, samples tested) of the project; re-inspections count like first tests."""
    counts = Sample.objects.filter(plan__project_id=project_id, voided_at__isnull=True).aggregate(
        passed=Count("pk", filter=Q(state=SampleState.PASSED)),
        tested=Count("pk", filter=Q(state__in=[SampleState.PASSED, SampleState.FAILED])))
    return counts["passed"], counts["tested"]


def open_rectifications(*, project_id: int) -> QuerySet[Rectification]:
    """The project's rectifications not yet closed, the soonest due first."""
    return (Rectification.objects
            .filter(project_id=project_id, voided_at__isnull=True)
            .exclude(state=RectificationState.CLOSED)
            .select_related("responsible", "sample").order_by("due_on", "id"))


def rectifications_due(*, project_id: int, on: datetime.date) -> QuerySet[Rectification]:
    """Open rectifications of the project due on or before `on`."""
    return open_rectifications(project_id=project_id).filter(due_on__lte=on)


def key_processes_clear(*, project_id: int) -> bool:
    """No failed key-process test of the project awaits its rectification (funding's payment gate)."""
    return not open_rectifications(project_id=project_id).exists()
