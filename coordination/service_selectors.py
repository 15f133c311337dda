"""Reads of the meetings, liaison officers, service log and call-back pages: already narrowed by the access policy
and joined (or annotated) for what the pages render, so a list costs the same queries for 10 rows or 1,000."""

import datetime
import math
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.core import policy
from projects.models import Project
from projects.selectors import officer_projects

from .models import (
    CALLBACK_SHARE,
    OPEN_ISSUE_STATES,
    CallBack,
    IssueItem,
    Meeting,
    MeetingDecision,
    ServiceLog,
    overdue_q,
)

RECENT_DAYS = 30


def _count(queryset: QuerySet, group: str) -> Coalesce:
    """The number of rows of `queryset` (already filtered on an OuterRef), as a subquery column; 0 when none."""
    sub = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _open_issues() -> QuerySet[IssueItem]:
    return IssueItem.objects.filter(state__in=OPEN_ISSUE_STATES, voided_at__isnull=True)


def _overdue_issues(today: datetime.date) -> QuerySet[IssueItem]:
    return IssueItem.objects.filter(overdue_q(today), voided_at__isnull=True)


# --------------------------------------------------------------------------------------------------- meetings
def meeting_list(*, user: User, search: str = "", kind: str = "", project: Project | None = None,
                 date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> QuerySet[Meeting]:
    """The meetings `user` may see, newest first, with their projects and decision counts."""
    qs = policy.visible(user, Meeting.objects.filter(voided_at__isnull=True)).select_related("organizer")
    if search := search.strip():
        qs = qs.filter(Q(title__icontains=search) | Q(place__icontains=search) | Q(agenda__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if project is not None:
        qs = qs.filter(pk__in=Meeting.projects.through.objects.filter(project_id=project.pk).values("meeting_id"))
    if date_from:
        qs = qs.filter(held_at__gte=_start_of(date_from))
    if date_to:
        qs = qs.filter(held_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    decisions = MeetingDecision.objects.filter(meeting_id=OuterRef("pk"))
    return (qs.annotate(decision_count=_count(decisions, "meeting_id"),
                        issue_count=_count(decisions.filter(issue__isnull=False), "meeting_id"))
            .prefetch_related(Prefetch("projects", queryset=Project.objects.only("id", "name")))
            .order_by("-held_at", "-id"))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def meeting_for(user: User, pk) -> Meeting:
    """Meeting `pk` if `user` may see it (404 otherwise, missing or not)."""
    return policy.get_or_404(user, Meeting.objects.select_related("organizer"), pk=pk)


def meeting_decisions(*, meeting: Meeting) -> QuerySet[MeetingDecision]:
    return meeting.decisions.select_related("project", "department", "issue").order_by("order", "id")


def meeting_people(*, meeting: Meeting) -> dict:
    return {"projects": list(meeting.projects.only("id", "name", "code").order_by("name")),
            "organizations": list(meeting.organizations.only("id", "name").order_by("name")),
            "attendees": list(meeting.attendees.select_related("organization").order_by("full_name"))}


# ----------------------------------------------------------------------------------------- liaison officers
def officer_workspace(*, officer: User, today: datetime.date) -> QuerySet[Project]:
    """The officer's assigned projects, each with its open and overdue issues and the last service-log day."""
    logs = ServiceLog.objects.filter(project_id=OuterRef("pk"), voided_at__isnull=True).order_by(
        "-occurred_on").values("occurred_on")[:1]
    return officer_projects(officer=officer).annotate(
        open_issues=_count(_open_issues().filter(project_id=OuterRef("pk")), "project_id"),
        overdue_issues=_count(_overdue_issues(today).filter(project_id=OuterRef("pk")), "project_id"),
        last_service=Subquery(logs),
    )


def officer_list(*, today: datetime.date) -> QuerySet[User]:
    """Every active liaison officer with the number of projects, open and overdue issues on them and service-log
    entries in the last 30 days; each officer's projects (id, name) prefetched in one query."""
    officer = OuterRef("pk")
    projects = Project.objects.active().filter(liaison_officer_id=officer)
    on_theirs = {"project__liaison_officer_id": officer, "project__voided_at__isnull": True}
    recent = ServiceLog.objects.filter(officer_id=officer, voided_at__isnull=True,
                                       occurred_on__gte=today - datetime.timedelta(days=RECENT_DAYS))
    return (User.objects.filter(groups__name=Role.LIAISON_OFFICER, is_active=True).distinct()
            .select_related("organization")
            .annotate(project_count=_count(projects, "liaison_officer_id"),
                      open_issues=_count(_open_issues().filter(**on_theirs), "project__liaison_officer_id"),
                      overdue_issues=_count(_overdue_issues(today).filter(**on_theirs),
                                            "project__liaison_officer_id"),
                      recent_logs=_count(recent, "officer_id"))
            .prefetch_related(Prefetch("liaison_projects", to_attr="current_projects",
                                       queryset=Project.objects.active().only("id", "name", "liaison_officer_id")
                                       .order_by("name")))
            .order_by("full_name", "username"))


# ------------------------------------------------------------------------------------------------ service log
def servicelog_list(*, user: User, officer: User | None = None, project: Project | None = None, kind: str = "",
                    date_from: datetime.date | None = None, date_to: datetime.date | None = None
                    ) -> QuerySet[ServiceLog]:
    """The entries `user` may read (an officer: their own; bureau staff and leaders: all), newest first."""
    qs = policy.visible(user, ServiceLog.objects.filter(voided_at__isnull=True)).select_related(
        "officer", "project")
    if officer is not None:
        qs = qs.filter(officer_id=officer.pk)
    if project is not None:
        qs = qs.filter(project_id=project.pk)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(occurred_on__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_on__lte=date_to)
    return qs.order_by("-occurred_on", "-id")


# ------------------------------------------------------------------------------------------------- call-backs
@dataclass(frozen=True)
class CallBackMonth:
    month: datetime.date
    closed: int  # issues confirmed solved in the month (what the draw samples)
    drawn: int
    done: int
    satisfied: int
    promise: int = CALLBACK_SHARE

    @property
    def share(self) -> float | None:
        return round(100 * self.drawn / self.closed, 1) if self.closed else None

    @property
    def needed(self) -> int:
        """How many a draw must take to keep the promise (at least one when any issue was closed)."""
        return max(1, math.ceil(self.closed * self.promise / 100)) if self.closed else 0

    @property
    def meets_promise(self) -> bool:
        return self.closed == 0 or self.drawn >= self.needed


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    end = (month + datetime.timedelta(days=32)).replace(day=1)
    return _start_of(month), _start_of(end)


def callback_list(*, user: User, month: datetime.date) -> QuerySet[CallBack]:
    return (policy.visible(user, CallBack.objects.filter(month=month))
            .select_related("issue__project", "issue__company", "issue__department", "called_by")
            .order_by("state", "issue__number"))


def callback_month(*, month: datetime.date) -> CallBackMonth:
    """The figures of a month's call-backs: closed that month (as services.callbacks_draw counts them), drawn,
    recorded, satisfied. Two queries."""
    start, end = month_bounds(month)
    closed = IssueItem.objects.filter(verified_at__gte=start, verified_at__lt=end, voided_at__isnull=True).count()
    figures = CallBack.objects.filter(month=month).aggregate(
        drawn=Count("pk"), done=Count("pk", filter=Q(state="done")),
        satisfied=Count("pk", filter=Q(satisfied=True)))
    return CallBackMonth(month=month, closed=closed, drawn=figures["drawn"], done=figures["done"],
                         satisfied=figures["satisfied"])


def callback_for(user: User, pk, action: str = "view") -> CallBack:
    cb = policy.get_or_404(user, CallBack.objects.select_related(
        "issue__project", "issue__company", "issue__department", "called_by"), pk=pk)
    if action != "view":
        policy.require(user, action, cb)
    return cb


def latest_drawn_month() -> datetime.date | None:
    return CallBack.objects.aggregate(m=Max("month"))["m"]
