"""Who may see, answer and withdraw leaders' instructions.

Leaders and bureau staff see every instruction (model permission). Anyone else sees the instructions they wrote
and those they hold: addressed to their organisation (narrowed to a role when the holders name one), to their
role at the bureau (the service window), or to them by name (a liaison officer). Only a holder answers; only the
author withdraws. Writing one is the model permission `add_instruction` (leaders), on an object the leader sees."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import User
from portal.core import policy

from .models import Instruction


def holder_q(user: User) -> Q:
    """The instructions `user` holds (no join fan-out: the named holders are one subquery)."""
    roles = list(user.role_codes)
    by_name = Q(pk__in=Instruction.holder_users.through.objects.filter(user_id=user.pk).values("instruction_id"))
    by_role = Q(holder_organization__isnull=True, holder_role__in=roles) if roles else Q(pk__in=[])
    if user.organization_id is None:
        return by_name | by_role
    role_ok = Q(holder_role="") | Q(holder_role__in=roles)
    return by_name | by_role | (Q(holder_organization_id=user.organization_id) & role_ok)


def is_holder(user: User, obj: Instruction) -> bool:
    """Does `user` hold `obj`? No query when the named holders are prefetched."""
    if obj.holder_role and obj.holder_role not in user.role_codes:
        in_group = False
    elif obj.holder_organization_id is not None:
        in_group = user.organization_id is not None and user.organization_id == obj.holder_organization_id
    else:
        in_group = bool(obj.holder_role)
    return in_group or any(u.pk == user.pk for u in obj.holder_users.all())


class InstructionPolicy(policy.ObjectPolicy):
    model = Instruction
    actions = ("view", "answer", "withdraw")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view":
            if self.has_global(user, "view"):
                return queryset
            return queryset.filter(Q(author_id=user.pk) | holder_q(user))
        if action == "answer":
            return queryset.filter(holder_q(user))
        return queryset.filter(author_id=user.pk)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(Instruction, obj)  # policy_for() gives a policy only objects of its model
        if action == "answer":
            return is_holder(user, obj)
        if action == "withdraw":
            return obj.author_id == user.pk
        return self.has_global(user, "view") or obj.author_id == user.pk or is_holder(user, obj)


POLICIES = (InstructionPolicy(),)
