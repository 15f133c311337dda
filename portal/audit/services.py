"""Writing the audit trail and the security log. Callers hold their own transaction: the event commits with
the change it describes, or not at all."""

import datetime
import decimal
import logging
from collections.abc import Iterable
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.core.middleware import client_ip, current_request

from .models import AuditAction, AuditEvent, SecurityEvent

security_log = logging.getLogger("portal.security")


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


# Never written to the audit trail: secrets (a device token's hash), and bookkeeping that changes on every save.
NEVER_AUDITED = frozenset({"password", "last_login", "created_at", "updated_at", "id", "group", "token_hash"})


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The auditable values of `obj`'s concrete fields, for `diff`: choice fields keep their code (the history
    shows the label in the reader's language), foreign keys become the related object's name."""
    names = fields or [f.name for f in obj._meta.concrete_fields]
    out = {}
    for name in names:
        if name in NEVER_AUDITED:
            continue
        field = cast("models.Field[Any, Any]", obj._meta.get_field(name))  # `names` are concrete fields
        if field.is_relation and (field.many_to_one or field.one_to_one):
            related = getattr(obj, field.name) if getattr(obj, field.attname) is not None else None
            out[name] = str(related) if related is not None else None
        else:
            out[name] = getattr(obj, field.attname)
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        k: [_plain(before.get(k)), _plain(after.get(k))]
        for k in after
        if k not in NEVER_AUDITED and before.get(k) != after.get(k)
    }


def audit_record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
    from_state: str = "",
    to_state: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=AuditAction(action).value,
        actor=actor if getattr(actor, "pk", None) else None,
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items() if k not in NEVER_AUDITED},
        reason=reason,
        from_state=from_state,
        to_state=to_state,
    )


def audit_record_create(*, actor: Any, obj: models.Model, reason: str = "") -> AuditEvent:
    values = {k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "")}
    return audit_record(actor=actor, obj=obj, action=AuditAction.CREATE, changes=values, reason=reason)


def security_event_record(*, kind: str, user: Any = None, username: str = "", detail: str = "") -> SecurityEvent:
    request = current_request.get()
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=(username or getattr(user, "username", "") or "")[:150],
        ip_address=client_ip(request),
        path=(request.path if request is not None else "")[:300],
        detail=detail[:300],
    )
    security_log.info("%s user=%s ip=%s path=%s %s", kind, event.username, event.ip_address, event.path, detail)
    return event
