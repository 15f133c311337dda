"""Reads of monthly progress: a project's monthly table with its figures and chart (one query for the rows), the
province-wide overview (one page query, figures as subqueries), and the projects missing a month's report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.audit.models import AuditEvent

from ..models import STAGE_PHASE, MonthlyProgress, Phase, Project
from ..selectors import project_list
from .chart import Chart, progress_chart
from .figures import (
    MonthFigures,
    MonthInput,
    ProgressSummary,
    ReportState,
    completion_rate,
    month_add,
    month_figures,
    month_range,
    month_start,
    plan_attainment,
    progress_summary,
)
from .services import next_month_to_report, plan_stamp

CONSTRUCTION_STAGES = tuple(s.value for s, p in STAGE_PHASE.items() if p == Phase.CONSTRUCTION)
REPORT_STATE_LABELS = {
    ReportState.REPORTED: _("Reported"), ReportState.LATE: _("Late"), ReportState.DUE: _("Due by the 10th"),
    ReportState.OPEN: _("Current month"), ReportState.FUTURE: _("Planned"),
}


def progress_rows(*, project: Project) -> list[MonthlyProgress]:
    return list(MonthlyProgress.objects.filter(project=project).select_related("reported_by").order_by("month"))


def expected_months(*, project: Project, rows: list[MonthlyProgress], today: datetime.date) -> list[datetime.date]:
    """The months the owner owes a report for: in the construction phase, from the planned start month (or the
    first reported month) to last month."""
    if project.phase != Phase.CONSTRUCTION:
        return []
    reported = [r.month for r in rows if r.is_reported]
    starts = [month_start(project.planned_start)] if project.planned_start else []
    first = min(starts + reported[:1], default=None)
    if first is None:
        return []
    return month_range(first, month_add(month_start(today), -1))


@dataclass(frozen=True)
class Line:
    """One month of the table: its figures and its stored row (None for a month owed but never written)."""

    figures: MonthFigures
    row: MonthlyProgress | None


@dataclass(frozen=True)
class ProgressTable:
    lines: list[Line]
    summary: ProgressSummary
    missing: list[MonthFigures]  # owed months without a report, oldest first
    chart: Chart | None
    next_month: datetime.date | None  # the month the owner may report next

    @property
    def late(self) -> list[MonthFigures]:
        return [m for m in self.missing if m.state == ReportState.LATE]


def progress_table(*, project: Project, today: datetime.date | None = None) -> ProgressTable:
    today = today or timezone.localdate()
    rows = progress_rows(project=project)
    inputs = [MonthInput(month=r.month, planned=r.planned_investment, completed=r.completed_investment,
                         physical=r.physical_progress) for r in rows]
    expected = expected_months(project=project, rows=rows, today=today)
    figures = month_figures(inputs, project.total_investment, today, expected=expected)
    by_month = {r.month: r for r in rows}
    owed = set(expected)
    return ProgressTable(
        lines=[Line(f, by_month.get(f.month)) for f in figures],
        summary=progress_summary(figures, project.total_investment),
        missing=[f for f in figures if f.month in owed and not f.reported],
        chart=progress_chart(figures),
        next_month=next_month_to_report(project, rows),
    )


def plan_year(*, project: Project, year: int) -> tuple[dict[datetime.date, MonthlyProgress], str]:
    """The rows of the 12 months of `year` that exist, and their stamp for the optimistic lock of the plan form."""
    rows = {r.month: r for r in MonthlyProgress.objects.filter(project=project, month__year=year)}
    return rows, plan_stamp(rows.values())


def progress_history(*, rows: list[MonthlyProgress], limit: int = 30) -> QuerySet[AuditEvent]:
    """The latest recorded changes of the project's months (plans, reports, corrections), newest first."""
    return (
        AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(MonthlyProgress),
                                  object_id__in=[str(r.pk) for r in rows])
        .select_related("actor", "content_type").order_by("-created_at", "-id")[:limit]
    )


# ------------------------------------------------------------------------------------------------ overview
OVERVIEW_SORTS = {
    "behind": (F("attainment_sql").asc(nulls_last=True), "id"),
    "rate": (F("rate_sql").desc(nulls_last=True), "id"),
    "-rate": (F("rate_sql").asc(nulls_last=True), "id"),
    "investment": (F("total_investment").desc(), "id"),
}


def progress_overview(*, user: User, search: str = "", filters: dict | None = None,
                      today: datetime.date | None = None) -> QuerySet[Project]:
    """Projects the user may see that are in the construction phase or have reports, each annotated with its
    latest reported month, cumulative completed and planned investment (to that month) and physical progress —
    subqueries of the one page query, so the count stays flat with the number of projects and months."""
    filters = dict(filters or {})
    today = today or timezone.localdate()
    qs = project_list(user=user, search=search, filters=filters).select_related(None).select_related("owner")
    reported = MonthlyProgress.objects.filter(project=OuterRef("pk"), completed_investment__isnull=False)
    latest = reported.order_by("-month")
    qs = qs.filter(Q(stage__in=CONSTRUCTION_STAGES) | Exists(reported)).annotate(
        latest_month=Subquery(latest.values("month")[:1]),
        latest_physical=Subquery(latest.values("physical_progress")[:1]),
        cumulative_completed=Subquery(
            reported.order_by().values("project").annotate(s=Sum("completed_investment")).values("s")[:1]),
    ).annotate(
        cumulative_planned=Subquery(
            MonthlyProgress.objects.filter(project=OuterRef("pk"), month__lte=OuterRef("latest_month"))
            .order_by().values("project").annotate(s=Sum("planned_investment")).values("s")[:1]),
    ).annotate(
        rate_sql=ExpressionWrapper(F("cumulative_completed") * 100 / NullIf(F("total_investment"), 0),
                                   output_field=DecimalField()),
        attainment_sql=ExpressionWrapper(F("cumulative_completed") * 100 / NullIf(F("cumulative_planned"), 0),
                                         output_field=DecimalField()),
    )
    if filters.get("late") in (True, "1", "true", "on"):
        previous = month_add(month_start(today), -1)
        qs = qs.filter(stage__in=CONSTRUCTION_STAGES, planned_start__lt=month_start(today)).filter(
            Q(latest_month__lt=previous) | Q(latest_month__isnull=True))
    if (sort := filters.get("progress_sort")) in OVERVIEW_SORTS:
        qs = qs.order_by(*OVERVIEW_SORTS[sort])
    return qs


def overview_decorate(projects, today: datetime.date | None = None) -> None:
    """Set the exact figures on each project of a page (the SQL ones only sort): completion rate, plan
    attainment and whether last month's report is late. No queries."""
    today = today or timezone.localdate()
    previous = month_add(month_start(today), -1)
    for p in projects:
        # Subquery sums come back from SQLite with float noise: the same two places as the stored fields.
        if p.latest_physical is not None:
            p.latest_physical = Decimal(p.latest_physical).quantize(Decimal("0.01"))
        if p.cumulative_completed is not None:
            p.cumulative_completed = Decimal(p.cumulative_completed).quantize(Decimal("0.01"))
        completed = p.cumulative_completed if p.cumulative_completed is not None else Decimal("0")
        p.completion_rate = completion_rate(completed, p.total_investment) if p.latest_month else None
        p.attainment = plan_attainment(completed, p.cumulative_planned) if p.latest_month else None
        p.report_missing = bool(
            p.stage in CONSTRUCTION_STAGES and p.planned_start and month_start(p.planned_start) <= previous
            and (p.latest_month is None or p.latest_month < previous)
        )


def projects_missing_month(*, month: datetime.date) -> QuerySet[Project]:
    """Active construction-phase projects that started by `month` and have not reported it."""
    reported = MonthlyProgress.objects.filter(project=OuterRef("pk"), month=month, completed_investment__isnull=False)
    return (
        Project.objects.active()
        .filter(stage__in=CONSTRUCTION_STAGES, planned_start__lt=month_add(month, 1))
        .exclude(Exists(reported))
        .select_related("owner", "liaison_officer").prefetch_related("owner__members")
        .order_by("pk")
    )
