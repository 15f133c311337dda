"""API endpoints of this part, registered on /api/v1/ by portal/api_urls.py — the same services and selectors as
the pages:

- projects/{id}/tasks/ — list (analysed: float, variance, flags), create, retrieve, partial update (with the
  `version` it was based on), and the actions void/, progress/ (report progress) and responsibilities/ (one RACI cell)
- projects/{id}/dependencies/ — list, create, remove/
- projects/{id}/baselines/ — list, create
- projects/{id}/gantt/ — the JSON the Gantt page draws
- projects/{id}/schedule/ — the project's figures; schedule.xlsx the Excel export; schedule/import/ (multipart
  "file") the Excel import; schedule/template/ the blank template
- my-responsibilities/ — the tasks the caller's organisation is responsible or accountable for
"""

import json

from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import parsers, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.models import Organization
from portal.core import policy
from portal.core.apis import Pagination, paginated
from projects.selectors import project_for

from ..models import Project, ResponsibilityKind, ScheduleTask, TaskDependency
from . import exports, imports, rules, selectors, services


# ------------------------------------------------------------------------------------------------- plumbing
class XlsxRenderer(renderers.BaseRenderer):
    """Lets `schedule.xlsx` through content negotiation; passes the workbook's bytes as they are. An error on the
    way (404, 403) is still answered in the common JSON error shape."""

    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode()


def _task(request, project: Project, pk) -> ScheduleTask:
    return policy.get_or_404(request.user, ScheduleTask.objects.filter(project=project).select_related("project"),
                             pk=pk)


class SchedulePredecessorSerializer(serializers.Serializer):
    wbs = serializers.RegexField(rules.WBS_PATTERN)
    lag_days = serializers.IntegerField(default=0, min_value=-rules.MAX_LAG_DAYS, max_value=rules.MAX_LAG_DAYS)


# ------------------------------------------------------------------------------------------------- tasks
class ScheduleTaskOutput(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk")
    wbs = serializers.CharField(source="task.wbs")
    name = serializers.CharField(source="task.name")
    level = serializers.IntegerField()
    is_summary = serializers.BooleanField()
    is_milestone = serializers.BooleanField(source="task.is_milestone")
    planned_start = serializers.DateField(source="task.planned_start")
    planned_finish = serializers.DateField(source="task.planned_finish")
    actual_start = serializers.DateField(source="task.actual_start", allow_null=True)
    actual_finish = serializers.DateField(source="task.actual_finish", allow_null=True)
    percent_complete = serializers.IntegerField(source="task.percent_complete")
    note = serializers.CharField(source="task.note")
    version = serializers.IntegerField(source="task.version")
    predecessors = SchedulePredecessorSerializer(many=True)
    baseline_start = serializers.DateField(allow_null=True)
    baseline_finish = serializers.DateField(allow_null=True)
    forecast_finish = serializers.DateField(source="analysis.forecast_finish")
    variance_days = serializers.IntegerField(source="analysis.variance_days", allow_null=True,
                                             help_text="Forecast finish − baseline finish; positive = behind.")
    total_float = serializers.SerializerMethodField()
    earliest_start = serializers.SerializerMethodField()
    latest_start = serializers.SerializerMethodField()
    critical = serializers.BooleanField(source="analysis.critical")
    late = serializers.BooleanField(source="analysis.late")
    critical_late = serializers.BooleanField(source="analysis.critical_late")
    status = serializers.CharField(help_text="complete, on_track, late, critical or critical_late")
    responsibilities = serializers.SerializerMethodField()

    def get_total_float(self, row) -> int | None:
        return row.analysis.float.total_float if row.analysis.float else None

    def get_earliest_start(self, row) -> str | None:
        return row.analysis.float.earliest_start.isoformat() if row.analysis.float else None

    def get_latest_start(self, row) -> str | None:
        return row.analysis.float.latest_start.isoformat() if row.analysis.float else None

    def get_responsibilities(self, row) -> dict[str, list[dict]]:
        return {k: [{"id": o.pk, "name": o.name} for o in row.cells.get(k, [])] for k in ResponsibilityKind.values}


class ScheduleTaskInput(serializers.Serializer):
    wbs = serializers.RegexField(rules.WBS_PATTERN, max_length=30)
    name = serializers.CharField(max_length=200)
    is_milestone = serializers.BooleanField(default=False)
    planned_start = serializers.DateField()
    planned_finish = serializers.DateField(required=False, allow_null=True, default=None,
                                           help_text="May be left out for a milestone (= planned start).")
    actual_start = serializers.DateField(required=False, allow_null=True, default=None)
    actual_finish = serializers.DateField(required=False, allow_null=True, default=None)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    predecessors = SchedulePredecessorSerializer(many=True, required=False)


class ScheduleTaskUpdateInput(ScheduleTaskInput):
    version = serializers.IntegerField(help_text="The version the change is based on; an older one is refused.")


class TaskProgressInput(serializers.Serializer):
    version = serializers.IntegerField()
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)
    actual_start = serializers.DateField(required=False, allow_null=True, default=None)
    actual_finish = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TaskVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RaciCellInput(serializers.Serializer):
    organization = serializers.IntegerField()
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=ResponsibilityKind.values), max_length=4,
                                  help_text="The letters the organisation holds for the task; [] clears the cell.")


def _predecessors(data) -> list[rules.Predecessor] | None:
    if data is None:
        return None
    return [rules.Predecessor(p["wbs"], p["lag_days"]) for p in data]


def _row(project: Project, task: ScheduleTask):
    view = selectors.schedule_view(project=project, with_responsibilities=True)
    return next((r for r in view.rows if r.task.pk == task.pk), None)


@extend_schema(tags=["schedule"])
class TaskViewSet(viewsets.ViewSet):
    """The project's tasks and milestones in WBS order, with float, forecast, variance and flags."""

    queryset = ScheduleTask.objects.none()
    lookup_value_regex = r"\d+"

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(ScheduleTaskOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        rows = selectors.schedule_view(project=project, with_responsibilities=True).rows
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ScheduleTaskOutput(page, many=True).data)

    @extend_schema(responses=ScheduleTaskOutput)
    def retrieve(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        task = _task(request, project, pk)
        row = _row(project, task)
        if row is None:  # a voided task is not in the analysed schedule
            raise Http404
        return Response(ScheduleTaskOutput(row).data)

    @extend_schema(request=ScheduleTaskInput, responses={201: ScheduleTaskOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        policy.require(request.user, "manage", project)
        data = ScheduleTaskInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        predecessors = _predecessors(fields.pop("predecessors", [])) or []
        task = services.task_create(actor=request.user, project=project, predecessors=predecessors, **fields)
        return Response(ScheduleTaskOutput(_row(project, task)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ScheduleTaskUpdateInput(partial=True), responses=ScheduleTaskOutput)
    def partial_update(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        task = _task(request, project, pk)
        policy.require(request.user, "change", task)
        data = ScheduleTaskUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "version" not in fields:
            raise serializers.ValidationError({"version": ["Give the version the change is based on."]})
        version = fields.pop("version")
        predecessors = _predecessors(fields.pop("predecessors", None))
        task = services.task_update(actor=request.user, task=task, version=version, predecessors=predecessors,
                                    **fields)
        return Response(ScheduleTaskOutput(_row(project, task)).data)

    @extend_schema(request=TaskProgressInput, responses=ScheduleTaskOutput)
    @action(detail=True, methods=["post"])
    def progress(self, request, project_pk=None, pk=None):
        """Report progress: % complete and actual dates (and the note). Open to the project's managers and to the
        organisations responsible (R) or accountable (A) for the task."""
        project = project_for(request.user, project_pk)
        task = _task(request, project, pk)
        policy.require(request.user, "report", task)
        data = TaskProgressInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_report_progress(actor=request.user, task=task, **data.validated_data)
        return Response(ScheduleTaskOutput(_row(project, task)).data)

    @extend_schema(request=TaskVoidInput, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def void(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        task = _task(request, project, pk)
        policy.require(request.user, "change", task)
        data = TaskVoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_void(actor=request.user, task=task, reason=data.validated_data["reason"])
        return Response({"id": task.pk, "wbs": task.wbs, "voided_at": task.voided_at, "void_reason": task.void_reason})

    @extend_schema(request=RaciCellInput, responses=ScheduleTaskOutput)
    @action(detail=True, methods=["post"])
    def responsibilities(self, request, project_pk=None, pk=None):
        """Set one cell of the responsibility matrix: the letters an organisation holds for this task."""
        project = project_for(request.user, project_pk)
        task = _task(request, project, pk)
        policy.require(request.user, "manage", project)
        data = RaciCellInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization = Organization.objects.filter(pk=data.validated_data["organization"]).first()
        if organization is None:
            raise serializers.ValidationError({"organization": ["Unknown organisation."]})
        services.responsibilities_set(actor=request.user, task=task, organization=organization,
                                      kinds=data.validated_data["kinds"])
        return Response(ScheduleTaskOutput(_row(project, task)).data)


# ------------------------------------------------------------------------------------------------- dependencies
class TaskDependencyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    predecessor = serializers.IntegerField(source="predecessor_id")
    predecessor_wbs = serializers.CharField(source="predecessor.wbs")
    successor = serializers.IntegerField(source="successor_id")
    successor_wbs = serializers.CharField(source="successor.wbs")
    lag_days = serializers.IntegerField()


class TaskDependencyInput(serializers.Serializer):
    predecessor = serializers.IntegerField(help_text="Id of the task that must finish first.")
    successor = serializers.IntegerField()
    lag_days = serializers.IntegerField(default=0, min_value=-rules.MAX_LAG_DAYS, max_value=rules.MAX_LAG_DAYS)
    version = serializers.IntegerField(required=False, help_text="The successor's version, if known.")


def _dependencies(project: Project):
    return (TaskDependency.objects.filter(successor__project=project, successor__voided_at__isnull=True,
                                          predecessor__voided_at__isnull=True)
            .select_related("predecessor", "successor").order_by("successor__sort_key", "predecessor__sort_key"))


@extend_schema(tags=["schedule"])
class DependencyViewSet(viewsets.ViewSet):
    """Finish-to-start links between the project's tasks."""

    queryset = TaskDependency.objects.none()
    lookup_value_regex = r"\d+"

    @extend_schema(responses=paginated(TaskDependencyOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(_dependencies(project), request, view=self)
        return paginator.get_paginated_response(TaskDependencyOutput(page, many=True).data)

    @extend_schema(request=TaskDependencyInput, responses={201: TaskDependencyOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        policy.require(request.user, "manage", project)
        data = TaskDependencyInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        tasks = {t.pk: t for t in ScheduleTask.objects.active().filter(project=project,
                                                                       pk__in=[d["predecessor"], d["successor"]])}
        missing = {k: ["No such task in this project."] for k in ("predecessor", "successor") if d[k] not in tasks}
        if missing:
            raise serializers.ValidationError(missing)
        link = services.dependency_add(actor=request.user, successor=tasks[d["successor"]],
                                       predecessor_wbs=tasks[d["predecessor"]].wbs, lag_days=d["lag_days"],
                                       version=d.get("version"))
        return Response(TaskDependencyOutput(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        policy.require(request.user, "manage", project)
        link = _dependencies(project).filter(pk=pk).first()
        if link is None:
            raise Http404
        with transaction.atomic():
            services.dependency_remove(actor=request.user, dependency=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------------------------------------- baselines
class ScheduleBaselineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.get_full_name")
    task_count = serializers.IntegerField()
    in_use = serializers.SerializerMethodField(help_text="Whether variance is measured against it (the latest).")

    def get_in_use(self, obj) -> bool:
        return obj.pk == self.context.get("latest_id")


class ScheduleBaselineInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


@extend_schema(tags=["schedule"])
class BaselineViewSet(viewsets.ViewSet):
    """Saved baselines of the project's schedule, latest first."""

    queryset = ScheduleTask.objects.none()

    @extend_schema(responses=paginated(ScheduleBaselineOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        paginator = Pagination()
        qs = selectors.baseline_list(project=project)
        page = paginator.paginate_queryset(qs, request, view=self)
        latest = selectors.latest_baseline(project=project)
        context = {"latest_id": latest.pk if latest else None}
        return paginator.get_paginated_response(ScheduleBaselineOutput(page, many=True, context=context).data)

    @extend_schema(request=ScheduleBaselineInput, responses={201: ScheduleBaselineOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        policy.require(request.user, "manage", project)
        data = ScheduleBaselineInput(data=request.data)
        data.is_valid(raise_exception=True)
        baseline = services.baseline_create(actor=request.user, project=project, **data.validated_data)
        baseline = selectors.baseline_list(project=project).get(pk=baseline.pk)
        return Response(ScheduleBaselineOutput(baseline, context={"latest_id": baseline.pk}).data,
                        status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------------------------- Gantt
def gantt_json(view: selectors.ScheduleView) -> dict:
    """What the Gantt page draws: frappe-gantt's task fields (id, name, start, end, progress, dependencies) and the
    schedule's own (status, baseline, variance, float, R and A organisations)."""
    ids = {row.task.wbs: f"t{row.task.pk}" for row in view.rows}
    project = view.project
    tasks = []
    for row in view.rows:
        t, a = row.task, row.analysis
        tasks.append({
            "id": ids[t.wbs], "pk": t.pk, "wbs": t.wbs, "name": t.name, "level": t.level,
            "start": t.planned_start.isoformat(), "end": t.planned_finish.isoformat(),
            "progress": t.percent_complete, "dependencies": [ids[p.wbs] for p in row.predecessors if p.wbs in ids],
            "milestone": t.is_milestone, "summary": row.is_summary, "status": row.status,
            "actual_start": t.actual_start.isoformat() if t.actual_start else None,
            "actual_finish": t.actual_finish.isoformat() if t.actual_finish else None,
            "baseline_start": row.baseline_start.isoformat() if row.baseline_start else None,
            "baseline_end": row.baseline_finish.isoformat() if row.baseline_finish else None,
            "forecast_finish": a.forecast_finish.isoformat(), "variance_days": a.variance_days,
            "total_float": a.float.total_float if a.float else None, "critical": a.critical, "late": a.late,
            "critical_late": a.critical_late, "responsible": row.responsible, "accountable": row.accountable,
            "url": reverse("projects:task", args=[project.pk, t.pk]),
        })
    return {
        "project": {"id": project.pk, "code": project.code, "name": project.name},
        "today": view.today.isoformat(),
        "baseline": {"id": view.baseline.pk, "name": view.baseline.name,
                     "created_at": view.baseline.created_at.isoformat()} if view.baseline else None,
        "summary": _summary(view),
        "tasks": tasks,
    }


def _summary(view: selectors.ScheduleView) -> dict:
    s = view.summary
    return {
        "task_count": len(view.rows), "percent_complete": s.percent_complete, "planned_percent": s.planned_percent,
        "forecast_finish": s.forecast_finish.isoformat() if s.forecast_finish else None,
        "baseline_finish": s.baseline_finish.isoformat() if s.baseline_finish else None,
        "variance_days": s.variance_days, "late_count": s.late_count, "critical_count": s.critical_count,
        "critical_late_count": s.critical_late_count, "cycle": s.cycle,
    }


@extend_schema(tags=["schedule"])
class GanttViewSet(viewsets.ViewSet):
    queryset = ScheduleTask.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request, project_pk=None):
        """Every active task, in WBS order, as the Gantt page draws it (not paginated)."""
        project = project_for(request.user, project_pk)
        return Response(gantt_json(selectors.schedule_view(project=project, with_responsibilities=True)))


# ------------------------------------------------------------------------------------------------- schedule
class ScheduleImportInput(serializers.Serializer):
    file = serializers.FileField()


@extend_schema(tags=["schedule"])
class ScheduleViewSet(viewsets.ViewSet):
    queryset = ScheduleTask.objects.none()
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request, project_pk=None, format=None):  # noqa: A002  (DRF's format-suffix keyword)
        """The project's schedule figures; as schedule.xlsx, the Excel export (importable as it is)."""
        project = project_for(request.user, project_pk)
        if request.accepted_renderer.format == "xlsx":
            view = selectors.schedule_view(project=project, with_responsibilities=True)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return Response(exports.schedule_xlsx(view), headers={
                "Content-Disposition": f'attachment; filename="schedule-{project.code}-{stamp}.xlsx"'})
        view = selectors.schedule_view(project=project)
        latest = view.baseline
        return Response({"project_id": project.pk, **_summary(view),
                         "baseline": {"id": latest.pk, "name": latest.name} if latest else None})

    @extend_schema(request={"multipart/form-data": ScheduleImportInput}, responses={200: inline_serializer(
        "ScheduleImportResult", {"created": serializers.IntegerField(), "updated": serializers.IntegerField(),
                                 "unchanged": serializers.IntegerField()})})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[parsers.MultiPartParser, parsers.FormParser], renderer_classes=[renderers.JSONRenderer])
    def import_(self, request, project_pk=None):
        """Import the schedule from an Excel file (upsert by WBS, all or nothing). A refused file answers 400 with
        every problem, each naming its row and column, in error.fields.file."""
        project = project_for(request.user, project_pk)
        policy.require(request.user, "manage", project)
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Attach the Excel file as “file”."]})
        if upload.size > imports.MAX_BYTES:
            raise serializers.ValidationError({"file": [f"The file is larger than {imports.MAX_BYTES // 2**20} MB."]})
        result = imports.schedule_import(actor=request.user, project=project, data=upload.read(imports.MAX_BYTES + 1),
                                         filename=upload.name)
        return Response(vars(result))

    @extend_schema(responses={(200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def template(self, request, project_pk=None):
        """The blank Excel template of the import."""
        project_for(request.user, project_pk)
        response = HttpResponse(exports.template_xlsx(), content_type=exports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="schedule-template.xlsx"'
        return response


# ------------------------------------------------------------------------------------------------- mine
class OwedTaskOutput(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk")
    project_id = serializers.IntegerField(source="task.project_id")
    project_name = serializers.CharField(source="task.project.name")
    wbs = serializers.CharField(source="task.wbs")
    name = serializers.CharField(source="task.name")
    is_milestone = serializers.BooleanField(source="task.is_milestone")
    kinds = serializers.CharField(help_text="The letters the organisation holds: R, A or RA.")
    planned_start = serializers.DateField(source="task.planned_start")
    due = serializers.DateField(source="task.planned_finish")
    percent_complete = serializers.IntegerField(source="task.percent_complete")
    actual_start = serializers.DateField(source="task.actual_start", allow_null=True)
    actual_finish = serializers.DateField(source="task.actual_finish", allow_null=True)
    forecast_finish = serializers.DateField()
    late = serializers.BooleanField()
    version = serializers.IntegerField(source="task.version")


@extend_schema(tags=["schedule"])
class MyResponsibilitiesViewSet(viewsets.ViewSet):
    """Tasks of the projects the caller may see for which the caller's organisation is responsible (R) or
    accountable (A), soonest due first. Bureau staff and leaders may ask for another organisation."""

    queryset = ScheduleTask.objects.none()

    @extend_schema(parameters=[OpenApiParameter("show", str, enum=["open", "all"]),
                               OpenApiParameter("organization", int), OpenApiParameter("page", int)],
                   responses=paginated(OwedTaskOutput))
    def list(self, request):
        q = request.query_params
        if q.get("show") not in (None, "", "open", "all"):
            raise serializers.ValidationError({"show": ["Use open or all."]})
        organization_id = request.user.organization_id
        if q.get("organization"):
            if not q["organization"].isdigit():
                raise serializers.ValidationError({"organization": ["Not an organisation id."]})
            wanted = int(q["organization"])
            if wanted != organization_id:
                if not policy.policy_for(Project).has_global(request.user, "view"):
                    raise Http404
                organization_id = wanted
        tasks = selectors.owed_tasks(user=request.user, organization_id=organization_id, open_only=q.get("show") != "all")
        paginator = Pagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(OwedTaskOutput(selectors.owed_rows(page), many=True).data)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)/tasks", TaskViewSet, basename="project-task")
    router.register(r"projects/(?P<project_pk>\d+)/dependencies", DependencyViewSet, basename="project-dependency")
    router.register(r"projects/(?P<project_pk>\d+)/baselines", BaselineViewSet, basename="project-baseline")
    router.register(r"projects/(?P<project_pk>\d+)/gantt", GanttViewSet, basename="project-gantt")
    router.register(r"projects/(?P<project_pk>\d+)/schedule", ScheduleViewSet, basename="project-schedule")
    router.register(r"my-responsibilities", MyResponsibilitiesViewSet, basename="my-responsibilities")
