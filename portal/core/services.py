"""Writes shared by every app: voiding an object with a reason (nothing is hard-deleted)."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.models import AuditAction
from portal.audit.services import audit_record

from .errors import ApplicationError


@transaction.atomic
def object_void(*, actor: Any, obj: models.Model, reason: str) -> models.Model:
    """Void `obj` (a VoidableModel) with a reason. Idempotent: voiding a voided object changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for voiding."), {"reason": [_("This field is required.")]})
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if locked.voided_at is not None:
        return locked
    locked.voided_at = timezone.now()
    locked.voided_by = actor
    locked.void_reason = reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.VOID, reason=reason)
    return locked
