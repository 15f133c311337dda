"""/api/v1/supervision/safety-roster/, …/safety-trainings/, …/incidents/: a project's safety records — the same
services and read path as the pages, in JSON. A record the caller may not see is a 404; one they see but may not
change a 403; a refused rule a 400 naming the field."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from portal.accounts.models import Organization, User
from portal.core import policy
from portal.core.apis import ChoiceLabelField, choice_param, page_of, paginated, valid_input
from portal.core.uploads import PlainNameMultiPartParser
from projects.models import Project

from ..models import Incident, IncidentGrade, SafetyResponsibility, SafetyRole, TrainingKind, TrainingRecord
from . import selectors, services


def _project(user, pk) -> Project:
    project = policy.visible(user, Project.objects.all()).filter(pk=pk).first()
    if project is None:
        raise serializers.ValidationError({"project": [_("Select a valid choice.")]})
    return project


def _project_param(request) -> Project | None:
    raw = request.query_params.get("project", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise serializers.ValidationError({"project": [_("A valid integer is required.")]})
    return _project(request.user, int(raw))


def _gate(request, model) -> None:
    if not request.user.has_perm(f"supervision.add_{model._meta.model_name}"):
        raise PermissionDenied


PROJECT_PARAM = OpenApiParameter("project", int, description="One project's records.")
PAGE_PARAMS = [OpenApiParameter("search", str), OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


# ------------------------------------------------------------------------------------------------------ roster
class SafetyResponsibilityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    role = serializers.CharField()
    role_display = ChoiceLabelField(SafetyRole.choices, source="role")
    person_name = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    duties = serializers.CharField()
    phone = serializers.CharField()
    since = serializers.DateField()


class SafetyResponsibilityFields(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    role = serializers.ChoiceField(choices=SafetyRole.choices, required=False)
    person_name = serializers.CharField(max_length=50, required=False)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    duties = serializers.CharField(required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    since = serializers.DateField(required=False)


class SafetyResponsibilityCreateInput(SafetyResponsibilityFields):
    project = serializers.IntegerField()
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    role = serializers.ChoiceField(choices=SafetyRole.choices)
    person_name = serializers.CharField(max_length=50)
    duties = serializers.CharField()
    since = serializers.DateField()


@extend_schema(tags=["supervision"])
class SafetyRosterViewSet(viewsets.ViewSet):
    """The safety responsibility roster (全员安全生产责任制) of the projects the caller may see."""

    queryset = SafetyResponsibility.objects.none()
    lookup_value_regex = r"[0-9]+"

    def _line(self, request, pk) -> SafetyResponsibility:
        return policy.get_or_404(request.user, SafetyResponsibility.objects.select_related("organization"), pk=pk)

    @extend_schema(parameters=[PROJECT_PARAM, OpenApiParameter("role", str, enum=SafetyRole.values), *PAGE_PARAMS],
                   responses=paginated(SafetyResponsibilityOutput))
    def list(self, request):
        project = _project_param(request)
        role = choice_param(request.query_params, "role", SafetyRole.values)
        qs = policy.visible(request.user, SafetyResponsibility.objects.filter(voided_at__isnull=True))
        if project is not None:
            qs = selectors.roster_list(user=request.user, project=project, filters={"role": role},
                                       search=request.query_params.get("search", "")[:100])
        elif role:
            qs = qs.filter(role=role)
        return page_of(request, self, qs.select_related("organization").order_by("project_id", "organization__name",
                                                                               "role", "id"),
                     SafetyResponsibilityOutput)

    @extend_schema(responses=SafetyResponsibilityOutput)
    def retrieve(self, request, pk=None):
        return Response(SafetyResponsibilityOutput(self._line(request, pk)).data)

    @extend_schema(request=SafetyResponsibilityCreateInput, responses={201: SafetyResponsibilityOutput})
    def create(self, request):
        """Add a person to a project's roster: bureau staff, or the project's owner or contractor."""
        _gate(request, SafetyResponsibility)
        data = valid_input(SafetyResponsibilityCreateInput, request)
        project = _project(request.user, data.pop("project"))
        line = services.responsibility_add(actor=request.user, project=project, **data)
        return Response(SafetyResponsibilityOutput(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SafetyResponsibilityFields, responses=SafetyResponsibilityOutput)
    def partial_update(self, request, pk=None):
        line = self._line(request, pk)
        policy.require(request.user, "change", line)
        line = services.responsibility_update(actor=request.user, line=line,
                                              **valid_input(SafetyResponsibilityFields, request))
        return Response(SafetyResponsibilityOutput(line).data)


# ------------------------------------------------------------------------------------------ trainings and drills
class TrainingRecordOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(TrainingKind.choices, source="kind")
    topic = serializers.CharField()
    held_on = serializers.DateField()
    place = serializers.CharField()
    trainer = serializers.CharField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    attendee_count = serializers.IntegerField()


class TrainingRecordDetailOutput(TrainingRecordOutput):
    attendees = serializers.SerializerMethodField(help_text="The ids of the attending portal accounts.")
    other_attendees = serializers.CharField()
    summary = serializers.CharField()

    def get_attendees(self, obj) -> list[int]:
        return sorted(obj.attendees.values_list("pk", flat=True))


class TrainingRecordInput(serializers.Serializer):
    project = serializers.IntegerField()
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    kind = serializers.ChoiceField(choices=TrainingKind.choices)
    topic = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    trainer = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, required=False, default=1)
    attendees = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)
    other_attendees = serializers.CharField(required=False, default="", allow_blank=True,
                                            help_text="Workers without a portal account, one per line.")
    summary = serializers.CharField(required=False, default="", allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text="The sign-in sheet and photos (multipart).")


@extend_schema(tags=["supervision"])
class TrainingViewSet(viewsets.ViewSet):
    """Trainings, technical briefings and emergency drills of the projects the caller may see."""

    queryset = TrainingRecord.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    @extend_schema(parameters=[PROJECT_PARAM, OpenApiParameter("kind", str, enum=TrainingKind.values),
                               *PAGE_PARAMS], responses=paginated(TrainingRecordOutput))
    def list(self, request):
        project = _project_param(request)
        kind = choice_param(request.query_params, "kind", TrainingKind.values)
        search = request.query_params.get("search", "")[:100]
        if project is not None:
            qs = selectors.training_list(user=request.user, project=project, filters={"kind": kind}, search=search)
        else:
            qs = policy.visible(request.user, TrainingRecord.objects.filter(voided_at__isnull=True))
            qs = (qs.filter(kind=kind) if kind else qs).select_related("organization").order_by("-held_on", "-id")
        return page_of(request, self, qs, TrainingRecordOutput)

    @extend_schema(responses=TrainingRecordDetailOutput)
    def retrieve(self, request, pk=None):
        record = policy.get_or_404(request.user, TrainingRecord.objects.select_related("organization"), pk=pk)
        return Response(TrainingRecordDetailOutput(record).data)

    @extend_schema(request={"application/json": TrainingRecordInput, "multipart/form-data": TrainingRecordInput},
                   responses={201: TrainingRecordDetailOutput})
    def create(self, request):
        """Record a training or drill with its attendees: bureau staff, or the project's owner or contractor."""
        _gate(request, TrainingRecord)
        data = valid_input(TrainingRecordInput, request)
        project = _project(request.user, data.pop("project"))
        record = services.training_record(actor=request.user, project=project, **data)
        return Response(TrainingRecordDetailOutput(record).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------------- incidents
class IncidentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    responsible_id = serializers.IntegerField()
    responsible_name = serializers.CharField(source="responsible.name")
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField()
    grade = serializers.CharField()
    grade_display = ChoiceLabelField(IncidentGrade.choices, source="grade")
    deaths = serializers.IntegerField()
    serious_injuries = serializers.IntegerField()
    direct_loss = serializers.DecimalField(max_digits=16, decimal_places=2)
    description = serializers.CharField()
    measures = serializers.CharField()


class IncidentInput(serializers.Serializer):
    project = serializers.IntegerField()
    responsible = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200)
    grade = serializers.ChoiceField(choices=IncidentGrade.choices,
                                    help_text="No lower than the deaths, injuries and loss call for.")
    deaths = serializers.IntegerField(min_value=0, required=False, default=0)
    serious_injuries = serializers.IntegerField(min_value=0, required=False, default=0)
    direct_loss = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False, default=0)
    description = serializers.CharField()
    measures = serializers.CharField(required=False, default="", allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, help_text="Photos (multipart).")


@extend_schema(tags=["supervision"])
class IncidentViewSet(viewsets.ViewSet):
    """Incidents (生产安全事故) of the projects the caller may see. Reporting one proposes accountability."""

    queryset = Incident.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    @extend_schema(parameters=[PROJECT_PARAM, OpenApiParameter("grade", str, enum=IncidentGrade.values),
                               *PAGE_PARAMS], responses=paginated(IncidentOutput))
    def list(self, request):
        project = _project_param(request)
        grade = choice_param(request.query_params, "grade", IncidentGrade.values)
        qs = selectors.incident_list(user=request.user, project=project, filters={"grade": grade},
                                     search=request.query_params.get("search", "")[:100])
        return page_of(request, self, qs, IncidentOutput)

    @extend_schema(responses=IncidentOutput)
    def retrieve(self, request, pk=None):
        incident = policy.get_or_404(request.user, Incident.objects.select_related("project", "responsible"), pk=pk)
        return Response(IncidentOutput(incident).data)

    @extend_schema(request={"application/json": IncidentInput, "multipart/form-data": IncidentInput},
                   responses={201: IncidentOutput})
    def create(self, request):
        """Report an incident: bureau staff, or the project's owner or contractor; the bureau is told and an
        accountability proposal is made against the responsible unit."""
        _gate(request, Incident)
        data = valid_input(IncidentInput, request)
        project = _project(request.user, data.pop("project"))
        if data["occurred_at"] and timezone.is_naive(data["occurred_at"]):
            data["occurred_at"] = timezone.make_aware(data["occurred_at"])
        incident = services.incident_report(actor=request.user, project=project, **data)
        return Response(IncidentOutput(incident).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Register this part's viewsets on the portal's router."""
    router.register("supervision/safety-roster", SafetyRosterViewSet, basename="supervision-safety-roster")
    router.register("supervision/safety-trainings", TrainingViewSet, basename="supervision-safety-training")
    router.register("supervision/incidents", IncidentViewSet, basename="supervision-incident")
