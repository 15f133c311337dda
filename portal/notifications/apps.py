from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Telling people what concerns them: the in-app notification centre and its e-mail copies."""

    name = "portal.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def portal_plugin(self):
        from portal.core.plugins import Plugin

        return Plugin(policies=["portal.notifications.permissions"],
                      api_routes=[("notifications", "portal.notifications.apis.NotificationViewSet", "notification")])
