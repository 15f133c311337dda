from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    """Service to projects: liaison officers, coordination meetings and the closed-loop issue list."""

    name = "coordination"
    verbose_name = "协调服务"
