"""Reads of the overview pages: a project's quality & safety figures (through the other parts' selectors) and an
inspector's work (the few reads no part offers, written here over the models).

Every list is bounded and read in one query with what its rows render (`select_related`), so a page costs the
same number of queries however many records a project or a province holds. A record's link is its detail page
when its part has one (`url_of`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch

from portal.accounts.models import Role, User
from portal.core import policy
from projects.models import Project

from ..accountability.selectors import IN_FORCE
from ..contracts.selectors import project_contracts
from ..dangerous.selectors import project_dangerous_works
from ..inspections.selectors import open_rectifications, pass_rate
from ..models import (
    OPEN_HAZARD_STATES,
    AccountabilityRecord,
    AccountabilityState,
    DangerousWorkState,
    Hazard,
    HazardGrade,
    HazardState,
    Rectification,
    RectificationState,
    Sample,
    SampleState,
)

PANEL_ROWS = 10  # rows of each list on a project's quality & safety page (the part's own page has them all)
MY_WORK_TABS = ("samples", "rectifications", "hazards")


def url_of(obj) -> str:
    """The record's detail page, or "" while its part has none."""
    try:
        return obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


def visible(user: User, qs: QuerySet) -> QuerySet:
    """`qs` narrowed by its part's access policy; a part that declares none yet leaves the records of a project
    the caller already checked the user may see."""
    try:
        policy.policy_for(qs.model)
    except ImproperlyConfigured:
        return qs
    return policy.visible(user, qs)


# ------------------------------------------------------------------------------------- a project's page
@dataclass
class ProjectQuality:
    """The figures and short lists of one project's quality & safety page."""

    hazards: dict[str, int]  # open hazards by grade
    hazards_overdue: int
    open_hazards: list[Hazard]
    passed: int
    tested: int
    rectifications: list[Rectification]
    rectifications_open: int
    rectifications_overdue: int
    dangerous_works: list
    dangerous_counts: dict[str, int]
    contracts: int
    accountability: list[AccountabilityRecord]
    accountability_proposed: int

    @property
    def pass_rate(self) -> float | None:
        """Percent of the tested samples that passed, None before any test."""
        return round(100 * self.passed / self.tested, 1) if self.tested else None

    @property
    def open_hazard_total(self) -> int:
        return self.hazards["general"] + self.hazards["major"]


def project_open_hazards(*, project_id: int) -> QuerySet[Hazard]:
    """The project's open hazards, major first, the soonest due first."""
    return (Hazard.objects.filter(project_id=project_id, state__in=OPEN_HAZARD_STATES, voided_at__isnull=True)
            .select_related("responsible").order_by("-grade", "due_on", "id"))


def project_accountability(*, project_id: int) -> QuerySet[AccountabilityRecord]:
    """The project's accountability records that are not dismissed, newest first."""
    return (AccountabilityRecord.objects.filter(project_id=project_id, voided_at__isnull=True)
            .exclude(state=AccountabilityState.DISMISSED)
            .select_related("organization").order_by("-created_at", "-id"))


def project_quality(*, user: User, project: Project, today: datetime.date) -> ProjectQuality:
    """The quality & safety page of `project` (which the caller checked `user` may see), as of `today`: each
    part's records through its selector, narrowed by its policy — a count query and a short list each."""
    hazards = visible(user, project_open_hazards(project_id=project.pk))
    # The grades as `hazards.selectors.open_hazards_by_grade` counts them, with the overdue ones, in one query.
    hazard_counts = hazards.aggregate(general=Count("pk", filter=Q(grade=HazardGrade.GENERAL)),
                                      major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)),
                                      overdue=Count("pk", filter=Q(due_on__lt=today)))
    rects = visible(user, open_rectifications(project_id=project.pk))
    rect_counts = rects.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    works = visible(user, project_dangerous_works(project_id=project.pk))
    work_counts = works.aggregate(
        total=Count("pk"), large=Count("pk", filter=Q(large_scale=True)),
        active=Count("pk", filter=Q(state=DangerousWorkState.IN_PROGRESS)),
        pending=Count("pk", filter=Q(state=DangerousWorkState.REGISTERED)))
    records = visible(user, project_accountability(project_id=project.pk))
    passed, tested = pass_rate(project_id=project.pk)
    page = ProjectQuality(
        hazards={"general": hazard_counts["general"], "major": hazard_counts["major"]},
        hazards_overdue=hazard_counts["overdue"], open_hazards=list(hazards[:PANEL_ROWS]), passed=passed,
        tested=tested, rectifications=list(rects[:PANEL_ROWS]), rectifications_open=rect_counts["open"],
        rectifications_overdue=rect_counts["overdue"], dangerous_works=list(works[:PANEL_ROWS]),
        dangerous_counts=work_counts, contracts=visible(user, project_contracts(project_id=project.pk)).count(),
        accountability=list(records[:PANEL_ROWS]),
        accountability_proposed=records.filter(state=AccountabilityState.PROPOSED).count(),
    )
    for obj in (*page.open_hazards, *page.rectifications, *page.dangerous_works, *page.accountability):
        obj.page_url = url_of(obj)
    return page


# --------------------------------------------------------------------------------------- an inspector's work
def may_have_work(user: User) -> bool:
    """The work list is an inspector's (第三方检测/安全监督人员)."""
    return user.is_authenticated and user.has_role(Role.INSPECTOR)


def _seen_projects(user: User) -> QuerySet:
    return policy.visible(user, Project.objects.all()).values("pk")


def samples_awaiting_results(*, user: User) -> QuerySet[Sample]:
    """Samples assigned to the user's testing agency whose result is not recorded yet, the longest waiting
    first."""
    if user.organization_id is None:
        return Sample.objects.none()
    return (Sample.objects.filter(agency_id=user.organization_id, state=SampleState.ASSIGNED, voided_at__isnull=True)
            .select_related("plan__project", "plan__contractor").order_by("assigned_at", "id"))


def rectifications_to_reinspect(*, user: User) -> QuerySet[Rectification]:
    """Rectifications submitted and awaiting re-inspection on the projects the user may see, the soonest due
    first."""
    return (Rectification.objects.filter(state=RectificationState.SUBMITTED, voided_at__isnull=True,
                                         project_id__in=_seen_projects(user))
            .select_related("project", "responsible", "sample").order_by("due_on", "id"))


def hazards_to_check(*, user: User) -> QuerySet[Hazard]:
    """Hazards submitted for check on the projects the user may see, major first, then the longest waiting."""
    return (Hazard.objects.filter(state=HazardState.SUBMITTED, voided_at__isnull=True,
                                  project_id__in=_seen_projects(user))
            .select_related("project", "responsible").order_by("-grade", "submitted_at", "id"))


def my_work(*, user: User, tab: str, search: str = "", project: int | None = None,
            overdue: bool = False, today: datetime.date | None = None) -> QuerySet:
    """One tab of the inspector's work, searched (number, title or location, project name or code) and
    filtered (a project; only overdue rows: past the rectification's or hazard's due date)."""
    qs: QuerySet[Any] = {"samples": samples_awaiting_results, "rectifications": rectifications_to_reinspect,
                         "hazards": hazards_to_check}[tab](user=user)
    project_path = "plan__project" if tab == "samples" else "project"
    if search := search.strip():
        text = Q(number__icontains=search) | Q(**{f"{project_path}__name__icontains": search}) | Q(
            **{f"{project_path}__code__icontains": search})
        if tab == "hazards":
            text |= Q(title__icontains=search) | Q(location__icontains=search)
        elif tab == "samples":
            text |= Q(location__icontains=search) | Q(plan__title__icontains=search)
        else:
            text |= Q(requirement__icontains=search)
        qs = qs.filter(text)
    if project:
        qs = qs.filter(**{f"{project_path}_id": project})
    if overdue and tab != "samples" and today is not None:
        qs = qs.filter(due_on__lt=today)
    return qs


def my_work_counts(*, user: User) -> dict[str, int]:
    """How many rows each tab holds (three counts)."""
    return {"samples": samples_awaiting_results(user=user).count(),
            "rectifications": rectifications_to_reinspect(user=user).count(),
            "hazards": hazards_to_check(user=user).count()}


def my_work_projects(*, user: User) -> QuerySet[Project]:
    """The projects of the filter's choices: those the user may see."""
    return policy.visible(user, Project.objects.active()).only("pk", "name", "code").order_by("name")


# ------------------------------------------------------------------------------------------------ home card
def province_figures(*, user: User, today: datetime.date) -> dict[str, int]:
    """Quality & safety across the projects the user may see: open hazards by grade, overdue hazards, overdue
    rectifications, accountability proposals awaiting a decision."""
    seen = _seen_projects(user)
    hazards = Hazard.objects.filter(state__in=OPEN_HAZARD_STATES, voided_at__isnull=True, project_id__in=seen)
    figures = hazards.aggregate(
        major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)), general=Count("pk", filter=Q(grade=HazardGrade.GENERAL)),
        overdue=Count("pk", filter=Q(due_on__lt=today)))
    figures["rectifications_overdue"] = Rectification.objects.filter(
        voided_at__isnull=True, project_id__in=seen, due_on__lt=today).exclude(
        state=RectificationState.CLOSED).count()
    figures["proposed"] = AccountabilityRecord.objects.filter(
        state=AccountabilityState.PROPOSED, voided_at__isnull=True).filter(
        Q(project_id__in=seen) | Q(project__isnull=True)).count()
    return figures


def unit_figures(*, user: User, today: datetime.date) -> dict[str, int]:
    """What the user's organisation has to rectify: its open hazards and rectifications (overdue among them),
    and its accountability records in force."""
    org = user.organization_id or 0  # the card asks only for users of an organisation
    hazards = Hazard.objects.filter(responsible_id=org, state__in=(HazardState.REPORTED, HazardState.RECTIFYING),
                                    voided_at__isnull=True).aggregate(
        open=Count("pk"), major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)),
        overdue=Count("pk", filter=Q(due_on__lt=today)))
    rects = Rectification.objects.filter(responsible_id=org, state=RectificationState.OPEN,
                                         voided_at__isnull=True).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    return {"hazards": hazards["open"], "major": hazards["major"], "hazards_overdue": hazards["overdue"],
            "rectifications": rects["open"], "rectifications_overdue": rects["overdue"],
            "records": AccountabilityRecord.objects.filter(organization_id=org, state__in=IN_FORCE,
                                                           voided_at__isnull=True).count()}
