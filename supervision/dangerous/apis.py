"""/api/v1/supervision/dangerous-works/: the dangerous-works register — the same services and read path as the
pages, in JSON. A work the caller may not see is a 404; one they see but may not act on a 403; a refused rule a
400 naming the field (a work below every threshold names its parameter); a move someone else took first or a
stale version a 409."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from portal.accounts.models import Organization
from portal.core import fsm, policy
from portal.core.apis import ChoiceLabelField, MoveOutput, Pagination, paginated, valid_input
from portal.core.uploads import PlainNameMultiPartParser
from projects.models import Project

from .. import documents
from ..models import (
    DangerousWork,
    DangerousWorkKind,
    DangerousWorkState,
    Document,
    ExpertReviewResult,
    Purpose,
)
from . import selectors, services

TRUE = ("1", "true", "True", "yes", "on")


def extend_schema_field_list(output):
    from drf_spectacular.utils import extend_schema_field

    return extend_schema_field(output(many=True))


class DangerousDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    purpose_display = ChoiceLabelField(Purpose.choices, source="purpose")
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="created_at")
    url = serializers.SerializerMethodField(help_text="The download address (the page of the document store).")

    def get_url(self, obj: Document) -> str:
        from django.urls import reverse

        return reverse("supervision:document", args=[obj.pk])


class DangerousWorkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    contractor_id = serializers.IntegerField()
    contractor_name = serializers.CharField(source="contractor.name")
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(DangerousWorkKind.choices, source="kind")
    name = serializers.CharField()
    location = serializers.CharField()
    depth_m = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    height_m = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    span_m = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    area_load_kn_m2 = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    line_load_kn_m = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    lifting_kn = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    unconventional_lifting = serializers.BooleanField()
    large_scale = serializers.BooleanField(help_text="Beyond a certain scale: the plan needs an expert review.")
    criteria = serializers.CharField(help_text="The threshold of 建办质〔2018〕31号 the parameters meet.")
    state = serializers.CharField()
    state_display = ChoiceLabelField(DangerousWorkState.choices, source="state")
    planned_start = serializers.DateField(allow_null=True)
    planned_finish = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(help_text="Send it back with a change or a move: a changed work is refused "
                                                 "(409).")


class DangerousWorkDetailOutput(DangerousWorkOutput):
    expert_review_on = serializers.DateField(allow_null=True)
    expert_review_result = serializers.CharField()
    experts = serializers.CharField()
    plan_approved_at = serializers.DateTimeField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    voided = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField(help_text="The moves the caller holds, enabled or with the reason.")
    documents = serializers.SerializerMethodField()

    def get_voided(self, obj) -> bool:
        return obj.voided_at is not None

    @extend_schema_field_list(MoveOutput)
    def get_moves(self, obj) -> list:
        return [m.as_dict() for m in fsm.available(obj, self.context["request"].user)]

    @extend_schema_field_list(DangerousDocumentOutput)
    def get_documents(self, obj) -> list:
        return DangerousDocumentOutput(documents.documents_of(obj), many=True).data


class DangerousWorkFieldsInput(serializers.Serializer):
    contractor = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    kind = serializers.ChoiceField(choices=DangerousWorkKind.choices, required=False)
    name = serializers.CharField(max_length=200, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    depth_m = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True)
    height_m = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True)
    span_m = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True)
    area_load_kn_m2 = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, required=False,
                                               allow_null=True)
    line_load_kn_m = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, required=False,
                                              allow_null=True)
    lifting_kn = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False,
                                          allow_null=True)
    unconventional_lifting = serializers.BooleanField(required=False)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_finish = serializers.DateField(required=False, allow_null=True)


class DangerousWorkCreateInput(DangerousWorkFieldsInput):
    project = serializers.IntegerField()
    contractor = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    kind = serializers.ChoiceField(choices=DangerousWorkKind.choices)
    name = serializers.CharField(max_length=200)


class DangerousWorkUpdateInput(DangerousWorkFieldsInput):
    version = serializers.IntegerField(required=False)


class DangerousMoveInput(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    on = serializers.DateField(required=False, help_text="The day work started or was completed (today if left out).")


class DangerousReviewInput(serializers.Serializer):
    expert_review_on = serializers.DateField()
    expert_review_result = serializers.ChoiceField(choices=ExpertReviewResult.choices)
    experts = serializers.CharField(help_text="Names and employers, one per line (at least five).")
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text="The review opinion (required unless one is filed).")
    version = serializers.IntegerField(required=False)


class DangerousDocumentInput(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices,
                                      help_text="special_plan, expert_review, monitoring_plan, record or photo.")
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    version = serializers.IntegerField(required=False)


def _project(user, pk) -> Project:
    project = policy.visible(user, Project.objects.all()).filter(pk=pk).first()
    if project is None:
        raise serializers.ValidationError({"project": [_("Select a valid choice.")]})
    return project


LIST_FILTERS = [
    OpenApiParameter("project", int), OpenApiParameter("kind", str, enum=DangerousWorkKind.values),
    OpenApiParameter("state", str, enum=DangerousWorkState.values),
    OpenApiParameter("large_scale", bool, description="Only works beyond a certain scale."),
    OpenApiParameter("search", str, description="Name, location, project or contractor."),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int),
]


@extend_schema(tags=["supervision"])
class DangerousWorkViewSet(viewsets.ViewSet):
    """Dangerous works (危大工程) of the projects the caller may see; each move is the workflow's
    (DangerousWork.workflow), through supervision.dangerous.services."""

    queryset = DangerousWork.objects.none()  # for the schema only
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _work(self, request, pk, *, move: str | None = None, action_name: str | None = None) -> DangerousWork:
        work = policy.get_or_404(request.user, DangerousWork.objects.select_related("project", "contractor"), pk=pk)
        if move:
            fsm.require_move_permission(work, move, request.user)
        if action_name:
            policy.require(request.user, action_name, work)
        return work

    def _detail(self, request, pk, code=status.HTTP_200_OK) -> Response:
        work = policy.get_or_404(request.user, DangerousWork.objects.select_related("project", "contractor"), pk=pk)
        return Response(DangerousWorkDetailOutput(work, context={"request": request}).data, status=code)

    @extend_schema(parameters=LIST_FILTERS, responses=paginated(DangerousWorkOutput))
    def list(self, request):
        q = request.query_params
        errors = {}
        for name, choices in (("kind", DangerousWorkKind.values), ("state", DangerousWorkState.values)):
            if q.get(name) and q[name] not in choices:
                errors[name] = [_("Select a valid choice.")]
        if q.get("project") and not q["project"].isdigit():
            errors["project"] = [_("A valid integer is required.")]
        if errors:
            raise serializers.ValidationError(errors)
        filters = {"kind": q.get("kind"), "state": q.get("state"), "large_scale": q.get("large_scale") in TRUE,
                   "project": int(q["project"]) if q.get("project") else None}
        works = selectors.dangerous_work_list(user=request.user, filters=filters, search=q.get("search", "")[:100])
        paginator = Pagination()
        page = paginator.paginate_queryset(works, request, view=self)
        return paginator.get_paginated_response(DangerousWorkOutput(page, many=True).data)

    @extend_schema(responses=DangerousWorkDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=DangerousWorkCreateInput, responses={201: DangerousWorkDetailOutput})
    def create(self, request):
        """Register a dangerous work of a project: bureau staff, or the project's owner or contractor. Below every
        threshold it is refused, naming the parameter."""
        if not request.user.has_perm("supervision.add_dangerouswork"):
            raise PermissionDenied
        data = valid_input(DangerousWorkCreateInput, request)
        project = _project(request.user, data.pop("project"))
        work = services.dangerous_work_register(actor=request.user, project=project, **data)
        return self._detail(request, work.pk, status.HTTP_201_CREATED)

    @extend_schema(request=DangerousWorkUpdateInput, responses=DangerousWorkDetailOutput)
    def partial_update(self, request, pk=None):
        """Correct the register entry while the plan is pending (classified again)."""
        work = self._work(request, pk, action_name="change")
        data = valid_input(DangerousWorkUpdateInput, request)
        services.dangerous_work_update(actor=request.user, work=work, version=data.pop("version", None), **data)
        return self._detail(request, pk)

    def _move(self, request, pk, name: str) -> Response:
        work = self._work(request, pk, move=name)
        data = valid_input(DangerousMoveInput, request)
        services.dangerous_work_move(actor=request.user, work=work, name=name, version=data.get("version"),
                                     on=data.get("on"))
        return self._detail(request, pk)

    @extend_schema(request=DangerousMoveInput, responses=DangerousWorkDetailOutput)
    @action(detail=True, methods=["post"], url_path="approve-plan")
    def approve_plan(self, request, pk=None):
        """The bureau approves the special plan: refused without the plan, and for a work beyond a certain scale
        without a passed expert review."""
        return self._move(request, pk, "approve_plan")

    @extend_schema(request=DangerousMoveInput, responses=DangerousWorkDetailOutput)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Work starts: refused until the plan is approved and the monitoring plan is in."""
        return self._move(request, pk, "start")

    @extend_schema(request=DangerousMoveInput, responses=DangerousWorkDetailOutput)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._move(request, pk, "complete")

    @extend_schema(request={"application/json": DangerousReviewInput, "multipart/form-data": DangerousReviewInput},
                   responses=DangerousWorkDetailOutput)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Record the expert review of the plan of a work beyond a certain scale (multipart adds `files`)."""
        work = self._work(request, pk, action_name="change")
        data = valid_input(DangerousReviewInput, request)
        services.dangerous_work_record_review(
            actor=request.user, work=work, reviewed_on=data["expert_review_on"],
            result=data["expert_review_result"], experts=data["experts"], files=data.get("files") or [],
            version=data.get("version"))
        return self._detail(request, pk)

    @extend_schema(request={"multipart/form-data": DangerousDocumentInput}, responses={201: DangerousDocumentOutput(many=True)})
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        """File the special plan, the expert review opinion, the monitoring plan, records or photos."""
        work = self._work(request, pk, action_name="change")
        data = valid_input(DangerousDocumentInput, request)
        stored = services.dangerous_work_attach(actor=request.user, work=work, purpose=data["purpose"],
                                                files=data["files"], version=data.get("version"))
        return Response(DangerousDocumentOutput(stored, many=True).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Register this part's viewsets on the portal's router."""
    router.register("supervision/dangerous-works", DangerousWorkViewSet, basename="supervision-dangerous-work")
