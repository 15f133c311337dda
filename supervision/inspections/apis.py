"""/api/v1/supervision/inspections/…: deliveries, inspection plans, samples (draw the agency, record the result)
and rectifications (submit, reject, verify) — the same services and read path as the pages, in JSON. An object
the caller may not see is a 404, one they see but may not act on a 403, a refused rule a 400 naming the field, a
move someone else took first or a stale version a 409 (portal.core.apis)."""


from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
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
    choice_param,
    int_param,
    page_of,
    paginated,
    valid_input,
)
from portal.core.services import today
from portal.core.uploads import PlainNameMultiPartParser
from projects.models import Project

from ..models import (
    InspectionPlan,
    KeyProcess,
    MaterialDelivery,
    MaterialKind,
    Rectification,
    RectificationState,
    Sample,
    SampleState,
)
from . import selectors, services


@extend_schema_field(OpenApiTypes.INT)
class _Visible(serializers.PrimaryKeyRelatedField):
    """A related object the caller may see (another is "does not exist", like a missing one)."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return policy.visible(self.context["request"].user, self.model._default_manager.all())


@extend_schema_field(OpenApiTypes.INT)
class _Org(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Organization.objects.filter(voided_at__isnull=True)


class InspectionNamedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# ------------------------------------------------------------------------------------------------------ outputs
class InspectionDeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    contractor = InspectionNamedOutput()
    kind = serializers.CharField()
    kind_label = ChoiceLabelField(MaterialKind.choices, source="kind")
    specification = serializers.CharField()
    supplier = serializers.CharField()
    batch_number = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField()
    certificate_number = serializers.CharField()
    delivered_on = serializers.DateField()


class InspectionPlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    contractor = InspectionNamedOutput()
    process = serializers.CharField()
    process_label = ChoiceLabelField(KeyProcess.choices, source="process")
    title = serializers.CharField()
    required_samples = serializers.IntegerField()
    witness_share = serializers.IntegerField()
    standard = serializers.CharField()


class InspectionPlanDetailOutput(InspectionPlanOutput):
    taken = serializers.SerializerMethodField()
    witnessed = serializers.SerializerMethodField()
    witnessed_percent = serializers.SerializerMethodField()
    witness_met = serializers.SerializerMethodField()

    def _progress(self, obj):
        cache = self.context.setdefault("_progress", {})
        if obj.pk not in cache:
            cache[obj.pk] = services.plan_progress(obj)
        return cache[obj.pk]

    def get_taken(self, obj) -> int:
        return self._progress(obj).taken

    def get_witnessed(self, obj) -> int:
        return self._progress(obj).witnessed

    def get_witnessed_percent(self, obj) -> int:
        return self._progress(obj).witnessed_percent

    def get_witness_met(self, obj) -> bool:
        return self._progress(obj).witness_met


def _moves(serializer, obj) -> list[dict]:
    return [m.as_dict() for m in fsm.available(obj, serializer.context["request"].user)]


class InspectionSampleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    plan = serializers.IntegerField(source="plan_id")
    project = serializers.IntegerField(source="plan.project_id")
    process = serializers.CharField(source="plan.process")
    location = serializers.CharField()
    taken_on = serializers.DateField()
    witnessed = serializers.BooleanField()
    witness_name = serializers.CharField()
    retest_of = serializers.IntegerField(source="retest_of_id", allow_null=True)
    state = serializers.CharField()
    state_label = ChoiceLabelField(SampleState.choices, source="state")
    agency = InspectionNamedOutput(allow_null=True)
    report_number = serializers.CharField()
    tested_on = serializers.DateField(allow_null=True)


class InspectionSampleDetailOutput(InspectionSampleOutput):
    agency_candidates = serializers.ListField(child=serializers.IntegerField())
    assigned_at = serializers.DateTimeField(allow_null=True)
    assigned_by = serializers.IntegerField(source="assigned_by_id", allow_null=True)
    values = serializers.DictField()
    conclusion = serializers.CharField()
    version = serializers.IntegerField()
    moves = serializers.SerializerMethodField()

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return _moves(self, obj)


class InspectionRectificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    project = serializers.IntegerField(source="project_id")
    sample = serializers.IntegerField(source="sample_id")
    responsible = InspectionNamedOutput()
    requirement = serializers.CharField()
    due_on = serializers.DateField()
    state = serializers.CharField()
    state_label = ChoiceLabelField(RectificationState.choices, source="state")
    rounds = serializers.IntegerField()
    retest = serializers.IntegerField(source="retest_id", allow_null=True)


class InspectionRectificationDetailOutput(InspectionRectificationOutput):
    measures = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    moves = serializers.SerializerMethodField()

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return _moves(self, obj)


# ------------------------------------------------------------------------------------------------------- inputs
class InspectionDeliveryInput(serializers.Serializer):
    project = _Visible(Project)
    contractor = _Org(required=False, allow_null=True, default=None,
                      help_text="Bureau staff name the project's contractor; a contractor records its own.")
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    specification = serializers.CharField(max_length=100)
    supplier = serializers.CharField(max_length=200)
    batch_number = serializers.CharField(max_length=50)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField(max_length=10)
    certificate_number = serializers.CharField(max_length=50)
    delivered_on = serializers.DateField()
    certificates = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class InspectionPlanInput(serializers.Serializer):
    project = _Visible(Project)
    contractor = _Org()
    process = serializers.ChoiceField(choices=KeyProcess.choices)
    title = serializers.CharField(max_length=200)
    required_samples = serializers.IntegerField(min_value=1, max_value=100000)
    witness_share = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                             max_value=100)
    standard = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class InspectionSampleInput(serializers.Serializer):
    plan = _Visible(InspectionPlan)
    location = serializers.CharField(max_length=200)
    taken_on = serializers.DateField()
    witnessed = serializers.BooleanField(default=False)
    witness_name = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    delivery = _Visible(MaterialDelivery, required=False, allow_null=True, default=None)
    elements = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    retest_of = _Visible(Sample, required=False, allow_null=True, default=None,
                         help_text="The failed sample this re-inspects (its rectification must be submitted).")


class InspectionVersionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class InspectionResultInput(InspectionVersionInput):
    passed = serializers.BooleanField()
    report_number = serializers.CharField(max_length=50)
    tested_on = serializers.DateField()
    values = serializers.DictField(required=False, default=dict)
    conclusion = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)
    report = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10,
                                   help_text="The test report file(s): at least one, or the result is refused.")


class InspectionSubmitInput(InspectionVersionInput):
    measures = serializers.CharField(max_length=5000)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class InspectionRejectInput(InspectionVersionInput):
    reason = serializers.CharField(max_length=2000)


# ---------------------------------------------------------------------------------------------------- viewsets
PAGE = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


@extend_schema(tags=["supervision"])
class DeliveryViewSet(viewsets.ViewSet):
    """Material deliveries (材料进场) of the projects the caller sees."""

    queryset = MaterialDelivery.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    @extend_schema(parameters=[OpenApiParameter("project", int), OpenApiParameter(
        "kind", str, enum=MaterialKind.values), OpenApiParameter("search", str), *PAGE],
        responses=paginated(InspectionDeliveryOutput))
    def list(self, request):
        q = request.query_params
        qs = selectors.delivery_list(user=request.user, project_id=int_param(q, "project"),
                                     kind=choice_param(q, "kind", MaterialKind.values), search=q.get("search", "")[:100])
        return page_of(request, self, qs, InspectionDeliveryOutput)

    @extend_schema(responses=InspectionDeliveryOutput)
    def retrieve(self, request, pk=None):
        obj = policy.get_or_404(request.user, MaterialDelivery.objects.select_related("contractor"), pk=pk)
        return Response(InspectionDeliveryOutput(obj).data)

    @extend_schema(request={"application/json": InspectionDeliveryInput, "multipart/form-data": InspectionDeliveryInput},
                   responses={201: InspectionDeliveryOutput})
    def create(self, request):
        if not request.user.has_perm("supervision.add_materialdelivery"):
            raise PermissionDenied
        delivery = services.delivery_record(actor=request.user, **valid_input(InspectionDeliveryInput, request))
        return Response(InspectionDeliveryOutput(delivery).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["supervision"])
class PlanViewSet(viewsets.ViewSet):
    """Inspection plans of key processes, with their witnessed-sampling progress."""

    queryset = InspectionPlan.objects.none()
    lookup_value_regex = r"[0-9]+"

    @extend_schema(parameters=[OpenApiParameter("project", int), *PAGE], responses=paginated(InspectionPlanOutput))
    def list(self, request):
        qs = selectors.plan_list(user=request.user, project_id=int_param(request.query_params, "project"))
        return page_of(request, self, qs, InspectionPlanOutput)

    @extend_schema(responses=InspectionPlanDetailOutput)
    def retrieve(self, request, pk=None):
        plan = policy.get_or_404(request.user, InspectionPlan.objects.select_related("contractor"), pk=pk)
        return Response(InspectionPlanDetailOutput(plan, context={"request": request}).data)

    @extend_schema(request=InspectionPlanInput, responses={201: InspectionPlanDetailOutput})
    def create(self, request):
        plan = services.plan_create(actor=request.user, **valid_input(InspectionPlanInput, request))
        return Response(InspectionPlanDetailOutput(plan, context={"request": request}).data, status=status.HTTP_201_CREATED)


SAMPLE_FILTERS = [OpenApiParameter("project", int), OpenApiParameter("plan", int),
                  OpenApiParameter("process", str, enum=KeyProcess.values),
                  OpenApiParameter("state", str, enum=SampleState.values), OpenApiParameter("agency", int),
                  OpenApiParameter("mine", bool, description="Only the samples assigned to the caller's agency."),
                  OpenApiParameter("search", str), *PAGE]


@extend_schema(tags=["supervision"])
class SampleViewSet(viewsets.ViewSet):
    """Samples: taken under a plan, drawn to a testing agency at random, tested by that agency."""

    queryset = Sample.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _sample(self, request, pk, move: str | None = None) -> Sample:
        sample = policy.get_or_404(request.user, Sample.objects.select_related("plan", "agency"), pk=pk)
        if move:
            fsm.require_move_permission(sample, move, request.user)
        return sample

    def _detail(self, request, pk, code=status.HTTP_200_OK) -> Response:
        sample = Sample.objects.select_related("plan", "agency").get(pk=pk)
        return Response(InspectionSampleDetailOutput(sample, context={"request": request}).data, status=code)

    @extend_schema(parameters=SAMPLE_FILTERS, responses=paginated(InspectionSampleOutput))
    def list(self, request):
        q = request.query_params
        qs = selectors.sample_list(user=request.user, project_id=int_param(q, "project"), plan_id=int_param(q, "plan"),
                                   process=choice_param(q, "process", KeyProcess.values),
                                   state=choice_param(q, "state", SampleState.values), agency_id=int_param(q, "agency"),
                                   search=q.get("search", "")[:100], agency_only=q.get("mine") in ("1", "true"))
        return page_of(request, self, qs, InspectionSampleOutput)

    @extend_schema(responses=InspectionSampleDetailOutput)
    def retrieve(self, request, pk=None):
        self._sample(request, pk)
        return self._detail(request, pk)

    @extend_schema(request=InspectionSampleInput, responses={201: InspectionSampleDetailOutput})
    def create(self, request):
        sample = services.sample_take(actor=request.user, **valid_input(InspectionSampleInput, request))
        return self._detail(request, sample.pk, status.HTTP_201_CREATED)

    @extend_schema(request=InspectionVersionInput, responses=InspectionSampleDetailOutput)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Draw the testing agency at random among the eligible ones."""
        sample = self._sample(request, pk, "assign")
        services.sample_assign(actor=request.user, sample=sample, **valid_input(InspectionVersionInput, request))
        return self._detail(request, pk)

    @extend_schema(request={"multipart/form-data": InspectionResultInput}, responses=InspectionSampleDetailOutput)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        """The assigned agency records the result with its report file."""
        sample = self._sample(request, pk, "pass")
        services.sample_record_result(actor=request.user, sample=sample, **valid_input(InspectionResultInput, request))
        return self._detail(request, pk)


@extend_schema(tags=["supervision"])
class RectificationViewSet(viewsets.ViewSet):
    """Rectifications of failed tests: submitted by the responsible unit, returned or closed by an inspector
    once the re-inspection passed."""

    queryset = Rectification.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _rect(self, request, pk, move: str | None = None) -> Rectification:
        rect = policy.get_or_404(request.user, Rectification.objects.select_related("retest", "sample"), pk=pk)
        if move:
            fsm.require_move_permission(rect, move, request.user)
        return rect

    def _detail(self, request, pk) -> Response:
        rect = Rectification.objects.select_related("responsible", "retest").get(pk=pk)
        return Response(InspectionRectificationDetailOutput(rect, context={"request": request}).data)

    @extend_schema(parameters=[OpenApiParameter("project", int), OpenApiParameter(
        "state", str, enum=["open", *RectificationState.values]), OpenApiParameter(
        "due", str, enum=list(selectors.DUE_CHOICES)), OpenApiParameter("search", str), *PAGE],
        responses=paginated(InspectionRectificationOutput))
    def list(self, request):
        q = request.query_params
        qs = selectors.rectification_list(
            user=request.user, on=today(), project_id=int_param(q, "project"),
            state=choice_param(q, "state", ["open", *RectificationState.values]),
            due=choice_param(q, "due", selectors.DUE_CHOICES), search=q.get("search", "")[:100])
        return page_of(request, self, qs, InspectionRectificationOutput)

    @extend_schema(responses=InspectionRectificationDetailOutput)
    def retrieve(self, request, pk=None):
        self._rect(request, pk)
        return self._detail(request, pk)

    @extend_schema(request={"application/json": InspectionSubmitInput, "multipart/form-data": InspectionSubmitInput},
                   responses=InspectionRectificationDetailOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        rect = self._rect(request, pk, "submit")
        services.rectification_submit(actor=request.user, rectification=rect, **valid_input(InspectionSubmitInput, request))
        return self._detail(request, pk)

    @extend_schema(request=InspectionRejectInput, responses=InspectionRectificationDetailOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        rect = self._rect(request, pk, "reject")
        services.rectification_reject(actor=request.user, rectification=rect, **valid_input(InspectionRejectInput, request))
        return self._detail(request, pk)

    @extend_schema(request=InspectionVersionInput, responses=InspectionRectificationDetailOutput)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        rect = self._rect(request, pk, "verify")
        services.rectification_verify(actor=request.user, rectification=rect, **valid_input(InspectionVersionInput, request))
        return self._detail(request, pk)


def register(router) -> None:
    """Register this part's viewsets on the portal's router."""
    router.register("supervision/inspections/deliveries", DeliveryViewSet, basename="supervision-delivery")
    router.register("supervision/inspections/plans", PlanViewSet, basename="supervision-inspection-plan")
    router.register("supervision/inspections/samples", SampleViewSet, basename="supervision-sample")
    router.register("supervision/inspections/rectifications", RectificationViewSet,
                    basename="supervision-rectification")
