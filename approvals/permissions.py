"""Who may see approval cases and item reviews.

Bureau staff and leaders see every case (model permission). The applicant's organisation sees its cases. A
department reviewer sees the cases that have an item of their department, and those items — from the moment
of acceptance, when every item goes to its department at once."""

from django.db.models import Q, QuerySet

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

    def allows(self, user: User, action: str, obj: ApprovalCase) -> bool:
        if action == "edit":
            return obj.applicant_id == user.organization_id and obj.voided_at is None
        if action in ("accept", "schedule_joint_review"):
            return self.has_global(user, action)
        return super().allows(user, action, obj)


class ItemReviewPolicy(policy.ObjectPolicy):
    model = ItemReview
    actions = ("view", "decide")

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if action == "view" and self.has_global(user, "view"):
            return queryset
        if user.organization_id is None:
            return queryset.none()
        if action == "decide":
            if not user.has_role(Role.DEPARTMENT_REVIEWER):
                return queryset.none()
            return queryset.filter(department_id=user.organization_id)
        q = Q(case__applicant_id=user.organization_id)
        if user.has_role(Role.DEPARTMENT_REVIEWER):
            q |= Q(department_id=user.organization_id)
        return queryset.filter(q)

    def allows(self, user: User, action: str, obj: ItemReview) -> bool:
        return self.scope(user, ItemReview.objects.filter(pk=obj.pk), action).exists()


policy.register(ApprovalCasePolicy())
policy.register(ItemReviewPolicy())
