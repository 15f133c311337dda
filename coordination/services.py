"""Writes of the coordination service: issue items through their workflow, attachments, deadline changes, ratings
and call-backs, meetings and their decisions, the liaison officers' service log.

Each write runs in one transaction and locks the row it changes, so of two people acting on one issue at once one
wins and the other is told (the state check of the workflow refuses the second move: HTTP 409). Each records its
audit event (the issue's history: who, when, from, to, why) and notifies whoever now holds the issue."""

import datetime
import math
import random
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm, policy, uploads, workdays
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, today, users_with_role, validate
from portal.notifications.services import notify

from . import clock
from .models import (
    DEFAULT_WORKDAYS,
    CallBack,
    CallBackState,
    IssueAttachment,
    IssueCategory,
    IssueItem,
    IssueRating,
    IssueSource,
    Meeting,
    MeetingDecision,
    MeetingState,
    RatingKind,
    ServiceLog,
)

MAX_LIMIT_WORKDAYS = 120


# ------------------------------------------------------------------------------------------------------ helpers
def _required(value: str | None, field: str, message: str | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(message or _("Please correct the errors below."),
                               {field: [_("This field is required.")]})
    return text


def _members(org_id: int | None, role: str | None = None) -> list[User]:
    return users_with_role(role, organizations=[org_id]) if org_id else []


def _bureau_staff() -> list[User]:
    return users_with_role(Role.BUREAU_STAFF)


def _lock(issue: IssueItem) -> IssueItem:
    return lock(issue, related=("project", "company", "department"))


def _notify(issue: IssueItem, recipients: Iterable[User], what: str, body: str = "", level: str = "info") -> None:
    notify(recipients=recipients, event_key=f"issue:{issue.pk}:{what}:{issue.version}",
           title=_("%(number)s %(title)s: %(state)s") % {"number": issue.number, "title": issue.title,
                                                        "state": issue.get_state_display()},
           body=body, url=issue.get_absolute_url(), target=issue, level=level)


def _refuse_unless(issue: IssueItem, name: str, actor: User) -> None:
    """Refuse move `name` now (state first: 409 when someone else moved it; then permission, then conditions),
    before the service changes anything."""
    refusal = fsm.workflow_of(issue).refusal(issue, name, actor)
    if refusal is not None:
        raise refusal.error()


def _move(issue: IssueItem, name: str, *, actor: User, reason: str = "", checked: bool = False,
          **changes: Any) -> tuple[str, str]:
    """Take workflow move `name` on the locked issue (state, permission and conditions checked — the permission
    not again when `checked` by `_refuse_unless`), stamp who holds it since now, save and audit."""
    before, after = fsm.move(issue, name, user=None if checked else actor)
    issue.held_since = timezone.now()
    issue.version += 1
    issue.save()
    audit_record(actor=actor, obj=issue, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason, changes={k: [None, v] for k, v in changes.items()})
    return before, after


def default_due(category: str, reported_on: datetime.date) -> tuple[int, datetime.date]:
    """(the category's time limit in working days, the due date counted from the day it was reported)."""
    days = DEFAULT_WORKDAYS[IssueCategory(category)]
    return days, workdays.add_workdays(reported_on, days)


def bureau_organization() -> Organization | None:
    return Organization.objects.filter(kind=OrganizationKind.BUREAU).order_by("pk").first()


# ------------------------------------------------------------------------------------------------ raising issues
def companies_for(project) -> list[Organization]:
    """The organisations taking part in `project` that may raise (and confirm) an issue on it."""
    from projects.selectors import project_participants

    found = {project.owner_id: project.owner} if project.owner_id else {}
    for participant in project_participants(project=project):
        found.setdefault(participant.organization_id, participant.organization)
    return list(found.values())


@transaction.atomic
def issue_raise(*, actor: User, project, title: str, description: str, category: str,
                source: str | None = None, company: Organization | None = None,
                department: Organization | None = None, attachments: Sequence[UploadedFile] = (),
                decision: MeetingDecision | None = None) -> IssueItem:
    """Raise an issue on `project`.

    - A company user (contractor) raises it for their own organisation, on a project it takes part in (source
      "company").
    - A liaison officer raises it on a company's behalf on a project assigned to them (source "liaison"); an
      inspector for a company of a project they are assigned to (source "inspection").
    - Bureau staff raise it from a meeting decision (source "meeting") or for a company (source "liaison").
    The company confirms the answer later. Nothing is stored unless everything is valid."""
    title = _required(title, "title")
    description = _required(description, "description", _("Describe the difficulty."))
    if category not in IssueCategory.values:
        raise ApplicationError(_("Choose a category."), {"category": [_("Select a valid choice.")]})
    if project is None or project.voided_at is not None:
        raise ApplicationError(_("Choose a live project."), {"project": [_("Select a valid choice.")]})
    if not policy.can(actor, "view", project):
        raise ApplicationError(_("You cannot raise an issue on this project."),
                               {"project": [_("Select a valid choice.")]}, code=ErrorCode.FORBIDDEN)
    participants = {o.pk: o for o in companies_for(project)}
    is_bureau = actor.has_perm("coordination.dispatch_issueitem")
    if actor.has_role(Role.CONTRACTOR) and not is_bureau and source in (None, IssueSource.COMPANY):
        if actor.organization_id not in participants:
            raise ApplicationError(_("Your organisation does not take part in this project."),
                                   {"project": [_("Your organisation does not take part in this project.")]})
        company, source = participants[actor.organization_id], IssueSource.COMPANY
    else:
        if source is None:
            source = (IssueSource.INSPECTION if actor.has_role(Role.INSPECTOR)
                      and not actor.has_role(Role.LIAISON_OFFICER) else IssueSource.LIAISON)
        if source not in IssueSource.values or source == IssueSource.COMPANY:
            raise ApplicationError(_("Choose a valid source."), {"source": [_("Select a valid choice.")]})
        if source == IssueSource.MEETING and decision is None:
            raise ApplicationError(_("An issue from a meeting is raised from one of its decisions."),
                                   {"source": [_("Select a valid choice.")]})
        allowed = is_bureau or (source == IssueSource.LIAISON and project.liaison_officer_id == actor.pk) or (
            source == IssueSource.INSPECTION and actor.has_role(Role.INSPECTOR))
        if not allowed:
            raise ApplicationError(_("You may not raise an issue from this source on this project."),
                                   {"source": [_("Select a valid choice.")]}, code=ErrorCode.FORBIDDEN)
        if company is None or company.pk not in participants:
            raise ApplicationError(_("Choose the company the difficulty belongs to, among the project's."),
                                   {"company": [_("Choose an organisation taking part in the project.")]})
    if department is not None and department.kind != OrganizationKind.DEPARTMENT:
        raise ApplicationError(_("Choose a government department."), {"department": [_("Select a valid choice.")]})
    checked = [uploads.validate_upload(f, max_bytes=getattr(settings, "COORDINATION_MAX_UPLOAD_BYTES", None))
               for f in attachments]  # every file checked before anything is stored
    now = timezone.now()
    limit, due = default_due(category, timezone.localtime(now).date())
    issue = IssueItem(number=f"tmp{uuid.uuid4().hex[:16]}", project=project, title=title, description=description,
                      category=category, source=source, company=company, raised_by=actor, department=department,
                      held_since=now, limit_workdays=limit, due_on=due, created_at=now)
    validate(issue, exclude=["number"])
    issue.save()
    issue.number = f"WT{timezone.localdate():%Y}{issue.pk:07d}"
    issue.save(update_fields=["number"])
    for one in checked:
        _store_attachment(issue, one, actor)
    audit_record_create(actor=actor, obj=issue)
    _notify(issue, _bureau_staff(), "reported", description[:500])
    return issue


def _store_attachment(issue: IssueItem, checked: uploads.CheckedUpload, actor: User) -> IssueAttachment:
    att = IssueAttachment(issue=issue, original_name=checked.name, sha256=checked.sha256, size=checked.size,
                          content_type=checked.content_type, uploaded_by=actor)
    att.file.save(uploads.storage_name(issue.pk, checked), checked.content, save=False)
    att.save()
    return att


def may_attach(user: User, issue: IssueItem) -> bool:
    """The raiser's company, the department holding it, and bureau staff may add files while the issue is open."""
    return policy.can(user, "attach", issue)


@transaction.atomic
def attachment_add(*, actor: User, issue: IssueItem, upload: UploadedFile | None) -> IssueAttachment:
    checked = uploads.validate_upload(upload, max_bytes=getattr(settings, "COORDINATION_MAX_UPLOAD_BYTES", None))
    issue = _lock(issue)
    if not may_attach(actor, issue):
        raise ApplicationError(_("Files can be added to an open issue by those who work on it."),
                               {"file": [_("Not possible in this state.")]}, code=ErrorCode.INVALID_TRANSITION)
    att = _store_attachment(issue, checked, actor)
    audit_record(actor=actor, obj=issue, action=AuditAction.UPDATE, changes={"attachments": [None, att.original_name]})
    return att


# ---------------------------------------------------------------------------------------------- the workflow
@transaction.atomic
def issue_accept(*, actor: User, issue: IssueItem) -> IssueItem:
    """The service window signs for a new issue (签收): the working minutes it took are recorded."""
    issue = _lock(issue)
    now = timezone.now()
    issue.accepted_at, issue.accepted_by = now, actor
    issue.sign_minutes = clock.working_minutes(issue.created_at, now)
    _move(issue, "accept", actor=actor)
    _notify(issue, _members(issue.company_id), "accepted")
    return issue


@transaction.atomic
def issue_assign(*, actor: User, issue: IssueItem, department: Organization | None, note: str = "",
                 version: Any = None) -> IssueItem:
    """Hand a signed-for issue to the responsible department (交办); its reviewers are notified."""
    issue = _lock(issue)
    check_version(issue, version)
    if department is None or department.kind != OrganizationKind.DEPARTMENT:
        raise ApplicationError(_("Choose the responsible department."),
                               {"department": [_("Choose a government department.")]})
    issue.department = department
    issue.assigned_at = timezone.now()
    _move(issue, "assign", actor=actor, reason=(note or "").strip(), department=department.name)
    _notify(issue, _members(department.pk, Role.DEPARTMENT_REVIEWER), "assigned", (note or "").strip(), "warning")
    return issue


@transaction.atomic
def issue_decline(*, actor: User, issue: IssueItem, reason: str) -> IssueItem:
    """The department returns an issue that is not theirs to the bureau, with the reason; it is assigned again."""
    reason = _required(reason, "reason", _("Say why the issue is not your department's."))
    issue = _lock(issue)
    department = issue.department
    _refuse_unless(issue, "decline", actor)
    issue.department = None
    _move(issue, "decline", actor=actor, reason=reason, checked=True, department=None)
    _notify(issue, _bureau_staff(), f"declined:{department.pk if department else ''}", reason, "warning")
    return issue


@transaction.atomic
def issue_start(*, actor: User, issue: IssueItem) -> IssueItem:
    issue = _lock(issue)
    _move(issue, "start", actor=actor)
    _notify(issue, _members(issue.company_id), "started")
    return issue


@transaction.atomic
def issue_resolve(*, actor: User, issue: IssueItem, answer: str, version: Any = None) -> IssueItem:
    """The department answers (答复): the company is asked to confirm. The first answer's time is measured."""
    answer = _required(answer, "answer", _("Write the answer to the company."))
    issue = _lock(issue)
    check_version(issue, version)
    issue.answer = answer
    _refuse_unless(issue, "resolve", actor)
    now = timezone.now()
    issue.resolved_at, issue.resolved_by = now, actor
    if issue.first_answer_at is None:
        issue.first_answer_at = now
        issue.answer_workdays = workdays.workdays_between(timezone.localtime(issue.created_at).date(),
                                                          timezone.localtime(now).date())
    _move(issue, "resolve", actor=actor, reason=answer)
    _notify(issue, _members(issue.company_id), "resolved", answer, "warning")
    return issue


def _rate(issue: IssueItem, *, actor: User, kind: str, satisfied: bool, comment: str) -> IssueRating:
    issue.rating_count += 1
    issue.satisfied_count += int(satisfied)
    return IssueRating.objects.create(issue=issue, kind=kind, satisfied=satisfied, comment=comment, rated_by=actor,
                                      department_id=issue.department_id)


@transaction.atomic
def issue_verify(*, actor: User, issue: IssueItem, satisfied: bool, comment: str = "") -> IssueItem:
    """The raising company's verdict on the answer: satisfied → confirmed (verified); not satisfied, with the
    reason → back to the department (in progress). Only the company's own users may give it."""
    comment = (comment or "").strip()
    if not satisfied and not comment:
        raise ApplicationError(_("Say what is still unsolved: the department needs to know."),
                               {"comment": [_("This field is required.")]})
    issue = _lock(issue)
    move = "confirm" if satisfied else "reopen"
    _refuse_unless(issue, move, actor)
    _rate(issue, actor=actor, kind=RatingKind.VERIFICATION, satisfied=satisfied, comment=comment)
    now = timezone.now()
    if satisfied:
        issue.verified_at, issue.verified_by = now, actor
        local = timezone.localtime(now).date()
        issue.close_workdays = workdays.workdays_between(timezone.localtime(issue.created_at).date(), local)
        issue.on_time = local <= issue.due_on
    else:
        issue.reopen_count += 1
    _move(issue, move, actor=actor, reason=comment)
    if satisfied:
        _notify(issue, _members(issue.department_id, Role.DEPARTMENT_REVIEWER) + _bureau_staff(), "verified")
    else:
        _notify(issue, _members(issue.department_id, Role.DEPARTMENT_REVIEWER), "reopened", comment, "warning")
    return issue


@transaction.atomic
def issue_close(*, actor: User, issue: IssueItem) -> IssueItem:
    """The bureau files a confirmed issue (办结)."""
    issue = _lock(issue)
    issue.closed_at = timezone.now()
    _move(issue, "close", actor=actor)
    _notify(issue, _members(issue.company_id), "closed")
    return issue


@transaction.atomic
def issue_reschedule(*, actor: User, issue: IssueItem, due_on: datetime.date | None, reason: str,
                     version: Any = None) -> IssueItem:
    """Bureau staff move an open issue's deadline, with the reason; the department holding it is told."""
    reason = _required(reason, "reason", _("Give the reason for the new deadline."))
    if due_on is None:
        raise ApplicationError(_("Give the new deadline."), {"due_on": [_("This field is required.")]})
    issue = _lock(issue)
    check_version(issue, version)
    policy.require(actor, "dispatch", issue)
    if not issue.clock_runs:
        raise ApplicationError(_("Only the deadline of an issue still being worked on can be changed."),
                               {"due_on": [_("Not possible in this state.")]}, code=ErrorCode.INVALID_TRANSITION)
    start = timezone.localtime(issue.created_at).date()
    if due_on < today():
        raise ApplicationError(_("The new deadline cannot be in the past."),
                               {"due_on": [_("Choose today or a later day.")]})
    # 120 working days are well inside a year: a later date is refused before counting (a date centuries away
    # would make the calendar count every year in between).
    far = (due_on - start).days > 366
    limit = MAX_LIMIT_WORKDAYS + 1 if far else workdays.workdays_between(start, due_on)
    if limit < 1 or limit > MAX_LIMIT_WORKDAYS:
        raise ApplicationError(_("The deadline must be 1 to %(max)s working days after the issue was reported.")
                               % {"max": MAX_LIMIT_WORKDAYS}, {"due_on": [_("Choose another day.")]})
    if due_on == issue.due_on:
        raise ApplicationError(_("This is the current deadline."), {"due_on": [_("Choose another day.")]})
    before = issue.due_on
    issue.due_on, issue.limit_workdays = due_on, limit
    issue.supervised_on = None  # a new deadline: overdue again, it gets a new supervision notice (督办)
    issue.version += 1
    issue.save()
    audit_record(actor=actor, obj=issue, action=AuditAction.UPDATE, reason=reason,
                 changes={"due_on": [before, due_on]})
    _notify(issue, _members(issue.department_id, Role.DEPARTMENT_REVIEWER) + _members(issue.company_id),
            "rescheduled", reason)
    return issue


def may_reschedule(user: User, issue: IssueItem) -> bool:
    """Bureau staff may move the deadline while the issue's clock runs (`issue_reschedule`'s rule)."""
    return issue.clock_runs and policy.can(user, "dispatch", issue)


def issue_moves(user: User, issue: IssueItem) -> list[fsm.Move]:
    """The moves `user` may take on the issue now (buttons and the API's `moves`)."""
    if issue.voided_at is not None:
        return []
    return fsm.available(issue, user)


# ----------------------------------------------------------------------------------------------- call-backs
def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    return month_start(month_start(day) - datetime.timedelta(days=1))


@transaction.atomic
def callbacks_draw(*, month: datetime.date, share: int | None = None, rng: random.Random | None = None
                   ) -> list[CallBack]:
    """回访: draw at random at least `share` % (settings or 10 %) of the issues closed or confirmed in `month`
    (at least one when any was closed), once per month: a second draw adds nothing. Returns the new rows."""
    from .models import CALLBACK_SHARE

    share = share if share is not None else getattr(settings, "COORDINATION_CALLBACK_SHARE", CALLBACK_SHARE)
    month = month_start(month)
    end = (month + datetime.timedelta(days=32)).replace(day=1)
    if CallBack.objects.filter(month=month).exists():
        return []
    start_at = timezone.make_aware(datetime.datetime.combine(month, datetime.time()))
    end_at = timezone.make_aware(datetime.datetime.combine(end, datetime.time()))
    ids = list(IssueItem.objects.filter(verified_at__gte=start_at, verified_at__lt=end_at, voided_at__isnull=True,
                                        callback__isnull=True).values_list("pk", flat=True).order_by("pk"))
    if not ids:
        return []
    count = max(1, math.ceil(len(ids) * share / 100))
    chosen = (rng or random.SystemRandom()).sample(ids, count)
    return CallBack.objects.bulk_create([CallBack(issue_id=pk, month=month) for pk in sorted(chosen)])


@transaction.atomic
def callback_record(*, actor: User, callback: CallBack, reached: bool, contact: str = "", answer: str = "",
                    satisfied: bool | None = None) -> CallBack:
    """Record a call-back: the person spoken to, what they said and whether they are satisfied (a rating of the
    department), or that nobody could be reached."""
    callback = lock(callback, related=("issue",))
    if callback.state != CallBackState.DUE:
        raise ApplicationError(_("This call-back is recorded already."), {"state": [_("Recorded already.")]},
                               code=ErrorCode.INVALID_TRANSITION)
    policy.require(actor, "change", callback)
    callback.called_at, callback.called_by = timezone.now(), actor
    if reached:
        callback.contact = _required(contact, "contact", _("Name the person spoken to."))
        callback.answer = _required(answer, "answer", _("Record what they said."))
        if satisfied is None:
            raise ApplicationError(_("Say whether they are satisfied."), {"satisfied": [_("This field is required.")]})
        callback.satisfied = satisfied
        callback.state = CallBackState.DONE
        issue = lock(callback.issue, live=False)
        _rate(issue, actor=actor, kind=RatingKind.CALLBACK, satisfied=satisfied, comment=callback.answer)
        issue.save(update_fields=["rating_count", "satisfied_count", "updated_at"])
    else:
        callback.answer = (answer or "").strip()
        callback.state = CallBackState.UNREACHABLE
    callback.save()
    audit_record(actor=actor, obj=callback.issue, action=AuditAction.UPDATE,
                 changes={"callback": [None, callback.get_state_display()]}, reason=callback.answer)
    return callback


# ------------------------------------------------------------------------------------------------- meetings
def _meeting_fields(meeting: Meeting, data: dict) -> None:
    for name in ("kind", "title", "held_at", "place", "other_attendees", "agenda"):
        if name in data:
            value = data[name]
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)


def _meeting_relations(meeting: Meeting, data: dict) -> None:
    projects = data.get("projects")
    if projects is not None:
        if not projects:
            raise ApplicationError(_("Choose at least one project."), {"projects": [_("This field is required.")]})
        meeting.projects.set(projects)
    if data.get("organizations") is not None:
        meeting.organizations.set(data["organizations"])
    if data.get("attendees") is not None:
        meeting.attendees.set(data["attendees"])


@transaction.atomic
def meeting_create(*, actor: User, data: dict) -> Meeting:
    """Bureau staff schedule a meeting: kind, title, date and time, place, projects (at least one), attending
    organisations and users, other attendees, agenda. The attending users are notified."""
    if not actor.has_perm("coordination.add_meeting"):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)
    meeting = Meeting(organizer=actor)
    _meeting_fields(meeting, data)
    validate(meeting, exclude=["organizer"])
    if not data.get("projects"):
        raise ApplicationError(_("Choose at least one project."), {"projects": [_("This field is required.")]})
    meeting.save()
    _meeting_relations(meeting, data)
    audit_record_create(actor=actor, obj=meeting)
    notify(recipients=meeting.attendees.all(), event_key=f"meeting:{meeting.pk}:invited",
           title=_("Meeting %(when)s: %(title)s") % {"when": timezone.localtime(meeting.held_at).strftime(
               "%Y-%m-%d %H:%M"), "title": meeting.title}, body=meeting.place, url=meeting.get_absolute_url(),
           target=meeting)
    return meeting


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, data: dict, version: Any = None) -> Meeting:
    meeting = lock(meeting)
    check_version(meeting, version)
    policy.require(actor, "change", meeting)
    _meeting_fields(meeting, data)
    validate(meeting, exclude=["organizer"])
    meeting.version += 1
    meeting.save()
    _meeting_relations(meeting, data)
    audit_record(actor=actor, obj=meeting, action=AuditAction.UPDATE)
    return meeting


@transaction.atomic
def meeting_record_minutes(*, actor: User, meeting: Meeting, minutes: str, decisions: Sequence[dict] = (),
                           version: Any = None) -> Meeting:
    """Record what was said (minutes, required) and add the decisions (each: text, and optionally project — one
    of the meeting's —, department, category). The meeting is then "held"; minutes can be corrected later,
    decisions added; a decision that became an issue is not changed."""
    minutes = _required(minutes, "minutes", _("Write the minutes."))
    meeting = lock(meeting)
    check_version(meeting, version)
    policy.require(actor, "change", meeting)
    project_ids = set(meeting.projects.values_list("pk", flat=True))
    order = (meeting.decisions.order_by("-order").values_list("order", flat=True).first() or 0)
    new = []
    for i, d in enumerate(decisions):
        text = (d.get("text") or "").strip()
        if not text:
            raise ApplicationError(_("A decision needs its text."), {f"decisions.{i}.text": [
                _("This field is required.")]})
        project = d.get("project")
        if project is not None and project.pk not in project_ids:
            raise ApplicationError(_("A decision's project must be one of the meeting's projects."),
                                   {f"decisions.{i}.project": [_("Select a valid choice.")]})
        department = d.get("department")
        if department is not None and department.kind != OrganizationKind.DEPARTMENT:
            raise ApplicationError(_("Choose a government department."),
                                   {f"decisions.{i}.department": [_("Select a valid choice.")]})
        category = d.get("category") or IssueCategory.OTHER
        if category not in IssueCategory.values:
            raise ApplicationError(_("Choose a category."), {f"decisions.{i}.category": [_("Select a valid choice.")]})
        order += 1
        new.append(MeetingDecision(meeting=meeting, order=order, text=text, project=project, department=department,
                                   category=category))
    before = meeting.state
    meeting.minutes = minutes
    meeting.state = MeetingState.HELD
    meeting.version += 1
    meeting.save()
    MeetingDecision.objects.bulk_create(new)
    audit_record(actor=actor, obj=meeting, action=AuditAction.UPDATE, from_state=before, to_state=meeting.state,
                 changes={"minutes": [None, f"{len(new)} decisions"]})
    return meeting


@transaction.atomic
def decision_to_issue(*, actor: User, decision: MeetingDecision, company: Organization | None = None,
                      title: str = "") -> IssueItem:
    """One click: a meeting decision becomes an issue item (source "meeting"), linked both ways. The decision
    names the project (or the meeting has only one); the company defaults to the project's owner. Twice on
    the same decision: the second is refused, nothing duplicated."""
    decision = lock(MeetingDecision, decision.pk, related=("meeting",))
    meeting = decision.meeting
    policy.require(actor, "change", meeting)
    if decision.issue_id is not None:
        raise ApplicationError(_("This decision is an issue item already."), {"decision": [_("Already an issue.")]},
                               code=ErrorCode.INVALID_TRANSITION)
    project = decision.project
    if project is None:
        projects = list(meeting.projects.all()[:2])
        if len(projects) != 1:
            raise ApplicationError(_("Name the decision's project first."),
                                   {"project": [_("This field is required.")]})
        project = projects[0]
    if company is None:
        company = project.owner
    issue = issue_raise(actor=actor, project=project, title=title or decision.text[:120],
                        description=_("Decision of the meeting “%(meeting)s” (%(date)s): %(text)s") % {
                            "meeting": meeting.title, "date": timezone.localtime(meeting.held_at).date(),
                            "text": decision.text},
                        category=decision.category, source=IssueSource.MEETING, company=company,
                        department=decision.department, decision=decision)
    decision.issue = issue
    try:
        with transaction.atomic():
            decision.save(update_fields=["issue", "updated_at"])
    except IntegrityError:
        raise ApplicationError(_("This decision is an issue item already."),
                               {"decision": [_("Already an issue.")]}, code=ErrorCode.INVALID_TRANSITION) from None
    return issue


# ------------------------------------------------------------------------------------------------ service log
@transaction.atomic
def servicelog_add(*, actor: User, project, kind: str, occurred_on: datetime.date | None, summary: str,
                   contacts: str = "", follow_up: str = "") -> ServiceLog:
    """A liaison officer logs a visit or a call on one of their assigned projects."""
    if not actor.has_role(Role.LIAISON_OFFICER) or project is None or project.liaison_officer_id != actor.pk:
        raise ApplicationError(_("Only the project's liaison officer keeps its service log."),
                               {"project": [_("Choose one of your assigned projects.")]})
    if occurred_on is None:
        raise ApplicationError(_("Give the date."), {"occurred_on": [_("This field is required.")]})
    if occurred_on > today():
        raise ApplicationError(_("The date cannot be in the future."), {"occurred_on": [_("Choose today or before.")]})
    entry = ServiceLog(officer=actor, project=project, kind=kind, occurred_on=occurred_on,
                       summary=(summary or "").strip(), contacts=(contacts or "").strip(),
                       follow_up=(follow_up or "").strip())
    validate(entry)
    entry.save()
    audit_record_create(actor=actor, obj=entry)
    return entry
