"""Who may see and change qualifications, certificates, lots and bids.

- Qualifications and key people's certificates: bureau staff and leaders see every one (model permission) and
  bureau staff record and change them; an organisation's users see their own organisation's; nobody else (404).
- Lots and their bids belong to a project: seen by whoever sees the project (its participants, the bureau),
  changed — described, bid on, awarded, cancelled — by whoever may manage it (its owner 建设单位, bureau staff)."""

from typing import cast

from django.db.models import Model, QuerySet

from portal.accounts.models import User
from portal.core import policy
from projects.permissions import ProjectPartPolicy

from ..models import Bid, PersonCertificate, Qualification, TenderLot


class OrganizationRecordPolicy(policy.ObjectPolicy):
    """A record an organisation holds: the bureau's to keep, its holder's to read."""

    actions = ("view", "change")

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset if action == "view" else queryset.filter(voided_at__isnull=True)
        if action != "view" or user.organization_id is None:
            return queryset.none()
        return queryset.filter(organization_id=user.organization_id)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        record = cast(Qualification, obj)
        if self.has_global(user, action):
            return action == "view" or record.voided_at is None
        return action == "view" and user.organization_id is not None and record.organization_id == user.organization_id


POLICIES = (OrganizationRecordPolicy(Qualification), OrganizationRecordPolicy(PersonCertificate),
            ProjectPartPolicy(TenderLot), ProjectPartPolicy(Bid, "lot__project"))
