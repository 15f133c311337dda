from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    """Parallel approval of a project's permits by the departments, on a working-day clock."""

    name = "approvals"
    verbose_name = "并联审批"

    def portal_plugin(self):
        from portal.accounts.models import Role
        from portal.core.plugins import HomeCard, Plugin

        from . import gates, home

        return Plugin(
            policies=["approvals.permissions"],
            role_permissions={
                Role.BUREAU_STAFF: ["approvals.view_approvalcase", "approvals.accept_approvalcase",
                                    "approvals.view_itemreview", "approvals.view_catalogueitem",
                                    "approvals.add_catalogueitem", "approvals.change_catalogueitem",
                                    "approvals.add_requireddocument", "approvals.change_requireddocument"],
                Role.LEADER: ["approvals.view_approvalcase", "approvals.view_itemreview"],
                Role.CONTRACTOR: ["approvals.add_approvalcase"],
            },
            audit_labels={
                "documents": _("documents"), "commitments": _("commitments"), "joint_review": _("joint review"),
                "scale": _("Construction scale"), "land_area": _("Land area (m²)"), "location": _("Location"),
                "contact": _("Contact person"), "phone": _("Contact phone"),
            },
            api_routes=[("approvals/cases", "approvals.apis.ApprovalCaseViewSet", "approval-case"),
                        ("approvals/reviews", "approvals.apis.ItemReviewViewSet", "item-review")],
            gate_conditions=gates.GATE_CONDITIONS,
            deadline_ladders=["approvals.deadlines.REVIEW_LADDER"],
            instruction_targets={"approvals.ApprovalCase": "approvals.instructions.case_holders",
                                 "approvals.ItemReview": "approvals.instructions.review_holders"},
            home_cards=[HomeCard("approvals", "approvals/home/_card.html", home.home_context, order=20)],
            urls=[("approvals/", "approvals.urls"), ("verify/", "approvals.verify_urls")],
            demo="approvals.demo.seed",
        )
