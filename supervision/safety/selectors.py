"""Reads of the safety records, already narrowed to what the user may see, with what a row shows."""

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

from ..models import Incident, SafetyResponsibility, TrainingRecord


def _live(qs: QuerySet, filters: dict) -> QuerySet:
    return qs if filters.get("voided") else qs.filter(voided_at__isnull=True)


def roster_list(*, user: User, project: Project, filters: dict | None = None, search: str = ""
                ) -> QuerySet[SafetyResponsibility]:
    filters = filters or {}
    qs = _live(policy.visible(user, SafetyResponsibility.objects.filter(project=project)), filters)
    if value := filters.get("role"):
        qs = qs.filter(role=value)
    if search := (search or "").strip():
        qs = qs.filter(Q(person_name__icontains=search) | Q(duties__icontains=search)
                       | Q(organization__name__icontains=search))
    return qs.select_related("organization", "user", "certificate").order_by("organization__name", "role", "id")


def training_list(*, user: User, project: Project, filters: dict | None = None, search: str = ""
                  ) -> QuerySet[TrainingRecord]:
    filters = filters or {}
    qs = _live(policy.visible(user, TrainingRecord.objects.filter(project=project)), filters)
    if value := filters.get("kind"):
        qs = qs.filter(kind=value)
    if search := (search or "").strip():
        qs = qs.filter(Q(topic__icontains=search) | Q(trainer__icontains=search) | Q(place__icontains=search))
    return qs.select_related("organization", "recorded_by").order_by("-held_on", "-id")


def incident_list(*, user: User, project: Project | None = None, filters: dict | None = None, search: str = ""
                  ) -> QuerySet[Incident]:
    filters = filters or {}
    qs = _live(policy.visible(user, Incident.objects.all()), filters)
    if project is not None:
        qs = qs.filter(project=project)
    if value := filters.get("grade"):
        qs = qs.filter(grade=value)
    if value := filters.get("since"):
        qs = qs.filter(occurred_at__date__gte=value)
    if value := filters.get("until"):
        qs = qs.filter(occurred_at__date__lte=value)
    if search := (search or "").strip():
        qs = qs.filter(Q(location__icontains=search) | Q(description__icontains=search)
                       | Q(project__name__icontains=search) | Q(responsible__name__icontains=search))
    return qs.select_related("project", "responsible", "reported_by").order_by("-occurred_at", "-id")


def project_safety_counts(*, user: User, project: Project) -> dict[str, int]:
    """The live records of each kind the user may see on `project` (the sub-navigation's counts)."""
    return {"roster": roster_list(user=user, project=project).count(),
            "trainings": training_list(user=user, project=project).count(),
            "incidents": incident_list(user=user, project=project).count()}
