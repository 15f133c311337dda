"""REST API of contracts, under /api/v1/supervision/contracts/: the contracts of the projects the caller sees, one
with its terms, moves and versioned documents; the project's owner and bureau staff record, change, complete and
terminate them and add document versions. The same services as the pages; bad terms are refused naming the field
(400), a stale version with 409."""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from portal.accounts.models import Organization, User
from portal.core import fsm, policy
from portal.core.apis import ChoiceLabelField, MoveOutput, Pagination, paginated, valid_input
from portal.core.uploads import PlainNameMultiPartParser, file_response
from projects.models import Project

from ..models import Contract, ContractDocument, ContractKind, ContractState, QualityStandard, TenderLot
from . import selectors, services


class _Scoped(serializers.PrimaryKeyRelatedField):
    def __init__(self, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", Organization.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


def _organizations(user: User) -> QuerySet:
    return Organization.objects.filter(voided_at__isnull=True)


def _projects(user: User) -> QuerySet:
    return policy.visible(user, Project.objects.filter(voided_at__isnull=True))


def _lots(user: User) -> QuerySet:
    return policy.visible(user, TenderLot.objects.filter(voided_at__isnull=True))


class ContractPartyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContractOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    lot = serializers.IntegerField(source="lot_id", allow_null=True)
    number = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = ChoiceLabelField(ContractKind.choices, source="kind")
    employer = ContractPartyOutput()
    contractor = ContractPartyOutput()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    start_on = serializers.DateField()
    finish_on = serializers.DateField()
    signed_on = serializers.DateField()
    quality_standard = serializers.CharField()
    quality_standard_label = ChoiceLabelField(QualityStandard.choices, source="quality_standard")
    delay_penalty_per_day = serializers.DecimalField(max_digits=12, decimal_places=2)
    delay_penalty_cap = serializers.DecimalField(max_digits=5, decimal_places=2)
    quality_penalty_clause = serializers.CharField()
    advance_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    retention_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    payment_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    defects_months = serializers.IntegerField()
    state = serializers.CharField()
    state_label = ChoiceLabelField(ContractState.choices, source="state")
    version = serializers.IntegerField()


class ContractDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    sha256 = serializers.CharField()
    note = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="created_at")


class ContractDetailOutput(ContractOutput):
    documents = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()

    @extend_schema_field(ContractDocumentOutput(many=True))
    def get_documents(self, contract) -> list[dict]:
        return ContractDocumentOutput(selectors.contract_documents(contract=contract), many=True).data

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, contract) -> list[dict]:
        return [m.as_dict() for m in fsm.available(contract, self.context["request"].user)]


class ContractInput(serializers.Serializer):
    project = _Scoped(_projects)
    lot = _Scoped(_lots, required=False, allow_null=True, default=None)
    number = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(ContractKind.choices, default=ContractKind.CONSTRUCTION)
    employer = _Scoped(_organizations, required=False, allow_null=True, default=None,
                       help_text="Party A; the project's owner when left out.")
    contractor = _Scoped(_organizations)
    # Amounts and shares as text, checked by the contract rules (which name the field): yuan, at most 2 decimals.
    amount = serializers.CharField(max_length=30)
    start_on = serializers.DateField()
    finish_on = serializers.DateField()
    signed_on = serializers.DateField()
    quality_standard = serializers.ChoiceField(QualityStandard.choices, default=QualityStandard.PASS)
    delay_penalty_per_day = serializers.CharField(max_length=30, default="0")
    delay_penalty_cap = serializers.CharField(max_length=10, default="10")
    quality_penalty_clause = serializers.CharField(required=False, allow_blank=True, default="")
    advance_share = serializers.CharField(max_length=10, default="0", help_text="0, or 10–30 (%).")
    retention_share = serializers.CharField(max_length=10, default="3", help_text="At most 3 (%).")
    payment_share = serializers.CharField(max_length=10, default="80")
    defects_months = serializers.IntegerField(default=12, min_value=1, max_value=24)


class ContractUpdateInput(ContractInput):
    project = None
    version = serializers.IntegerField(required=False, help_text="The version read: a stale one is refused (409).")


class ContractVersionInput(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class ContractTerminateInput(ContractVersionInput):
    reason = serializers.CharField(max_length=2000)


class ContractDocumentInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    file = serializers.FileField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


DOCUMENT_ID = OpenApiParameter("doc_id", int, OpenApiParameter.PATH)


@extend_schema(tags=["supervision"])
class ContractViewSet(viewsets.ViewSet):
    """Contracts of the projects the caller sees."""

    queryset = Contract.objects.none()  # for the schema only
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _contract(self, request, pk, *, move: str | None = None, action_name: str | None = None) -> Contract:
        contract = policy.get_or_404(request.user, selectors.contract_list(user=request.user), pk=pk)
        if move:
            fsm.require_move_permission(contract, move, request.user)
        if action_name:
            policy.require(request.user, action_name, contract)
        return contract

    def _detail(self, request, pk, code=status.HTTP_200_OK) -> Response:
        contract = self._contract(request, pk)
        return Response(ContractDetailOutput(contract, context={"request": request}).data, status=code)

    @extend_schema(parameters=[OpenApiParameter("project", int), OpenApiParameter("search", str),
                               OpenApiParameter("state", str, enum=ContractState.values),
                               OpenApiParameter("kind", str, enum=ContractKind.values),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(ContractOutput))
    def list(self, request):
        q = request.query_params
        bad = {}
        project = q.get("project", "")
        if project and not project.isdigit():
            bad["project"] = ["A valid integer is required."]
        for name, values in (("state", ContractState.values), ("kind", ContractKind.values)):
            if q.get(name) and q[name] not in values:
                bad[name] = [f"Not a valid choice: {q[name]}"]
        if bad:
            raise serializers.ValidationError(bad)
        qs = selectors.contract_list(user=request.user, project_id=int(project) if project else None,
                                     search=q.get("search", "").strip()[:100], state=q.get("state", ""),
                                     kind=q.get("kind", ""))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ContractOutput(page, many=True).data)

    @extend_schema(responses=ContractDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=ContractInput, responses={201: ContractDetailOutput})
    def create(self, request):
        """Record a signed contract of a project the caller may manage (its owner, bureau staff)."""
        contract = services.contract_create(actor=request.user, **valid_input(ContractInput, request))
        return self._detail(request, contract.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ContractUpdateInput, responses=ContractDetailOutput)
    def partial_update(self, request, pk=None):
        contract = self._contract(request, pk, action_name="change")
        services.contract_update(actor=request.user, contract=contract,
                                 **valid_input(ContractUpdateInput, request, partial=True))
        return self._detail(request, pk)

    @extend_schema(request=ContractVersionInput, responses=ContractDetailOutput)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        contract = self._contract(request, pk, move="complete")
        services.contract_complete(actor=request.user, contract=contract, **valid_input(ContractVersionInput, request))
        return self._detail(request, pk)

    @extend_schema(request=ContractTerminateInput, responses=ContractDetailOutput)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        contract = self._contract(request, pk, move="terminate")
        services.contract_terminate(actor=request.user, contract=contract, **valid_input(ContractTerminateInput, request))
        return self._detail(request, pk)

    @extend_schema(request={"multipart/form-data": ContractDocumentInput}, responses={201: ContractDocumentOutput})
    @action(detail=True, methods=["post"], parser_classes=[PlainNameMultiPartParser])
    def documents(self, request, pk=None):
        """Add a document; the same title again is its next version."""
        contract = self._contract(request, pk, action_name="change")
        data = valid_input(ContractDocumentInput, request)
        doc = services.contract_document_add(actor=request.user, contract=contract, title=data["title"],
                                             upload=data["file"], note=data["note"])
        return Response(ContractDocumentOutput(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[DOCUMENT_ID], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<doc_id>[0-9]+)", url_name="document-file")
    def document_file(self, request, pk=None, doc_id=None):
        """Download one version of a contract's document."""
        contract = self._contract(request, pk)
        doc = ContractDocument.objects.filter(contract=contract, pk=doc_id).first()
        if doc is None:
            raise Http404
        return file_response(doc.file, doc.original_name, doc.content_type)


def register(router) -> None:
    """/api/v1/supervision/contracts/…"""
    router.register("supervision/contracts", ContractViewSet, basename="supervision-contract")
