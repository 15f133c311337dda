import contextlib
from decimal import Decimal

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext_lazy as _

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
        .select_related("actor", "content_type")
        .order_by("-created_at", "-id")[:limit]
    )
    return {"events": events}


@register.simple_tag
def audit_state_label(event, value):
    """A recorded from/to state in words: the label of the first choices field of the object's model that
    knows the code (the workflow's state field, or e.g. a credit standing)."""
    model = event.content_type.model_class()
    if model is None or not value:
        return value or "—"
    for field in model._meta.concrete_fields:
        if field.choices:
            labels = dict(field.flatchoices)
            if value in labels:
                return labels[value]
    return value


# Labels of recorded changes that are not model fields; apps declare theirs (`audit_labels`, portal.core.plugins).
PSEUDO_FIELD_LABELS = {"viewer": _("Granted viewer"), "roles": _("Roles")}


@register.simple_tag
def audit_rows(event):
    """[(field label, old, new)] of an audit event, in the reader's language: field names become their
    verbose names and choice codes their labels."""
    model = event.content_type.model_class()
    rows = []
    for name, pair in (event.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        label, choices = PSEUDO_FIELD_LABELS.get(name, name), {}
        field = None
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):  # a pseudo-field such as "viewer" or "roles"
                field = model._meta.get_field(name)
        if isinstance(field, ForeignObjectRel):
            label = field.related_model._meta.verbose_name
        elif field is not None:
            label = field.verbose_name
            choices = dict(field.flatchoices) if field.choices else {}
        rows.append((label, _display(old, choices), _display(new, choices)))
    return rows


def _display(value, choices):
    if value is None or value == "":
        return None
    if isinstance(value, dict):  # a JSON field, e.g. an application form: unhashable, so never a choice code
        return "；".join(f"{k}：{_display(v, {})}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    return choices.get(value, value)


@register.filter
def wan(value):
    """元 → 万元 with two places."""
    if value in (None, ""):
        return ""
    amount = (Decimal(value) / Decimal(10000)).quantize(Decimal("0.01"))
    text = f"{amount:,}"
    return text[:-3] if text.endswith(".00") else text


@register.filter
def role_labels(user):
    """The user's roles in words (reads the prefetched groups)."""
    from portal.accounts.models import Role

    names = {g.name for g in user.groups.all()}
    return "、".join(str(r.label) for r in Role if r.value in names)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def has_role(user, role):
    """{% if user|has_role:"department_reviewer" %} — the user's role, for navigation only (access is decided
    by the policy)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(role)


@register.filter
def due_date(value):
    """{{ review.due_on|due_date }} — the date (Y-m-d), marked 暂定 when it lies beyond the years the official
    holiday calendar covers: counted by weekends only, it may still move (portal.core.workdays.is_provisional)."""
    from django.utils.dateformat import format as date_format
    from django.utils.html import format_html
    from django.utils.translation import gettext

    from portal.core import workdays

    if not value:
        return "—"
    text = date_format(value, "Y-m-d")
    if not workdays.is_provisional(value):
        return text
    first, last = workdays.calendar_years()
    title = gettext("Provisional: the official holidays are known for %(first)s–%(last)s only; this date is "
                    "counted by weekends only and may move.") % {"first": first, "last": last}
    return format_html('{} <abbr class="provisional" title="{}" data-testid="due-provisional">{}</abbr>', text,
                       title, gettext("provisional"))
