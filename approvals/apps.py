from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Parallel approval of a project's permits by the departments, on a working-day clock."""

    name = "approvals"
    verbose_name = "并联审批"
