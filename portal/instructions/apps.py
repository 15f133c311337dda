from django.apps import AppConfig


class InstructionsConfig(AppConfig):
    """Leaders' instructions (批示): a leader writes on a project, an approval case or an item review; whoever holds
    the object is told, answers once, and the instruction shows on the object until answered. The apps declare
    which of their models take instructions and who holds one (`instruction_targets` of their `portal_plugin()`)."""

    name = "portal.instructions"
    label = "instructions"
    verbose_name = "领导批示"

    def portal_plugin(self):
        from django.utils.translation import gettext_lazy as _

        from portal.accounts.models import Role
        from portal.core.plugins import HomeCard, Plugin

        from . import home

        return Plugin(
            policies=["portal.instructions.permissions"],
            role_permissions={
                Role.LEADER: ["instructions.view_instruction", "instructions.add_instruction"],
                Role.BUREAU_STAFF: ["instructions.view_instruction"],
            },
            audit_labels={"instruction": _("Leader's instruction")},
            api_routes=[("instructions", "portal.instructions.apis.InstructionViewSet", "instruction")],
            home_cards=[HomeCard("instructions", "instructions/home/_card.html", home.home_context, order=15)],
            urls=[("instructions/", "portal.instructions.urls")],
        )
