"""Writes of hazards (安全隐患): reporting one with its photos, and its rectification through the workflow
`reported → rectifying → submitted_for_check → closed` (a failed check returns it to `rectifying`).

Each move runs in one transaction and locks the hazard's row, so of two people acting on one hazard at once one
wins and the other is refused (the workflow's state check: HTTP 409; or a stale `version`: 409). Each records
its audit event and notifies whoever holds the hazard now."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm, workdays
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, today, users_with_role, validate
from portal.notifications.services import notify

from .. import documents
from ..models import (
    GENERAL_HAZARD_WORKDAYS,
    MAJOR_HAZARD_WORKDAYS,
    Hazard,
    HazardGrade,
    Purpose,
)
from . import criteria
from .permissions import may_report


def _required(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(_("Please correct the errors below."), {field: [_("This field is required.")]})
    return text


def units_of(project) -> list[Organization]:
    """The organisations taking part in `project`: the units a hazard on it may be put on."""
    from projects.selectors import project_participants

    found = {project.owner_id: project.owner} if project.owner_id else {}
    for participant in project_participants(project=project):
        found.setdefault(participant.organization_id, participant.organization)
    return list(found.values())


def default_due(grade: str, found_on: datetime.date) -> datetime.date:
    days = MAJOR_HAZARD_WORKDAYS if grade == HazardGrade.MAJOR else GENERAL_HAZARD_WORKDAYS
    return workdays.add_workdays(found_on, days)


def check_grade(grade: str, criterion: str) -> str:
    """The criterion code to store: a major hazard names the clause of the 2022 standard it meets; a general
    one names none. Refused naming the field otherwise."""
    code = (criterion or "").strip()
    if grade not in HazardGrade.values:
        raise ApplicationError(_("Choose a grade."), {"grade": [_("Select a valid choice.")]})
    if grade == HazardGrade.MAJOR:
        if not code:
            message = _("A major hazard names the criterion of the 2022 standard it meets.")
            raise ApplicationError(message, {"criterion": [message]})
        if criteria.criterion(code) is None:
            message = _("This is not a criterion of the 2022 major-hazard standard.")
            raise ApplicationError(message, {"criterion": [message]})
    elif code:
        message = _("A hazard that meets a criterion of the standard is major: choose the grade Major, or no "
                    "criterion.")
        raise ApplicationError(message, {"criterion": [message]})
    return code


def _holders(hazard: Hazard) -> list[User]:
    return users_with_role(None, organizations=[hazard.responsible_id])


def _verifiers(hazard: Hazard) -> list[User]:
    found = list(users_with_role(Role.BUREAU_STAFF))
    if hazard.found_by_id:
        found.append(hazard.found_by)
    return found


def _notify(hazard: Hazard, recipients: Iterable[User], what: str, body: str = "", level: str = "info") -> None:
    notify(recipients=recipients, event_key=f"hazard:{hazard.pk}:{what}:{hazard.version}",
           title=_("Hazard %(number)s %(title)s: %(state)s") % {
               "number": hazard.number, "title": hazard.title, "state": hazard.get_state_display()},
           body=body, url=hazard.get_absolute_url(), target=hazard, level=level)


def _lock(hazard: Hazard, version: Any) -> Hazard:
    locked = lock(hazard, related=("project", "responsible"))
    check_version(locked, version)
    return locked


def _refuse_unless(hazard: Hazard, name: str, actor: User, *, permission: bool = True) -> None:
    """Refuse move `name` now, before the service reads its input: the state first (409: someone else moved
    it), then — unless the service checks who may do it itself — the permission (403)."""
    wf = fsm.workflow_of(hazard)
    t = wf.transition(name)
    refusal = wf.state_refusal(hazard, t) or (wf.permission_refusal(hazard, t, actor) if permission else None)
    if refusal is not None:
        raise refusal.error()


def _move(hazard: Hazard, name: str, *, actor: User, reason: str = "", **changes: Any) -> None:
    before, after = fsm.move(hazard, name, user=actor)
    for field, value in changes.items():
        setattr(hazard, field, value)
    hazard.version += 1
    hazard.save()
    audit_record(actor=actor, obj=hazard, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason, changes={k: [None, str(v)] for k, v in changes.items()})


@transaction.atomic
def hazard_report(*, actor: User, project, title: str, description: str, location: str, grade: str,
                  responsible: Organization | None, criterion: str = "", found_on: datetime.date | None = None,
                  due_on: datetime.date | None = None, work_stopped: bool = False,
                  photos: Sequence[UploadedFile] = (), source: str = "", by_rule: bool = False) -> Hazard:
    """Report a hazard on `project` (bureau staff and inspectors, on a project they see), putting it on a unit
    taking part in the project with a deadline (by default 5 working days for a general hazard, 15 for a major
    one). Nothing is stored unless everything is valid. `by_rule`: a rule reports it (a smart-site alarm), in
    the name of `actor`, the system account — the rule, not the account's rights, decides."""
    if project is None or not (by_rule or may_report(actor, project)):
        raise ApplicationError(_("You may not report a hazard on this project."),
                               {"project": [_("Select a valid choice.")]}, code=ErrorCode.FORBIDDEN)
    title = _required(title, "title")
    description = _required(description, "description")
    location = _required(location, "location")
    code = check_grade(grade, criterion)
    if responsible is None or responsible.pk not in {o.pk for o in units_of(project)}:
        message = _("Choose a unit taking part in the project.")
        raise ApplicationError(message, {"responsible": [message]})
    found_on = found_on or today()
    if found_on > today():
        message = _("A hazard cannot be found in the future.")
        raise ApplicationError(message, {"found_on": [message]})
    due_on = due_on or default_due(grade, found_on)
    if due_on < found_on:
        message = _("The deadline cannot be before the day the hazard was found.")
        raise ApplicationError(message, {"due_on": [message]})
    checked = documents.check(photos, "photos")
    hazard = Hazard(number=f"tmp{uuid.uuid4().hex[:16]}", project=project, title=title, description=description,
                    location=location, grade=grade, criterion=code, responsible=responsible, found_on=found_on,
                    found_by=actor, due_on=due_on, work_stopped=bool(work_stopped), source=(source or "")[:20])
    validate(hazard, exclude=["number"])
    hazard.save()
    hazard.number = f"YH{timezone.localdate():%Y}{hazard.pk:07d}"
    hazard.save(update_fields=["number"])
    documents.store(actor=actor, target=hazard, purpose=Purpose.PHOTO, checked=checked)
    audit_record_create(actor=actor, obj=hazard)
    level = "warning" if grade == HazardGrade.MAJOR else "info"
    _notify(hazard, _holders(hazard), "reported", description[:500], level)
    if grade == HazardGrade.MAJOR:
        _notify(hazard, users_with_role(Role.BUREAU_STAFF), "major", description[:500], level)
    return hazard


@transaction.atomic
def hazard_acknowledge(*, actor: User, hazard: Hazard, version: Any = None) -> Hazard:
    """The responsible unit takes the hazard on and starts rectifying it."""
    hazard = _lock(hazard, version)
    _move(hazard, "acknowledge", actor=actor)
    _notify(hazard, _verifiers(hazard), "acknowledged")
    return hazard


@transaction.atomic
def hazard_submit(*, actor: User, hazard: Hazard, measures: str, evidence: Sequence[UploadedFile] = (),
                  version: Any = None) -> Hazard:
    """The responsible unit says what it did and files its evidence (photos, records) for the check."""
    hazard = _lock(hazard, version)
    _refuse_unless(hazard, "submit", actor)
    measures = _required(measures, "measures")
    checked = documents.check(evidence, "evidence")
    documents.store(actor=actor, target=hazard, purpose=Purpose.EVIDENCE, checked=checked)
    _move(hazard, "submit", actor=actor, measures=measures, rectified_by=actor, submitted_at=timezone.now())
    _notify(hazard, _verifiers(hazard), "submitted", measures[:500])
    return hazard


def refuse_own_check(hazard: Hazard, actor: User) -> None:
    """The unit that rectified a hazard does not check its own work: refused with the reason (403)."""
    if ((actor.organization_id is not None and actor.organization_id == hazard.responsible_id)
            or (hazard.rectified_by_id is not None and hazard.rectified_by_id == actor.pk)):
        message = _("The unit that rectified a hazard may not check its own rectification.")
        raise ApplicationError(message, {"closed_by": [message]}, code=ErrorCode.FORBIDDEN)


@transaction.atomic
def hazard_reject(*, actor: User, hazard: Hazard, reason: str, version: Any = None) -> Hazard:
    """The check failed: back to the responsible unit, with the reason."""
    hazard = _lock(hazard, version)
    _refuse_unless(hazard, "reject", actor, permission=False)
    refuse_own_check(hazard, actor)
    reason = _required(reason, "reason")
    _move(hazard, "reject", actor=actor, reason=reason, check_failures=hazard.check_failures + 1)
    _notify(hazard, _holders(hazard), "rejected", reason, "warning")
    return hazard


@transaction.atomic
def hazard_close(*, actor: User, hazard: Hazard, note: str = "", version: Any = None) -> Hazard:
    """The check passed: closed, on the evidence filed, by someone other than the unit that rectified it."""
    hazard = _lock(hazard, version)
    _refuse_unless(hazard, "close", actor, permission=False)
    refuse_own_check(hazard, actor)
    _move(hazard, "close", actor=actor, reason=(note or "").strip(), closed_by=actor, closed_at=timezone.now())
    _notify(hazard, _holders(hazard), "closed")
    return hazard


@transaction.atomic
def hazard_add_photos(*, actor: User, hazard: Hazard, photos: Sequence[UploadedFile]) -> list:
    """More photos of an open hazard (by its reporter, the responsible unit or a verifier)."""
    from portal.core import policy

    hazard = lock(hazard)
    if not policy.can(actor, "attach", hazard):
        raise ApplicationError(_("You may not add photos to this hazard."), code=ErrorCode.FORBIDDEN)
    stored = documents.attach(actor=actor, target=hazard, purpose=Purpose.PHOTO, files=photos, field="photos",
                              required=True)
    audit_record(actor=actor, obj=hazard, action=AuditAction.UPDATE,
                 changes={"photos": [None, [d.original_name for d in stored]]})
    return stored
