"""REST API of tendering and qualifications, under /api/v1/supervision/: qualifications and personal certificates
(bureau staff record them; a company reads its own), a project's lots with their bids, the award and the
cancellation. The same services as the pages; refusals in the one error shape (400 naming the field, 409 for a
lot someone else awarded first)."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.accounts.models import Organization, User
from portal.core import fsm, policy
from portal.core.apis import ChoiceLabelField, MoveOutput, page_of, paginated, valid_input
from projects.models import Project

from ..models import (
    Bid,
    CertificateKind,
    LotState,
    PersonCertificate,
    Qualification,
    QualificationGrade,
    QualificationKind,
    TenderLot,
)
from . import selectors, services


class _Scoped(serializers.PrimaryKeyRelatedField):
    """An id among `scope(user)`: any other is "does not exist", whether it exists or not."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", Organization.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


def _organizations(user: User) -> QuerySet:
    return Organization.objects.filter(voided_at__isnull=True)


def _users(user: User) -> QuerySet:
    return User.objects.filter(is_active=True)


def _projects(user: User) -> QuerySet:
    return policy.visible(user, Project.objects.filter(voided_at__isnull=True))


def _certificates(user: User) -> QuerySet:
    return PersonCertificate.objects.filter(voided_at__isnull=True)


# ------------------------------------------------------------------------------------------------- outputs
class TenderOrganizationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class QualificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = TenderOrganizationOutput()
    kind = serializers.CharField()
    kind_label = ChoiceLabelField(QualificationKind.choices, source="kind")
    grade = serializers.CharField()
    grade_label = ChoiceLabelField(QualificationGrade.choices, source="grade")
    certificate_number = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField()


class CertificateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = TenderOrganizationOutput()
    person_name = serializers.CharField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    kind = serializers.CharField()
    kind_label = ChoiceLabelField(CertificateKind.choices, source="kind")
    grade = serializers.CharField()
    certificate_number = serializers.CharField()
    expires_on = serializers.DateField()


class LotBidOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = TenderOrganizationOutput()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    project_manager = serializers.CharField(source="project_manager.person_name", allow_null=True, default=None)
    safety_officer = serializers.CharField(source="safety_officer.person_name", allow_null=True, default=None)
    note = serializers.CharField()
    award_refusals = serializers.SerializerMethodField()

    def get_award_refusals(self, bid) -> list[str]:
        """Why the bidder may not be awarded the lot now ([] when it may; only while the lot is open)."""
        refusals = self.context.get("refusals", {})
        return refusals.get(bid.pk, [])


class LotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    code = serializers.CharField()
    name = serializers.CharField()
    scope = serializers.CharField()
    estimated_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    required_kind = serializers.CharField()
    required_kind_label = ChoiceLabelField(QualificationKind.choices, source="required_kind")
    required_grade = serializers.CharField()
    required_grade_label = ChoiceLabelField(QualificationGrade.choices, source="required_grade")
    bid_open_on = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    state_label = ChoiceLabelField(LotState.choices, source="state")
    awarded_to = TenderOrganizationOutput(allow_null=True)
    awarded_amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    awarded_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class LotDetailOutput(LotOutput):
    bids = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()

    @extend_schema_field(LotBidOutput(many=True))
    def get_bids(self, lot) -> list[dict]:
        return LotBidOutput(self.context["bids"], many=True, context=self.context).data

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, lot) -> list[dict]:
        return [m.as_dict() for m in fsm.available(lot, self.context["request"].user)]


# -------------------------------------------------------------------------------------------------- inputs
class QualificationInput(serializers.Serializer):
    organization = _Scoped(_organizations)
    kind = serializers.ChoiceField(QualificationKind.choices)
    grade = serializers.ChoiceField(QualificationGrade.choices)
    certificate_number = serializers.CharField(max_length=50)
    issuer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField()


class QualificationUpdateInput(QualificationInput):
    organization = None


class CertificateInput(serializers.Serializer):
    organization = _Scoped(_organizations)
    person_name = serializers.CharField(max_length=50)
    user = _Scoped(_users, required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(CertificateKind.choices)
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    certificate_number = serializers.CharField(max_length=50)
    expires_on = serializers.DateField()


class CertificateUpdateInput(CertificateInput):
    organization = None


class LotInput(serializers.Serializer):
    project = _Scoped(_projects)
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    estimated_amount = serializers.CharField(max_length=30, help_text="Yuan, at most two decimals.")
    required_kind = serializers.ChoiceField(QualificationKind.choices)
    required_grade = serializers.ChoiceField(QualificationGrade.choices)
    bid_open_on = serializers.DateField(required=False, allow_null=True, default=None)


class LotUpdateInput(LotInput):
    project = None
    version = serializers.IntegerField(required=False, help_text="The version read: a stale one is refused (409).")


class LotBidInput(serializers.Serializer):
    organization = _Scoped(_organizations)
    amount = serializers.CharField(max_length=30, help_text="Yuan, at most two decimals.")
    project_manager = _Scoped(_certificates, required=False, allow_null=True, default=None)
    safety_officer = _Scoped(_certificates, required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LotAwardInput(serializers.Serializer):
    bid = serializers.IntegerField(help_text="The bid awarded (one of the lot's).")
    version = serializers.IntegerField(required=False, help_text="The lot's version read (409 when stale).")


class LotCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False)


FILTERS = [OpenApiParameter("search", str), OpenApiParameter("kind", str),
           OpenApiParameter("expiring", bool, description="Only those expiring within 60 days (or expired)."),
           OpenApiParameter("organization", int), OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


def _filters(request, kinds) -> dict:
    q = request.query_params
    bad = {}
    kind = q.get("kind", "")
    if kind and kind not in kinds:
        bad["kind"] = [f"Not a valid choice: {kind}"]
    org = q.get("organization", "")
    if org and not org.isdigit():
        bad["organization"] = ["A valid integer is required."]
    if bad:
        raise serializers.ValidationError(bad)
    return {"search": q.get("search", "").strip()[:100], "kind": kind,
            "expiring": q.get("expiring", "") in ("1", "true", "True"),
            "organization_id": int(org) if org else None}


# ------------------------------------------------------------------------------------------------ viewsets
@extend_schema(tags=["supervision"])
class QualificationViewSet(viewsets.ViewSet):
    """Enterprise qualifications: bureau staff and leaders see all, a company its own; bureau staff record them."""

    queryset = Qualification.objects.none()  # for the schema only
    lookup_value_regex = r"[0-9]+"

    @extend_schema(parameters=FILTERS, responses=paginated(QualificationOutput))
    def list(self, request):
        qs = selectors.qualification_list(user=request.user, **_filters(request, QualificationKind.values))
        return page_of(request, self, qs, QualificationOutput)

    @extend_schema(responses=QualificationOutput)
    def retrieve(self, request, pk=None):
        q = policy.get_or_404(request.user, selectors.qualification_list(user=request.user), pk=pk)
        return Response(QualificationOutput(q).data)

    @extend_schema(request=QualificationInput, responses={201: QualificationOutput})
    def create(self, request):
        if not request.user.has_perm("supervision.add_qualification"):
            raise PermissionDenied
        q = services.qualification_create(actor=request.user, **valid_input(QualificationInput, request))
        return Response(QualificationOutput(q).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QualificationUpdateInput, responses=QualificationOutput)
    def partial_update(self, request, pk=None):
        q = policy.get_or_404(request.user, selectors.qualification_list(user=request.user), pk=pk)
        policy.require(request.user, "change", q)
        q = services.qualification_update(actor=request.user, qualification=q,
                                          **valid_input(QualificationUpdateInput, request, partial=True))
        return Response(QualificationOutput(q).data)


@extend_schema(tags=["supervision"])
class CertificateViewSet(viewsets.ViewSet):
    """Certificates of key people (建造师, 安全生产考核合格证): as qualifications."""

    queryset = PersonCertificate.objects.none()
    lookup_value_regex = r"[0-9]+"

    @extend_schema(parameters=FILTERS, responses=paginated(CertificateOutput))
    def list(self, request):
        qs = selectors.certificate_list(user=request.user, **_filters(request, CertificateKind.values))
        return page_of(request, self, qs, CertificateOutput)

    @extend_schema(responses=CertificateOutput)
    def retrieve(self, request, pk=None):
        c = policy.get_or_404(request.user, selectors.certificate_list(user=request.user), pk=pk)
        return Response(CertificateOutput(c).data)

    @extend_schema(request=CertificateInput, responses={201: CertificateOutput})
    def create(self, request):
        if not request.user.has_perm("supervision.add_personcertificate"):
            raise PermissionDenied
        c = services.certificate_create(actor=request.user, **valid_input(CertificateInput, request))
        return Response(CertificateOutput(c).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CertificateUpdateInput, responses=CertificateOutput)
    def partial_update(self, request, pk=None):
        c = policy.get_or_404(request.user, selectors.certificate_list(user=request.user), pk=pk)
        policy.require(request.user, "change", c)
        c = services.certificate_update(actor=request.user, certificate=c,
                                        **valid_input(CertificateUpdateInput, request, partial=True))
        return Response(CertificateOutput(c).data)


def _lot_queryset(user: User) -> QuerySet:
    return policy.visible(user, TenderLot.objects.filter(voided_at__isnull=True)).select_related("awarded_to")


@extend_schema(tags=["supervision"])
class LotViewSet(viewsets.ViewSet):
    """Tender lots (标段) of the projects the caller sees; the project's owner and bureau staff describe them,
    record bids, award (to a qualified bidder) and cancel."""

    queryset = TenderLot.objects.none()
    lookup_value_regex = r"[0-9]+"

    def _lot(self, request, pk, *, move: str | None = None, action_name: str | None = None) -> TenderLot:
        lot = policy.get_or_404(request.user, _lot_queryset(request.user).select_related("project"), pk=pk)
        if move:
            fsm.require_move_permission(lot, move, request.user)
        if action_name:
            policy.require(request.user, action_name, lot)
        return lot

    def _detail(self, request, pk, code=status.HTTP_200_OK) -> Response:
        lot = self._lot(request, pk)
        bids = list(selectors.lot_bids(lot=lot))
        refusals = {}
        if lot.state == LotState.OPEN and policy.can(request.user, "change", lot):
            refusals = {b.pk: services.award_refusals(lot, b.organization) for b in bids}
        context = {"request": request, "bids": bids, "refusals": refusals}
        return Response(LotDetailOutput(lot, context=context).data, status=code)

    @extend_schema(parameters=[OpenApiParameter("project", int),
                               OpenApiParameter("state", str, enum=LotState.values), OpenApiParameter("search", str),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(LotOutput))
    def list(self, request):
        q = request.query_params
        project, state = q.get("project", ""), q.get("state", "")
        if project and not project.isdigit():
            raise serializers.ValidationError({"project": ["A valid integer is required."]})
        if state and state not in LotState.values:
            raise serializers.ValidationError({"state": [f"Not a valid choice: {state}"]})
        qs = selectors.lot_list(user=request.user, project_id=int(project) if project else None, state=state,
                                    search=q.get("search", "").strip()[:100])
        return page_of(request, self, qs, LotOutput)

    @extend_schema(responses=LotDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=LotInput, responses={201: LotDetailOutput})
    def create(self, request):
        """A lot of a project the caller may manage (its owner, bureau staff)."""
        lot = services.lot_create(actor=request.user, **valid_input(LotInput, request))
        return self._detail(request, lot.pk, status.HTTP_201_CREATED)

    @extend_schema(request=LotUpdateInput, responses=LotDetailOutput)
    def partial_update(self, request, pk=None):
        lot = self._lot(request, pk, action_name="change")
        services.lot_update(actor=request.user, lot=lot, **valid_input(LotUpdateInput, request, partial=True))
        return self._detail(request, pk)

    @extend_schema(request=LotBidInput, responses={201: LotDetailOutput})
    @action(detail=True, methods=["post"])
    def bids(self, request, pk=None):
        """Record a unit's bid for an open lot, with the certified people it names."""
        lot = self._lot(request, pk, action_name="change")
        services.bid_add(actor=request.user, lot=lot, **valid_input(LotBidInput, request))
        return self._detail(request, pk, status.HTTP_201_CREATED)

    @extend_schema(request=LotAwardInput, responses=LotDetailOutput)
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        """Award the lot to one of its bids: refused (400, naming `bid`) for an unqualified, expired, blacklisted or
        sanctioned bidder; 409 when the lot was awarded or changed since it was read."""
        lot = self._lot(request, pk, move="award")
        data = valid_input(LotAwardInput, request)
        bid = Bid.objects.select_related("organization").filter(lot=lot, pk=data["bid"]).first()
        services.lot_award(actor=request.user, lot=lot, bid=bid, version=data.get("version"))
        return self._detail(request, pk)

    @extend_schema(request=LotCancelInput, responses=LotDetailOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an open lot, or undo an award before a contract is signed on it, with the reason."""
        lot = self._lot(request, pk, move="cancel")
        services.lot_cancel(actor=request.user, lot=lot, **valid_input(LotCancelInput, request))
        return self._detail(request, pk)


def register(router) -> None:
    """/api/v1/supervision/qualifications, certificates, lots."""
    router.register("supervision/qualifications", QualificationViewSet, basename="supervision-qualification")
    router.register("supervision/certificates", CertificateViewSet, basename="supervision-certificate")
    router.register("supervision/lots", LotViewSet, basename="supervision-lot")
