"""/api/v1/projects/{id}/risks/ (a project's register: list with filters, create, partial update with the
version, close, reopen, void, and its heat map) and /api/v1/risks/ (every risk the caller may see, and the
province-wide heat map). The same services and selectors as the pages."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.models import Organization
from portal.core import policy
from portal.core.apis import ChoiceLabelField, Pagination, paginated
from projects.models import Risk, RiskCategory, RiskStatus
from projects.models.risks import LIVE_RISK_STATUS_CHOICES, RiskBand
from projects.selectors import project_for

from . import selectors, services

FILTER_PARAMETERS = [
    OpenApiParameter("category", str, enum=RiskCategory.values),
    OpenApiParameter("status", str, enum=list(selectors.STATUS_FILTERS),
                     description="\"live\" = open or mitigating (what the heat map counts)"),
    OpenApiParameter("band", str, enum=RiskBand.values),
    OpenApiParameter("cell", str, description="likelihood-impact, e.g. 4-5"),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int),
]


# ------------------------------------------------------------------------------------------------- output
class RiskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    title = serializers.CharField()
    category = serializers.CharField()
    category_display = ChoiceLabelField(RiskCategory.choices, source="category")
    description = serializers.CharField()
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField(help_text="likelihood × impact")
    band = serializers.CharField(help_text="low (1–4), medium (5–9), high (10–16), extreme (20–25)")
    owner_organization_id = serializers.IntegerField(allow_null=True)
    owner_organization_name = serializers.CharField(source="owner_organization.name", allow_null=True, default=None)
    owner_name = serializers.CharField()
    mitigation = serializers.CharField()
    status = serializers.CharField()
    status_display = ChoiceLabelField(RiskStatus.choices, source="status")
    review_date = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    close_note = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with a change: a stale version is refused.")
    voided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RiskHeatCellOutput(serializers.Serializer):
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    band = serializers.CharField()
    count = serializers.IntegerField(help_text="Open and mitigating risks in this cell.")


class RiskHeatMapOutput(serializers.Serializer):
    cells = serializers.SerializerMethodField(help_text="25 cells: likelihood 5→1, each with impact 1→5.")
    bands = serializers.DictField(child=serializers.IntegerField(), help_text="Live risks per band.")
    total = serializers.IntegerField()

    def get_cells(self, obj) -> list[dict]:
        return RiskHeatCellOutput([c for row in obj.rows for c in row], many=True).data


# -------------------------------------------------------------------------------------------------- input
class RiskInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=RiskCategory.choices)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    likelihood = serializers.IntegerField(min_value=1, max_value=5)
    impact = serializers.IntegerField(min_value=1, max_value=5)
    owner_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True,
        help_text="An organisation taking part in the project (its id).")
    owner_name = serializers.CharField(max_length=100)
    mitigation = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    status = serializers.ChoiceField(choices=LIVE_RISK_STATUS_CHOICES, required=False,
                                     help_text="open or mitigating; close a risk with its close action.")
    review_date = serializers.DateField(required=False, allow_null=True)


class RiskPatchInput(RiskInput):
    version = serializers.IntegerField(help_text="The version the change is based on.")


class RiskCloseInput(serializers.Serializer):
    close_note = serializers.CharField(max_length=5000)
    version = serializers.IntegerField(required=False)


class RiskReopenInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False)


class RiskVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _filters(request) -> dict:
    q = request.query_params
    bad = selectors.filter_errors(q)
    if bad:
        raise serializers.ValidationError(bad)
    return {k: q.get(k, "") for k in ("category", "status", "band", "cell")}


def _output(risk: Risk) -> dict:
    risk = Risk.objects.select_related("project", "owner_organization").get(pk=risk.pk)
    return RiskOutput(risk).data


# ------------------------------------------------------------------------------------------------- viewsets
@extend_schema(tags=["projects: risks"])
class ProjectRiskViewSet(viewsets.ViewSet):
    """A project's risk register. Seen with the project; changed by whoever may manage the project."""

    queryset = Risk.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"

    def _risk(self, request, project_pk, pk, action_name: str = "view") -> Risk:
        project = project_for(request.user, project_pk)
        risk = policy.get_or_404(request.user, Risk.objects.filter(project=project).select_related(
            "project", "owner_organization"), pk=pk)
        if action_name != "view":
            policy.require(request.user, action_name, risk)
        return risk

    @extend_schema(parameters=FILTER_PARAMETERS, responses=paginated(RiskOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        qs = selectors.project_risks(user=request.user, project=project, filters=_filters(request))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RiskOutput(page, many=True).data)

    @extend_schema(responses=RiskOutput)
    def retrieve(self, request, project_pk=None, pk=None):
        return Response(RiskOutput(self._risk(request, project_pk, pk)).data)

    @extend_schema(request=RiskInput, responses={201: RiskOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "manage")
        data = RiskInput(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.risk_create(actor=request.user, project=project, **data.validated_data)
        return Response(_output(risk), status=status.HTTP_201_CREATED)

    @extend_schema(request=RiskPatchInput(partial=True), responses=RiskOutput)
    def partial_update(self, request, project_pk=None, pk=None):
        risk = self._risk(request, project_pk, pk, "change")
        data = RiskPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "version" not in fields:
            raise serializers.ValidationError({"version": ["Send the version the change is based on."]})
        version = fields.pop("version")
        risk = services.risk_update(actor=request.user, risk=risk, version=version, **fields)
        return Response(_output(risk))

    @extend_schema(request=RiskCloseInput, responses=RiskOutput)
    @action(detail=True, methods=["post"])
    def close(self, request, project_pk=None, pk=None):
        risk = self._risk(request, project_pk, pk, "change")
        data = RiskCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_output(services.risk_close(actor=request.user, risk=risk, **data.validated_data)))

    @extend_schema(request=RiskReopenInput, responses=RiskOutput)
    @action(detail=True, methods=["post"])
    def reopen(self, request, project_pk=None, pk=None):
        risk = self._risk(request, project_pk, pk, "change")
        data = RiskReopenInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_output(services.risk_reopen(actor=request.user, risk=risk, **data.validated_data)))

    @extend_schema(request=RiskVoidInput, responses=RiskOutput)
    @action(detail=True, methods=["post"])
    def void(self, request, project_pk=None, pk=None):
        risk = self._risk(request, project_pk, pk, "change")
        data = RiskVoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_output(services.risk_void(actor=request.user, risk=risk, **data.validated_data)))

    @extend_schema(parameters=[OpenApiParameter("category", str, enum=RiskCategory.values)],
                   responses=RiskHeatMapOutput)
    @action(detail=False, methods=["get"], url_path="heat-map")
    def heat_map(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        filters = _filters(request)
        return Response(RiskHeatMapOutput(selectors.heat_map_for(user=request.user, project=project,
                                                             filters=filters)).data)


@extend_schema(tags=["projects: risks"])
class RiskViewSet(viewsets.ViewSet):
    """Every risk the caller may see, across projects (a company sees its own projects' risks). Without a band,
    cell or status filter: the open and mitigating risks in the extreme and high bands, worst first."""

    queryset = Risk.objects.none()

    @extend_schema(parameters=FILTER_PARAMETERS, responses=paginated(RiskOutput))
    def list(self, request):
        qs = selectors.overview_risks(user=request.user, filters=_filters(request))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RiskOutput(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("category", str, enum=RiskCategory.values)],
                   responses=RiskHeatMapOutput)
    @action(detail=False, methods=["get"], url_path="heat-map")
    def heat_map(self, request):
        return Response(RiskHeatMapOutput(selectors.heat_map_for(user=request.user, filters=_filters(request))).data)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)/risks", ProjectRiskViewSet, basename="project-risk")
    router.register("risks", RiskViewSet, basename="risk")
