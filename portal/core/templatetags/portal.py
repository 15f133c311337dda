import contextlib
import datetime
import re
from decimal import Decimal

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import ForeignObjectRel
from django.utils.text import format_lazy
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


# Labels of recorded changes that are not model fields; apps declare theirs (`audit_labels`, portal.core.plugins),
# including the keys of JSON fields (e.g. an application form's "scale"), which the history shows one per row.
PSEUDO_FIELD_LABELS = {"viewer": _("Granted viewer"), "roles": _("Roles")}

# Model fields declared without a verbose name (so named after the field, in English): what the history calls
# them. A foreign key not named here is called after the model it points to ("project" → 重点项目).
AUTO_NAMED_LABELS = {
    "requested_by": _("requested by"), "concluded_by": _("concluded by"), "given_by": _("given by"),
    "confirmed_by": _("confirmed by"), "uploaded_by": _("uploaded by"), "created_by": _("created by"),
    "sent_by": _("sent by"), "reported_by": _("reported by"), "voided_by": _("voided by"), "actor": _("by"),
    "organizer": _("organizer"), "predecessor": _("predecessor task"), "successor": _("successor task"),
    "content_type": _("file type"), "sha256": "SHA-256",
}
# Bookkeeping recorded with a change but not worth a line: the optimistic-lock counter and the ordering key (only
# when the model declares them without a verbose name; a document's "version" has one and is shown).
AUTO_NAMED_HIDDEN = frozenset({"version", "sort_key"})

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@register.simple_tag
def audit_rows(event):
    """[(field label, old, new)] of an audit event, in the reader's language: field names become their
    verbose names, choice codes their labels, times China time to the minute, money 万元 (the model's
    `audit_money_fields`: {field: label without the unit}), and each changed key of a JSON field (an
    application form) its own row."""
    model = event.content_type.model_class()
    money = getattr(model, "audit_money_fields", {}) if model is not None else {}
    rows = []
    for name, pair in (event.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        field = None
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):  # a pseudo-field such as "viewer" or "roles"
                field = model._meta.get_field(name)
        auto_named = field is not None and not isinstance(field, ForeignObjectRel) and field._verbose_name is None
        if auto_named and name in AUTO_NAMED_HIDDEN:
            continue
        label = money[name] if name in money else _audit_label(name, field, auto_named)
        if isinstance(old, dict) or isinstance(new, dict):
            rows.extend(_dict_rows(label, old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}))
            continue
        choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
        kind = "money" if name in money else "datetime" if isinstance(field, models.DateTimeField) else ""
        if field is not None and (field.many_to_one or field.one_to_one) and field.concrete:
            kind = "fk"
        rows.append((label, _display(old, choices, kind, field), _display(new, choices, kind, field)))
    return rows


def _audit_label(name, field, auto_named):
    if field is None:
        return PSEUDO_FIELD_LABELS.get(name, name)
    if isinstance(field, ForeignObjectRel):
        return field.related_model._meta.verbose_name
    if not auto_named:
        return field.verbose_name
    if name in PSEUDO_FIELD_LABELS:
        return PSEUDO_FIELD_LABELS[name]
    if name in AUTO_NAMED_LABELS:
        return AUTO_NAMED_LABELS[name]
    if field.is_relation and field.related_model is not None:
        return field.related_model._meta.verbose_name
    return field.verbose_name


def _dict_rows(label, old: dict, new: dict):
    """One row per changed key of a JSON object, labelled "<field> · <key's label>"."""
    rows = []
    for key in dict.fromkeys([*new, *old]):
        if old.get(key) == new.get(key):
            continue
        key_label = PSEUDO_FIELD_LABELS.get(key, key)
        rows.append((format_lazy("{} · {}", label, key_label), _display(old.get(key), {}),
                     _display(new.get(key), {})))
    return rows


def _display(value, choices, kind="", field=None):
    from django.utils.translation import gettext

    from portal.core.money import wan_text

    if value is None or value == "":
        return None
    if isinstance(value, dict):  # a JSON value inside a list: unhashable, so never a choice code
        return "；".join(f"{PSEUDO_FIELD_LABELS.get(k, k)}：{_display(v, {})}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(_display(v, choices)) for v in value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if kind == "money":
        with contextlib.suppress(ArithmeticError, ValueError, TypeError):
            return wan_text(value)
    if kind == "fk" and isinstance(value, int):  # recorded as the key (older records of one-to-one fields)
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return _local_time(value)
    try:
        return choices.get(value, value)
    except TypeError:  # unhashable
        return value


def _local_time(text: str) -> str:
    """A recorded time ("2026-12-03 12:14:33.123456+00:00") in China time to the minute: "2026-12-03 20:14"."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(text)
    if moment is None:
        return text
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


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
