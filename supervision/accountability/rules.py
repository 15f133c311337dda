"""The rules that propose accountability records (追责), called by the parts whose events trigger them.

Each rule looks at one cause — an overdue major hazard, a repeat test failure, an incident — and proposes at most
one record for it: the database keeps one record per trigger and cause (the model's unique constraints), so a rule
called again (a rerun of the deadline scan, a retried task, two callers at once) returns the record already there.
The caller's transaction is kept: the insert runs in a savepoint, and losing the race to a concurrent proposer
reads the winner's row. A proposal only proposes: bureau staff confirm it (or dismiss it) with a reason.

The measure each rule proposes (the bureau may change it when it confirms):
- a major hazard overdue: an interview (约谈) of the responsible unit; a work stop (停工) once it is
  `WORK_STOP_AFTER_WORKDAYS` working days overdue (a proposal still waiting for a decision is raised to a work stop
  when the hazard reaches that point);
- a repeat failure — a re-inspection sample (`retest_of`) that failed again: a public notice (通报) of the contractor;
- an incident, by its grade: a general one (一般事故) a public notice, a larger, major or extraordinary one (较大及以上)
  a work stop of the responsible unit."""

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Role
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import workdays
from portal.core.services import today, users_with_role
from portal.notifications.services import notify

from ..models import AccountabilityRecord, AccountabilityState, HazardGrade, MeasureKind, Trigger

WORK_STOP_AFTER_WORKDAYS = 10  # a major hazard this many working days overdue: 停工 instead of 约谈
INCIDENT_WORK_STOP_GRADES = ("larger", "major", "extraordinary")  # 较大及以上事故


def record_number(pk: int) -> str:
    return f"ZZ{timezone.localdate():%Y}{pk:07d}"


def notify_bureau(record: AccountabilityRecord, what: str) -> None:
    """Tell bureau staff about `record` (once per record and event)."""
    notify(recipients=users_with_role(Role.BUREAU_STAFF), event_key=f"accountability:{record.pk}:{what}",
           title=_("%(number)s %(measure)s · %(unit)s: %(state)s") % {
               "number": record.number, "measure": record.get_kind_display(), "unit": record.organization,
               "state": record.get_state_display()},
           body=record.facts[:500], url=record.get_absolute_url(), target=record,
           level="warning" if what == "proposed" else "info")


def _propose(*, cause: str, cause_obj, trigger: str, kind: str, organization_id: int, project_id: int | None,
             facts: str) -> AccountabilityRecord:
    """The record of `trigger` for `cause_obj` (field `cause`): the one already there, or a new proposal."""
    existing = AccountabilityRecord.objects.filter(trigger=trigger, **{cause: cause_obj}).first()
    if existing is not None:
        return existing
    record = AccountabilityRecord(number=f"tmp{uuid.uuid4().hex[:16]}", organization_id=organization_id,
                                  project_id=project_id, kind=kind, trigger=trigger, facts=facts,
                                  **{cause: cause_obj})
    try:
        with transaction.atomic():  # a savepoint: a concurrent proposer's row wins, the caller's work goes on
            record.save()
    except IntegrityError:
        return AccountabilityRecord.objects.get(trigger=trigger, **{cause: cause_obj})
    record.number = record_number(record.pk)
    record.save(update_fields=["number"])
    audit_record_create(actor=None, obj=record, reason=str(Trigger(trigger).label))
    notify_bureau(record, "proposed")
    return record


def overdue_measure(due_on: datetime.date, on: datetime.date) -> str | None:
    """The measure for a major hazard due on `due_on`, on day `on`: None while not overdue."""
    if on <= due_on:
        return None
    late = workdays.workdays_between(due_on, on)
    return MeasureKind.WORK_STOP if late >= WORK_STOP_AFTER_WORKDAYS else MeasureKind.INTERVIEW


def propose_for_overdue_major_hazard(hazard, *, on: datetime.date | None = None) -> AccountabilityRecord | None:
    """Propose holding the responsible unit of an open major `hazard` past its deadline to account; None when
    the hazard is not major, not open or not overdue."""
    on = on or today()
    if hazard.grade != HazardGrade.MAJOR or not hazard.is_open:
        return None
    measure = overdue_measure(hazard.due_on, on)
    if measure is None:
        return None
    facts = _("Major hazard %(number)s “%(title)s” (criterion %(criterion)s) was to be rectified by "
              "%(due)s and is still open on %(today)s.") % {
        "number": hazard.number, "title": hazard.title, "criterion": hazard.criterion, "due": hazard.due_on,
        "today": on}
    record = _propose(cause="hazard", cause_obj=hazard, trigger=Trigger.MAJOR_HAZARD_OVERDUE, kind=measure,
                      organization_id=hazard.responsible_id, project_id=hazard.project_id, facts=facts)
    if (record.state == AccountabilityState.PROPOSED and record.kind == MeasureKind.INTERVIEW
            and measure == MeasureKind.WORK_STOP):
        record = AccountabilityRecord.objects.select_for_update().get(pk=record.pk)
        if record.state == AccountabilityState.PROPOSED and record.kind == MeasureKind.INTERVIEW:
            record.kind, record.facts, record.version = measure, facts, record.version + 1
            record.save(update_fields=["kind", "facts", "version", "updated_at"])
            audit_record(actor=None, obj=record, action=AuditAction.UPDATE,
                         changes={"kind": [MeasureKind.INTERVIEW, measure]},
                         reason=_("The hazard is %(days)s working days overdue.") % {
                             "days": WORK_STOP_AFTER_WORKDAYS})
            notify_bureau(record, "work_stop")
    return record


def propose_for_repeat_failure(sample) -> AccountabilityRecord | None:
    """Propose a public notice of the contractor whose re-inspection `sample` failed again; None for a sample
    that has not failed or is not a re-inspection."""
    if sample.state != "failed" or sample.retest_of_id is None or sample.voided_at is not None:
        return None
    plan = sample.plan
    facts = _("Re-inspection sample %(number)s (%(process)s) failed again after sample %(first)s had failed.") % {
        "number": sample.number, "process": plan.get_process_display(), "first": sample.retest_of.number}
    return _propose(cause="sample", cause_obj=sample, trigger=Trigger.REPEAT_FAILURE, kind=MeasureKind.NOTICE,
                    organization_id=plan.contractor_id, project_id=plan.project_id, facts=facts)


def incident_measure(grade: str) -> str:
    return MeasureKind.WORK_STOP if grade in INCIDENT_WORK_STOP_GRADES else MeasureKind.NOTICE


def propose_for_incident(incident) -> AccountabilityRecord | None:
    """Propose holding the responsible unit of `incident` to account, the measure by the incident's grade; None
    for a voided incident."""
    if incident.voided_at is not None:
        return None
    facts = _("%(grade)s incident at %(location)s on %(when)s: %(deaths)s dead, %(injured)s seriously "
              "injured.") % {"grade": incident.get_grade_display(), "location": incident.location,
                            "when": timezone.localtime(incident.occurred_at).date(), "deaths": incident.deaths,
                            "injured": incident.serious_injuries}
    return _propose(cause="incident", cause_obj=incident, trigger=Trigger.INCIDENT,
                    kind=incident_measure(incident.grade), organization_id=incident.responsible_id,
                    project_id=incident.project_id, facts=facts)
