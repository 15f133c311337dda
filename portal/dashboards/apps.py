from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The landing page of each role: what needs the user's attention first."""

    name = "portal.dashboards"
    label = "dashboards"
    verbose_name = "工作台"
