from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    """Service to projects: liaison officers, coordination meetings and the closed-loop issue list."""

    name = "coordination"
    verbose_name = "协调服务"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import IssueItem
        from .selectors import issues_changed

        post_save.connect(issues_changed, sender=IssueItem, dispatch_uid="coordination.issues_changed.save")
        post_delete.connect(issues_changed, sender=IssueItem, dispatch_uid="coordination.issues_changed.delete")

    def portal_plugin(self):
        from portal.accounts.models import Role
        from portal.core.plugins import HomeCard, Plugin

        from . import home

        return Plugin(
            policies=["coordination.permissions"],
            role_permissions={
                Role.BUREAU_STAFF: ["coordination.view_issueitem", "coordination.dispatch_issueitem",
                                    "coordination.add_issueitem", "coordination.view_meeting",
                                    "coordination.add_meeting", "coordination.change_meeting",
                                    "coordination.view_servicelog", "coordination.view_callback",
                                    "coordination.change_callback"],
                Role.LEADER: ["coordination.view_issueitem", "coordination.view_meeting",
                              "coordination.view_servicelog", "coordination.view_callback"],
                Role.CONTRACTOR: ["coordination.add_issueitem"],
                Role.LIAISON_OFFICER: ["coordination.add_issueitem", "coordination.add_servicelog"],
                Role.INSPECTOR: ["coordination.add_issueitem"],
            },
            audit_labels={"attachments": _("attachments"), "callback": _("call-back"),
                          "minutes": _("minutes"), "decisions": _("decisions")},
            api_routes="coordination.apis.register",
            deadline_ladders=["coordination.deadlines.ISSUE_LADDER"],
            instruction_targets={"coordination.IssueItem": "coordination.instructions.issue_holders",
                                 "coordination.Meeting": "coordination.instructions.meeting_holders"},
            home_cards=[HomeCard("coordination", "coordination/home/_card.html", home.home_context, order=30)],
            urls=[("coordination/", "coordination.urls")],
            demo="coordination.demo.seed",
            scale="coordination.scale.seed",
            scale_counts="coordination.scale.counts",
        )
