"""/api/v1/projects/: the same services and selectors as the pages, in JSON."""

import re

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.models import Organization
from portal.core import policy
from portal.core.apis import ChoiceLabelField, paginated, values_columns, values_rows
from portal.core.models import Region
from portal.core.services import object_void

from . import selectors, services
from .models import STAGE_PHASE, Phase, Project, ProjectLevel, ProjectType, Stage


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    project_type = serializers.CharField()
    project_type_display = ChoiceLabelField(ProjectType.choices, source="project_type")
    level = serializers.CharField()
    phase = serializers.CharField()
    stage = serializers.CharField()
    stage_display = ChoiceLabelField(Stage.choices, source="stage")
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2,
                                                help_text="In yuan (元), two places; the pages show 10k yuan (万元)")
    planned_start = serializers.DateField()
    planned_finish = serializers.DateField()
    owner_id = serializers.IntegerField()
    owner_name = serializers.CharField(source="owner.name")
    liaison_officer_id = serializers.IntegerField(allow_null=True)
    region_codes = serializers.SerializerMethodField()
    voided_at = serializers.DateTimeField(allow_null=True)

    def get_region_codes(self, obj) -> list[str]:
        codes = self.context.get("region_codes")  # a list page passes them all, read in one query
        if codes is not None and obj.pk in codes:
            return codes[obj.pk]
        return [r.code for r in obj.regions.all()]


def _list_phase(row: dict) -> str:
    return STAGE_PHASE[row["stage"]].value


# The list reads rows, not projects (portal.core.apis.values_rows): the columns ProjectOutput shows, its `phase`
# from the stage, its region codes from one query for the page.
LIST_COMPUTED = ("phase", "region_codes")
LIST_COLUMNS = values_columns(ProjectOutput, computed=LIST_COMPUTED)


class ProjectInput(serializers.Serializer):
    code = serializers.CharField(max_length=24)
    name = serializers.CharField(max_length=200)
    project_type = serializers.ChoiceField(choices=ProjectType.choices)
    level = serializers.ChoiceField(choices=ProjectLevel.choices)
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.PROPOSAL,
                                    help_text="Only when registering; afterwards the stage moves through its gate.")
    total_investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0,
        help_text="In yuan (元), two places — not 10k yuan (万元), the unit the pages take and show")
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_finish = serializers.DateField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.active())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    region_codes = serializers.ListField(child=serializers.RegexField(r"^\d{6}$"), required=False)

    def validate_region_codes(self, codes):
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown division code: {', '.join(missing)}")
        return [found[c] for c in dict.fromkeys(codes)]

    def validate(self, attrs):
        start, finish = attrs.get("planned_start"), attrs.get("planned_finish")
        if start and finish and finish < start:
            raise serializers.ValidationError({"planned_finish": "The planned finish cannot be before the planned start."})
        return attrs


class VoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


FILTERS = ("q", "project_type", "level", "stage", "phase", "region", "owner", "overdue", "sort")


def list_filters(query, *, names: tuple[str, ...] = FILTERS) -> dict:
    """The project-list filters among `query`'s parameters (the list API's and the map API's); a bad value is a
    400 naming its parameter. `owner` is an organisation id or a part of its name."""
    bad = {}
    for name, choices in (("project_type", ProjectType.values), ("level", ProjectLevel.values),
                          ("stage", Stage.values), ("phase", Phase.values)):
        if query.get(name) and query[name] not in choices:
            bad[name] = [_("Not a valid choice: %(value)s") % {"value": query[name]}]
    if len(query.get("owner") or "") > 100:
        bad["owner"] = [_("Ensure this value has at most 100 characters.")]
    if query.get("overdue") and query["overdue"] not in ("1", "0", "true", "false"):
        bad["overdue"] = [_("Use 1/true or 0/false.")]
    if query.get("region") and not re.fullmatch(r"\d{6}", query["region"]):
        bad["region"] = [_("Enter a six-digit division code.")]
    if "sort" in names and query.get("sort") and selectors.sort_ordering(query["sort"]) is None:
        bad["sort"] = [_("Not a valid sort: %(value)s. Use one of %(allowed)s, with - in front to reverse.") % {
            "value": query["sort"], "allowed": ", ".join(sorted(selectors.SORTS))}]
    if bad:
        raise serializers.ValidationError(bad)
    return {name: query[name] for name in names if query.get(name)}


@extend_schema(tags=["projects"])
class ProjectViewSet(viewsets.ViewSet):
    """Key projects the caller may see. Filters: q, project_type, level, stage, phase, region, owner, overdue;
    sort (code, name, investment, planned_finish, stage, created; - in front to reverse)."""

    queryset = Project.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"

    @extend_schema(
        parameters=[OpenApiParameter(n, str) for n in ("q", "project_type", "level", "stage", "phase", "region", "owner",
                                                       "overdue", "sort", "page")],
        responses=paginated(ProjectOutput),
    )
    def list(self, request):
        from portal.core.apis import Pagination

        q = request.query_params
        list_filters(q)
        # Only the columns ProjectOutput reads, as rows (no model instance per project, no field walk per cell):
        # the same answer as ProjectOutput(projects, many=True), which tests/projects compare.
        qs = selectors.project_list(user=request.user, search=q.get("q", ""), filters=q).select_related(None)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.values(*LIST_COLUMNS), request, view=self)
        codes = selectors.project_region_codes(projects=[row["id"] for row in page])
        rows = values_rows(ProjectOutput, page, {"phase": _list_phase, "region_codes": lambda row: codes[row["id"]]})
        return paginator.get_paginated_response(rows)

    @extend_schema(responses=ProjectOutput)
    def retrieve(self, request, pk=None):
        project = policy.get_or_404(request.user, Project.objects.select_related("owner").prefetch_related("regions"),
                                    pk=pk)
        return Response(ProjectOutput(project).data)

    @extend_schema(request=ProjectInput, responses={201: ProjectOutput})
    def create(self, request):
        if not request.user.has_perm("projects.add_project"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        data = ProjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        regions = fields.pop("region_codes", [])
        project = services.project_create(actor=request.user, regions=regions, **fields)
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProjectInput(partial=True), responses=ProjectOutput)
    def partial_update(self, request, pk=None):
        project = policy.get_or_404(request.user, Project, pk=pk)
        policy.require(request.user, "change", project)
        data = ProjectInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        regions = fields.pop("region_codes", None)
        project = services.project_update(actor=request.user, project=project, regions=regions, **fields)
        return Response(ProjectOutput(project).data)

    @extend_schema(request=VoidInput, responses=ProjectOutput)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        project = policy.get_or_404(request.user, Project, pk=pk)
        policy.require(request.user, "void", project)
        data = VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            project = object_void(actor=request.user, obj=project, reason=data.validated_data["reason"])
        return Response(ProjectOutput(project).data)
