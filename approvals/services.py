"""Writes of the approval workflow. Each runs in one transaction, locks the row it changes (so two people acting
on one case or item never both succeed), records its audit event and notifies whom it concerns."""

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm, policy, uploads, workdays
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import lock, today, users_with_role
from portal.notifications.services import notify

from .models import (
    ACCEPTED_STATES,
    ApprovalCase,
    ApprovalStage,
    CaseDocument,
    CaseState,
    Commitment,
    CommitmentState,
    CorrectionNotice,
    ItemReview,
    JointReview,
    RequiredDocument,
    ReviewState,
    stage_documents,
    stage_items,
)
from .permits import verification_code_new

DECISIONS = ("approve", "approve_with_conditions", "reject", "request_correction")
UPLOAD_STATES = (CaseState.DRAFT, CaseState.CORRECTION_REQUESTED, *ACCEPTED_STATES)


def _lock(case: ApprovalCase) -> ApprovalCase:
    return lock(case, related=("applicant", "project"), live=False)


def _transition(obj: Any, move: str, *, actor: User | None, reason: str = "", system: bool = False,
                **changes: Any) -> None:
    """Take workflow move `move` (its state, permission and conditions checked) and record it as `actor`'s.
    `system`: a move the portal takes as the consequence of the actor's own (no permission asked)."""
    before, after = fsm.move(obj, move, user=None if system else actor)
    audit_record(actor=actor, obj=obj, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason, changes={k: [None, v] for k, v in changes.items()})


def _members(org_id: int, role: str | None = None) -> list[User]:
    return users_with_role(role, organizations=[org_id])


def missing_documents(case: ApprovalCase) -> list[RequiredDocument]:
    return case.missing_documents()


@dataclass(frozen=True)
class SubmissionGaps:
    """The stage's required documents a submission lacks (no current upload), of `required` in all."""

    missing: list[RequiredDocument]
    required: int

    @property
    def core(self) -> list[RequiredDocument]:
        return [d for d in self.missing if d.is_core]

    @property
    def needs_confirmation(self) -> bool:
        """Core documents missing (or nothing uploaded at all): the window may not accept such an application,
        not even with deficiency (容缺受理 needs every core document) — it can only send the one correction
        notice or reject. The applicant may still submit (行政许可法 art. 32: the window decides and tells what
        is missing), but confirms it. Missing non-core documents alone only warn: they may be promised."""
        return bool(self.core) or (self.required > 0 and len(self.missing) == self.required)


def submission_gaps(case: ApprovalCase) -> SubmissionGaps:
    documents = list(stage_documents(case.stage))
    present = set(case.documents.filter(superseded=False).values_list("required_document_id", flat=True))
    return SubmissionGaps([d for d in documents if d.pk not in present], len(documents))


def upload_locks(case: ApprovalCase, documents: Iterable[RequiredDocument]) -> dict[int, str]:
    """The documents (of `documents`) of which the applicant may not upload a new version now, each with the
    reason. Before submission and during the window's correction (case state correction_requested) nothing is
    locked. Once the case is accepted, what the departments review or approved is locked, except the documents
    of an item whose department requested a correction, and a document promised by an open commitment."""
    documents = list(documents)
    if case.state in (CaseState.DRAFT, CaseState.CORRECTION_REQUESTED):
        return {}
    if case.state not in ACCEPTED_STATES:
        reason = _("Documents cannot be added while the case is “%(state)s”.") % {"state": case.get_state_display()}
        return {d.pk: reason for d in documents}
    reviews = {r.item_id: r for r in case.reviews.all()}
    promised = set(case.commitments.filter(state=CommitmentState.OPEN).values_list("required_document_id",
                                                                                  flat=True))
    locks = {}
    for doc in documents:
        review = reviews.get(doc.item_id)
        if doc.pk in promised or (review is not None and review.state == ReviewState.CORRECTION_REQUESTED):
            continue
        locks[doc.pk] = _(
            "Locked: the item “%(item)s” is “%(state)s”. A new version can only be uploaded when the department "
            "requests a correction, or to fulfil a commitment.") % {
            "item": doc.item.name,
            "state": review.get_state_display() if review is not None else case.get_state_display()}
    return locks


# ----------------------------------------------------------------------------------------------- application
@transaction.atomic
def case_create(*, actor: User, project, stage: str, form_data: Mapping[str, Any] | None = None) -> ApprovalCase:
    """A participating organisation's user opens an application for one stage of a project."""
    if stage not in ApprovalStage.values:
        raise ApplicationError(_("Unknown approval stage."), {"stage": [_("Select a valid choice.")]})
    if not actor.has_role(Role.CONTRACTOR) or not project.participants.active().filter(
            organization_id=actor.organization_id).exists():
        raise ApplicationError(_("Only a user of an organisation taking part in the project may apply."),
                               {"project": [_("Your organisation does not take part in this project.")]})
    if project.voided_at is not None:
        raise ApplicationError(_("This project is voided."), {"project": [_("This project is voided.")]})
    if ApprovalCase.objects.filter(project=project, stage=stage, voided_at__isnull=True).exclude(
            state=CaseState.REJECTED).exists():
        raise ApplicationError(
            _("This project already has an application for this stage."),
            {"stage": [_("An application for “%(stage)s” exists already.") % {
                "stage": ApprovalStage(stage).label}]},
        )
    applicant = actor.organization
    if applicant is None:  # refused above already: only organisations take part in a project
        raise ApplicationError(_("Only a user of an organisation taking part in the project may apply."),
                               {"project": [_("Your organisation does not take part in this project.")]})
    case = ApprovalCase.objects.create(
        number=f"tmp{uuid.uuid4().hex[:16]}", project=project, stage=stage, applicant=applicant,
        created_by=actor, form_data=dict(form_data or {}),
    )
    case.number = f"SP{timezone.localdate():%Y}{case.pk:07d}"
    case.save(update_fields=["number"])
    audit_record_create(actor=actor, obj=case)
    return case


@transaction.atomic
def case_update_form(*, actor: User, case: ApprovalCase, form_data: Mapping[str, Any]) -> ApprovalCase:
    case = _lock(case)
    if case.state not in (CaseState.DRAFT, CaseState.CORRECTION_REQUESTED):
        raise ApplicationError(_("The application form can only be changed before submission or during a "
                                 "correction."), code="invalid_transition")
    old = case.form_data
    new = {k: v for k, v in form_data.items() if v not in (None, "")}
    if new != old:
        case.form_data = new
        case.save(update_fields=["form_data", "updated_at"])
        changed = {k: [old.get(k), new.get(k)] for k in set(old) | set(new) if old.get(k) != new.get(k)}
        audit_record(actor=actor, obj=case, action=AuditAction.UPDATE, changes=changed)
    return case


@transaction.atomic
def document_upload(*, actor: User, case: ApprovalCase, required_document: RequiredDocument | None,
                    upload: UploadedFile) -> CaseDocument:
    """Store a new version of a document (the old one stays), checksummed and checked for type and size.
    An upload for an open commitment fulfils it."""
    case = _lock(case)
    if case.state not in UPLOAD_STATES:
        raise ApplicationError(_("Documents cannot be added while the case is “%(state)s”.") % {
            "state": case.get_state_display()}, {"file": [_("Not possible in this state.")]})
    if required_document is not None and required_document.item.stage != case.stage:
        raise ApplicationError(_("This document does not belong to the case's stage."),
                               {"required_document": [_("Select a valid choice.")]})
    if required_document is not None:
        locked = upload_locks(case, [required_document]).get(required_document.pk)
    elif case.state in ACCEPTED_STATES:
        locked = _("After acceptance only a document the department asks for, or a promised one, can be added.")
    else:
        locked = None
    if locked:  # before anything is stored
        raise ApplicationError(locked, {"file": [locked]}, code=ErrorCode.INVALID_TRANSITION)
    # The approvals' own limit (APPROVALS_MAX_UPLOAD_BYTES) if set, else the portal's (UPLOAD_MAX_BYTES).
    checked = uploads.validate_upload(upload, max_bytes=getattr(settings, "APPROVALS_MAX_UPLOAD_BYTES", None))
    previous = CaseDocument.objects.filter(case=case, required_document=required_document).order_by("-version")
    last = previous.first()
    doc = CaseDocument(
        case=case, required_document=required_document, version=(last.version + 1) if last else 1,
        original_name=checked.name, sha256=checked.sha256, size=checked.size, content_type=checked.content_type,
        uploaded_by=actor,
    )
    doc.file.save(uploads.storage_name(case.pk, checked), checked.content, save=False)
    previous.filter(superseded=False).update(superseded=True)
    doc.save()
    audit_record(actor=actor, obj=case, action=AuditAction.UPDATE,
                 changes={"documents": [None, f"{required_document or checked.name} v{doc.version}"]})
    if required_document is not None:
        commitment = case.commitments.filter(required_document=required_document,
                                             state=CommitmentState.OPEN).first()
        if commitment is not None:
            fsm.move(commitment, "fulfil", user=None)
            commitment.fulfilled_at = timezone.now()
            commitment.save(update_fields=["state", "fulfilled_at", "updated_at"])
            audit_record(actor=actor, obj=case, action=AuditAction.UPDATE,
                         changes={"commitments": [str(required_document), _("fulfilled")]})
            _complete_if_done(case, actor=actor)
    return doc


@transaction.atomic
def case_submit(*, actor: User, case: ApprovalCase, missing_confirmed: bool = False) -> ApprovalCase:
    """Submit to the window. With core documents missing (or none uploaded) the applicant must confirm
    (`missing_confirmed`): the window can then only send a correction notice or reject (SubmissionGaps)."""
    case = _lock(case)
    refusal = case.workflow.refusal(case, "submit", actor)
    if refusal is not None:  # state, permission and form first: "confirm" is no answer to "not yours"
        raise refusal.error()
    gaps = submission_gaps(case)
    if gaps.needs_confirmation and not missing_confirmed:
        raise ApplicationError(
            _("%(missing)s of %(total)s required documents are missing, among them: %(docs)s. Without the core "
              "documents the window can only send a correction notice or reject the application. Confirm that "
              "you submit anyway.") % {"missing": len(gaps.missing), "total": gaps.required,
                                       "docs": "、".join(d.name for d in (gaps.core or gaps.missing))},
            {"confirm_missing": [_("Confirm that you submit with %(missing)s documents missing.") % {
                "missing": len(gaps.missing)}]})
    _transition(case, "submit", actor=actor, reason=_("submitted with %(missing)s documents missing") % {
        "missing": len(gaps.missing)} if gaps.missing else "")
    now = timezone.now()
    case.submitted_at = now
    case.first_submitted_at = case.first_submitted_at or now
    case.save(update_fields=["state", "submitted_at", "first_submitted_at", "updated_at"])
    case.correction_notices.filter(resubmitted_at__isnull=True).update(resubmitted_at=now)
    notify(recipients=users_with_role(Role.BUREAU_STAFF), event_key=f"case:{case.pk}:submitted:{now:%s}",
           title=_("Application %(number)s submitted: %(project)s") % {"number": case.number,
                                                                       "project": case.project.name},
           url=case.get_absolute_url(), target=case)
    return case


# ------------------------------------------------------------------------------------------------ the window
def correction_deadline(case: ApprovalCase) -> datetime.date | None:
    """The last day to send the one correction notice (5 working days after submission)."""
    return case.correction_deadline()


@transaction.atomic
def case_request_correction(*, actor: User, case: ApprovalCase, items: Sequence[str], message: str = ""
                            ) -> CorrectionNotice:
    """一次性告知: one notice listing everything missing, within 5 working days of submission."""
    case = _lock(case)
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise ApplicationError(_("List everything that is missing, in one notice."),
                               {"items": [_("This field is required.")]})
    _transition(case, "request_correction", actor=actor, reason="；".join(items))
    case.save(update_fields=["state", "updated_at"])
    notice = CorrectionNotice.objects.create(case=case, sent_by=actor, items=items, message=message.strip())
    notify(recipients=_members(case.applicant_id), event_key=f"case:{case.pk}:correction:{notice.pk}",
           title=_("Correction needed for %(number)s: %(count)s items") % {"number": case.number,
                                                                          "count": len(items)},
           body="\n".join(f"{n}. {i}" for n, i in enumerate(items, 1)), url=case.get_absolute_url(), target=case,
           level="warning")
    return notice


def _start_reviews(case: ApprovalCase, accepted_on: datetime.date) -> list[ItemReview]:
    """Every item of the stage goes to its department at the same moment."""
    items = list(stage_items(case.stage))
    if not items:
        raise ApplicationError(_("The catalogue has no items for this stage."))
    reviews = ItemReview.objects.bulk_create([
        ItemReview(case=case, item=item, department_id=item.department_id, started_on=accepted_on,
                   due_on=workdays.add_workdays(accepted_on, item.time_limit_days))
        for item in items
    ])
    for item in items:
        notify(recipients=_members(item.department_id, Role.DEPARTMENT_REVIEWER),
               event_key=f"case:{case.pk}:item:{item.pk}:assigned",
               title=_("New item to review: %(item)s — %(project)s") % {"item": item.name,
                                                                      "project": case.project.name},
               url=case.get_absolute_url(), target=case)
    return reviews


def _accepted(case: ApprovalCase, *, actor: User | None, accepted_on: datetime.date) -> None:
    case.accepted_on = accepted_on
    case.decided_by = actor
    case.save(update_fields=["state", "accepted_on", "decided_by", "deemed_accepted", "updated_at"])
    _start_reviews(case, accepted_on)
    notify(recipients=_members(case.applicant_id), event_key=f"case:{case.pk}:accepted",
           title=_("Application %(number)s accepted") % {"number": case.number}, url=case.get_absolute_url(),
           target=case)


@transaction.atomic
def case_accept(*, actor: User | None, case: ApprovalCase) -> ApprovalCase:
    """Accept with every required document present — or, when no correction notice came within 5 working
    days, as deemed accepted from the day of submission (行政许可法 art. 32; `ApprovalCase.
    correction_deadline_passed`), whoever takes the move: the window, or the deadline scan (actor None)."""
    case = _lock(case)
    deemed = case.correction_deadline_passed()
    _transition(case, "accept", actor=actor, reason=_("deemed accepted (no correction notice in time)")
                if deemed else "")
    case.deemed_accepted = deemed
    accepted_on = timezone.localtime(case.submitted_at).date() if deemed else today()
    _accepted(case, actor=actor, accepted_on=accepted_on)
    return case


@transaction.atomic
def case_accept_with_deficiency(*, actor: User, case: ApprovalCase,
                                commitments: Mapping[int, datetime.date]) -> ApprovalCase:
    """容缺受理: every core document present; each missing non-core document promised by a due date no later
    than its item's own time limit. Not for an applicant with a dishonesty record."""
    case = _lock(case)
    refusal = case.workflow.refusal(case, "accept_with_deficiency", actor)
    if refusal is not None:  # before the dates: a dishonest applicant hears that, not "correct the dates"
        raise refusal.error()
    missing = missing_documents(case)
    accepted_on = today()
    errors: dict[str, list[str]] = {}
    rows = []
    for doc in missing:
        due = commitments.get(doc.pk)
        limit = workdays.add_workdays(accepted_on, doc.item.time_limit_days)
        if due is None:
            errors[f"due_{doc.pk}"] = [_("Give the date by which “%(doc)s” is promised.") % {"doc": doc.name}]
        elif due < accepted_on:
            errors[f"due_{doc.pk}"] = [_("“%(doc)s”: the due date is in the past.") % {"doc": doc.name}]
        elif due > limit:
            errors[f"due_{doc.pk}"] = [
                _("“%(doc)s”: the due date may not be later than the item's time limit, %(limit)s.") % {
                    "doc": doc.name, "limit": limit}]
        else:
            rows.append(Commitment(case=case, required_document=doc, due_on=due))
    if errors:
        raise ApplicationError(_("Please correct the commitment dates."), errors)
    _transition(case, "accept_with_deficiency", actor=actor,
                commitments="、".join(f"{c.required_document.name} ≤ {c.due_on}" for c in rows))
    Commitment.objects.bulk_create(rows)
    _accepted(case, actor=actor, accepted_on=accepted_on)
    return case


@transaction.atomic
def case_reject(*, actor: User, case: ApprovalCase, reason: str) -> ApprovalCase:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for rejection."), {"reason": [_("This field is required.")]})
    case = _lock(case)
    _transition(case, "reject", actor=actor, reason=reason)
    case.rejection_reason = reason
    case.decided_by = actor
    case.save(update_fields=["state", "rejection_reason", "decided_by", "updated_at"])
    notify(recipients=_members(case.applicant_id), event_key=f"case:{case.pk}:rejected",
           title=_("Application %(number)s rejected") % {"number": case.number}, body=reason,
           url=case.get_absolute_url(), target=case, level="warning")
    return case


@transaction.atomic
def case_revoke_deficiency(*, actor: User, case: ApprovalCase, reason: str) -> ApprovalCase:
    """Bureau staff revoke a deficiency acceptance whose commitment is broken: the case halts."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason."), {"reason": [_("This field is required.")]})
    case = _lock(case)
    _transition(case, "halt", actor=actor, reason=reason)
    case.halt_reason = reason
    case.save(update_fields=["state", "halt_reason", "updated_at"])
    for commitment in case.commitments.filter(state=CommitmentState.OPEN):
        fsm.move(commitment, "revoke", user=None)
        commitment.save(update_fields=["state", "updated_at"])
    notify(recipients=_members(case.applicant_id), event_key=f"case:{case.pk}:halted",
           title=_("Deficiency acceptance of %(number)s revoked; the case is halted") % {"number": case.number},
           body=reason, url=case.get_absolute_url(), target=case, level="urgent")
    return case


# ------------------------------------------------------------------------------------------- parallel review
def _lock_review(review: ItemReview) -> ItemReview:
    return ItemReview.objects.select_for_update().select_related("case", "item").get(pk=review.pk)


@transaction.atomic
def review_start(*, actor: User, review: ItemReview) -> ItemReview:
    review = _lock_review(review)
    before, after = fsm.move(review, "start", user=actor)
    review.reviewer = actor
    review.save(update_fields=["state", "reviewer", "updated_at"])
    audit_record(actor=actor, obj=review, action=AuditAction.TRANSITION, from_state=before, to_state=after)
    return review


@transaction.atomic
def review_decide(*, actor: User, review: ItemReview, decision: str, opinion: str = "", conditions: str = ""
                  ) -> ItemReview:
    """Record a department's decision on one item. A second decision on the same item is refused: the row
    lock makes the slower of two simultaneous reviewers see the first one's decision."""
    if decision not in DECISIONS:
        raise ApplicationError(_("Unknown decision."), {"decision": [_("Select a valid choice.")]})
    opinion, conditions = (opinion or "").strip(), (conditions or "").strip()
    if decision in ("reject", "request_correction") and not opinion:
        raise ApplicationError(_("Give your opinion: the applicant needs to know why."),
                               {"opinion": [_("This field is required.")]})
    if decision == "approve_with_conditions" and not conditions:
        raise ApplicationError(_("State the conditions."), {"conditions": [_("This field is required.")]})
    review = _lock_review(review)
    before, after = fsm.move(review, decision, user=actor)
    now = timezone.now()
    review.reviewer = actor
    review.opinion = opinion
    review.conditions = conditions
    if decision == "request_correction":
        review.paused_since = today()
    else:
        review.decided_at = now
        review.decided_on = today()
    review.save()
    audit_record(actor=actor, obj=review, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=opinion or conditions)
    notify(recipients=_members(review.case.applicant_id),
           event_key=f"review:{review.pk}:{after}:{now:%s}",
           title=_("%(item)s: %(state)s") % {"item": review.item.name, "state": review.get_state_display()},
           body=opinion or conditions, url=review.case.get_absolute_url(), target=review.case,
           level="warning" if after in (ReviewState.REJECTED, ReviewState.CORRECTION_REQUESTED) else "info")
    _complete_if_done(review.case, actor=actor)
    return review


@transaction.atomic
def review_resume(*, actor: User, review: ItemReview) -> ItemReview:
    """The applicant has corrected what the department asked for: the clock runs again, extended by the
    working days it stood still."""
    review = _lock_review(review)
    before, after = fsm.move(review, "resume", user=actor)
    stopped = workdays.workdays_between(review.paused_since, today()) if review.paused_since else 0
    review.paused_workdays += stopped
    review.paused_since = None
    review.due_on = workdays.add_workdays(review.started_on, review.item.time_limit_days + review.paused_workdays)
    review.save(update_fields=["state", "paused_workdays", "paused_since", "due_on", "updated_at"])
    audit_record(actor=actor, obj=review, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 changes={"due_on": [None, str(review.due_on)]})
    notify(recipients=_members(review.department_id, Role.DEPARTMENT_REVIEWER),
           event_key=f"review:{review.pk}:resumed:{review.paused_workdays}",
           title=_("Corrected, please continue: %(item)s — %(number)s") % {"item": review.item.name,
                                                                        "number": review.case.number},
           url=review.case.get_absolute_url(), target=review.case)
    return review


def _complete_if_done(case: ApprovalCase, *, actor: User) -> None:
    """Caller holds the case or an item lock. The case completes when every item is approved (with or without
    conditions) and every commitment is fulfilled; the permit is then issued."""
    case = _lock(case)
    if not case.workflow.can_move(case, "complete"):
        return
    _transition(case, "complete", actor=actor, system=True)
    case.completed_on = today()
    prefix = {"land_use_planning": "LY", "engineering_planning": "GC", "construction_permit": "SG",
              "completion_acceptance": "JG"}[case.stage]
    case.permit_number = f"{prefix}{case.completed_on:%Y}{case.pk:07d}"
    case.verification_code = verification_code_new()  # the public page /verify/<code>/, the QR code on the PDF
    case.save(update_fields=["state", "completed_on", "permit_number", "verification_code", "updated_at"])
    from .tasks import render_permit

    transaction.on_commit(lambda: render_permit.delay(case.pk))
    notify(recipients=_members(case.applicant_id), event_key=f"case:{case.pk}:completed",
           title=_("Permit %(permit)s issued for %(project)s") % {"permit": case.permit_number,
                                                                 "project": case.project.name},
           url=case.get_absolute_url(), target=case)


# --------------------------------------------------------------------------------------------- joint review
@transaction.atomic
def joint_review_schedule(*, actor: User, case: ApprovalCase, scheduled_at: datetime.datetime, location: str,
                          attendees: Sequence[User]) -> JointReview:
    case = _lock(case)
    if case.state not in ACCEPTED_STATES:
        raise ApplicationError(_("A joint review can be held only for an accepted case."))
    if not attendees:
        raise ApplicationError(_("Invite at least one attendee."), {"attendees": [_("This field is required.")]})
    if scheduled_at < timezone.now():
        raise ApplicationError(_("The sitting cannot be in the past."), {"scheduled_at": [_("Choose a later time.")]})
    sitting = JointReview.objects.create(case=case, scheduled_at=scheduled_at, location=location.strip(),
                                         organizer=actor)
    sitting.attendees.set(attendees)
    audit_record(actor=actor, obj=case, action=AuditAction.UPDATE,
                 changes={"joint_review": [None, f"{timezone.localtime(scheduled_at):%Y-%m-%d %H:%M} {location}"]})
    notify(recipients=attendees, event_key=f"joint:{sitting.pk}:invited",
           title=_("Joint review of %(number)s on %(when)s at %(where)s") % {
               "number": case.number, "when": f"{timezone.localtime(scheduled_at):%Y-%m-%d %H:%M}",
               "where": location},
           url=case.get_absolute_url(), target=case)
    return sitting


@transaction.atomic
def joint_review_record(*, actor: User, sitting: JointReview, minutes: str) -> JointReview:
    minutes = (minutes or "").strip()
    if not minutes:
        raise ApplicationError(_("Write the minutes."), {"minutes": [_("This field is required.")]})
    sitting = JointReview.objects.select_for_update().get(pk=sitting.pk)
    sitting.minutes = minutes
    sitting.held_at = sitting.held_at or timezone.now()
    sitting.save(update_fields=["minutes", "held_at", "updated_at"])
    audit_record(actor=actor, obj=sitting.case, action=AuditAction.UPDATE,
                 changes={"joint_review": [None, _("minutes recorded")]})
    return sitting


def case_moves(user: User, case: ApprovalCase) -> list[fsm.Move]:
    """The moves the page and the API offer this user on this case, each enabled or with the reason."""
    if not policy.can(user, "view", case):
        return []
    return fsm.available(case, user)


def review_moves(user: User, review: ItemReview) -> list[fsm.Move]:
    """The moves the page and the API offer this user on this item, each enabled or with the reason."""
    if not policy.can(user, "view", review):
        return []
    return fsm.available(review, user)
