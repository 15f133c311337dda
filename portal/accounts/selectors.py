from django.db.models import Count, Q, QuerySet

from portal.core import policy

from .models import CreditStandingChange, Organization, User


def organization_list(*, user: User, search: str = "", kind: str = "", standing: str = "") -> QuerySet[Organization]:
    qs = policy.visible(user, Organization.objects.active()).select_related("region")
    if search := search.strip():
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search) | Q(credit_code__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if standing:
        qs = qs.filter(credit_standing=standing)
    return qs.annotate(member_count=Count("members", filter=Q(members__is_active=True))).order_by("kind", "name")


def organization_credit_history(*, organization: Organization) -> QuerySet[CreditStandingChange]:
    return organization.credit_history.select_related("actor")


def user_list(*, user: User, search: str = "", organization_id: int | None = None) -> QuerySet[User]:
    qs = policy.visible(user, User.objects.filter(is_active=True)).select_related("organization")
    qs = qs.prefetch_related("groups")
    if search := search.strip():
        qs = qs.filter(Q(full_name__icontains=search) | Q(username__icontains=search) | Q(email__icontains=search))
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    return qs
