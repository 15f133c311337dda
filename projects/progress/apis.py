"""/api/v1/projects/{id}/monthly-progress/: the monthly table with its figures, the investment plan, the owner's
report and its correction — the same services as the pages. Amounts in 元; months written "YYYY-MM"."""

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.selectors import project_for

from ..models import Project
from . import selectors, services


def parse_month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value[:7], "%Y-%m").replace(tzinfo=datetime.UTC).date()
    except ValueError:
        raise serializers.ValidationError("Write the month as YYYY-MM, e.g. 2026-03.") from None


class MonthField(serializers.CharField):
    def to_internal_value(self, data) -> datetime.date:
        text = super().to_internal_value(data)
        if len(text) not in (7, 10):
            raise serializers.ValidationError("Write the month as YYYY-MM, e.g. 2026-03.")
        return parse_month(text)

    def to_representation(self, value) -> str:
        return f"{value:%Y-%m}"


class ProgressMonthOutput(serializers.Serializer):
    month = MonthField(source="figures.month")
    planned_investment = serializers.DecimalField(max_digits=16, decimal_places=2, source="figures.planned")
    cumulative_planned = serializers.DecimalField(max_digits=18, decimal_places=2, source="figures.cumulative_planned")
    completed_investment = serializers.DecimalField(max_digits=16, decimal_places=2, source="figures.completed",
                                                    allow_null=True)
    cumulative_completed = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True,
                                                    source="figures.cumulative_completed")
    completion_rate = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True,
                                               source="figures.completion_rate")
    plan_attainment = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True,
                                               source="figures.attainment")
    month_on_month = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True,
                                              source="figures.month_on_month")
    physical_progress = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True,
                                                 source="figures.physical")
    state = serializers.CharField(source="figures.state", help_text="reported, late, due, open or future")
    note = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(help_text="0 for a month that has no stored row yet")
    reported_at = serializers.SerializerMethodField()

    def get_note(self, line) -> str:
        return line.row.note if line.row else ""

    def get_version(self, line) -> int:
        return line.row.version if line.row else 0

    def get_reported_at(self, line) -> str | None:
        return line.row.reported_at.isoformat() if line.row and line.row.reported_at else None


class ProgressSummaryOutput(serializers.Serializer):
    latest_month = MonthField(allow_null=True)
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2)
    cumulative_planned = serializers.DecimalField(max_digits=18, decimal_places=2,
                                                  help_text="To the latest reported month")
    cumulative_completed = serializers.DecimalField(max_digits=18, decimal_places=2)
    completion_rate = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True,
                                               help_text="Cumulative completed ÷ total investment, per cent")
    plan_attainment = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, source="attainment",
                                               help_text="Cumulative completed ÷ cumulative planned, per cent")
    physical_progress = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    planned_total = serializers.DecimalField(max_digits=18, decimal_places=2)


@extend_schema_serializer(many=False)  # one object, although the viewset's `list` answers it
class MonthlyProgressOutput(serializers.Serializer):
    project_id = serializers.IntegerField()
    summary = ProgressSummaryOutput()
    next_month = MonthField(allow_null=True, help_text="The month the owner may report next")
    missing = serializers.ListField(child=serializers.CharField(), help_text="Months owed without a report")
    months = ProgressMonthOutput(many=True)


class PlanMonthInput(serializers.Serializer):
    month = MonthField()
    # Text or number: the service checks it and names the month of a refused value.
    planned_investment = serializers.CharField(
        allow_blank=True, help_text="In yuan (元), two places — not 10k yuan (万元), the unit the pages take")
    version = serializers.IntegerField(required=False, min_value=0,
                                       help_text="The month's version you were shown (0: no row yet); "
                                                 "a month changed since refuses the whole plan")


class ProgressPlanInput(serializers.Serializer):
    plans = PlanMonthInput(many=True, allow_empty=False)


class ProgressReportInput(serializers.Serializer):
    month = MonthField()
    completed_investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0,
        help_text="In yuan (元), two places — not 10k yuan (万元), the unit the pages take")
    physical_progress = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(required=False, min_value=0,
                                       help_text="The month's version you were shown (0: no row yet)")


class ProgressCorrectInput(ProgressReportInput):
    version = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(max_length=2000)


class PlanYearMonthOutput(serializers.Serializer):
    month = serializers.CharField()
    planned_investment = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="In yuan (元)")
    version = serializers.IntegerField()


class PlanYearOutput(serializers.Serializer):
    year = serializers.IntegerField()
    plans = PlanYearMonthOutput(many=True)


MIN_YEAR, MAX_YEAR = 1900, 2999  # the years a plan may be read for (GET …/plan/{year}/)


def _table(project: Project) -> dict:
    table = selectors.progress_table(project=project)
    return MonthlyProgressOutput({
        "project_id": project.pk, "summary": table.summary, "next_month": table.next_month,
        "missing": [f"{f.month:%Y-%m}" for f in table.missing], "months": table.lines,
    }).data


@extend_schema(tags=["projects: monthly progress"])
class MonthlyProgressViewSet(viewsets.ViewSet):
    """The monthly progress of one project. Reading: whoever sees the project. Writing: the owner organisation's
    users and bureau staff. Every month of the project is listed (a project has at most a few hundred)."""

    def _project(self, request, action: str = "view") -> Project:
        return project_for(request.user, self.kwargs["project_pk"], action)

    @extend_schema(responses=MonthlyProgressOutput)
    def list(self, request, project_pk=None):
        return Response(_table(self._project(request)))

    @extend_schema(request=ProgressPlanInput, responses=MonthlyProgressOutput)
    @action(detail=False, methods=["post"])
    def plan(self, request, project_pk=None):
        project = self._project(request, "manage")
        data = ProgressPlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        entries = data.validated_data["plans"]
        months = [p["month"] for p in entries]
        if len(set(months)) != len(months):
            raise serializers.ValidationError({"plans": ["Each month may appear once."]})
        services.progress_plan_set(
            actor=request.user, project=project, plans={p["month"]: p["planned_investment"] for p in entries},
            versions={p["month"]: p["version"] for p in entries if "version" in p},
        )
        return Response(_table(project))

    @extend_schema(request=ProgressReportInput, responses={201: MonthlyProgressOutput})
    @action(detail=False, methods=["post"])
    def report(self, request, project_pk=None):
        project = self._project(request, "manage")
        data = ProgressReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.progress_report(actor=request.user, project=project, **data.validated_data)
        return Response(_table(project), status=status.HTTP_201_CREATED)

    @extend_schema(request=ProgressCorrectInput, responses=MonthlyProgressOutput)
    @action(detail=False, methods=["post"])
    def correct(self, request, project_pk=None):
        project = self._project(request, "manage")
        data = ProgressCorrectInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.progress_correct(actor=request.user, project=project, **data.validated_data)
        return Response(_table(project))

    @extend_schema(responses=PlanYearOutput)
    @action(detail=False, methods=["get"], url_path=r"plan/(?P<year>\d{4})")
    def plan_year(self, request, project_pk=None, year=None):
        """The stored plan of one year with each month's version, to send back with a change of the plan."""
        project = self._project(request)
        if not MIN_YEAR <= int(year) <= MAX_YEAR:  # the path takes any four digits; 0000 is no year at all
            raise serializers.ValidationError({"year": [_("Enter a year from %(min)s to %(max)s.") % {
                "min": MIN_YEAR, "max": MAX_YEAR}]})
        rows, _stamp = selectors.plan_year(project=project, year=int(year))
        return Response(PlanYearOutput({"year": int(year), "plans": [
            {"month": f"{m:%Y-%m}", "planned_investment": r.planned_investment, "version": r.version}
            for m, r in sorted(rows.items())]}).data)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)/monthly-progress", MonthlyProgressViewSet,
                    basename="project-monthly-progress")
