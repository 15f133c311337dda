from django.utils.functional import SimpleLazyObject


def portal(request):
    """Header data: the unread notification count (one query, only when a page shows it)."""
    user = getattr(request, "user", None)

    def unread():
        if user is None or not user.is_authenticated:
            return 0
        return user.notifications.filter(read_at__isnull=True).count()

    return {"unread_notifications": SimpleLazyObject(unread), "PORTAL_NAME": "重点工程建设管理局"}
