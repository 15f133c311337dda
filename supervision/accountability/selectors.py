"""Reads of accountability records for other parts and apps (tendering's award rules, performance and credit)."""

import datetime

from django.db.models import Max, QuerySet

from ..models import AccountabilityRecord, AccountabilityState

IN_FORCE = (AccountabilityState.CONFIRMED, AccountabilityState.COMPLETED)


def barred_until(*, organization_id: int, on: datetime.date) -> datetime.date | None:
    """The last day `organization` is barred from awards by a confirmed record in force on `on`, or None."""
    return (AccountabilityRecord.objects
            .filter(organization_id=organization_id, state__in=IN_FORCE, voided_at__isnull=True,
                    bars_bidding_until__gte=on)
            .aggregate(until=Max("bars_bidding_until"))["until"])


def unit_record(*, organization_id: int) -> QuerySet[AccountabilityRecord]:
    """The confirmed (or carried out) accountability records of a unit, newest first: its record."""
    return (AccountabilityRecord.objects
            .filter(organization_id=organization_id, state__in=IN_FORCE, voided_at__isnull=True)
            .select_related("project").order_by("-decided_at", "-id"))


def record_list(*, user, project_id: int | None = None, organization_id: int | None = None, kind: str = "",
                trigger: str = "", state: str = "", q: str = "") -> QuerySet[AccountabilityRecord]:
    """The records `user` may see, filtered, with what a list renders joined."""
    from django.db.models import Q

    from portal.core import policy

    qs = policy.visible(user, AccountabilityRecord.objects.all()).filter(voided_at__isnull=True)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if kind:
        qs = qs.filter(kind=kind)
    if trigger:
        qs = qs.filter(trigger=trigger)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(facts__icontains=q) | Q(organization__name__icontains=q))
    return qs.select_related("organization", "project").order_by("-created_at", "-id")


def counts_by_state(records: QuerySet[AccountabilityRecord]) -> dict[str, int]:
    from django.db.models import Count

    found = {s: 0 for s in AccountabilityState.values}
    for row in records.order_by().values("state").annotate(n=Count("pk")):
        found[row["state"]] = row["n"]
    return found


def records_of_hazard(*, user, hazard_id: int) -> QuerySet[AccountabilityRecord]:
    """The accountability records a hazard gave rise to, as far as `user` may see them."""
    from portal.core import policy

    return (policy.visible(user, AccountabilityRecord.objects.filter(hazard_id=hazard_id, voided_at__isnull=True))
            .select_related("organization").order_by("-created_at", "-id"))
