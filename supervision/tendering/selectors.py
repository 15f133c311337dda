"""Reads of tendering and qualifications, already narrowed to what the user may see and joined to what the pages
and the API render. Other parts read tendering through here."""

import datetime

from django.db.models import Count, Q, QuerySet

from portal.accounts.models import User
from portal.core import policy
from portal.core.services import today

from ..models import EXPIRY_NOTICE_DAYS, Bid, PersonCertificate, Qualification, TenderLot


def _expiring_q(on: datetime.date) -> Q:
    return Q(expires_on__lte=on + datetime.timedelta(days=EXPIRY_NOTICE_DAYS))


def qualification_list(*, user: User, search: str = "", kind: str = "", expiring: bool = False,
                       organization_id: int | None = None) -> QuerySet[Qualification]:
    qs = policy.visible(user, Qualification.objects.filter(voided_at__isnull=True)).select_related("organization")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(organization__name__icontains=search) | Q(certificate_number__icontains=search))
    if expiring:
        qs = qs.filter(_expiring_q(today()))
    return qs.order_by("organization__name", "kind", "-expires_on", "id")


def certificate_list(*, user: User, search: str = "", kind: str = "", expiring: bool = False,
                     organization_id: int | None = None) -> QuerySet[PersonCertificate]:
    qs = policy.visible(user, PersonCertificate.objects.filter(voided_at__isnull=True)).select_related(
        "organization", "user")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(organization__name__icontains=search) | Q(certificate_number__icontains=search)
                       | Q(person_name__icontains=search))
    if expiring:
        qs = qs.filter(_expiring_q(today()))
    return qs.order_by("organization__name", "person_name", "kind", "id")


def expiring(*, user: User) -> tuple[QuerySet[Qualification], QuerySet[PersonCertificate]]:
    """The qualifications and certificates the user may see that expire within 60 days (or have expired), soonest
    first."""
    return (qualification_list(user=user, expiring=True).order_by("expires_on", "id"),
            certificate_list(user=user, expiring=True).order_by("expires_on", "id"))


def lot_list(*, user: User, project_id: int | None = None, state: str = "", search: str = ""
             ) -> QuerySet[TenderLot]:
    """The live lots `user` may see (of one project when `project_id`), with their bid count."""
    qs = policy.visible(user, TenderLot.objects.filter(voided_at__isnull=True))
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    qs = qs.select_related("awarded_to").annotate(bid_count=Count("bids"))
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs.order_by("project_id", "code", "id")


def project_lots(*, user: User, project_id: int, state: str = "", search: str = "") -> QuerySet[TenderLot]:
    return lot_list(user=user, project_id=project_id, state=state, search=search)


def lot_bids(*, lot: TenderLot) -> QuerySet[Bid]:
    """The bids of a lot the caller may see, lowest first."""
    return (lot.bids.select_related("organization", "project_manager", "safety_officer")
            .order_by("amount", "id"))


def awarded_lots(*, project_id: int) -> QuerySet[TenderLot]:
    """The live lots of a project awarded to a unit (a contract is signed on one of these)."""
    return (TenderLot.objects.filter(project_id=project_id, voided_at__isnull=True, state="awarded")
            .select_related("awarded_to").order_by("code", "id"))
