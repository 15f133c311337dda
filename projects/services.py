"""Writes for key projects: registration, changes, participants, the liaison officer, and the access grants
that follow them. Each runs in one transaction, records its audit event and notifies whom it concerns."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core.errors import ApplicationError
from portal.core.models import Region
from portal.core.services import lock, object_void, validate
from portal.notifications.services import notify

from .models import LiaisonAssignment, ParticipantRole, Project, ProjectParticipant

PROJECT_EDITABLE = (
    "code", "name", "project_type", "level", "stage", "total_investment", "planned_start", "planned_finish",
    "owner", "description",
)


def _check_owner(owner: Organization) -> None:
    if owner.kind != OrganizationKind.OWNER:
        raise ApplicationError(_("The owner must be an owner organisation (construction unit)."),
                               {"owner": [_("Choose an owner organisation (construction unit).")]})
    if owner.voided_at is not None:
        raise ApplicationError(_("The owner organisation is voided."), {"owner": [_("This organisation is voided.")]})


@transaction.atomic
def project_create(*, actor: User, regions: Iterable[Region] = (), liaison_officer: User | None = None,
                   **fields: Any) -> Project:
    unknown = set(fields) - set(PROJECT_EDITABLE)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    project = Project(**fields)
    validate(project)
    _check_owner(project.owner)
    project.save()
    project.regions.set(list(regions))
    audit_record_create(actor=actor, obj=project)
    participant_add(actor=actor, project=project, organization=project.owner, role=ParticipantRole.OWNER)
    if liaison_officer is not None:
        project_assign_liaison_officer(actor=actor, project=project, officer=liaison_officer)
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, regions: Iterable[Region] | None = None,
                   **fields: Any) -> Project:
    unknown = set(fields) - set(PROJECT_EDITABLE)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    locked = lock(project)
    if "stage" in fields and fields["stage"] != locked.stage:
        raise ApplicationError(_("The stage changes only through its gate."),
                               {"stage": [_("Move the project to the next stage on its Stages and gates tab.")]})
    before = snapshot(locked)
    for key, value in fields.items():
        setattr(locked, key, value)
    validate(locked)
    if "owner" in fields:
        _check_owner(locked.owner)
    changes = diff(before, snapshot(locked))
    if regions is not None:
        old = sorted(locked.regions.values_list("code", flat=True))
        new = sorted(r.code for r in regions)
        if old != new:
            locked.regions.set(list(regions))
            changes["regions"] = [old, new]
    if changes:
        locked.save()
        audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes)
    if "owner" in changes:
        participant_add(actor=actor, project=locked, organization=locked.owner, role=ParticipantRole.OWNER)
    return locked


@transaction.atomic
def participant_add(*, actor: User, project: Project, organization: Organization, role: str,
                    lot: str = "") -> ProjectParticipant:
    """Add an organisation to a project in a role; its users may then see the project. Idempotent."""
    if organization.voided_at is not None:
        raise ApplicationError(_("This organisation is voided."), {"organization": [_("This organisation is voided.")]})
    if role not in ParticipantRole.values:
        raise ApplicationError(_("Unknown role."), {"role": [_("Select a valid choice.")]})
    existing = ProjectParticipant.objects.active().filter(
        project=project, organization=organization, role=role, lot=lot
    ).first()
    if existing:
        return existing
    participant = ProjectParticipant.objects.create(project=project, organization=organization, role=role, lot=lot)
    assign_perm("projects.view_project", organization.group, project)
    audit_record(
        actor=actor, obj=project, action=AuditAction.GRANT,
        changes={"participants": [None, f"{organization} · {participant.get_role_display()}"]},
    )
    return participant


@transaction.atomic
def participant_remove(*, actor: User, participant: ProjectParticipant, reason: str) -> ProjectParticipant:
    """Void a participation; the organisation loses sight of the project when no other role remains."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason."), {"reason": [_("This field is required.")]})
    locked = lock(participant, live=False)
    if locked.voided_at is not None:
        return locked
    if locked.role == ParticipantRole.OWNER and locked.organization_id == locked.project.owner_id:
        raise ApplicationError(_("The owner cannot be removed; change the project's owner instead."))
    object_void(actor=actor, obj=locked, reason=reason)
    still = ProjectParticipant.objects.active().filter(
        project_id=locked.project_id, organization_id=locked.organization_id
    ).exists()
    if not still:
        remove_perm("projects.view_project", locked.organization.group, locked.project)
    audit_record(
        actor=actor, obj=locked.project, action=AuditAction.REVOKE, reason=reason,
        changes={"participants": [f"{locked.organization} · {locked.get_role_display()}", None]},
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def project_assign_liaison_officer(*, actor: User, project: Project, officer: User | None,
                                   reason: str = "") -> Project:
    """Make `officer` the project's liaison officer (one per project); the previous one loses the grant. The
    history (LiaisonAssignment) follows in the same transaction: the open row is closed, a new one opened."""
    if officer is not None and not officer.has_role(Role.LIAISON_OFFICER):
        raise ApplicationError(_("This user is not a liaison officer."),
                               {"liaison_officer": [_("Choose a user with the liaison officer role.")]})
    locked = lock(project, live=False)
    previous = locked.liaison_officer
    if previous == officer:
        return locked
    if previous is not None:
        remove_perm("projects.view_project", previous, locked)
    if officer is not None:
        assign_perm("projects.view_project", officer, locked)
    locked.liaison_officer = officer
    locked.save(update_fields=["liaison_officer", "updated_at"])
    now = timezone.now()
    # The project's row lock serialises assignments, so at most one row is open (a constraint holds it too).
    LiaisonAssignment.objects.filter(project=locked, ended_at__isnull=True).update(ended_at=now, ended_by=actor,
                                                                                  updated_at=now)
    if officer is not None:
        LiaisonAssignment.objects.create(project=locked, officer=officer, started_at=now, assigned_by=actor)
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, reason=reason,
                 changes={"liaison_officer": [str(previous) if previous else None, str(officer) if officer else None]})
    if officer is not None:
        notify(
            recipients=[officer], event_key=f"project:{locked.pk}:liaison:{officer.pk}:{locked.updated_at:%s}",
            title=_("You are the liaison officer of %(project)s") % {"project": locked.name},
            url=locked.get_absolute_url(), target=locked,
        )
    return locked


@transaction.atomic
def project_grant_user(*, actor: User, project: Project, user: User, reason: str = "") -> None:
    """Let one person (an inspector, a department reviewer) see a project they are assigned to."""
    assign_perm("projects.view_project", user, project)
    audit_record(actor=actor, obj=project, action=AuditAction.GRANT, reason=reason,
                 changes={"viewer": [None, str(user)]})
