"""/api/v1/supervision/hazards/ and /api/v1/supervision/hazard-criteria/: hazards with their photos, evidence and
moves, through the same services and selectors as the pages. A hazard the caller may not see is a 404, a move they
may not take a 403, a refused rule a 400 naming the field, a move the state no longer allows (someone else was
first) or a stale version a 409."""


from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from portal.accounts.models import Organization
from portal.core import fsm, policy
from portal.core.apis import (
    ChoiceLabelField,
    MoveOutput,
    Pagination,
    int_param,
    moves_of,
    paginated,
    valid_input,
)
from portal.core.uploads import PlainNameMultiPartParser
from projects.models import Project

from .. import documents
from ..models import Hazard, HazardGrade, HazardState
from . import criteria, selectors, services
from .permissions import may_report

TRUE = ("1", "true", "True", "yes", "on")
FALSE = ("0", "false", "False", "no", "off")
STATE_FILTER = ["open", *HazardState.values]


class HazardDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, doc) -> str:
        from django.urls import reverse

        return reverse("supervision:document", args=[doc.pk])


class HazardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    title = serializers.CharField()
    location = serializers.CharField()
    grade = serializers.CharField()
    grade_display = ChoiceLabelField(HazardGrade.choices, source="grade")
    criterion = serializers.CharField(help_text="The clause of the 2022 major-hazard standard; \"\" when general.")
    responsible_id = serializers.IntegerField()
    responsible_name = serializers.CharField(source="responsible.name")
    found_on = serializers.DateField()
    due_on = serializers.DateField()
    state = serializers.CharField()
    state_display = ChoiceLabelField(HazardState.choices, source="state")
    check_failures = serializers.IntegerField()
    version = serializers.IntegerField()


class HazardDetailOutput(HazardOutput):
    description = serializers.CharField()
    work_stopped = serializers.BooleanField()
    measures = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    documents = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()

    def get_documents(self, hazard) -> HazardDocumentOutput(many=True):
        return HazardDocumentOutput(documents.documents_of(hazard), many=True).data

    def get_moves(self, hazard) -> MoveOutput(many=True):
        return [m.as_dict() for m in moves_of(self, hazard, lambda user, obj: fsm.available(obj, user))]


class HazardCreateInput(serializers.Serializer):
    project = serializers.IntegerField()
    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    location = serializers.CharField(max_length=200, allow_blank=True)
    grade = serializers.ChoiceField(choices=HazardGrade.choices)
    criterion = serializers.CharField(max_length=20, allow_blank=True, required=False, default="")
    responsible = serializers.IntegerField()
    found_on = serializers.DateField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    work_stopped = serializers.BooleanField(required=False, default=False)


class HazardCreateMultipartInput(HazardCreateInput):
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20)


class HazardVersionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="The version read; a changed hazard is refused (409).")


class HazardSubmitInput(HazardVersionInput):
    measures = serializers.CharField(allow_blank=True, max_length=4000)


class HazardSubmitMultipartInput(HazardSubmitInput):
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20)


class HazardRejectInput(HazardVersionInput):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class HazardCloseInput(HazardVersionInput):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class HazardPhotosInput(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), max_length=20)


class HazardCriterionOutput(serializers.Serializer):
    code = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    text = serializers.CharField()


def _bad(name: str, value: str) -> dict:
    return {name: [_("Not a valid choice: %(value)s") % {"value": value}]}


HAZARD_FILTERS = [
    OpenApiParameter("project", int), OpenApiParameter("grade", str, enum=HazardGrade.values),
    OpenApiParameter("state", str, enum=STATE_FILTER, description="A state, or \"open\" for every open one."),
    OpenApiParameter("responsible", int, description="The responsible unit's id."),
    OpenApiParameter("overdue", bool, description="Only open hazards past their deadline."),
    OpenApiParameter("search", str),
]


class HazardViewSet(viewsets.ViewSet):
    """Hazards the caller may see: bureau staff and leaders all, others those of the projects they see and those
    their unit is responsible for. Moves are the workflow's (Hazard.workflow), through the hazards' services."""

    queryset = Hazard.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _hazard(self, request, pk, move: str | None = None) -> Hazard:
        hazard = policy.get_or_404(request.user, Hazard.objects.select_related("project", "responsible"), pk=pk)
        if move in ("reject", "close"):  # the rectifying unit is told why it may not check its own work (403)
            services.refuse_own_check(hazard, request.user)
        if move:
            fsm.require_move_permission(hazard, move, request.user)
        return hazard

    def _detail(self, request, pk, code=status.HTTP_200_OK) -> Response:
        hazard = self._hazard(request, pk)
        return Response(HazardDetailOutput(hazard, context={"request": request}).data, status=code)

    @extend_schema(parameters=HAZARD_FILTERS, responses=paginated(HazardOutput))
    def list(self, request):
        q = request.query_params
        bad: dict = {}
        if q.get("grade") and q["grade"] not in HazardGrade.values:
            bad.update(_bad("grade", q["grade"]))
        if q.get("state") and q["state"] not in STATE_FILTER:
            bad.update(_bad("state", q["state"]))
        if q.get("overdue") and q["overdue"] not in TRUE + FALSE:
            bad.update(_bad("overdue", q["overdue"]))
        if bad:
            raise serializers.ValidationError(bad)
        qs = selectors.hazard_list(user=request.user, project_id=int_param(q, "project"), grade=q.get("grade", ""),
                                   state=q.get("state", ""), responsible_id=int_param(q, "responsible"),
                                   overdue=q.get("overdue", "") in TRUE, q=q.get("search", "").strip()[:100])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(HazardOutput(page, many=True).data)

    @extend_schema(responses=HazardDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request={"application/json": HazardCreateInput, "multipart/form-data": HazardCreateMultipartInput},
                   responses={201: HazardDetailOutput})
    def create(self, request):
        """Report a hazard (bureau staff and inspectors, on a project they see). Multipart adds `photos`."""
        if not request.user.has_perm("supervision.add_hazard"):
            raise PermissionDenied
        data = valid_input(HazardCreateMultipartInput, request)
        project = policy.visible(request.user, Project.objects.all()).filter(pk=data.pop("project")).first()
        if project is None or not may_report(request.user, project):
            raise serializers.ValidationError({"project": [_("Select a valid choice.")]})
        data["responsible"] = Organization.objects.filter(pk=data["responsible"]).first()
        hazard = services.hazard_report(actor=request.user, project=project, source="api", **data)
        return self._detail(request, hazard.pk, status.HTTP_201_CREATED)

    @extend_schema(request=HazardVersionInput, responses=HazardDetailOutput)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The responsible unit takes the hazard on."""
        hazard = self._hazard(request, pk, "acknowledge")
        services.hazard_acknowledge(actor=request.user, hazard=hazard, **valid_input(HazardVersionInput, request))
        return self._detail(request, pk)

    @extend_schema(request={"application/json": HazardSubmitInput, "multipart/form-data": HazardSubmitMultipartInput},
                   responses=HazardDetailOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The responsible unit submits its rectification with the evidence (multipart `evidence`)."""
        hazard = self._hazard(request, pk, "submit")
        services.hazard_submit(actor=request.user, hazard=hazard, **valid_input(HazardSubmitMultipartInput, request))
        return self._detail(request, pk)

    @extend_schema(request=HazardRejectInput, responses=HazardDetailOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The check failed: back to the responsible unit, with the reason."""
        hazard = self._hazard(request, pk, "reject")
        services.hazard_reject(actor=request.user, hazard=hazard, **valid_input(HazardRejectInput, request))
        return self._detail(request, pk)

    @extend_schema(request=HazardCloseInput, responses=HazardDetailOutput)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The check passed: closed on the evidence filed."""
        hazard = self._hazard(request, pk, "close")
        services.hazard_close(actor=request.user, hazard=hazard, **valid_input(HazardCloseInput, request))
        return self._detail(request, pk)

    @extend_schema(request={"multipart/form-data": HazardPhotosInput}, responses={201: HazardDocumentOutput(many=True)})
    @action(detail=True, methods=["post"], parser_classes=[PlainNameMultiPartParser])
    def photos(self, request, pk=None):
        """More photos of an open hazard: its reporter, the responsible unit or a verifier."""
        hazard = self._hazard(request, pk)
        if not policy.can(request.user, "attach", hazard):
            raise PermissionDenied
        stored = services.hazard_add_photos(actor=request.user, hazard=hazard,
                                            photos=valid_input(HazardPhotosInput, request)["photos"])
        return Response(HazardDocumentOutput(stored, many=True).data, status=status.HTTP_201_CREATED)


class HazardCriterionViewSet(viewsets.ViewSet):
    """The criteria of a major hazard (房屋市政工程生产安全重大事故隐患判定标准（2022版）) to pick from."""

    @extend_schema(responses=HazardCriterionOutput(many=True))
    def list(self, request):
        return Response(HazardCriterionOutput(criteria.CRITERIA, many=True).data)


def register(router) -> None:
    router.register("supervision/hazards", HazardViewSet, basename="supervision-hazard")
    router.register("supervision/hazard-criteria", HazardCriterionViewSet, basename="supervision-hazard-criterion")
