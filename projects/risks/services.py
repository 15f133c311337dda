"""Writes of the risk register. Each runs in one transaction, locks the row it changes, checks the version the
editor started from (two people editing one risk: the second is told to reload), records its audit event and
notifies the responsible organisation when a risk is put on it."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import fsm
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, object_void, users_with_role, validate
from portal.notifications.services import notify
from projects.models import Project, ProjectParticipant, Risk, RiskStatus
from projects.models.risks import LIVE_RISK_STATUSES

RISK_EDITABLE = ("title", "category", "description", "likelihood", "impact", "owner_organization", "owner_name",
                 "mitigation", "status", "review_date")


def _validate(risk: Risk) -> None:
    validate(risk, exclude=["project", "version", "closed_at", "close_note"])


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(RISK_EDITABLE)
    if unknown:
        raise TypeError(f"unknown risk fields: {sorted(unknown)}")
    status = fields.get("status")
    if status is not None and status not in LIVE_RISK_STATUSES:
        raise ApplicationError(_("A risk is closed with a closing note, by its Close action."),
                               {"status": [_("Choose open or mitigating; close the risk with its Close action.")]})


def _check_owner(project: Project, organization: Organization | None) -> None:
    if organization is None:
        return
    if not ProjectParticipant.objects.active().filter(project=project, organization=organization).exists():
        raise ApplicationError(
            _("%(org)s does not take part in this project.") % {"org": organization.name},
            {"owner_organization": [_("Choose an organisation taking part in the project.")]},
        )


def _tell_owner(actor: User, risk: Risk) -> None:
    if risk.owner_organization_id is None or risk.owner_organization_id == actor.organization_id:
        return
    users = users_with_role(organizations=[risk.owner_organization_id])
    notify(recipients=users, event_key=f"risk:{risk.pk}:owner:{risk.owner_organization_id}",
           title=_("Risk on your organisation: %(title)s — %(project)s") % {"title": risk.title,
                                                                          "project": risk.project.name},
           body=risk.mitigation, url=risk.get_absolute_url(), target=risk,
           level="warning" if risk.band in ("high", "extreme") else "info")


@transaction.atomic
def risk_create(*, actor: User, project: Project, **fields: Any) -> Risk:
    _check_fields(fields)
    project = lock(project)  # a voided project takes no new risks
    risk = Risk(project=project, **fields)
    _validate(risk)
    _check_owner(project, risk.owner_organization)
    risk.save()
    audit_record_create(actor=actor, obj=risk)
    _tell_owner(actor, risk)
    return risk


@transaction.atomic
def risk_update(*, actor: User, risk: Risk, version: int | None, **fields: Any) -> Risk:
    """Change a risk's fields. `version` is the one the editor started from; None only for internal callers
    that hold no stale copy (the demo)."""
    _check_fields(fields)
    locked = lock(risk, related=("project",))
    check_version(locked, version)
    if locked.status == RiskStatus.CLOSED:
        raise ApplicationError(_("This risk is closed; reopen it to change it."), code=ErrorCode.INVALID_TRANSITION)
    before = snapshot(locked)
    old_owner = locked.owner_organization_id
    for key, value in fields.items():
        setattr(locked, key, value)
    _validate(locked)
    if locked.owner_organization_id != old_owner:
        _check_owner(locked.project, locked.owner_organization)
    changes = diff(before, snapshot(locked))
    if not changes:
        return locked
    locked.version += 1
    locked.save()
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes)
    if locked.owner_organization_id != old_owner:
        _tell_owner(actor, locked)
    return locked


@transaction.atomic
def risk_close(*, actor: User, risk: Risk, close_note: str, version: int | None = None) -> Risk:
    close_note = (close_note or "").strip()
    if not close_note:
        raise ApplicationError(_("Say why the risk can be closed."), {"close_note": [_("This field is required.")]})
    locked = lock(risk, related=("project",))
    check_version(locked, version)
    before, after = fsm.move(locked, "close", user=actor)
    locked.closed_at = timezone.now()
    locked.close_note = close_note
    locked.version += 1
    locked.save(update_fields=["status", "closed_at", "close_note", "version", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=close_note)
    return locked


@transaction.atomic
def risk_reopen(*, actor: User, risk: Risk, reason: str, version: int | None = None) -> Risk:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the risk is reopened."), {"reason": [_("This field is required.")]})
    locked = lock(risk, related=("project",))
    check_version(locked, version)
    before, after = fsm.move(locked, "reopen", user=actor)
    locked.closed_at = None
    locked.close_note = ""
    locked.version += 1
    locked.save(update_fields=["status", "closed_at", "close_note", "version", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason)
    return locked


@transaction.atomic
def risk_void(*, actor: User, risk: Risk, reason: str) -> Risk:
    """A risk registered by mistake is voided with a reason (it stays in the history)."""
    return object_void(actor=actor, obj=risk, reason=reason)
