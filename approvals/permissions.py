"""Who may see approval cases and item reviews.

Bureau staff and leaders see every case (model permission). The applicant's organisation sees its cases. A
department reviewer sees the cases that have an item of their department, and those items — from the moment
of acceptance, when every item goes to its department at once."""

from typing import cast

from django.db.models import Model, Q, QuerySet

from portal.accounts.models import Role, User
from portal.core import policy

from .models import ApprovalCase, ItemReview


class ApprovalCasePolicy(policy.ObjectPolicy):
    model = ApprovalCase
    actions = ("view", "edit", "accept", "schedule_joint_review")
    action_codenames = {"edit": "change_approvalcase", "accept": "accept_approvalcase",
                        "schedule_joint_review": "accept_approvalcase"}

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, "view" if action == "view" else action):
            return queryset
        if action == "edit":
            return queryset.filter(applicant_id=user.organization_id)
        if action != "view" or user.organization_id is None:
            return queryset.none()
        q = Q(applicant_id=user.organization_id)
        if user.has_role(Role.DEPARTMENT_REVIEWER):
            q |= Q(pk__in=ItemReview.objects.filter(department_id=user.organization_id).values("case_id"))
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(ApprovalCase, obj)  # policy_for() gives a policy only objects of its model
        if action == "edit":
            return obj.applicant_id == user.organization_id and obj.voided_at is None
        if action in ("accept", "schedule_joint_review"):
            return self.has_global(user, action)
        return super().allows(user, action, obj)


class ItemReviewPolicy(policy.ObjectPolicy):
    """view: with the case; decide: a reviewer of the item's department; resume (report a requested correction
    done): a user of the applicant."""

    model = ItemReview
    actions = ("view", "decide", "resume")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view" and self.has_global(user, "view"):
            return queryset
        if user.organization_id is None:
            return queryset.none()
        if action == "resume":
            return queryset.filter(case__applicant_id=user.organization_id, case__voided_at__isnull=True)
        if action == "decide":
            if not user.has_role(Role.DEPARTMENT_REVIEWER):
                return queryset.none()
            return queryset.filter(department_id=user.organization_id)
        q = Q(case__applicant_id=user.organization_id)
        if user.has_role(Role.DEPARTMENT_REVIEWER):
            q |= Q(department_id=user.organization_id)
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        obj = cast(ItemReview, obj)  # policy_for() gives a policy only objects of its model
        if action == "decide":  # no query: the department and the role decide
            return (user.organization_id is not None and user.organization_id == obj.department_id
                    and user.has_role(Role.DEPARTMENT_REVIEWER))
        if action == "resume":
            return policy.can(user, "edit", obj.case)
        return self.scope(user, ItemReview.objects.filter(pk=obj.pk), action).exists()


POLICIES = (ApprovalCasePolicy(), ItemReviewPolicy())
