"""Writes for organisations and users. Each runs in one transaction and records its audit event."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core.errors import ApplicationError
from portal.core.services import lock, validate

from .models import CreditStanding, CreditStandingChange, Organization, Role, User

ORGANIZATION_EDITABLE = (
    "name", "short_name", "kind", "department_code", "credit_code", "region", "contact_phone", "address",
)


@transaction.atomic
def organization_create(*, actor: User | None, name: str, kind: str, **fields: Any) -> Organization:
    unknown = set(fields) - set(ORGANIZATION_EDITABLE)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    org = Organization(name=name.strip(), kind=kind, **fields)
    validate(org, exclude=["group"])
    org.group = Group.objects.create(name=f"org:{org.name}"[:150])
    org.save()
    audit_record_create(actor=actor, obj=org)
    return org


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, **fields: Any) -> Organization:
    unknown = set(fields) - set(ORGANIZATION_EDITABLE)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    org = lock(organization, live=False)
    before = snapshot(org)
    for key, value in fields.items():
        setattr(org, key, value)
    validate(org, exclude=["group"])
    changes = diff(before, snapshot(org))
    if changes:
        org.save()
        if "name" in changes:
            Group.objects.filter(pk=org.group_id).update(name=f"org:{org.name}"[:150])
        audit_record(actor=actor, obj=org, action=AuditAction.UPDATE, changes=changes)
    return org


@transaction.atomic
def organization_set_credit_standing(
    *, actor: User | None, organization: Organization, standing: str, reason: str,
    source: str = CreditStandingChange.Source.MANUAL,
) -> Organization:
    """Set the credit standing with a reason; the change joins the organisation's credit history.

    Idempotent: setting the standing it already has records nothing."""
    reason = (reason or "").strip()
    if standing not in CreditStanding.values:
        raise ApplicationError(_("Unknown credit standing."), {"standing": [_("Select a valid choice.")]})
    if not reason:
        raise ApplicationError(_("Give a reason for the change."), {"reason": [_("This field is required.")]})
    org = lock(organization, live=False)
    if org.credit_standing == standing:
        return org
    CreditStandingChange.objects.create(
        organization=org, from_standing=org.credit_standing, to_standing=standing, reason=reason, source=source,
        actor=actor,
    )
    audit_record(
        actor=actor, obj=org, action=AuditAction.TRANSITION, from_state=org.credit_standing, to_state=standing,
        reason=reason, changes={"credit_standing": [org.credit_standing, standing]},
    )
    org.credit_standing = standing
    org.save(update_fields=["credit_standing", "updated_at"])
    return org


@transaction.atomic
def user_create(
    *, actor: User | None, username: str, full_name: str, organization: Organization | None,
    roles: Iterable[str] = (), email: str = "", password: str | None = None, **fields: Any,
) -> User:
    user = User(username=username.strip(), full_name=full_name.strip(), email=email, organization=organization,
                **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    validate(user, exclude=["password"])
    user.save()
    _sync_groups(user, roles)
    audit_record_create(actor=actor, obj=user)
    return user


def _sync_groups(user: User, roles: Iterable[str]) -> None:
    roles = [Role(r).value for r in roles]
    wanted = list(Group.objects.filter(name__in=roles))
    if user.organization_id:
        wanted.append(Group.objects.get(organization__pk=user.organization_id))
    user.groups.set(wanted)
    user.__dict__.pop("_role_codes", None)


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[str], organization: Organization | None = None,
                   reason: str = "") -> User:
    """Set the user's roles (and organisation); the organisation's group follows the organisation."""
    locked = lock(user, live=False)
    before_roles = sorted(locked.role_codes)
    before_org = locked.organization_id
    if organization is not None:
        locked.organization = organization
        locked.save(update_fields=["organization"])
    _sync_groups(locked, roles)
    changes: dict[str, list[Any]] = {}
    if sorted(Role(r).value for r in roles) != before_roles:
        changes["roles"] = [before_roles, sorted(roles)]
    if locked.organization_id != before_org:
        changes["organization"] = [before_org, locked.organization_id]
    if changes:
        audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes, reason=reason)
    return locked


@transaction.atomic
def user_deactivate(*, actor: User, user: User, reason: str) -> User:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for deactivating."), {"reason": [_("This field is required.")]})
    locked = lock(user, live=False)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    audit_record(actor=actor, obj=locked, action=AuditAction.VOID, reason=reason, changes={"is_active": [True, False]})
    return locked
