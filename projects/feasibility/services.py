"""Writes of the feasibility review. Each runs in one transaction, locks the row it changes (so two people acting
on one review or opinion never both succeed), records its audit event and notifies whom it concerns."""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import lock, object_void, today, users_by_organization
from portal.notifications.services import NotificationSpec, notify, notify_many
from projects.models import (
    FeasibilityOpinion,
    FeasibilityReview,
    FeasibilityState,
    OpinionConclusion,
    OpinionState,
    Project,
)


def _required(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [_("This field is required.")]})


def _reviewers(department_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active department reviewers of each department, in one query."""
    return users_by_organization(Role.DEPARTMENT_REVIEWER, organizations=department_ids)


def _check_department(department: Organization, field: str) -> None:
    if department.kind != OrganizationKind.DEPARTMENT:
        raise ApplicationError(_("“%(org)s” is not a government department.") % {"org": department.name},
                               {field: [_("Choose a government department.")]})
    if department.voided_at is not None:
        raise ApplicationError(_("“%(org)s” is voided.") % {"org": department.name},
                               {field: [_("This organisation is voided.")]})


def _check_due(due: datetime.date | None, field: str, department: Organization) -> datetime.date:
    """`due`, refused when missing or in the past."""
    if due is None:
        raise ApplicationError(_("Give the date by which %(org)s owes its opinion.") % {"org": department.name},
                               {field: [_("This field is required.")]})
    if due < today():
        raise ApplicationError(
            _("The due date for %(org)s is in the past.") % {"org": department.name},
            {field: [_("The due date cannot be in the past.")]},
        )
    return due


def _notify_requested(opinions: Sequence[FeasibilityOpinion], review: FeasibilityReview, project: Project) -> None:
    reviewers = _reviewers(o.department_id for o in opinions)
    for o in opinions:
        notify(recipients=reviewers[o.department_id], event_key=f"feasibility-opinion:{o.pk}:requested",
               title=_("Feasibility opinion requested by %(due)s: %(project)s") % {"due": o.due_date,
                                                                                 "project": project.name},
               body=review.title, url=o.get_absolute_url(), target=o)


def _lock_review(review: FeasibilityReview) -> FeasibilityReview:
    return lock(review, related=("project",), live=False)  # a voided one is refused by the workflow, saying so


def _check_open(review: FeasibilityReview) -> None:
    if review.voided_at is not None:
        raise ApplicationError(_("This review was voided."), code="invalid_transition")
    if review.state != FeasibilityState.OPEN:
        raise ApplicationError(_("This review is concluded."), code="invalid_transition")


# ------------------------------------------------------------------------------------------------ review
@transaction.atomic
def review_open(*, actor: User, project: Project, title: str, description: str = "",
                departments: Sequence[tuple[Organization, datetime.date | None]]) -> FeasibilityReview:
    """Bureau staff ask the named departments for their opinion on the project's feasibility study, each by its
    due date; their reviewers are notified. Errors name `title`, `departments` or `due_<department id>`."""
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise _required("title", _("Give the review a title."))
    if project.voided_at is not None:
        raise ApplicationError(_("This project is voided."))
    if not departments:
        raise ApplicationError(_("Name at least one department."), {"departments": [_("Choose at least one department.")]})
    seen: set[int] = set()
    errors: dict[str, list[str]] = {}
    checked: list[tuple[Organization, datetime.date]] = []  # all of `departments` when there are no errors
    for department, due in departments:
        field = f"due_{department.pk}"
        try:
            _check_department(department, "departments")
            checked.append((department, _check_due(due, field, department)))
        except ApplicationError as exc:
            for key, messages in exc.extra.items():
                errors.setdefault(key, []).extend(f"{department.name}：{m}" if key == "departments" else m
                                                  for m in messages)
        if department.pk in seen:
            errors.setdefault("departments", []).append(
                _("%(org)s is named twice.") % {"org": department.name})
        seen.add(department.pk)
    if errors:
        raise ApplicationError(_("Please correct the departments and due dates."), errors)
    review = FeasibilityReview.objects.create(project=project, title=title, description=description,
                                              requested_by=actor)
    audit_record_create(actor=actor, obj=review)
    opinions = FeasibilityOpinion.objects.bulk_create([
        FeasibilityOpinion(review=review, department=d, due_date=due) for d, due in checked
    ])
    for o in opinions:
        audit_record_create(actor=actor, obj=o)
    _notify_requested(opinions, review, project)
    return review


@transaction.atomic
def review_add_department(*, actor: User, review: FeasibilityReview, department: Organization,
                          due_date: datetime.date | None) -> FeasibilityOpinion:
    """Ask one more department for its opinion in an open review."""
    review = _lock_review(review)
    _check_open(review)
    _check_department(department, "department")
    due_date = _check_due(due_date, "due_date", department)
    if review.opinions.filter(department=department).exists():
        raise ApplicationError(_("%(org)s is already asked in this review.") % {"org": department.name},
                               {"department": [_("Already asked in this review.")]})
    opinion = FeasibilityOpinion.objects.create(review=review, department=department, due_date=due_date)
    audit_record_create(actor=actor, obj=opinion)
    audit_record(actor=actor, obj=review, action=AuditAction.UPDATE,
                 changes={"department": [None, f"{department.name}（{due_date}）"]})
    _notify_requested([opinion], review, review.project)
    return opinion


@transaction.atomic
def review_conclude(*, actor: User, review: FeasibilityReview, conclusion: str) -> FeasibilityReview:
    """Record the review's conclusion once every department has given its opinion."""
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise _required("conclusion", _("Write the review's conclusion."))
    review = _lock_review(review)
    before, after = fsm.move(review, "conclude", user=actor)
    review.conclusion = conclusion
    review.concluded_by = actor
    review.concluded_at = timezone.now()
    review.save(update_fields=["state", "conclusion", "concluded_by", "concluded_at", "updated_at"])
    audit_record(actor=actor, obj=review, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=conclusion)
    project = review.project
    owners = User.objects.filter(organization_id=project.owner_id, is_active=True)
    notify(recipients=list(owners) + [review.requested_by], event_key=f"feasibility-review:{review.pk}:concluded",
           title=_("Feasibility review concluded: %(project)s") % {"project": project.name}, body=conclusion,
           url=review.get_absolute_url(), target=review)
    return review


@transaction.atomic
def review_void(*, actor: User, review: FeasibilityReview, reason: str) -> FeasibilityReview:
    """Void a review with a reason; the departments still owing an opinion are told it is withdrawn."""
    review = object_void(actor=actor, obj=review, reason=reason)
    pending = list(review.opinions.filter(state=OpinionState.PENDING))
    reviewers = _reviewers(o.department_id for o in pending)
    for o in pending:
        notify(recipients=reviewers[o.department_id], event_key=f"feasibility-opinion:{o.pk}:withdrawn",
               title=_("Feasibility review withdrawn: %(title)s") % {"title": review.title}, body=reason,
               url=o.get_absolute_url(), target=o)
    return review


# ------------------------------------------------------------------------------------------------ opinion
def _lock_opinion(opinion: FeasibilityOpinion) -> FeasibilityOpinion:
    return lock(opinion, related=("review__project", "department"))


@transaction.atomic
def opinion_extend_due(*, actor: User, opinion: FeasibilityOpinion, due_date: datetime.date | None,
                       reason: str) -> FeasibilityOpinion:
    """Give a department more time: a later due date, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise _required("reason", _("Give the reason for the extension."))
    opinion = _lock_opinion(opinion)
    review = FeasibilityReview.objects.select_for_update().get(pk=opinion.review_id)
    _check_open(review)
    if opinion.state != OpinionState.PENDING:
        raise ApplicationError(_("This opinion was given already; its due date no longer matters."),
                               code="invalid_transition")
    due_date = _check_due(due_date, "due_date", opinion.department)
    if due_date <= opinion.due_date:
        raise ApplicationError(_("An extension moves the due date later than %(due)s.") % {"due": opinion.due_date},
                               {"due_date": [_("Choose a date after the current due date.")]})
    old = opinion.due_date
    opinion.due_date = due_date
    opinion.save(update_fields=["due_date", "updated_at"])
    audit_record(actor=actor, obj=opinion, action=AuditAction.UPDATE, reason=reason,
                 changes={"due_date": [old, due_date]})
    notify(recipients=_reviewers([opinion.department_id])[opinion.department_id],
           event_key=f"feasibility-opinion:{opinion.pk}:extended:{due_date}",
           title=_("Due date extended to %(due)s: %(title)s") % {"due": due_date, "title": review.title},
           body=reason, url=opinion.get_absolute_url(), target=opinion)
    return opinion


@transaction.atomic
def opinion_give(*, actor: User, opinion: FeasibilityOpinion, conclusion: str, opinion_text: str,
                 conditions: str = "") -> FeasibilityOpinion:
    """A department reviewer gives the department's opinion, once. The row lock makes the slower of two
    simultaneous submissions see the first one and be refused; a given opinion is never changed."""
    opinion_text, conditions = (opinion_text or "").strip(), (conditions or "").strip()
    errors: dict[str, list[str]] = {}
    if conclusion not in OpinionConclusion.values:
        errors["conclusion"] = [_("Choose agree, agree with conditions or disagree.")]
    if not opinion_text:
        errors["opinion"] = [_("This field is required.")]
    if conclusion == OpinionConclusion.AGREE_WITH_CONDITIONS and not conditions:
        errors["conditions"] = [_("State the conditions of your agreement.")]
    if errors:
        raise ApplicationError(_("Please correct the errors below."), errors)
    opinion = _lock_opinion(opinion)
    if opinion.state == OpinionState.GIVEN:  # the workflow refuses it too; this says when it was given
        raise ApplicationError(
            _("%(org)s gave its opinion already (%(when)s); it cannot be changed.") % {
                "org": opinion.department.name, "when": timezone.localtime(opinion.given_at).strftime("%Y-%m-%d %H:%M")},
            code=ErrorCode.ALREADY_GIVEN,
        )
    review = opinion.review
    before, after = fsm.move(opinion, "give", user=actor)
    opinion.conclusion = conclusion
    opinion.opinion = opinion_text
    opinion.conditions = conditions if conclusion == OpinionConclusion.AGREE_WITH_CONDITIONS else ""
    opinion.given_by = actor
    opinion.given_at = timezone.now()
    opinion.save()
    audit_record(actor=actor, obj=opinion, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 changes={"conclusion": [None, conclusion]}, reason=opinion_text)
    left = review.opinions.filter(state=OpinionState.PENDING).count()
    title = (_("%(org)s: %(conclusion)s — %(project)s") if left else
             _("%(org)s: %(conclusion)s — every opinion is in, conclude %(project)s")) % {
        "org": opinion.department.short_name or opinion.department.name,
        "conclusion": opinion.get_conclusion_display(), "project": review.project.name}
    notify(recipients=[review.requested_by], event_key=f"feasibility-opinion:{opinion.pk}:given", title=title,
           body=opinion_text, url=review.get_absolute_url(), target=review,
           level="warning" if conclusion == OpinionConclusion.DISAGREE else "info")
    return opinion


# ------------------------------------------------------------------------------------------------ the scan
def overdue_opinions_notify(*, on: datetime.date | None = None) -> dict[str, int]:
    """Tell each department's reviewers about every opinion of theirs past its due date, once per opinion and
    due date (an extension that runs out again is told again). A constant number of queries."""
    day = on or today()
    overdue = list(
        FeasibilityOpinion.objects.filter(
            state=OpinionState.PENDING, due_date__lt=day, review__state=FeasibilityState.OPEN,
            review__voided_at__isnull=True, review__project__voided_at__isnull=True,
        ).select_related("review__project").only("id", "due_date", "department_id", "review__id", "review__title",
                                                  "review__project__id", "review__project__name")
    )
    reviewers = _reviewers(o.department_id for o in overdue)
    specs = [
        NotificationSpec(user, f"feasibility-opinion:{o.pk}:overdue:{o.due_date}",
                         _("Feasibility opinion overdue since %(due)s: %(project)s") % {
                             "due": o.due_date, "project": o.review.project.name},
                         body=o.review.title, url=o.get_absolute_url(), level="urgent", target=o)
        for o in overdue for user in reviewers[o.department_id]
    ]
    return {"overdue": len(overdue), "notifications": notify_many(specs)}
