"""Writes of cross-region work: the joint command and its members, and the per-region land acquisition and
utility relocation items. The region of a member or an item must be one of the project's regions or inside one
of them (division code prefix). Edits that could collide carry the row's `version`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core.errors import ApplicationError
from portal.core.models import Region
from portal.core.regions import region_prefix
from portal.core.services import check_version, lock, object_void, validate
from portal.notifications.models import Notification
from portal.notifications.services import notify

from ..models import (
    CommandRole,
    JointCommand,
    JointCommandMember,
    Project,
    RegionWorkItem,
    RegionWorkStatus,
)

COMMAND_FIELDS = ("name", "established_on", "lead_region", "office", "note")
ITEM_FIELDS = ("region", "kind", "title", "unit", "planned_quantity", "completed_quantity", "status", "blockers",
               "responsible_organization", "due_date")
REPORT_FIELDS = ("completed_quantity", "status", "blockers")


def region_in_project(code: str, project_codes) -> bool:
    """Is the division `code` one of `project_codes` or inside one of them (330782 is inside 330700)?"""
    return any(code.startswith(region_prefix(p)) for p in project_codes)


def check_region(project: Project, region: Region | None, field: str = "region") -> None:
    """Refuse, naming `field`, a region outside the project's regions."""
    if region is None:
        return
    codes = list(project.regions.values_list("code", flat=True))
    if not region_in_project(region.code, codes):
        names = "、".join(project.regions.values_list("name", flat=True)) or _("none")
        raise ApplicationError(
            _("%(region)s is not one of the project's regions.") % {"region": region.name},
            {field: [_("Choose one of the project's regions (%(regions)s) or a county inside one of them.")
                     % {"regions": names}]},
        )


# ------------------------------------------------------------------------------------------------ the command
@transaction.atomic
def joint_command_save(*, actor: User, project: Project, version: int | None = None, **fields: Any) -> JointCommand:
    """Set up the project's joint command, or change it (against the `version` the editor was shown)."""
    unknown = set(fields) - set(COMMAND_FIELDS)
    if unknown:
        raise TypeError(f"unknown joint command fields: {sorted(unknown)}")
    locked = lock(project)
    check_region(locked, fields.get("lead_region"), "lead_region")
    command = JointCommand.objects.select_for_update().filter(project=locked).first()
    if command is None:
        command = JointCommand(project=locked, **fields)
        validate(command, exclude=["project"])
        command.save()
        audit_record_create(actor=actor, obj=command)
        return command
    if version is None:
        raise ApplicationError(_("Give the version you were shown."), {"version": [_("This field is required.")]})
    check_version(command, version)
    before = snapshot(command, COMMAND_FIELDS)
    for key, value in fields.items():
        setattr(command, key, value)
    validate(command, exclude=["project"])
    changes = diff(before, snapshot(command, COMMAND_FIELDS))
    if changes:
        command.version += 1
        command.save()
        audit_record(actor=actor, obj=command, action=AuditAction.UPDATE, changes=changes)
    return command


@transaction.atomic
def member_add(*, actor: User, project: Project, region: Region, role: str, name: str, position: str = "",
               organization: Organization | None = None, user: User | None = None,
               phone: str = "") -> JointCommandMember:
    locked = lock(project)
    command = JointCommand.objects.filter(project=locked).first()
    if command is None:
        raise ApplicationError(_("Set up the joint command first."))
    check_region(locked, region)
    if role not in CommandRole.values:
        raise ApplicationError(_("Unknown role."), {"role": [_("Select a valid choice.")]})
    member = JointCommandMember(command=command, region=region, role=role, name=(name or "").strip(),
                                position=(position or "").strip(), organization=organization, user=user,
                                phone=(phone or "").strip())
    validate(member, exclude=["command"])
    member.save()
    audit_record_create(actor=actor, obj=member)
    audit_record(actor=actor, obj=command, action=AuditAction.UPDATE,
                 changes={"members": [None, f"{region.name} · {member}"]})
    return member


@transaction.atomic
def member_void(*, actor: User, member: JointCommandMember, reason: str) -> JointCommandMember:
    voided = object_void(actor=actor, obj=member, reason=reason)
    audit_record(actor=actor, obj=member.command, action=AuditAction.UPDATE, reason=reason,
                 changes={"members": [f"{member.region.name} · {member}", None]})
    return voided


# ------------------------------------------------------------------------------------------------ work items
def _quantity(value: Any, field: str, errors: dict) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
        errors[field] = [_("Enter a number.")]
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    return number.quantize(Decimal("0.01"))


def _check_item(item: RegionWorkItem, errors: dict | None = None) -> None:
    """Quantities, status and blockers agree: planned > 0; 0 ≤ completed ≤ planned; blocked says why; done is
    complete. A not-started item with some quantity done moves to in progress, a complete one to done (unless
    it is blocked)."""
    errors = dict(errors or {})
    planned, completed = item.planned_quantity, item.completed_quantity
    if "planned_quantity" not in errors and planned is not None and planned <= 0:
        errors["planned_quantity"] = [_("The planned quantity must be greater than 0.")]
    if "completed_quantity" not in errors and completed is not None:
        if completed < 0:
            errors["completed_quantity"] = [_("The completed quantity cannot be negative.")]
        elif planned is not None and planned > 0 and completed > planned:
            errors["completed_quantity"] = [
                _("The completed quantity cannot exceed the planned quantity (%(planned)s).") % {"planned": planned}]
    if item.status not in RegionWorkStatus.values:
        errors["status"] = [_("Select a valid choice.")]
    item.blockers = (item.blockers or "").strip()
    if item.status == RegionWorkStatus.BLOCKED and not item.blockers:
        errors["blockers"] = [_("Say what blocks the item.")]
    if errors:
        raise ApplicationError(_("Please correct the errors below."), errors)
    if item.status == RegionWorkStatus.DONE and completed < planned:
        raise ApplicationError(_("Only a complete item is done."), {"status": [
            _("The item is done when the completed quantity equals the planned quantity (%(planned)s).")
            % {"planned": planned}]})
    if item.status == RegionWorkStatus.NOT_STARTED and completed > 0:
        item.status = RegionWorkStatus.IN_PROGRESS
    if item.status in (RegionWorkStatus.NOT_STARTED, RegionWorkStatus.IN_PROGRESS) and completed == planned:
        item.status = RegionWorkStatus.DONE


def _parse_quantities(fields: dict) -> dict:
    errors: dict = {}
    for name in ("planned_quantity", "completed_quantity"):
        if name in fields:
            fields[name] = _quantity(fields[name], name, errors)
    return errors


def _notify_blocked(item: RegionWorkItem, actor: User) -> None:
    """A blocked item needs coordination: the project's liaison officer and the command members of the item's
    region who use the portal hear of it."""
    project = item.project
    members = JointCommandMember.objects.active().filter(
        command__project=project, user__isnull=False, region__code__startswith=region_prefix(item.region_id)[:4]
    ).select_related("user")
    recipients = [m.user for m in members] + ([project.liaison_officer] if project.liaison_officer else [])
    recipients = [u for u in recipients if u.pk != actor.pk]
    notify(
        recipients=recipients, event_key=f"region-work:{item.pk}:blocked:{item.version}",
        title=_("Blocked: %(item)s (%(region)s) of %(project)s") % {"item": item.title, "region": item.region.name,
                                                                   "project": project.name},
        body=item.blockers, url=reverse("projects:regions", args=[project.pk]), target=item,
        level=Notification.Level.WARNING,
    )


@transaction.atomic
def region_work_create(*, actor: User, project: Project, **fields: Any) -> RegionWorkItem:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown region work fields: {sorted(unknown)}")
    fields.setdefault("completed_quantity", Decimal("0"))
    fields.setdefault("status", RegionWorkStatus.NOT_STARTED)
    errors = _parse_quantities(fields)
    locked = lock(project)
    if fields.get("region") is not None:
        check_region(locked, fields["region"])
    item = RegionWorkItem(project=locked, **fields)
    _check_item(item, errors)
    validate(item, exclude=["project"])
    item.save()
    audit_record_create(actor=actor, obj=item)
    if item.status == RegionWorkStatus.BLOCKED:
        _notify_blocked(item, actor)
    return item


def _update(*, actor: User, item: RegionWorkItem, version: int | None, fields: dict, reason: str = "") -> RegionWorkItem:
    """Caller runs in a transaction. Locks the project and the item (either voided: refused), checks the version
    and the rules, saves and audits."""
    errors = _parse_quantities(fields)
    lock(Project, item.project_id)  # a voided project's items are closed too
    locked = lock(item, related=("project", "region"))
    if version is None:
        raise ApplicationError(_("Give the version you were shown."), {"version": [_("This field is required.")]})
    check_version(locked, version)
    if "region" in fields and fields["region"] is not None:
        check_region(locked.project, fields["region"])
    before = snapshot(locked, ITEM_FIELDS)
    was_blocked = locked.status == RegionWorkStatus.BLOCKED
    for key, value in fields.items():
        setattr(locked, key, value)
    _check_item(locked, errors)
    validate(locked, exclude=["project"])
    changes = diff(before, snapshot(locked, ITEM_FIELDS))
    if not changes:
        return locked
    locked.version += 1
    locked.save()
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes, reason=reason)
    if locked.status == RegionWorkStatus.BLOCKED and (not was_blocked or "blockers" in changes):
        _notify_blocked(locked, actor)
    return locked


@transaction.atomic
def region_work_update(*, actor: User, item: RegionWorkItem, version: int | None, **fields: Any) -> RegionWorkItem:
    """Change an item (whoever manages the project)."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown region work fields: {sorted(unknown)}")
    return _update(actor=actor, item=item, version=version, fields=dict(fields))


@transaction.atomic
def region_work_report(*, actor: User, item: RegionWorkItem, version: int | None, completed_quantity: Any,
                       status: str, blockers: str = "") -> RegionWorkItem:
    """Report an item's progress: completed quantity, status and blockers (the project's managers and its
    liaison officer)."""
    return _update(actor=actor, item=item, version=version,
                   fields={"completed_quantity": completed_quantity, "status": status, "blockers": blockers})


@transaction.atomic
def region_work_void(*, actor: User, item: RegionWorkItem, reason: str) -> RegionWorkItem:
    return object_void(actor=actor, obj=item, reason=reason)

