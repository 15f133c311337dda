from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The record of what happened: every domain change with who, when, what and why, plus the security log."""

    name = "portal.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import signals  # noqa: F401
