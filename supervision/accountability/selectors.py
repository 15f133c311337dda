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
