"""The service kit every app's writes stand on, so no app pastes its own copy:

- `validate(obj)`: the model's own validation, refused as an ApplicationError naming the fields;
- `lock(obj)`: the live row, locked for the rest of the transaction (a voided one is refused);
- `stale_error()` / `check_version()`: "someone else changed this" — code STALE, HTTP 409 everywhere;
- `users_with_role()`: the active users holding a role, optionally of some organisations, heads only;
- `today()`: the date in China (the portal's TIME_ZONE), which is what deadlines count in;
- `object_void()`: voiding an object with a reason (nothing is hard-deleted).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.audit.models import AuditAction
from portal.audit.services import audit_record

from .errors import ApplicationError, ErrorCode

if TYPE_CHECKING:
    from .models import VoidableModel

M = TypeVar("M", bound=models.Model)
V = TypeVar("V", bound="VoidableModel")

STALE_MESSAGE = gettext_noop("Someone else changed this since you opened it; reload and try again.")


def today() -> datetime.date:
    """Today in China time (settings.TIME_ZONE, Asia/Shanghai): the day every deadline is counted from."""
    return timezone.localdate()


def validate(obj: models.Model, exclude: Iterable[str] = ()) -> None:
    """Run the model's full_clean; a failure becomes an ApplicationError naming each field."""
    try:
        obj.full_clean(exclude=list(exclude) or None)
    except ValidationError as exc:
        raise ApplicationError(_("Please correct the errors below."), exc.message_dict) from exc


def lock(obj: M | type[M], pk: Any = None, *, related: Iterable[str] = (), live: bool = True) -> M:
    """The row of `obj` (or of `model`, `pk`) read again under SELECT … FOR UPDATE, with `related` joined (only
    the row itself is locked). `live`: refuse a voided object, whose record is closed."""
    model = obj if isinstance(obj, type) else type(obj)
    key = pk if isinstance(obj, type) else obj.pk
    qs = model._default_manager.select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    locked = qs.get(pk=key)
    if live and getattr(locked, "voided_at", None) is not None:
        raise ApplicationError(
            _("This %(what)s is voided and cannot be changed.") % {"what": model._meta.verbose_name},
            code=ErrorCode.INVALID_TRANSITION)
    return locked


def stale_error(field: str = "version", message: str | None = None) -> ApplicationError:
    """Someone else changed the object since the user read it: refused, HTTP 409, naming `field`."""
    message = message or _(STALE_MESSAGE)
    return ApplicationError(message, {field: [message]}, code=ErrorCode.STALE)


def check_version(locked: models.Model, version: Any, field: str = "version") -> None:
    """Refuse when the version the user read is not the locked row's current one (an optimistic lock)."""
    if version is not None and str(version) != str(getattr(locked, field)):
        raise stale_error(field)


def users_with_role(role: str | None = None, *, organizations: Iterable[int] | None = None,
                    heads_only: bool = False) -> list[Any]:
    """The active users holding `role` (any role when None), of the `organizations` (ids) when given, only the
    heads of their organisation when `heads_only`. One query."""
    from portal.accounts.models import User

    qs = User.objects.filter(is_active=True)
    if role:
        qs = qs.filter(groups__name=role)
    if organizations is not None:
        qs = qs.filter(organization_id__in=set(organizations))
    if heads_only:
        qs = qs.filter(is_org_head=True)
    return list(qs.distinct().order_by("pk"))


def users_by_organization(role: str | None = None, *, organizations: Iterable[int],
                          heads_only: bool = False) -> dict[int, list[Any]]:
    """`users_with_role` grouped by organisation id (an organisation without such users maps to [])."""
    out: dict[int, list[Any]] = defaultdict(list)
    for user in users_with_role(role, organizations=organizations, heads_only=heads_only):
        out[user.organization_id].append(user)
    return out


@transaction.atomic
def object_void(*, actor: Any, obj: V, reason: str) -> V:
    """Void `obj` (a VoidableModel) with a reason. Idempotent: voiding a voided object changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for voiding."), {"reason": [_("This field is required.")]})
    locked = lock(obj, live=False)
    if locked.voided_at is not None:
        return locked
    locked.voided_at = timezone.now()
    locked.voided_by = actor
    locked.void_reason = reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.VOID, reason=reason)
    return locked
