"""Writes of the stage gates: project documents, confirmations by bureau staff, the move to the next stage
through its gate, and the checklist configuration. Each runs in one transaction, records its audit event and
notifies whom it concerns."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.models import Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import uploads
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, object_void, stale_error, users_with_role, validate
from portal.notifications.services import notify

from ..models import (
    GateConfirmation,
    GateRequirement,
    Project,
    ProjectDocument,
    RequirementKind,
    Stage,
    StageTransition,
)
from .selectors import gate_checklist, gate_for

__all__ = [
    "confirmation_give", "confirmation_void", "document_upload", "document_void", "gate_checklist",
    "requirement_create", "requirement_update", "stage_advance",
]

def _check_requirement(requirement: GateRequirement, project: Project, kind: str) -> None:
    if requirement.kind != kind or not requirement.applies_to(project):
        message = _("This checklist line does not apply here.")
        raise ApplicationError(message, {"requirement": [message]})


def _notify_if_ready(project: Project) -> None:
    """Tell bureau staff once that a project's checklist for leaving its stage is complete: they advance it."""
    gate = gate_for(project)
    if not gate.items or not gate.is_open:
        return
    notify(
        recipients=users_with_role(Role.BUREAU_STAFF), event_key=f"project:{project.pk}:gate:{project.stage}:ready",
        title=_("%(project)s: every requirement of leaving “%(stage)s” is met") % {
            "project": project.name, "stage": Stage(project.stage).label},
        body=_("It may move to “%(next)s”.") % {"next": gate.next_stage_label()},
        url=_gates_url(project), target=project,
    )


def _gates_url(project: Project) -> str:
    from django.urls import reverse

    return reverse("projects:gates", args=[project.pk])


# ------------------------------------------------------------------------------------------------ documents
DOCUMENT_AUDITED = ("project", "requirement", "title", "original_name", "content_type", "size", "sha256", "uploaded_by")

@transaction.atomic
def document_upload(*, actor: User, project: Project, upload: UploadedFile | None,
                    requirement: GateRequirement | None = None, title: str = "") -> ProjectDocument:
    """Store a document of the project, checked for name, type, content and size, under a generated name. A
    document for a checklist line of kind document satisfies it."""
    project = lock(project, related=("owner", "liaison_officer"))
    if requirement is not None:
        _check_requirement(requirement, project, RequirementKind.DOCUMENT)
    title = (title or "").strip() or (requirement.title if requirement else "")
    checked = uploads.validate_upload(upload)
    document = ProjectDocument(
        project=project, requirement=requirement, title=(title or checked.name)[:200], original_name=checked.name,
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256, uploaded_by=actor,
    )
    document.file.save(uploads.storage_name(project.pk, checked), checked.content, save=False)
    document.save()
    audit_record(actor=actor, obj=document, action=AuditAction.CREATE,  # the file itself is named by its hash
                 changes={k: [None, v] for k, v in snapshot(document, DOCUMENT_AUDITED).items() if v not in (None, "")})
    audit_record(actor=actor, obj=project, action=AuditAction.UPDATE,
                 changes={"gate_documents": [None, document.title]})
    _notify_if_ready(project)
    return document


@transaction.atomic
def document_void(*, actor: User, document: ProjectDocument, reason: str) -> ProjectDocument:
    """Void a document (it stays, marked, with the reason); a line it satisfied is unmet again unless another
    document satisfies it."""
    locked = lock(document, live=False)
    if locked.voided_at is not None:
        return locked
    locked = object_void(actor=actor, obj=locked, reason=reason)
    audit_record(actor=actor, obj=locked.project, action=AuditAction.UPDATE, reason=reason,
                 changes={"gate_documents": [locked.title, None]})
    return locked


# ------------------------------------------------------------------------------------------------ confirmations
@transaction.atomic
def confirmation_give(*, actor: User, project: Project, requirement: GateRequirement,
                      note: str = "") -> GateConfirmation:
    """Bureau staff confirm a checklist line of kind confirmation. Idempotent: an existing confirmation stays."""
    project = lock(project, related=("owner", "liaison_officer"))
    _check_requirement(requirement, project, RequirementKind.CONFIRMATION)
    existing = GateConfirmation.objects.active().filter(project=project, requirement=requirement).first()
    if existing is not None:
        return existing
    confirmation = GateConfirmation(project=project, requirement=requirement, confirmed_by=actor,
                                    note=(note or "").strip())
    validate(confirmation)
    confirmation.save()
    audit_record_create(actor=actor, obj=confirmation)
    audit_record(actor=actor, obj=project, action=AuditAction.UPDATE,
                 changes={"gate_confirmations": [None, requirement.title]})
    _notify_if_ready(project)
    return confirmation


@transaction.atomic
def confirmation_void(*, actor: User, confirmation: GateConfirmation, reason: str) -> GateConfirmation:
    locked = lock(confirmation, related=("requirement", "project"), live=False)
    if locked.voided_at is not None:
        return locked
    locked = object_void(actor=actor, obj=locked, reason=reason)
    audit_record(actor=actor, obj=locked.project, action=AuditAction.UPDATE, reason=reason,
                 changes={"gate_confirmations": [locked.requirement.title, None]})
    return locked


# ------------------------------------------------------------------------------------------------ the move
@transaction.atomic
def stage_advance(*, actor: User, project: Project, expected_stage: str, reason: str) -> StageTransition:
    """Move the project from `expected_stage` to the next stage, if every line of the checklist is met.

    The project row is locked first: of two staff pressing the button at once, the second finds the stage
    changed and is refused, so exactly one transition is recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason."), {"reason": [_("This field is required.")]})
    project = lock(project, related=("owner", "liaison_officer"))
    if project.stage != expected_stage:
        raise stale_error("expected_stage", _(
            "The project is in “%(stage)s” now, not “%(expected)s”: someone moved it since you opened the page. "
            "Reload and check again.") % {"stage": project.get_stage_display(),
                                          "expected": Stage(expected_stage).label
                                          if expected_stage in Stage.values else expected_stage})
    target = project.next_stage
    if target is None:
        raise ApplicationError(_("Post-evaluation is the last stage: there is no next stage."),
                               code=ErrorCode.INVALID_TRANSITION)
    items = gate_checklist(project)
    unmet = [i for i in items if not i.met]
    if unmet:
        lines = [f"{i.requirement.title}: {i.detail}" for i in unmet]
        raise ApplicationError(
            ngettext("“%(stage)s” cannot be left yet; %(count)d requirement is not met: %(lines)s",
                     "“%(stage)s” cannot be left yet; %(count)d requirements are not met: %(lines)s", len(unmet)) % {
                "stage": project.get_stage_display(), "count": len(unmet), "lines": "；".join(lines)},
            {"checklist": lines}, code="gate_blocked",
        )
    source = project.stage
    project.stage = target
    project.save(update_fields=["stage", "updated_at"])
    transition = StageTransition.objects.create(project=project, from_stage=source, to_stage=target, actor=actor,
                                                reason=reason, checklist=[i.snapshot() for i in items])
    audit_record(actor=actor, obj=project, action=AuditAction.TRANSITION, from_state=source, to_state=target,
                 reason=reason)
    recipients = users_with_role(organizations=[project.owner_id])
    if project.liaison_officer is not None:
        recipients.append(project.liaison_officer)
    notify(
        recipients=recipients, event_key=f"project:{project.pk}:stage-transition:{transition.pk}",
        title=_("%(project)s moved to “%(stage)s”") % {"project": project.name, "stage": Stage(target).label},
        body=_("From “%(from)s”, by %(who)s: %(reason)s") % {
            "from": Stage(source).label, "who": actor.get_full_name(), "reason": reason},
        url=_gates_url(project), target=project,
    )
    return transition


# ------------------------------------------------------------------------------------------------ configuration
REQUIREMENT_EDITABLE = ("stage", "kind", "title", "condition", "project_types", "order", "active", "guidance")


@transaction.atomic
def requirement_create(*, actor: User, **fields: Any) -> GateRequirement:
    """Bureau staff add a line to a stage's checklist. It applies at once to every project in that stage."""
    unknown = set(fields) - set(REQUIREMENT_EDITABLE)
    if unknown:
        raise TypeError(f"unknown gate requirement fields: {sorted(unknown)}")
    requirement = GateRequirement(**fields)
    requirement.title = (requirement.title or "").strip()
    validate(requirement)
    requirement.save()
    audit_record_create(actor=actor, obj=requirement)
    return requirement


@transaction.atomic
def requirement_update(*, actor: User, requirement: GateRequirement, version: int,
                       **fields: Any) -> GateRequirement:
    """Change a line (deactivate it with active=False: it no longer applies, its history stays). Refused when
    someone else saved the line since `version`."""
    unknown = set(fields) - set(REQUIREMENT_EDITABLE)
    if unknown:
        raise TypeError(f"unknown gate requirement fields: {sorted(unknown)}")
    locked = lock(requirement)
    check_version(locked, version)
    before = snapshot(locked, REQUIREMENT_EDITABLE)
    for key, value in fields.items():
        setattr(locked, key, value.strip() if isinstance(value, str) and key == "title" else value)
    validate(locked)
    changes = diff(before, snapshot(locked, REQUIREMENT_EDITABLE))
    if changes:
        locked.version += 1
        locked.save()
        audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes)
    return locked
