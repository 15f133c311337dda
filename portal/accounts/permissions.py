"""Who may see and change organisations and users."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.core import policy

from .models import Organization, OrganizationKind, User


class OrganizationPolicy(policy.ObjectPolicy):
    """Bureau staff and leaders see every organisation; everyone else sees their own and the departments."""

    model = Organization
    actions = ("view", "change", "void", "set_credit_standing")
    action_codenames = {"set_credit_standing": "set_credit_standing"}

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset
        if action != "view":
            return queryset.none()
        return queryset.filter(Q(pk=user.organization_id) | Q(kind=OrganizationKind.DEPARTMENT))

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(Organization, obj)  # policy_for() gives a policy only objects of its model
        if self.has_global(user, action):
            return action == "view" or obj.voided_at is None
        return action == "view" and (obj.pk == user.organization_id or obj.kind == OrganizationKind.DEPARTMENT)


class UserPolicy(policy.ObjectPolicy):
    """Bureau staff and leaders see every user; everyone else sees themselves and colleagues."""

    model = User
    actions = ("view", "change", "void")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset
        if action != "view":
            return queryset.filter(pk=user.pk) if action == "change" else queryset.none()
        if user.organization_id is None:
            return queryset.filter(pk=user.pk)
        return queryset.filter(Q(pk=user.pk) | Q(organization_id=user.organization_id))

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(User, obj)  # policy_for() gives a policy only objects of its model
        if self.has_global(user, action):
            return True
        if action == "view":
            return obj.pk == user.pk or (user.organization_id is not None and obj.organization_id == user.organization_id)
        return action == "change" and obj.pk == user.pk


POLICIES = (OrganizationPolicy(), UserPolicy())
