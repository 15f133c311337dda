from portal.core import policy

from .models import Notification


class NotificationPolicy(policy.ObjectPolicy):
    """A notification belongs to its recipient alone."""

    model = Notification
    actions = ("view", "change")

    def scope(self, user, queryset, action):
        return queryset.filter(recipient=user)

    def allows(self, user, action, obj) -> bool:
        return obj.recipient_id == user.pk


POLICIES = (NotificationPolicy(),)
