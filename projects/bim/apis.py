"""API endpoints of the project's BIM models, registered on /api/v1/ by portal/api_urls.py — the same services and
selectors as the pages and the viewer:

- projects/{id}/bim-models/ — the versions, newest first; POST (multipart "file", "title", "note") uploads one
- bim-models/{id}/ — one version; retry/ reads an interrupted one again
- bim-models/{id}/elements/ — its elements (?ifc_class=, ?storey=, ?q=), a page at a time;
  bim-models/{id}/elements/{global_id}/ — one with its properties, links and inspections
- bim-models/{id}/links/ — the project's links resolved to this version's element indices;
  bim-models/{id}/status/?date= — the 4D colours on a date; bim-models/{id}/findings/ — the inspection colours
- projects/{id}/bim-links/ — the links (list, create); bim-links/{id}/ — DELETE removes one
"""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core import policy
from portal.core.apis import ChoiceLabelField, Pagination, paginated
from portal.core.services import today
from portal.core.uploads import PlainNameMultiPartParser
from projects.selectors import project_for

from ..models import BimElement, BimLink, BimLinkKind, BimModel, BimModelState, ScheduleTask
from . import selectors, services

GLOBAL_ID = r"[0-9A-Za-z_$]{22}"


def _model(request, pk) -> BimModel:
    return policy.get_or_404(request.user, BimModel.objects.select_related("project", "uploaded_by"), pk=pk)


# ------------------------------------------------------------------------------------------------ models
class BimUserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class BimModelOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    number = serializers.IntegerField()
    title = serializers.CharField()
    note = serializers.CharField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = BimUserOutput()
    uploaded_at = serializers.DateTimeField(source="created_at")
    state = serializers.CharField()
    state_label = ChoiceLabelField(BimModelState.choices, source="state")
    progress = serializers.IntegerField()
    stage = serializers.CharField()
    error = serializers.CharField()
    retryable = serializers.BooleanField()
    attempts = serializers.IntegerField()
    is_current = serializers.BooleanField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    schema = serializers.CharField()
    application = serializers.CharField()
    element_count = serializers.IntegerField()
    class_counts = serializers.DictField(child=serializers.IntegerField())
    geometry_size = serializers.IntegerField()
    read_seconds = serializers.FloatField(allow_null=True)
    peak_memory_kb = serializers.IntegerField(allow_null=True)


class BimModelDetailOutput(BimModelOutput):
    tree = serializers.JSONField(help_text="The site / building / storey tree as the reader found it.")
    quantities = serializers.JSONField(help_text="Quantities found in IfcElementQuantity, summed.")
    bounds = serializers.ListField(child=serializers.FloatField())


class BimModelUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="The IFC file: .ifc or .ifczip, IFC2X3 or IFC4.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


@extend_schema(tags=["bim"])
class ProjectBimModelViewSet(viewsets.ViewSet):
    """The versions of a project's IFC model, newest first."""

    queryset = BimModel.objects.none()
    # A path-like file name is refused, not cut to its last part (see PlainNameMultiPartParser).
    parser_classes = [parsers.JSONParser, parsers.FormParser, PlainNameMultiPartParser]

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(BimModelOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.models_for(project), request, view=self)
        return paginator.get_paginated_response(BimModelOutput(page, many=True).data)

    @extend_schema(request={"multipart/form-data": BimModelUploadInput}, responses={201: BimModelOutput})
    def create(self, request, project_pk=None):
        """Upload a version (multipart "file"). It is checked before it is stored, then read in the background:
        poll bim-models/{id}/ for its state and progress. The current version stays current until it is read."""
        project = project_for(request.user, project_pk, "manage")
        data = BimModelUploadInput(data={"title": request.data.get("title", ""), "note": request.data.get("note", ""),
                                         "file": request.FILES.get("file")})
        data.is_valid(raise_exception=True)
        model = services.model_upload(actor=request.user, project=project, upload=data.validated_data["file"],
                                      title=data.validated_data["title"], note=data.validated_data["note"])
        return Response(BimModelOutput(model).data, status=status.HTTP_201_CREATED)



def _date_param(request) -> datetime.date:
    raw = request.query_params.get("date", "")
    if not raw:
        return today()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"date": [_("Use a date as YYYY-MM-DD.")]}) from None


class LinkTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    wbs = serializers.CharField()
    name = serializers.CharField()
    planned_start = serializers.DateField()
    planned_finish = serializers.DateField()
    actual_start = serializers.DateField(allow_null=True)
    actual_finish = serializers.DateField(allow_null=True)
    percent_complete = serializers.IntegerField()


class ResolvedLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=BimLinkKind.choices)
    kind_label = serializers.CharField()
    storey = serializers.CharField()
    storey_name = serializers.CharField()
    ifc_class = serializers.CharField()
    task = LinkTaskOutput()
    elements = serializers.ListField(child=serializers.IntegerField(), help_text="Indices of the elements covered.")
    missing = serializers.IntegerField(help_text="GlobalIds of a selection this version does not have.")


STATUS_CHOICES = [*selectors.STATUSES, selectors.UNLINKED]
RESULT_CHOICES = [selectors.FAILED, selectors.PENDING, selectors.PASSED]




class ElementLinkTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    wbs = serializers.CharField()
    name = serializers.CharField()
    status_today = serializers.ChoiceField(choices=list(selectors.STATUSES))
    url = serializers.CharField()


class ElementLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    task = ElementLinkTaskOutput()


class ElementFindingOutput(serializers.Serializer):
    result = serializers.ChoiceField(choices=RESULT_CHOICES)
    label = serializers.CharField()
    url = serializers.CharField()
    date = serializers.DateField(allow_null=True)


class FindingOutput(ElementFindingOutput):
    global_ids = serializers.ListField(child=serializers.CharField())
    elements = serializers.ListField(child=serializers.IntegerField())


class StoreyOutput(serializers.Serializer):
    global_id = serializers.CharField()
    name = serializers.CharField()


class BimElementOutput(serializers.Serializer):
    index = serializers.IntegerField()
    global_id = serializers.CharField()
    ifc_class = serializers.CharField()
    name = serializers.CharField()
    storey = serializers.CharField(help_text="GlobalId of its storey (or other container); \"\" when none.")


class BimElementDetailOutput(serializers.Serializer):
    index = serializers.IntegerField()
    global_id = serializers.CharField()
    ifc_class = serializers.CharField()
    name = serializers.CharField()
    has_geometry = serializers.BooleanField()
    storey = StoreyOutput(allow_null=True)
    properties = serializers.DictField(child=serializers.DictField(), help_text="{set: {name: value}}")
    links = ElementLinkOutput(many=True)
    findings = ElementFindingOutput(many=True)


@extend_schema(tags=["bim"])
class BimModelViewSet(viewsets.ViewSet):
    """One version of a project's model, and what the viewer loads beside its geometry."""

    queryset = BimModel.objects.none()
    lookup_value_regex = r"\d+"

    @extend_schema(responses=BimModelDetailOutput)
    def retrieve(self, request, pk=None):
        return Response(BimModelDetailOutput(_model(request, pk)).data)

    @extend_schema(request=None, responses=BimModelOutput)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Read again a version whose reading was interrupted (`retryable`). Refused (409) for any other state,
        and for a file that was refused."""
        model = _model(request, pk)
        policy.require(request.user, "change", model)
        model = services.model_retry(actor=request.user, model=model)
        return Response(BimModelOutput(model).data)

    @extend_schema(responses=inline_serializer("BimLinksResolved", {"links": ResolvedLinkOutput(many=True)}))
    @action(detail=True, methods=["get"])
    def links(self, request, pk=None):
        """The project's links (to live tasks), each with the indices of this version's elements it covers."""
        model = _model(request, pk)
        return Response({"links": ResolvedLinkOutput(selectors.links_resolved(model), many=True).data})

    @extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today.")],
                   responses=inline_serializer("BimStatusOn", {
                       "date": serializers.DateField(),
                       "links": serializers.DictField(child=serializers.ChoiceField(choices=list(selectors.STATUSES)),
                                                      help_text="{link id: status of its task on the date}"),
                       "counts": serializers.DictField(child=serializers.IntegerField(),
                                                       help_text="{status or unlinked: number of elements}")}))
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        """The 4D colours on a date: each link's task status, and how many elements are in each status."""
        model = _model(request, pk)
        on = _date_param(request)
        return Response(selectors.status_on(model, on))

    @extend_schema(responses=inline_serializer("BimFindings", {
        "elements": serializers.DictField(child=serializers.ChoiceField(choices=RESULT_CHOICES),
                                          help_text="{element index: worst result (failed > pending > passed)}"),
        "findings": FindingOutput(many=True)}))
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        """What inspections recorded on this version's elements (those the caller may see)."""
        model = _model(request, pk)
        return Response(selectors.findings(model, request.user))


@extend_schema(tags=["bim"])
class BimElementViewSet(viewsets.ViewSet):
    """The elements of one version of a model."""

    queryset = BimElement.objects.none()
    lookup_field = "global_id"
    lookup_value_regex = GLOBAL_ID

    @extend_schema(parameters=[OpenApiParameter("ifc_class", str), OpenApiParameter("storey", str,
                                                                                     description="Its GlobalId."),
                               OpenApiParameter("q", str, description="A GlobalId, or part of a name or class."),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(BimElementOutput))
    def list(self, request, model_pk=None):
        model = _model(request, model_pk)
        params = request.query_params
        for name in ("ifc_class", "storey", "q"):
            if len(params.get(name, "")) > 200:
                raise serializers.ValidationError({name: ["At most 200 characters."]})
        qs = selectors.elements(model, ifc_class=params.get("ifc_class", ""), storey=params.get("storey", ""),
                                q=params.get("q", "")).values(*selectors.ELEMENT_COLUMNS)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(BimElementOutput(page, many=True).data)

    @extend_schema(responses=BimElementDetailOutput)
    def retrieve(self, request, model_pk=None, global_id=None):
        model = _model(request, model_pk)
        detail = selectors.element_detail(model, global_id or "", request.user)
        if detail is None:
            raise Http404
        return Response(BimElementDetailOutput(detail).data)


# ------------------------------------------------------------------------------------------------ links
class BimLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    task = serializers.IntegerField(source="task_id")
    task_wbs = serializers.CharField(source="task.wbs")
    task_name = serializers.CharField(source="task.name")
    kind = serializers.CharField()
    kind_label = ChoiceLabelField(BimLinkKind.choices, source="kind")
    name = serializers.CharField()
    storey = serializers.CharField()
    storey_name = serializers.CharField()
    ifc_class = serializers.CharField()
    global_ids = serializers.ListField(child=serializers.CharField())
    created_by = BimUserOutput()
    created_at = serializers.DateTimeField()


class BimLinkInput(serializers.Serializer):
    task = serializers.IntegerField(help_text="Id of a live task of the project's schedule.")
    kind = serializers.ChoiceField(choices=BimLinkKind.choices)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    storey = serializers.CharField(required=False, allow_blank=True, default="", max_length=22,
                                   help_text="kind storey: the storey's GlobalId.")
    ifc_class = serializers.CharField(required=False, allow_blank=True, default="", max_length=64,
                                      help_text="kind class; or narrows a storey to one class.")
    global_ids = serializers.ListField(child=serializers.CharField(max_length=22), required=False, default=list,
                                       max_length=services.MAX_SELECTION, help_text="kind selection.")


@extend_schema(tags=["bim"])
class ProjectBimLinkViewSet(viewsets.ViewSet):
    """Groups of the model's elements linked to schedule tasks (4D); kept on the project across versions."""

    queryset = BimLink.objects.none()

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(BimLinkOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.project_links(project), request, view=self)
        return paginator.get_paginated_response(BimLinkOutput(page, many=True).data)

    @extend_schema(request=BimLinkInput, responses={201: BimLinkOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "manage")
        data = BimLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        # only this project's tasks: another project's is "no such task", not a hint that it exists
        task = ScheduleTask.objects.filter(project=project, pk=d.pop("task")).first()
        link = services.link_create(actor=request.user, project=project, task=task, **d)
        link = selectors.project_links(project).get(pk=link.pk)
        return Response(BimLinkOutput(link).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["bim"])
class BimLinkViewSet(viewsets.ViewSet):
    queryset = BimLink.objects.none()
    lookup_value_regex = r"\d+"

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Remove a link (the task and the elements stay)."""
        link = policy.get_or_404(request.user, BimLink.objects.select_related("project"), pk=pk)
        policy.require(request.user, "change", link)
        services.link_delete(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)/bim-models", ProjectBimModelViewSet, basename="project-bim-model")
    router.register(r"projects/(?P<project_pk>\d+)/bim-links", ProjectBimLinkViewSet, basename="project-bim-link")
    router.register(r"bim-models/(?P<model_pk>\d+)/elements", BimElementViewSet, basename="bim-element")
    router.register(r"bim-models", BimModelViewSet, basename="bim-model")
    router.register(r"bim-links", BimLinkViewSet, basename="bim-link")
