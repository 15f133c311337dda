"""Writes of a project's safety records: lines of the responsibility roster (全员安全生产责任制), training and
emergency drill records with their attendees and sign-in sheets, and incident reports.

Reporting an incident asks the accountability rules for a proposal in the same transaction, so an incident is
never on record without the proposal its grade calls for. Each write records its audit event."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import lock, today, users_with_role, validate
from portal.notifications.models import Notification
from portal.notifications.services import notify
from projects.models import Project
from projects.selectors import project_participants

from .. import documents
from ..dangerous.selectors import manages_project
from ..models import Incident, IncidentGrade, Purpose, SafetyResponsibility, TrainingRecord
from . import rules

ROSTER_FIELDS = ("organization", "role", "person_name", "user", "certificate", "duties", "phone", "since")


def may_keep(user: User, project: Project, model: type[Model]) -> bool:
    """Bureau staff, and the users of the project's owner and contractors, keep its safety records."""
    if project.voided_at is not None or not policy.can(user, "view", project):
        return False
    return user.has_perm(f"supervision.change_{model._meta.model_name}") or manages_project(user, project)


def _require_keeper(user: User, project: Project, model: type[Model]) -> None:
    if not may_keep(user, project, model):
        raise ApplicationError(_("You may not keep the safety records of this project."),
                               {"project": [_("Select a valid choice.")]}, code=ErrorCode.FORBIDDEN)


def project_organizations(project: Project) -> list[Organization]:
    """The owner and the organisations taking part in `project`."""
    found = {project.owner_id: project.owner} if project.owner_id else {}
    for participant in project_participants(project=project):
        found.setdefault(participant.organization_id, participant.organization)
    return list(found.values())


def _of_project(org: Organization | None, project: Project, field: str) -> Organization:
    if org is None or org.pk not in {o.pk for o in project_organizations(project)}:
        raise ApplicationError(_("Choose an organisation taking part in the project."),
                               {field: [_("Choose an organisation taking part in the project.")]})
    return org


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationError(_("Please correct the errors below."), errors)


# ------------------------------------------------------------------------------------------------------ roster
@transaction.atomic
def responsibility_add(*, actor: User, project: Project, **values: Any) -> SafetyResponsibility:
    """Add a line to the project's safety responsibility roster: who (of which participating organisation)
    answers for what."""
    _require_keeper(actor, project, SafetyResponsibility)
    line = SafetyResponsibility(project=project)
    _roster_apply(line, values)
    line.save()
    audit_record_create(actor=actor, obj=line)
    return line


def _roster_apply(line: SafetyResponsibility, values: dict[str, Any]) -> None:
    unknown = set(values) - set(ROSTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    for name, value in values.items():
        setattr(line, name, value.strip() if isinstance(value, str) else value)
    _of_project(line.organization if line.organization_id else None, line.project, "organization")
    if line.user is not None and line.user.organization_id != line.organization_id:
        _errors({"user": [_("The account belongs to another organisation.")]})
    if line.since and line.since > today():
        _errors({"since": [_("The day cannot be in the future.")]})
    validate(line)


@transaction.atomic
def responsibility_update(*, actor: User, line: SafetyResponsibility, **values: Any) -> SafetyResponsibility:
    locked = lock(line, related=("project",))
    if not policy.can(actor, "change", locked):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)
    before = snapshot(locked)
    _roster_apply(locked, values)
    changes = diff(before, snapshot(locked))
    if changes:
        locked.save()
        audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes)
    return locked


# ------------------------------------------------------------------------------------------ trainings and drills
def _count_others(text: str) -> int:
    return len([line for line in (text or "").splitlines() if line.strip()])


@transaction.atomic
def training_record(*, actor: User, project: Project, organization: Organization | None, kind: str, topic: str,
                    held_on: datetime.date | None, place: str = "", trainer: str = "", hours: Any = 1,
                    attendees: Iterable[User] = (), other_attendees: str = "", summary: str = "",
                    files: Sequence[UploadedFile | None] = ()) -> TrainingRecord:
    """Record a training, technical briefing or emergency drill held on the project, with who attended (portal
    accounts of the project's organisations, and workers without an account one per line) and the sign-in
    sheet. The number of attendees is counted from both."""
    _require_keeper(actor, project, TrainingRecord)
    _of_project(organization, project, "organization")
    members = {o.pk for o in project_organizations(project)}
    attendees = list(attendees)
    errors: dict[str, list[str]] = {}
    if any(u.organization_id not in members for u in attendees):
        errors["attendees"] = [_("Every attending account must belong to an organisation of the project.")]
    if held_on is None:
        errors["held_on"] = [_("This field is required.")]
    elif held_on > today():
        errors["held_on"] = [_("The day cannot be in the future.")]
    try:
        hours = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        errors["hours"] = [_("Enter a number.")]
    count = len(attendees) + _count_others(other_attendees)
    if count == 0:
        errors["attendees"] = [_("Name at least one attendee.")]
    _errors(errors)
    assert held_on is not None  # refused above otherwise
    record = TrainingRecord(project=project, organization=organization, kind=kind, topic=(topic or "").strip(),
                            held_on=held_on, place=place.strip(), trainer=trainer.strip(), hours=hours,
                            other_attendees=other_attendees.strip(), attendee_count=count, summary=summary.strip(),
                            recorded_by=actor)
    validate(record)
    checked = documents.check(files, "files")
    record.save()
    record.attendees.set(attendees)
    documents.store(actor=actor, target=record, purpose=Purpose.RECORD, checked=checked)
    audit_record_create(actor=actor, obj=record)
    return record


# ---------------------------------------------------------------------------------------------------- incidents
@transaction.atomic
def incident_report(*, actor: User, project: Project, responsible: Organization | None, occurred_at: datetime.datetime
                    | None, location: str, grade: str, description: str, deaths: int = 0, serious_injuries: int = 0,
                    direct_loss: Any = 0, measures: str = "", files: Sequence[UploadedFile | None] = ()) -> Incident:
    """Report an incident on the project. The grade may not be lower than its figures call for. In the same
    transaction the accountability rules propose what the incident calls for against the responsible unit, and
    bureau staff are told."""
    from ..accountability import rules as accountability_rules

    _require_keeper(actor, project, Incident)
    _of_project(responsible, project, "responsible")
    errors: dict[str, list[str]] = {}
    if occurred_at is None:
        errors["occurred_at"] = [_("This field is required.")]
    elif occurred_at > timezone.now():
        errors["occurred_at"] = [_("The time cannot be in the future.")]
    try:
        loss = Decimal(str(direct_loss if direct_loss not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        loss = Decimal(0)
        errors["direct_loss"] = [_("Enter a number.")]
    if grade in IncidentGrade.values and not errors:
        minimum = rules.minimum_grade(deaths=deaths or 0, serious_injuries=serious_injuries or 0, direct_loss=loss)
        if rules.grade_below(grade, minimum):
            errors["grade"] = [_("The figures make this at least a “%(grade)s” incident.")
                               % {"grade": IncidentGrade(minimum).label}]
    _errors(errors)
    assert occurred_at is not None  # refused above otherwise
    incident = Incident(project=project, responsible=responsible, occurred_at=occurred_at,
                        location=(location or "").strip(), grade=grade, deaths=deaths or 0,
                        serious_injuries=serious_injuries or 0, direct_loss=loss,
                        description=(description or "").strip(), measures=(measures or "").strip(),
                        reported_by=actor)
    validate(incident)
    checked = documents.check(files, "files")
    incident.save()
    documents.store(actor=actor, target=incident, purpose=Purpose.PHOTO, checked=checked)
    audit_record_create(actor=actor, obj=incident)
    accountability_rules.propose_for_incident(incident)
    notify(recipients=users_with_role(Role.BUREAU_STAFF) + users_with_role(Role.LEADER),
           event_key=f"incident:{incident.pk}:reported",
           title=_("Incident reported on %(project)s: %(grade)s") % {"project": project.name,
                                                                     "grade": incident.get_grade_display()},
           body=incident.description[:500], url=incident.get_absolute_url(), target=incident, level=Notification.Level.WARNING)
    return incident


@transaction.atomic
def safety_record_void(*, actor: User, record: Any, reason: str) -> Any:
    """Void a roster line, a training record or an incident entered by mistake (nothing is deleted)."""
    from portal.core.services import object_void

    if not policy.can(actor, "change", record):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)
    return object_void(actor=actor, obj=record, reason=reason)
