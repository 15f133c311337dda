from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling people what concerns them: the in-app notification centre and its e-mail copies."""

    name = "portal.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from . import permissions  # noqa: F401
