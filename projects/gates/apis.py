"""API endpoints of the stage gates, registered on /api/v1/ by portal/api_urls.py — the same services and
selectors as the pages:

- GET  projects/{id}/gate/                  the current stage, the next one, the checklist, may_advance
- POST projects/{id}/gate/advance/          {expected_stage, reason}
- GET/POST projects/{id}/documents/         the project's documents; upload one (multipart)
- GET  projects/{id}/documents/{doc}/file/  download; POST …/{doc}/void/ {reason}
- GET/POST projects/{id}/confirmations/     confirmations; give one {requirement, note}; POST …/{c}/void/ {reason}

A project the caller may not see is a 404 everywhere; one they see but may not act on is a 403."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core import policy, uploads
from portal.core.apis import ChoiceLabelField, Pagination, paginated
from projects.selectors import project_for

from ..models import GateConfirmation, GateRequirement, Project, ProjectDocument, RequirementKind, Stage
from . import selectors, services


# ------------------------------------------------------------------------------------------------- output
class GateChecklistItemOutput(serializers.Serializer):
    requirement_id = serializers.IntegerField(source="requirement.pk")
    title = serializers.CharField(source="requirement.title")
    kind = serializers.CharField(source="requirement.kind")
    kind_display = ChoiceLabelField(RequirementKind.choices, source="requirement.kind")
    condition = serializers.CharField(source="requirement.condition")
    met = serializers.BooleanField()
    detail = serializers.CharField(help_text="What satisfies the line, or what blocks it, in words.")
    document_ids = serializers.SerializerMethodField()
    confirmation_id = serializers.SerializerMethodField()

    def get_document_ids(self, obj) -> list[int]:
        return [d.pk for d in obj.documents]

    def get_confirmation_id(self, obj) -> int | None:
        return obj.confirmation.pk if obj.confirmation else None


@extend_schema_serializer(many=False)  # one object, although the viewset's `list` answers it
class GateOutput(serializers.Serializer):
    project_id = serializers.IntegerField(source="project.pk")
    stage = serializers.CharField()
    stage_display = ChoiceLabelField(Stage.choices, source="stage")
    phase = serializers.CharField(source="project.phase")
    next_stage = serializers.CharField(allow_null=True)
    next_stage_display = serializers.SerializerMethodField()
    checklist = GateChecklistItemOutput(source="items", many=True)
    all_met = serializers.SerializerMethodField(help_text="Every line is met and there is a next stage.")
    may_advance = serializers.SerializerMethodField(help_text="The caller may move the project now.")

    def get_next_stage_display(self, obj) -> str | None:
        return obj.next_stage_label() or None

    def get_all_met(self, obj) -> bool:
        return obj.is_open

    def get_may_advance(self, obj) -> bool:
        return obj.is_open and policy.can(self.context["request"].user, "advance", obj.project)


class StageTransitionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    actor_id = serializers.IntegerField()
    actor_name = serializers.CharField(source="actor.full_name")
    reason = serializers.CharField()
    checklist = serializers.JSONField()
    created_at = serializers.DateTimeField()


class ProjectDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    requirement_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by_id = serializers.IntegerField()
    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name")
    uploaded_at = serializers.DateTimeField(source="created_at")
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class GateConfirmationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    requirement_id = serializers.IntegerField()
    requirement_title = serializers.CharField(source="requirement.title")
    confirmed_by_id = serializers.IntegerField()
    confirmed_by_name = serializers.CharField(source="confirmed_by.full_name")
    note = serializers.CharField()
    confirmed_at = serializers.DateTimeField(source="created_at")
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


# ------------------------------------------------------------------------------------------------- input
class GateAdvanceInput(serializers.Serializer):
    expected_stage = serializers.ChoiceField(choices=Stage.choices,
                                             help_text="The stage the caller saw; refused if the project moved since.")
    reason = serializers.CharField(max_length=2000)


class ProjectDocumentInput(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, OFD, JPEG, PNG, DOC(X) or XLS(X); checked by its content.")
    requirement = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                           help_text="The checklist line (kind document) it satisfies, if any.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                  help_text="Required without a checklist line.")

    def validate(self, attrs):
        if not attrs.get("requirement") and not attrs.get("title", "").strip():
            raise serializers.ValidationError({"title": ["Give the document a title."]})
        return attrs


class GateConfirmationInput(serializers.Serializer):
    requirement = serializers.IntegerField(min_value=1, help_text="The checklist line of kind confirmation.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class GateVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _requirement(pk: int, kind: str) -> GateRequirement:
    requirement = GateRequirement.objects.filter(pk=pk, kind=kind).first()
    if requirement is None:
        raise serializers.ValidationError({"requirement": ["Select a valid choice."]})
    return requirement


PROJECT_PK = OpenApiParameter("project_pk", int, OpenApiParameter.PATH)


# ------------------------------------------------------------------------------------------------- views
@extend_schema(tags=["projects"], parameters=[PROJECT_PK])
class GateViewSet(viewsets.ViewSet):
    """The gate a project stands before: the checklist for leaving its stage, and the move itself."""

    queryset = Project.objects.none()  # for the schema only: every action reads through the policy

    @extend_schema(responses=GateOutput)
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk, related=("owner", "liaison_officer"))
        return Response(GateOutput(selectors.gate_for(project), context={"request": request}).data)

    @extend_schema(request=GateAdvanceInput, responses={201: StageTransitionOutput})
    @action(detail=False, methods=["post"])
    def advance(self, request, project_pk=None):
        """Move the project to the next stage. 400 with code "gate_blocked" listing every unmet line in
        fields.checklist, or 409 with code "stale" when the project is no longer in expected_stage."""
        project = project_for(request.user, project_pk, "advance", related=("owner", "liaison_officer"))
        data = _valid(GateAdvanceInput, request)
        transition = services.stage_advance(actor=request.user, project=project,
                                            expected_stage=data["expected_stage"], reason=data["reason"])
        return Response(StageTransitionOutput(transition).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=StageTransitionOutput(many=True))
    @action(detail=False, methods=["get"])
    def transitions(self, request, project_pk=None):
        project = project_for(request.user, project_pk, related=("owner", "liaison_officer"))
        return Response(StageTransitionOutput(selectors.stage_transitions(user=request.user, project=project),
                                         many=True).data)


@extend_schema(tags=["projects"], parameters=[PROJECT_PK])
class ProjectDocumentViewSet(viewsets.ViewSet):
    """A project's documents, voided ones included (marked). Upload as multipart with the field `file`."""

    queryset = ProjectDocument.objects.none()
    lookup_value_regex = r"\d+"
    # A path-like file name is refused, not cut to its last part (see PlainNameMultiPartParser).
    parser_classes = [parsers.JSONParser, parsers.FormParser, uploads.PlainNameMultiPartParser]

    def _document(self, request, project_pk, pk, action_name: str | None = None) -> ProjectDocument:
        project = project_for(request.user, project_pk, action_name, related=("owner", "liaison_officer"))
        document = ProjectDocument.objects.select_related("uploaded_by").filter(project=project, pk=pk).first()
        if document is None:
            raise Http404
        return document

    @extend_schema(parameters=[OpenApiParameter("page", int)], responses=paginated(ProjectDocumentOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk, related=("owner", "liaison_officer"))
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.project_documents(user=request.user, project=project),
                                           request, view=self)
        return paginator.get_paginated_response(ProjectDocumentOutput(page, many=True).data)

    @extend_schema(responses=ProjectDocumentOutput)
    def retrieve(self, request, project_pk=None, pk=None):
        return Response(ProjectDocumentOutput(self._document(request, project_pk, pk)).data)

    @extend_schema(request={"multipart/form-data": ProjectDocumentInput}, responses={201: ProjectDocumentOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "manage", related=("owner", "liaison_officer"))
        data = _valid(ProjectDocumentInput, request)
        requirement = _requirement(data["requirement"], RequirementKind.DOCUMENT) if data.get("requirement") else None
        document = services.document_upload(actor=request.user, project=project, upload=data["file"],
                                            requirement=requirement, title=data.get("title", ""))
        return Response(ProjectDocumentOutput(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, project_pk=None, pk=None):
        """Download the stored file."""
        document = self._document(request, project_pk, pk)
        return uploads.file_response(document.file, document.original_name, document.content_type)

    @extend_schema(request=GateVoidInput, responses=ProjectDocumentOutput)
    @action(detail=True, methods=["post"])
    def void(self, request, project_pk=None, pk=None):
        document = self._document(request, project_pk, pk, "manage")
        document = services.document_void(actor=request.user, document=document,
                                          reason=_valid(GateVoidInput, request)["reason"])
        return Response(ProjectDocumentOutput(document).data)


@extend_schema(tags=["projects"], parameters=[PROJECT_PK])
class GateConfirmationViewSet(viewsets.ViewSet):
    """Confirmations by bureau staff of checklist lines of kind confirmation."""

    queryset = GateConfirmation.objects.none()
    lookup_value_regex = r"\d+"

    @extend_schema(responses=paginated(GateConfirmationOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk, related=("owner", "liaison_officer"))
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.project_confirmations(user=request.user, project=project),
                                           request, view=self)
        return paginator.get_paginated_response(GateConfirmationOutput(page, many=True).data)

    @extend_schema(request=GateConfirmationInput, responses={201: GateConfirmationOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "advance", related=("owner", "liaison_officer"))
        data = _valid(GateConfirmationInput, request)
        confirmation = services.confirmation_give(
            actor=request.user, project=project, requirement=_requirement(data["requirement"],
                                                                          RequirementKind.CONFIRMATION),
            note=data["note"])
        return Response(GateConfirmationOutput(confirmation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GateVoidInput, responses=GateConfirmationOutput)
    @action(detail=True, methods=["post"])
    def void(self, request, project_pk=None, pk=None):
        project = project_for(request.user, project_pk, "advance", related=("owner", "liaison_officer"))
        confirmation = GateConfirmation.objects.filter(project=project, pk=pk).first()
        if confirmation is None:
            raise Http404
        confirmation = services.confirmation_void(actor=request.user, confirmation=confirmation,
                                                  reason=_valid(GateVoidInput, request)["reason"])
        return Response(GateConfirmationOutput(confirmation).data)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)/gate", GateViewSet, basename="project-gate")
    router.register(r"projects/(?P<project_pk>\d+)/documents", ProjectDocumentViewSet, basename="project-document")
    router.register(r"projects/(?P<project_pk>\d+)/confirmations", GateConfirmationViewSet,
                    basename="project-gate-confirmation")
