"""/api/v1/supervision/accountability/: accountability records (追责) with their decisions, through the same
services and selectors as the pages. A record the caller may not see is a 404; a decision by anyone but bureau
staff a 403; a refused rule a 400 naming the field; a decision someone else took first or a stale version a 409."""

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

from ..models import AccountabilityRecord, AccountabilityState, MeasureKind, Trigger
from . import selectors, services


class AccountabilityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    project_id = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(source="project.name", allow_null=True, default=None)
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(MeasureKind.choices, source="kind")
    trigger = serializers.CharField()
    trigger_display = ChoiceLabelField(Trigger.choices, source="trigger")
    hazard_id = serializers.IntegerField(allow_null=True)
    sample_id = serializers.IntegerField(allow_null=True)
    incident_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    state_display = ChoiceLabelField(AccountabilityState.choices, source="state")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class AccountabilityDetailOutput(AccountabilityOutput):
    facts = serializers.CharField()
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    fine_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    bars_bidding_until = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    completion_note = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)
    moves = serializers.SerializerMethodField()

    def get_moves(self, record) -> MoveOutput(many=True):
        return [m.as_dict() for m in moves_of(self, record, lambda user, obj: fsm.available(obj, user))]


class AccountabilityParticularsInput(serializers.Serializer):
    fine_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                           default=None, min_value=0)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    bars_bidding_until = serializers.DateField(required=False, allow_null=True, default=None)


class AccountabilityCreateInput(AccountabilityParticularsInput):
    organization = serializers.IntegerField()
    project = serializers.IntegerField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    facts = serializers.CharField(allow_blank=True, max_length=4000)


class AccountabilityVersionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="The version read; a changed record is refused (409).")


class AccountabilityConfirmInput(AccountabilityVersionInput, AccountabilityParticularsInput):
    reason = serializers.CharField(allow_blank=True, max_length=4000)
    kind = serializers.ChoiceField(choices=MeasureKind.choices, required=False, allow_null=True, default=None,
                                   help_text="The measure, when it differs from the one proposed.")


class AccountabilityDismissInput(AccountabilityVersionInput):
    reason = serializers.CharField(allow_blank=True, max_length=4000)


class AccountabilityCompleteInput(AccountabilityVersionInput):
    note = serializers.CharField(allow_blank=True, max_length=4000)


class AccountabilityCompleteMultipartInput(AccountabilityCompleteInput):
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20)


FILTERS = [
    OpenApiParameter("project", int), OpenApiParameter("organization", int),
    OpenApiParameter("kind", str, enum=MeasureKind.values), OpenApiParameter("trigger", str, enum=Trigger.values),
    OpenApiParameter("state", str, enum=AccountabilityState.values), OpenApiParameter("search", str),
]


class AccountabilityViewSet(viewsets.ViewSet):
    """Accountability records the caller may see: bureau staff and leaders all, a unit its own confirmed ones."""

    queryset = AccountabilityRecord.objects.none()
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _record(self, request, pk, move: str | None = None) -> AccountabilityRecord:
        record = policy.get_or_404(request.user, AccountabilityRecord.objects.select_related(
            "organization", "project"), pk=pk)
        if move:
            fsm.require_move_permission(record, move, request.user)
        return record

    def _detail(self, request, pk, code=status.HTTP_200_OK) -> Response:
        record = self._record(request, pk)
        return Response(AccountabilityDetailOutput(record, context={"request": request}).data, status=code)

    @extend_schema(parameters=FILTERS, responses=paginated(AccountabilityOutput))
    def list(self, request):
        q = request.query_params
        bad: dict = {}
        for name, values in (("kind", MeasureKind.values), ("trigger", Trigger.values),
                             ("state", AccountabilityState.values)):
            if q.get(name) and q[name] not in values:
                bad[name] = [_("Not a valid choice: %(value)s") % {"value": q[name]}]
        if bad:
            raise serializers.ValidationError(bad)
        qs = selectors.record_list(user=request.user, project_id=int_param(q, "project"),
                                   organization_id=int_param(q, "organization"), kind=q.get("kind", ""),
                                   trigger=q.get("trigger", ""), state=q.get("state", ""),
                                   q=q.get("search", "").strip()[:100])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AccountabilityOutput(page, many=True).data)

    @extend_schema(responses=AccountabilityDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=AccountabilityCreateInput, responses={201: AccountabilityDetailOutput})
    def create(self, request):
        """Bureau staff hold a unit to account by hand; the record is proposed, to be confirmed."""
        if not request.user.has_perm("supervision.add_accountabilityrecord"):
            raise PermissionDenied
        data = valid_input(AccountabilityCreateInput, request)
        data["organization"] = Organization.objects.filter(pk=data["organization"]).first()
        if data["project"] is not None:
            data["project"] = Project.objects.filter(pk=data["project"]).first()
            if data["project"] is None:
                raise serializers.ValidationError({"project": [_("Select a valid choice.")]})
        record = services.record_create(actor=request.user, **data)
        return self._detail(request, record.pk, status.HTTP_201_CREATED)

    @extend_schema(request=AccountabilityConfirmInput, responses=AccountabilityDetailOutput)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm a proposal with the reason and the measure's particulars."""
        record = self._record(request, pk, "confirm")
        services.record_confirm(actor=request.user, record=record, **valid_input(AccountabilityConfirmInput, request))
        return self._detail(request, pk)

    @extend_schema(request=AccountabilityDismissInput, responses=AccountabilityDetailOutput)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss a proposal, with the reason."""
        record = self._record(request, pk, "dismiss")
        services.record_dismiss(actor=request.user, record=record, **valid_input(AccountabilityDismissInput, request))
        return self._detail(request, pk)

    @extend_schema(request={"application/json": AccountabilityCompleteInput,
                            "multipart/form-data": AccountabilityCompleteMultipartInput},
                   responses=AccountabilityDetailOutput)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record that a confirmed measure was carried out, with the proof (multipart `files`)."""
        record = self._record(request, pk, "complete")
        services.record_complete(actor=request.user, record=record,
                                 **valid_input(AccountabilityCompleteMultipartInput, request))
        return self._detail(request, pk)


def register(router) -> None:
    router.register("supervision/accountability", AccountabilityViewSet, basename="supervision-accountability")
