"""Who may see and decide accountability records (追责).

- view: bureau staff and leaders (`view_accountabilityrecord`) every record; a unit's users the records held
  against their unit once confirmed (a proposal is the bureau's deliberation until it is decided). Anyone else: 404.
- decide (confirm, dismiss, carry out): `decide_accountabilityrecord` (bureau staff).
- create by hand: `add_accountabilityrecord` (bureau staff)."""

from typing import cast

from django.db.models import Model, QuerySet

from portal.accounts.models import User
from portal.core import policy

from ..models import AccountabilityRecord
from .selectors import IN_FORCE


class AccountabilityRecordPolicy(policy.ObjectPolicy):
    model = AccountabilityRecord
    actions = ("view", "decide")
    action_codenames = {"decide": "decide_accountabilityrecord"}

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "decide":
            return queryset.filter(voided_at__isnull=True) if self.has_global(user, action) else queryset.none()
        if self.has_global(user, "view"):
            return queryset
        if user.organization_id is None:
            return queryset.none()
        return queryset.filter(organization_id=user.organization_id, state__in=IN_FORCE)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        record = cast(AccountabilityRecord, obj)
        if action == "decide":
            return record.voided_at is None and self.has_global(user, action)
        if self.has_global(user, "view"):
            return True
        return (user.organization_id is not None and record.organization_id == user.organization_id
                and record.state in IN_FORCE)


POLICIES = (AccountabilityRecordPolicy(),)
