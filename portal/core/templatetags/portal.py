from decimal import Decimal

from django import template
from django.contrib.contenttypes.models import ContentType

from portal.core import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action, obj):
    """{% can "change" project as may_change %} — asks the one access policy."""
    user = context["request"].user
    return policy.can(user, action, obj)


@register.inclusion_tag("includes/history.html")
def history_for(obj, limit=100):
    """The audit trail of `obj`, newest first. The caller has already checked that the user may view `obj`."""
    from portal.audit.models import AuditEvent

    events = (
        AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    return {"events": events}


@register.filter
def wan(value):
    """元 → 万元 with two places."""
    if value in (None, ""):
        return ""
    return f"{(Decimal(value) / Decimal(10000)).quantize(Decimal('0.01')):,}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
