"""Writes of materials and third-party inspection: deliveries, inspection plans, samples (taken, drawn to a
testing agency, tested) and the rectification a failed test opens.

Each write runs in one transaction, locks the row it moves (`portal.core.services.lock`) and records its audit
event, so of two people acting on one sample or rectification at once one wins and the other is told (the
workflow's state check refuses the second move: HTTP 409). The chain of a failure:

- a first test fails → a rectification of the plan's contractor opens, due in RECTIFICATION_WORKDAYS working days;
- the contractor submits its measures → an inspector takes the re-inspection sample (`retest_of` the failed one),
  drawn to an agency and tested like any other;
- the re-inspection passes → an inspector closes the rectification (the `verify` move asks for the passed retest);
- it fails → the rectification opens again, one round more, with a new due date, and accountability is proposed
  (`supervision.accountability.rules.propose_for_repeat_failure`, in the same transaction)."""

import datetime
import random
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, OrganizationKind, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm, policy, workdays
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, today, users_with_role, validate
from portal.notifications.services import notify
from projects.models import ParticipantRole, Project
from projects.selectors import project_participants

from .. import documents
from ..models import (
    RECTIFICATION_WORKDAYS,
    InspectionPlan,
    KeyProcess,
    MaterialDelivery,
    MaterialKind,
    Purpose,
    Qualification,
    QualificationKind,
    Rectification,
    RectificationState,
    Sample,
    SampleState,
)
from . import permissions, rules

PENDING_SAMPLE_STATES = (SampleState.TAKEN, SampleState.ASSIGNED)


# ------------------------------------------------------------------------------------------------------ helpers
def _invalid(field: str, message: str, summary: str | None = None, code: str = ErrorCode.INVALID) -> ApplicationError:
    return ApplicationError(summary or message, {field: [message]}, code=code)


def _required(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid(field, _("This field is required."), _("Please correct the errors below."))
    return text


def _date(value: datetime.date | None, field: str, *, not_after_today: bool = True) -> datetime.date:
    if value is None:
        raise _invalid(field, _("This field is required."), _("Please correct the errors below."))
    if not_after_today and value > today():
        raise _invalid(field, _("The date cannot be in the future."))
    return value


def _refuse_unless(obj, name: str, actor: User | None) -> None:
    """Refuse move `name` now (state first — 409 when someone else moved it — then permission, then conditions)
    before anything changes."""
    refusal = fsm.workflow_of(obj).refusal(obj, name, actor)
    if refusal is not None:
        raise refusal.error()


def _move(obj, name: str, *, actor: User | None, reason: str = "", **changes: Any) -> tuple[str, str]:
    """Take move `name` on the locked `obj` (checked before by `_refuse_unless`), save and audit."""
    before, after = fsm.move(obj, name, user=None)
    obj.version += 1
    obj.save()
    audit_record(actor=actor, obj=obj, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason, changes={k: [None, v] for k, v in changes.items()})
    return before, after


def _members(org_id: int | None) -> list[User]:
    return users_with_role(None, organizations=[org_id]) if org_id else []


def _notify(obj, recipients, what: str, title: str, body: str = "", level: str = "info") -> None:
    notify(recipients=recipients, event_key=f"{obj._meta.model_name}:{obj.pk}:{what}:{obj.version}",
           title=title, body=body, url=obj.get_absolute_url(), target=obj, level=level)


def _number(prefix: str, pk: int) -> str:
    return f"{prefix}{timezone.localdate():%Y}{pk:07d}"


def _live_project(project: Project | None, actor: User) -> Project:
    if project is None or project.voided_at is not None or not policy.can(actor, "view", project):
        raise _invalid("project", _("Select a valid choice."), _("Choose a live project."))
    return project


def project_contractors(project: Project) -> list[Organization]:
    """The organisations building the project (施工单位): its participants in the contractor role."""
    return [p.organization for p in project_participants(project=project) if p.role == ParticipantRole.CONTRACTOR]


# --------------------------------------------------------------------------------------------------- deliveries
@transaction.atomic
def delivery_record(*, actor: User, project: Project, kind: str, specification: str, supplier: str,
                    batch_number: str, quantity: Decimal | str | None, unit: str, certificate_number: str,
                    delivered_on: datetime.date | None, contractor: Organization | None = None,
                    certificates: Sequence[UploadedFile | None] = ()) -> MaterialDelivery:
    """A contractor records a delivery of materials (材料进场) with its batch and quality certificate; bureau staff
    may record one for a contractor of the project. The certificate's number is required, its scan optional."""
    project = _live_project(project, actor)
    if not permissions.may_record_delivery(actor, project):
        raise _invalid("project", _("You may not record deliveries on this project."), code=ErrorCode.FORBIDDEN)
    builders = {o.pk: o for o in project_contractors(project)}
    if actor.organization_id in builders:
        contractor = builders[actor.organization_id]
    elif actor.has_perm("supervision.change_materialdelivery"):
        if contractor is None or contractor.pk not in builders:
            raise _invalid("contractor", _("Choose a contractor of the project."))
    else:
        raise _invalid("contractor", _("Only the project's contractors record their deliveries."))
    if kind not in MaterialKind.values:
        raise _invalid("kind", _("Select a valid choice."))
    try:
        amount = Decimal(str(quantity)) if quantity not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise _invalid("quantity", _("Give a quantity greater than zero."))
    checked = documents.check(list(certificates), "certificates")
    delivery = MaterialDelivery(
        project=project, contractor=contractor, kind=kind, specification=_required(specification, "specification"),
        supplier=_required(supplier, "supplier"), batch_number=_required(batch_number, "batch_number"),
        quantity=amount, unit=_required(unit, "unit"),
        certificate_number=_required(certificate_number, "certificate_number"),
        delivered_on=_date(delivered_on, "delivered_on"), received_by=actor)
    validate(delivery)
    delivery.save()
    documents.store(actor=actor, target=delivery, purpose=Purpose.CERTIFICATE, checked=checked)
    audit_record_create(actor=actor, obj=delivery)
    return delivery


# -------------------------------------------------------------------------------------------------------- plans
@transaction.atomic
def plan_create(*, actor: User, project: Project, contractor: Organization | None, process: str, title: str,
                required_samples: int | None, witness_share: int | None = None, standard: str = "") -> InspectionPlan:
    """An inspection plan of one key process (关键工序) of a contractor's work: how many samples, what share
    witnessed (never under 30 %)."""
    project = _live_project(project, actor)
    if not permissions.may_plan(actor, project):
        raise _invalid("project", _("You may not plan inspections on this project."), code=ErrorCode.FORBIDDEN)
    if contractor is None or contractor.pk not in {o.pk for o in project_contractors(project)}:
        raise _invalid("contractor", _("Choose a contractor of the project."))
    if process not in KeyProcess.values:
        raise _invalid("process", _("Select a valid choice."))
    plan = InspectionPlan(project=project, contractor=contractor, process=process, title=_required(title, "title"),
                          required_samples=required_samples or 0, standard=(standard or "").strip(),
                          created_by=actor)
    if witness_share is not None:
        plan.witness_share = witness_share
    validate(plan)
    plan.save()
    audit_record_create(actor=actor, obj=plan)
    return plan


def plan_progress(plan: InspectionPlan) -> rules.WitnessProgress:
    """The plan's sampling progress: first-test samples taken and witnessed (re-inspections not counted)."""
    counts = Sample.objects.filter(plan=plan, voided_at__isnull=True, retest_of__isnull=True).aggregate(
        taken=Count("pk"), witnessed=Count("pk", filter=Q(witnessed=True)))
    return rules.WitnessProgress(plan.required_samples, plan.witness_share, counts["taken"], counts["witnessed"])


# ------------------------------------------------------------------------------------------------------ samples
@transaction.atomic
def sample_take(*, actor: User, plan: InspectionPlan, location: str, taken_on: datetime.date | None,
                witnessed: bool = False, witness_name: str = "", delivery: MaterialDelivery | None = None,
                elements: str = "", retest_of: Sample | None = None) -> Sample:
    """Record a sample taken under `plan`. A re-inspection (`retest_of` a failed sample) is taken once its
    rectification was submitted, and becomes that rectification's re-inspection."""
    plan = lock(plan)  # samples of one plan are counted one at a time (the witness rule)
    if not policy.can(actor, "change", plan):
        raise _invalid("plan", _("You may not take samples under this plan."), code=ErrorCode.FORBIDDEN)
    location = _required(location, "location")
    taken_on = _date(taken_on, "taken_on")
    witness_name = (witness_name or "").strip()
    if witnessed and not witness_name:
        raise _invalid("witness_name", _("Name the witness of a witnessed sample."))
    if delivery is not None and (delivery.project_id != plan.project_id or delivery.voided_at is not None):
        raise _invalid("delivery", _("Choose a delivery of this project."))
    rectification = None
    if retest_of is not None:
        rectification = Rectification.objects.select_for_update(of=("self",)).filter(
            sample_id=retest_of.pk, voided_at__isnull=True).first()
        if retest_of.plan_id != plan.pk or rectification is None:
            raise _invalid("retest_of", _("Only a failed sample of this plan with a rectification is re-inspected."))
        if rectification.state != RectificationState.SUBMITTED:
            raise _invalid("retest_of", _("The re-inspection is taken once the rectification has been submitted."),
                           code=ErrorCode.INVALID_TRANSITION)
        if rectification.retest_id is not None and Sample.objects.filter(
                pk=rectification.retest_id, voided_at__isnull=True, state__in=PENDING_SAMPLE_STATES).exists():
            raise _invalid("retest_of", _("A re-inspection of this rectification is already under way."),
                           code=ErrorCode.INVALID_TRANSITION)
    elif not witnessed:
        refusal = rules.unwitnessed_refusal(plan_progress(plan))
        if refusal:
            raise _invalid("witnessed", refusal)
    sample = Sample(number=f"tmp{uuid.uuid4().hex[:16]}", plan=plan, delivery=delivery, location=location,
                    elements=(elements or "").strip(), taken_on=taken_on, taken_by=actor, witnessed=bool(witnessed),
                    witness_name=witness_name, retest_of=retest_of)
    validate(sample, exclude=["number"])
    sample.save()
    sample.number = _number("SY", sample.pk)
    sample.save(update_fields=["number"])
    audit_record_create(actor=actor, obj=sample)
    if rectification is not None:
        rectification.retest = sample
        rectification.version += 1
        rectification.save(update_fields=["retest", "version", "updated_at"])
        audit_record(actor=actor, obj=rectification, action=AuditAction.UPDATE,
                     changes={"retest": [None, sample.number]})
    return sample


def eligible_agencies(on: datetime.date) -> list[int]:
    """The testing agencies a sample may be drawn to on `on`: holding a live, unexpired testing qualification
    (建设工程质量检测资质) and not barred by an accountability record in force. Ids, ascending."""
    from ..accountability.selectors import barred_until

    holders = (Qualification.objects
               .filter(kind=QualificationKind.TESTING, voided_at__isnull=True, expires_on__gte=on,
                       organization__kind=OrganizationKind.TESTING_AGENCY)
               .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=on))
               .values_list("organization_id", flat=True).distinct())
    return sorted(pk for pk in set(holders) if barred_until(organization_id=pk, on=on) is None)


@transaction.atomic
def sample_assign(*, actor: User, sample: Sample, version: Any = None,
                  rng: random.Random | None = None) -> Sample:
    """Draw the testing agency of `sample` at random among the eligible ones; the candidates, who drew and when
    are kept on the sample."""
    sample = lock(sample, related=("plan",))
    check_version(sample, version)
    _refuse_unless(sample, "assign", actor)
    on = today()
    candidates = eligible_agencies(on)
    chosen = rules.draw(candidates, rng)
    if chosen is None:
        raise _invalid("agency", _("No testing agency holds a valid testing qualification: none can be drawn."))
    sample.agency_id = chosen
    sample.agency_candidates = candidates
    sample.assigned_at, sample.assigned_by = timezone.now(), actor
    _move(sample, "assign", actor=actor, agency=Organization.objects.get(pk=chosen).name,
          agency_candidates=candidates)
    _notify(sample, _members(chosen), "assigned",
            _("Sample %(number)s assigned to your agency for testing") % {"number": sample.number},
            f"{sample.plan.get_process_display()} · {sample.location}")
    return sample


def _clean_values(values: Any) -> dict:
    if values in (None, ""):
        return {}
    if not isinstance(values, dict) or not all(isinstance(k, str) and k.strip() for k in values):
        raise _invalid("values", _("Give the measured values as name and value pairs."))
    return {k.strip()[:100]: (v if isinstance(v, int | float | str) else str(v)) for k, v in values.items()}


@transaction.atomic
def sample_record_result(*, actor: User, sample: Sample, passed: bool, report: Sequence[UploadedFile | None],
                         report_number: str, tested_on: datetime.date | None, values: Any = None,
                         conclusion: str = "", version: Any = None) -> Sample:
    """The testing agency records the result of `sample` with its report (a result without the report file is
    refused, naming `report`). A failure opens a rectification, or — for a re-inspection — sends its
    rectification back for another round and proposes accountability."""
    checked = documents.check(list(report), "report", required=True)
    sample = lock(sample, related=("plan",))
    check_version(sample, version)
    move = "pass" if passed else "fail"
    _refuse_unless(sample, move, actor)
    report_number = _required(report_number, "report_number")
    tested_on = _date(tested_on, "tested_on")
    if tested_on < sample.taken_on:
        raise _invalid("tested_on", _("A sample is tested after it was taken."))
    conclusion = (conclusion or "").strip()
    if not passed and not conclusion:
        raise _invalid("conclusion", _("Say what failed: the contractor rectifies it."))
    sample.values = _clean_values(values)
    sample.conclusion, sample.report_number, sample.tested_on = conclusion, report_number, tested_on
    sample.recorded_by = actor
    _move(sample, move, actor=actor, reason=conclusion, report_number=report_number)
    documents.store(actor=actor, target=sample, purpose=Purpose.TEST_REPORT, checked=checked)
    if passed:
        if sample.retest_of_id is not None:
            rect = Rectification.objects.filter(retest=sample, voided_at__isnull=True).first()
            if rect is not None and sample.retest_of is not None:
                _notify(rect, [sample.retest_of.taken_by], "retest-passed",
                        _("%(number)s: the re-inspection passed, the rectification may be closed")
                        % {"number": rect.number})
        return sample
    if sample.retest_of_id is None:
        _rectification_open(sample, actor)
    else:
        _retest_failed(sample, actor)
    return sample


def _rectification_open(sample: Sample, actor: User) -> Rectification:
    plan = sample.plan
    rect = Rectification(number=f"tmp{uuid.uuid4().hex[:16]}", sample=sample, project_id=plan.project_id,
                         responsible_id=plan.contractor_id, requirement=sample.conclusion,
                         due_on=workdays.add_workdays(today(), RECTIFICATION_WORKDAYS))
    rect.save()
    rect.number = _number("ZG", rect.pk)
    rect.save(update_fields=["number"])
    audit_record_create(actor=actor, obj=rect, reason=sample.number)
    _notify(rect, _members(plan.contractor_id), "opened",
            _("%(number)s: sample %(sample)s failed — rectify by %(due)s")
            % {"number": rect.number, "sample": sample.number, "due": rect.due_on},
            sample.conclusion, "warning")
    return rect


def _retest_failed(sample: Sample, actor: User) -> None:
    """A re-inspection failed: its rectification opens again for another round, with a new due date, and the
    repeat failure is proposed for accountability (in this transaction)."""
    from ..accountability.rules import propose_for_repeat_failure

    rect = Rectification.objects.select_for_update(of=("self",)).filter(
        sample_id=sample.retest_of_id, voided_at__isnull=True).first()
    if rect is not None and rect.state == RectificationState.SUBMITTED and rect.retest_id == sample.pk:
        rect.rounds += 1
        rect.due_on = workdays.add_workdays(today(), RECTIFICATION_WORKDAYS)
        fsm.move(rect, "reject", user=None)  # the system's move: the failed retest is the reason
        rect.version += 1
        rect.save()
        audit_record(actor=actor, obj=rect, action=AuditAction.TRANSITION, from_state=RectificationState.SUBMITTED,
                     to_state=RectificationState.OPEN, reason=sample.conclusion,
                     changes={"rounds": [rect.rounds - 1, rect.rounds], "due_on": [None, rect.due_on]})
        _notify(rect, _members(rect.responsible_id), "retest-failed",
                _("%(number)s: the re-inspection failed — rectify again by %(due)s")
                % {"number": rect.number, "due": rect.due_on}, sample.conclusion, "warning")
    propose_for_repeat_failure(sample)


# ----------------------------------------------------------------------------------------------- rectifications
def _lock_rect(rect: Rectification) -> Rectification:
    return lock(rect, related=("sample", "retest", "project"))


@transaction.atomic
def rectification_submit(*, actor: User, rectification: Rectification, measures: str,
                         evidence: Sequence[UploadedFile | None] = (), version: Any = None) -> Rectification:
    """The responsible unit says what it did (整改措施), with its evidence; an inspector then re-inspects."""
    measures = _required(measures, "measures")
    checked = documents.check(list(evidence), "evidence")
    rect = _lock_rect(rectification)
    check_version(rect, version)
    _refuse_unless(rect, "submit", actor)
    rect.measures = measures
    rect.submitted_at, rect.submitted_by = timezone.now(), actor
    _move(rect, "submit", actor=actor, reason=measures)
    documents.store(actor=actor, target=rect, purpose=Purpose.EVIDENCE, checked=checked)
    _notify(rect, [rect.sample.taken_by], "submitted",
            _("%(number)s: rectification submitted — take the re-inspection sample") % {"number": rect.number},
            measures)
    return rect


@transaction.atomic
def rectification_reject(*, actor: User, rectification: Rectification, reason: str,
                         version: Any = None) -> Rectification:
    """An inspector finds the work not rectified and returns it; a re-inspection sample not yet tested is
    voided with the same reason."""
    reason = _required(reason, "reason")
    rect = _lock_rect(rectification)
    check_version(rect, version)
    _refuse_unless(rect, "reject", actor)
    if rect.retest is not None and rect.retest.voided_at is None and rect.retest.state in PENDING_SAMPLE_STATES:
        retest = lock(rect.retest)
        retest.voided_at, retest.voided_by, retest.void_reason = timezone.now(), actor, reason
        retest.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
        audit_record(actor=actor, obj=retest, action=AuditAction.VOID, reason=reason)
    _move(rect, "reject", actor=actor, reason=reason)
    _notify(rect, _members(rect.responsible_id), "rejected",
            _("%(number)s: not rectified, returned") % {"number": rect.number}, reason, "warning")
    return rect


@transaction.atomic
def rectification_verify(*, actor: User, rectification: Rectification, version: Any = None) -> Rectification:
    """An inspector closes the rectification once its re-inspection passed (the move's condition)."""
    rect = _lock_rect(rectification)
    check_version(rect, version)
    _refuse_unless(rect, "verify", actor)
    rect.closed_at, rect.closed_by = timezone.now(), actor
    _move(rect, "verify", actor=actor)
    _notify(rect, _members(rect.responsible_id), "closed",
            _("%(number)s: rectification closed") % {"number": rect.number})
    return rect
