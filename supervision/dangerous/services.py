"""Writes of the dangerous-works register: registering a work (classified by `rules.classify`), correcting it
while its plan is pending, filing its special plan, expert review and monitoring plan, and its moves (plan
approval by the bureau, start, completion).

Each write runs in one transaction and locks the work's row, so of two people acting on one work at once one wins
and the other is told: the version they read is stale, or the workflow's state check refuses the second move —
HTTP 409 either way. Each records its audit event and notifies whoever acts next."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import fsm, policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, today, users_with_role, validate
from portal.notifications.services import notify
from projects.models import Project

from .. import documents
from ..models import DangerousWork, DangerousWorkKind, DangerousWorkState, ExpertReviewResult, Purpose
from . import rules
from .selectors import manages_project, project_contractors

# The parameters and descriptive fields a register entry is made of (`dangerous_work_register`/`_update`).
EDITABLE = ("contractor", "kind", "name", "location", "depth_m", "height_m", "span_m", "area_load_kn_m2",
            "line_load_kn_m", "lifting_kn", "unconventional_lifting", "planned_start", "planned_finish")
# What may be filed on a work, and until which state.
FILED_PURPOSES = (Purpose.SPECIAL_PLAN, Purpose.EXPERT_REVIEW, Purpose.MONITORING_PLAN, Purpose.RECORD,
                  Purpose.PHOTO)
PLAN_PURPOSES = (Purpose.SPECIAL_PLAN, Purpose.EXPERT_REVIEW)


def may_register(user: User, project: Project) -> bool:
    """Bureau staff, and the users of the project's owner and contractors, register its dangerous works."""
    if project.voided_at is not None or not policy.can(user, "view", project):
        return False
    return user.has_perm("supervision.change_dangerouswork") or manages_project(user, project)


def _apply(work: DangerousWork, values: dict[str, Any]) -> None:
    """Set the register fields from `values`, check the contractor and the dates, and classify."""
    for name in EDITABLE:
        if name in values:
            setattr(work, name, values[name])
    if not work.name or not str(work.name).strip():
        raise ApplicationError(_("Please correct the errors below."), {"name": [_("This field is required.")]})
    contractor: Organization | None = work.contractor if work.contractor_id else None
    if contractor is None or contractor.pk not in {o.pk for o in project_contractors(project=work.project)}:
        raise ApplicationError(_("Choose the contractor building this work, among the project's."),
                               {"contractor": [_("Choose a contractor of the project.")]})
    if work.planned_start and work.planned_finish and work.planned_finish < work.planned_start:
        raise ApplicationError(_("Please correct the errors below."),
                               {"planned_finish": [_("The planned finish is before the planned start.")]})
    if work.kind not in DangerousWorkKind.values:
        raise ApplicationError(_("Please correct the errors below."), {"kind": [_("Select a valid choice.")]})
    validate(work, exclude=["large_scale", "criteria"])
    found = rules.require_dangerous(
        kind=work.kind, depth_m=work.depth_m, height_m=work.height_m, span_m=work.span_m,
        area_load_kn_m2=work.area_load_kn_m2, line_load_kn_m=work.line_load_kn_m, lifting_kn=work.lifting_kn,
        unconventional_lifting=work.unconventional_lifting)
    work.large_scale, work.criteria = found.large_scale, found.criteria[:200]


def _notify(work: DangerousWork, recipients, what: str, level: str = "info") -> None:
    notify(recipients=recipients, event_key=f"dangerous:{work.pk}:{what}:{work.version}",
           title=_("Dangerous work %(name)s (%(project)s): %(state)s") % {
               "name": work.name, "project": work.project.name, "state": work.get_state_display()},
           url=work.get_absolute_url(), target=work, level=level)


def _project_members(work: DangerousWork) -> list[User]:
    return users_with_role(Role.CONTRACTOR, organizations=[o for o in (work.project.owner_id, work.contractor_id)
                                                           if o])


@transaction.atomic
def dangerous_work_register(*, actor: User, project: Project, files: dict[str, Sequence[UploadedFile]] | None = None,
                            **values: Any) -> DangerousWork:
    """Register a dangerous work of `project` with its parameters (`EDITABLE`); refused, naming the field, below
    every threshold. `files`: {purpose: uploads} filed with it (the special plan, …). Nothing is stored unless
    everything is valid."""
    if not may_register(actor, project):
        raise ApplicationError(_("You may not register dangerous works of this project."),
                               {"project": [_("Select a valid choice.")]}, code=ErrorCode.FORBIDDEN)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    work = DangerousWork(project=project)
    _apply(work, values)
    checked = _check_files(files)
    work.save()
    for purpose, ready in checked.items():
        documents.store(actor=actor, target=work, purpose=purpose, checked=ready)
    audit_record_create(actor=actor, obj=work)
    _notify(work, users_with_role(Role.BUREAU_STAFF), "registered")
    return work


def _check_files(files: dict[str, Sequence[UploadedFile]] | None) -> dict[str, list]:
    checked = {}
    for purpose, uploads in (files or {}).items():
        if purpose not in FILED_PURPOSES:
            raise ApplicationError(_("Please correct the errors below."), {"purpose": [_("Select a valid choice.")]})
        if uploads:
            checked[purpose] = documents.check(uploads, purpose)
    return checked


def _locked(work: DangerousWork, action: str, actor: User, version: Any) -> DangerousWork:
    locked = lock(work, related=("project", "contractor"))
    check_version(locked, version)
    if not policy.can(actor, action, locked):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)
    return locked


@transaction.atomic
def dangerous_work_update(*, actor: User, work: DangerousWork, version: Any = None, **values: Any) -> DangerousWork:
    """Correct a work's register entry while its plan is pending (its parameters decide whether the plan needs an
    expert review); classified again. `version`: the one the user read (stale: 409)."""
    locked = _locked(work, "change", actor, version)
    if locked.state != DangerousWorkState.REGISTERED:
        message = _("The plan is approved: the register entry can no longer be changed.")
        raise ApplicationError(message, {"state": [message]}, code=ErrorCode.INVALID_TRANSITION)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    before = snapshot(locked)
    _apply(locked, values)
    changes = diff(before, snapshot(locked))
    if not changes:
        return locked
    locked.version += 1
    locked.save()
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes)
    return locked


@transaction.atomic
def dangerous_work_attach(*, actor: User, work: DangerousWork, purpose: str, files: Sequence[UploadedFile | None],
                          version: Any = None) -> list:
    """File documents on a work: the special plan and its expert review opinion while the plan is pending, the
    monitoring plan, records and photos until the work is completed."""
    locked = _locked(work, "change", actor, version)
    if purpose not in FILED_PURPOSES:
        raise ApplicationError(_("Please correct the errors below."), {"purpose": [_("Select a valid choice.")]})
    if purpose in PLAN_PURPOSES and locked.state != DangerousWorkState.REGISTERED:
        message = _("The plan is approved: a changed plan is registered as a new dangerous work.")
        raise ApplicationError(message, {"purpose": [message]}, code=ErrorCode.INVALID_TRANSITION)
    if locked.state == DangerousWorkState.COMPLETED:
        message = _("The work is completed.")
        raise ApplicationError(message, {"purpose": [message]}, code=ErrorCode.INVALID_TRANSITION)
    stored = documents.attach(actor=actor, target=locked, purpose=purpose, files=files, field="files",
                              required=True)
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE,
                 changes={"documents": [None, [f"{Purpose(purpose).label}: {d.original_name}" for d in stored]]})
    return stored


@transaction.atomic
def dangerous_work_record_review(*, actor: User, work: DangerousWork, reviewed_on: datetime.date | None,
                                 result: str, experts: str, files: Sequence[UploadedFile | None] = (),
                                 version: Any = None) -> DangerousWork:
    """Record the expert review (专家论证) of the special plan of a work beyond a certain scale: the day, the
    result and the experts, with the review opinion filed (required unless one is already)."""
    locked = _locked(work, "change", actor, version)
    if not locked.large_scale:
        message = _("Only a work beyond a certain scale has its plan reviewed by experts.")
        raise ApplicationError(message, {"expert_review_result": [message]})
    if locked.state != DangerousWorkState.REGISTERED:
        message = _("The plan is approved: its review can no longer be changed.")
        raise ApplicationError(message, {"expert_review_result": [message]}, code=ErrorCode.INVALID_TRANSITION)
    errors: dict[str, list[str]] = {}
    if reviewed_on is None:
        errors["expert_review_on"] = [_("This field is required.")]
    elif reviewed_on > today():
        errors["expert_review_on"] = [_("The review cannot be in the future.")]
    if result not in ExpertReviewResult.values:
        errors["expert_review_result"] = [_("Select a valid choice.")]
    experts = (experts or "").strip()
    if len([line for line in experts.splitlines() if line.strip()]) < 5:
        errors["experts"] = [_("An expert review has at least five experts, one per line.")]
    if errors:
        raise ApplicationError(_("Please correct the errors below."), errors)
    checked = documents.check(files, "files", required=not documents.has_document(locked, Purpose.EXPERT_REVIEW))
    before = snapshot(locked, ["expert_review_on", "expert_review_result", "experts"])
    locked.expert_review_on, locked.expert_review_result, locked.experts = reviewed_on, result, experts
    locked.version += 1
    locked.save()
    documents.store(actor=actor, target=locked, purpose=Purpose.EXPERT_REVIEW, checked=checked)
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE,
                 changes=diff(before, snapshot(locked, ["expert_review_on", "expert_review_result", "experts"])))
    return locked


@transaction.atomic
def dangerous_work_move(*, actor: User, work: DangerousWork, name: str, version: Any = None, reason: str = "",
                        on: datetime.date | None = None) -> DangerousWork:
    """Take move `name` (approve_plan, start, complete) on the locked work: the workflow checks the state (409
    when someone moved it first), the permission and the conditions (the plan, the expert review, the
    monitoring plan). `on`: the day work started or was completed (today when not given)."""
    locked = lock(work, related=("project", "contractor"))
    refusal = fsm.workflow_of(locked).refusal(locked, name, actor)
    if refusal is not None:
        raise refusal.error()
    check_version(locked, version)
    day = on or today()
    if day > today():
        raise ApplicationError(_("Please correct the errors below."), {"on": [_("The day cannot be in the future.")]})
    before, after = fsm.move(locked, name, user=None)  # permission checked above
    changes: dict[str, list[Any]] = {}
    if name == "approve_plan":
        locked.plan_approved_at, locked.plan_approved_by = timezone.now(), actor
        changes["plan_approved_by"] = [None, str(actor)]
    elif name == "start":
        locked.started_on = day
        changes["started_on"] = [None, day]
    elif name == "complete":
        if locked.started_on and day < locked.started_on:
            raise ApplicationError(_("Please correct the errors below."),
                                   {"on": [_("The work cannot be completed before it started.")]})
        locked.completed_on = day
        changes["completed_on"] = [None, day]
    locked.version += 1
    locked.save()
    audit_record(actor=actor, obj=locked, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason, changes=changes)
    _notify(locked, _project_members(locked), name)
    return locked
