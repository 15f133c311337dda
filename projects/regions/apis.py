"""/api/v1/projects/{id}/joint-command/ and /api/v1/projects/{id}/region-work/: the joint command with its
members, and the per-region land acquisition and utility relocation items — the same services as the pages.
Regions are six-digit division codes."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.models import Organization, User
from portal.core import policy
from portal.core.apis import ChoiceLabelField, Pagination, paginated
from portal.core.models import Region
from projects.selectors import project_for

from ..apis import VoidInput
from ..models import (
    CommandRole,
    JointCommandMember,
    Project,
    RegionWorkItem,
    RegionWorkKind,
    RegionWorkStatus,
    WorkUnit,
)
from . import selectors, services


class RegionCodeField(serializers.CharField):
    """A six-digit division code in, the Region out."""

    def to_internal_value(self, data) -> Region:
        code = super().to_internal_value(data)
        if not (len(code) == 6 and code.isdigit()):
            raise serializers.ValidationError(f"Not a six-digit division code: {code}")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise serializers.ValidationError(f"Unknown division code: {code}")
        return region

    def to_representation(self, value) -> str:
        return value.code if isinstance(value, Region) else str(value)


# ------------------------------------------------------------------------------------------------ joint command
class CommandMemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    role = serializers.CharField()
    role_display = ChoiceLabelField(CommandRole.choices, source="role")
    name = serializers.CharField()
    position = serializers.CharField()
    organization_id = serializers.IntegerField(allow_null=True)
    organization_name = serializers.CharField(source="organization.name", allow_null=True, default=None)
    user_id = serializers.IntegerField(allow_null=True)
    phone = serializers.CharField()
    voided_at = serializers.DateTimeField(allow_null=True)


class JointCommandOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    name = serializers.CharField()
    established_on = serializers.DateField(allow_null=True)
    lead_region = serializers.CharField(source="lead_region_id", allow_null=True)
    lead_region_name = serializers.CharField(source="lead_region.name", allow_null=True, default=None)
    office = serializers.CharField()
    note = serializers.CharField()
    version = serializers.IntegerField()
    members = serializers.SerializerMethodField()

    def get_members(self, command) -> list[dict]:
        return CommandMemberOutput(selectors.command_members(command=command), many=True).data


class JointCommandInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    established_on = serializers.DateField(required=False, allow_null=True, default=None)
    lead_region = RegionCodeField(required=False, allow_null=True, default=None)
    office = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=0,
                                       help_text="Required to change an existing command: the version you were shown")


class CommandMemberInput(serializers.Serializer):
    region = RegionCodeField()
    role = serializers.ChoiceField(choices=CommandRole.choices, default=CommandRole.MEMBER)
    name = serializers.CharField(max_length=100)
    position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.active(), required=False,
                                                      allow_null=True, default=None)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                              allow_null=True, default=None)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


@extend_schema(tags=["projects: cross-region work"])
class JointCommandViewSet(viewsets.ViewSet):
    """The joint command (联合指挥部) of one project and its members. Reading: whoever sees the project;
    changing: whoever manages it."""

    @extend_schema(methods=["GET"], responses=JointCommandOutput)
    @extend_schema(methods=["PUT"], request=JointCommandInput, responses={200: JointCommandOutput, 201: JointCommandOutput})
    @action(detail=False, methods=["get", "put"], url_path="joint-command")
    def joint_command(self, request, project_pk=None):
        if request.method == "GET":
            project = project_for(request.user, project_pk)
            command = selectors.joint_command(project=project)
            if command is None:
                raise exceptions.NotFound("This project has no joint command yet.")
            return Response(JointCommandOutput(command).data)
        project = project_for(request.user, project_pk, "manage")
        data = JointCommandInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("version", None)
        existed = selectors.joint_command(project=project) is not None
        command = services.joint_command_save(actor=request.user, project=project, version=version, **fields)
        return Response(JointCommandOutput(command).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=CommandMemberInput, responses={201: CommandMemberOutput})
    @action(detail=False, methods=["post"], url_path="joint-command/members")
    def add_member(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "manage")
        data = CommandMemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_add(actor=request.user, project=project, **data.validated_data)
        return Response(CommandMemberOutput(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoidInput, responses=CommandMemberOutput)
    @action(detail=False, methods=["post"], url_path=r"joint-command/members/(?P<member_pk>\d+)/void")
    def void_member(self, request, project_pk=None, member_pk=None):
        project = project_for(request.user, project_pk, "manage")
        member = JointCommandMember.objects.select_related("region", "command").filter(
            pk=member_pk, command__project=project).first()
        if member is None:
            raise exceptions.NotFound()
        data = VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_void(actor=request.user, member=member, reason=data.validated_data["reason"])
        member = JointCommandMember.objects.select_related("region", "organization").get(pk=member.pk)
        return Response(CommandMemberOutput(member).data)


# ------------------------------------------------------------------------------------------------ work items
class RegionWorkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(RegionWorkKind.choices, source="kind")
    title = serializers.CharField()
    unit = serializers.CharField()
    unit_display = ChoiceLabelField(WorkUnit.choices, source="unit")
    planned_quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    completed_quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    progress = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="Completed ÷ planned, per cent")
    status = serializers.CharField()
    status_display = ChoiceLabelField(RegionWorkStatus.choices, source="status")
    blockers = serializers.CharField()
    responsible_organization_id = serializers.IntegerField(allow_null=True)
    responsible_organization_name = serializers.CharField(source="responsible_organization.name", allow_null=True,
                                                          default=None)
    due_date = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()
    voided_at = serializers.DateTimeField(allow_null=True)


class RegionWorkInput(serializers.Serializer):
    region = RegionCodeField()
    kind = serializers.ChoiceField(choices=RegionWorkKind.choices)
    title = serializers.CharField(max_length=200)
    unit = serializers.ChoiceField(choices=WorkUnit.choices)
    planned_quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    completed_quantity = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    status = serializers.ChoiceField(choices=RegionWorkStatus.choices, required=False)
    blockers = serializers.CharField(required=False, allow_blank=True)
    responsible_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.active(),
                                                                  required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class RegionWorkUpdateInput(RegionWorkInput):
    version = serializers.IntegerField(min_value=0, help_text="The version you were shown")


class RegionWorkReportInput(serializers.Serializer):
    completed_quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.ChoiceField(choices=RegionWorkStatus.choices)
    blockers = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=0, help_text="The version you were shown")


@extend_schema(tags=["projects: cross-region work"])
class RegionWorkViewSet(viewsets.ViewSet):
    """Land acquisition & demolition (征地拆迁) and utility relocation (管线迁改) items of one project, per region.
    Filters: region (a division code: that region and everything inside it), kind, status. Changing: whoever
    manages the project; reporting progress (completed quantity, status, blockers): also its liaison officer."""

    lookup_value_regex = r"\d+"

    def _item(self, request, project: Project, pk) -> RegionWorkItem:
        return policy.get_or_404(
            request.user, RegionWorkItem.objects.select_related("project", "region", "responsible_organization"),
            pk=pk, project=project)

    @extend_schema(parameters=[OpenApiParameter(n, str) for n in ("region", "kind", "status", "page")],
                   responses=paginated(RegionWorkOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        q = request.query_params
        bad = {k: [f"Not a valid choice: {q[k]}"] for k, choices in (
            ("kind", RegionWorkKind.values), ("status", RegionWorkStatus.values)) if q.get(k) and q[k] not in choices}
        if q.get("region") and not (q["region"].isdigit() and len(q["region"]) == 6):
            bad["region"] = [f"Not a six-digit division code: {q['region']}"]
        if bad:
            raise serializers.ValidationError(bad)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.region_work_list(project=project, filters=q), request, view=self)
        return paginator.get_paginated_response(RegionWorkOutput(page, many=True).data)

    @extend_schema(request=RegionWorkInput, responses={201: RegionWorkOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "manage")
        data = RegionWorkInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.region_work_create(actor=request.user, project=project, **data.validated_data)
        return Response(RegionWorkOutput(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=RegionWorkOutput)
    def retrieve(self, request, project_pk=None, pk=None):
        return Response(RegionWorkOutput(self._item(request, project_for(request.user, project_pk), pk)).data)

    @extend_schema(request=RegionWorkUpdateInput(partial=True), responses=RegionWorkOutput)
    def partial_update(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        item = self._item(request, project, pk)
        policy.require(request.user, "change", item)
        data = RegionWorkUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("version", None)
        item = services.region_work_update(actor=request.user, item=item, version=version, **fields)
        return Response(RegionWorkOutput(item).data)

    @extend_schema(request=RegionWorkReportInput, responses=RegionWorkOutput)
    @action(detail=True, methods=["post"])
    def report(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        item = self._item(request, project, pk)
        policy.require(request.user, "report", item)
        data = RegionWorkReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.region_work_report(actor=request.user, item=item, **data.validated_data)
        return Response(RegionWorkOutput(item).data)

    @extend_schema(request=VoidInput, responses=RegionWorkOutput)
    @action(detail=True, methods=["post"])
    def void(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk)
        item = self._item(request, project, pk)
        policy.require(request.user, "change", item)
        data = VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            item = services.region_work_void(actor=request.user, item=item, reason=data.validated_data["reason"])
        return Response(RegionWorkOutput(self._item(request, project, item.pk)).data)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)", JointCommandViewSet, basename="project-joint-command")
    router.register(r"projects/(?P<project_pk>\d+)/region-work", RegionWorkViewSet, basename="project-region-work")
