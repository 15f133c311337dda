"""Reads of dangerous works for other parts (the project's quality & safety page)."""

from django.db.models import QuerySet

from ..models import DangerousWork


def project_dangerous_works(*, project_id: int) -> QuerySet[DangerousWork]:
    """The project's live dangerous works, the larger class first."""
    return (DangerousWork.objects.filter(project_id=project_id, voided_at__isnull=True)
            .select_related("contractor").order_by("-large_scale", "state", "id"))
