"""/api/v1/approvals/: approval cases and the departments' item reviews — the same services and selectors as the
pages, in JSON. Every object is read through the access policy: one the caller may not see is a 404, one they see
but may not act on is a 403, and a refused business rule is a 400 in the common error shape."""


from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.core import fsm, policy, workdays
from portal.core.apis import ChoiceLabelField, MoveOutput, Pagination, moves_of, paginated
from portal.core.uploads import PlainNameMultiPartParser, file_response
from projects.models import Project

from . import selectors, services
from .models import (
    ApprovalCase,
    ApprovalStage,
    CaseDocument,
    CaseState,
    Commitment,
    CommitmentState,
    ItemReview,
    RequiredDocument,
    ReviewState,
    stage_documents,
)


# ------------------------------------------------------------------------------------------------- output
class CaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    stage = serializers.CharField()
    stage_display = ChoiceLabelField(ApprovalStage.choices, source="stage")
    applicant_id = serializers.IntegerField()
    applicant_name = serializers.CharField(source="applicant.name")
    state = serializers.CharField()
    state_display = ChoiceLabelField(CaseState.choices, source="state")
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    deemed_accepted = serializers.BooleanField()
    permit_number = serializers.CharField()
    light = serializers.SerializerMethodField(help_text="Worst light of the running items: green, amber, red or \"\".")
    holder = serializers.SerializerMethodField(help_text="Who holds the case now, in words.")

    def get_light(self, obj) -> str:
        return selectors.case_light(obj, self.context.get("today") or services.today())

    def get_holder(self, obj) -> str:
        return selectors.case_holder(obj)


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    required_document_id = serializers.IntegerField(allow_null=True)
    required_document_name = serializers.CharField(source="required_document.name", allow_null=True)
    version = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="created_at")


class RequirementOutput(serializers.Serializer):
    """A document the case's stage requires (the catalogue), as the case page lists it: the id to upload it
    against (POST …/documents/ with required_document), whether the caller may upload it now, and what is in."""

    id = serializers.IntegerField(help_text="Send it as required_document when uploading this document.")
    name = serializers.CharField()
    item_id = serializers.IntegerField()
    item_name = serializers.CharField(source="item.name")
    is_core = serializers.BooleanField(help_text="Deficiency-tolerant acceptance needs every core document.")
    may_upload = serializers.SerializerMethodField(help_text="The caller may upload a new version now.")
    locked_reason = serializers.SerializerMethodField(
        help_text="Why no new version may be uploaded now; \"\" when it may (or the caller may not upload at all).")
    latest_document_id = serializers.SerializerMethodField(help_text="The latest version uploaded; null if none.")

    def get_may_upload(self, obj) -> bool:
        return self.context["may_upload"] and obj.pk not in self.context["locks"]

    def get_locked_reason(self, obj) -> str:
        return str(self.context["locks"].get(obj.pk, ""))

    def get_latest_document_id(self, obj) -> int | None:
        return self.context["latest"].get(obj.pk)


class CorrectionNoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    items = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()
    sent_at = serializers.DateTimeField(source="created_at")
    resubmitted_at = serializers.DateTimeField(allow_null=True)


class CommitmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    required_document_id = serializers.IntegerField()
    required_document_name = serializers.CharField(source="required_document.name")
    due_on = serializers.DateField()
    state = serializers.CharField()
    state_display = ChoiceLabelField(CommitmentState.choices, source="state")
    fulfilled_at = serializers.DateTimeField(allow_null=True)


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    item_code = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    department_id = serializers.IntegerField()
    department_name = serializers.CharField(source="department.name")
    state = serializers.CharField()
    state_display = ChoiceLabelField(ReviewState.choices, source="state")
    started_on = serializers.DateField()
    due_on = serializers.DateField()
    due_provisional = serializers.SerializerMethodField(
        help_text="True when the due date lies beyond the years the official holiday calendar covers: counted by "
                  "weekends only, it may still move.")
    workdays_left = serializers.SerializerMethodField(
        help_text="Working days until the due date (negative when overdue); null when the clock is not running.")
    light = serializers.SerializerMethodField(help_text="green, amber, red, or \"\" when the clock is not running.")
    reviewer_name = serializers.CharField(source="reviewer.full_name", allow_null=True)
    opinion = serializers.CharField()
    conditions = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_due_provisional(self, obj) -> bool:
        return workdays.is_provisional(obj.due_on)

    def get_workdays_left(self, obj) -> int | None:
        return obj.workdays_left(self.context.get("today") or services.today())

    def get_light(self, obj) -> str:
        return obj.light(self.context.get("today") or services.today())


class CaseDetailOutput(CaseOutput):
    form_data = serializers.DictField()
    first_submitted_at = serializers.DateTimeField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    rejection_reason = serializers.CharField()
    halt_reason = serializers.CharField()
    has_permit = serializers.SerializerMethodField()
    documents = DocumentOutput(source="current_documents", many=True, help_text="The latest version of each document.")
    correction_notices = CorrectionNoticeOutput(many=True)
    commitments = CommitmentOutput(many=True)
    reviews = ReviewOutput(source="visible_reviews", many=True, help_text="The items the caller may see.")
    allowed_moves = serializers.SerializerMethodField(help_text="The moves the caller may take now.")
    moves = serializers.SerializerMethodField(help_text="The moves the caller holds from the current state, each "
                                              "enabled or with the reason it is not (as the page's buttons).")

    def get_has_permit(self, obj) -> bool:
        return bool(obj.permit_pdf)

    def _moves(self, obj) -> list[fsm.Move]:
        return moves_of(self, obj, services.case_moves)

    def get_allowed_moves(self, obj) -> list[str]:
        return [m.name for m in self._moves(obj) if m.enabled]

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return [m.as_dict() for m in self._moves(obj)]


class QueueReviewOutput(ReviewOutput):
    case_id = serializers.IntegerField()
    case_number = serializers.CharField(source="case.number")
    case_state = serializers.CharField(source="case.state")
    project_id = serializers.IntegerField(source="case.project_id")
    project_name = serializers.CharField(source="case.project.name")
    applicant_name = serializers.CharField(source="case.applicant.name")


class ReviewDetailOutput(QueueReviewOutput):
    allowed_moves = serializers.SerializerMethodField(help_text="The moves the caller may take now.")
    moves = serializers.SerializerMethodField(help_text="The moves the caller holds from the current state, each "
                                              "enabled or with the reason it is not (as the page's buttons).")

    def _moves(self, obj) -> list[fsm.Move]:
        return moves_of(self, obj, services.review_moves)

    def get_allowed_moves(self, obj) -> list[str]:
        return [m.name for m in self._moves(obj) if m.enabled]

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return [m.as_dict() for m in self._moves(obj)]


# -------------------------------------------------------------------------------------------------- input
def _form_value() -> serializers.CharField:
    return serializers.CharField(allow_blank=True, max_length=2000)


class VisibleProjectField(serializers.PrimaryKeyRelatedField):
    """A project the caller may see: another one is "does not exist", whether it exists or not."""

    def get_queryset(self):
        return policy.visible(self.context["request"].user, Project.objects.active())


class CaseCreateInput(serializers.Serializer):
    project = VisibleProjectField(queryset=Project.objects.none())
    stage = serializers.ChoiceField(choices=ApprovalStage.choices)
    form_data = serializers.DictField(child=_form_value(), required=False, default=dict)


class CaseFormInput(serializers.Serializer):
    form_data = serializers.DictField(child=_form_value())


class CommitmentsInput(serializers.Serializer):
    commitments = serializers.DictField(
        child=serializers.DateField(), allow_empty=False,
        help_text="{\"<required_document_id>\": \"YYYY-MM-DD\"}: the date each missing non-core document is promised by.",
    )

    def to_internal_value(self, data):
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            nested = exc.detail.get("commitments") if isinstance(exc.detail, dict) else None
            if isinstance(nested, dict):  # a bad date: named like the service names its refusals, due_<id>
                raise serializers.ValidationError({f"due_{k}": v for k, v in nested.items()}) from exc
            raise
        dates = attrs["commitments"]
        if bad := [k for k in dates if not k.isdigit()]:
            raise serializers.ValidationError({f"due_{k}": [_("Not a document id.")] for k in bad})
        return {"commitments": {int(k): v for k, v in dates.items()}}


class CorrectionInput(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=1000), max_length=100,
                                 help_text="Everything that is missing, in one notice.")
    message = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)


class SubmitInput(serializers.Serializer):
    confirm_missing = serializers.BooleanField(
        required=False, default=False,
        help_text="Needed when core documents are missing (or none is uploaded): the caller knows the window can "
                  "then only send a correction notice or reject.")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DocumentInput(serializers.Serializer):
    required_document = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                                 help_text="The catalogue's required document; omit for an extra one.")
    file = serializers.FileField(help_text="PDF, OFD, JPEG, PNG, DOC(X) or XLS(X); checked by its content.")


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.DECISIONS)
    opinion = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)
    conditions = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)


# ------------------------------------------------------------------------------------------------- access
def _case_detail_queryset(user):
    """Everything the detail renders, in a fixed number of queries: the latest documents, the notices, the
    commitments, the items the user may see, and all items (for the case's light and holder)."""
    return ApprovalCase.objects.active().select_related("project", "applicant").prefetch_related(
        Prefetch("reviews", queryset=ItemReview.objects.select_related("department")),
        Prefetch("reviews", to_attr="visible_reviews", queryset=policy.visible(
            user, ItemReview.objects.select_related("item", "department", "reviewer")).order_by("item__order", "id")),
        Prefetch("documents", to_attr="current_documents",
                 queryset=CaseDocument.objects.filter(superseded=False).select_related("required_document")),
        "correction_notices",
        Prefetch("commitments", queryset=Commitment.objects.select_related("required_document")),
    )


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    return data.validated_data


CASE_FILTERS = [OpenApiParameter("state", str, enum=CaseState.values), OpenApiParameter("stage", str,
                enum=ApprovalStage.values), OpenApiParameter("q", str), OpenApiParameter("mine", bool),
                OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


@extend_schema(tags=["approvals"])
class ApprovalCaseViewSet(viewsets.ViewSet):
    """Approval cases (并联审批) the caller may see. Filters: state, stage, q (number or project), mine=1."""

    queryset = ApprovalCase.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"

    def _case(self, request, pk, action_name: str | None = None, *, move: str | None = None) -> ApprovalCase:
        """The case (404 unless visible); 403 unless the caller may `action_name` it or holds `move`'s
        permission (the workflow's: ApprovalCase.workflow)."""
        case = policy.get_or_404(request.user, ApprovalCase.objects.active(), pk=pk)
        if action_name:
            policy.require(request.user, action_name, case)
        if move:
            fsm.require_move_permission(case, move, request.user)
        return case

    def _detail(self, request, pk, code: int = status.HTTP_200_OK) -> Response:
        case = policy.get_or_404(request.user, _case_detail_queryset(request.user), pk=pk)
        return Response(CaseDetailOutput(case, context={"request": request}).data, status=code)

    @extend_schema(parameters=CASE_FILTERS, responses=paginated(CaseOutput))
    def list(self, request):
        q = request.query_params
        bad = {k: [_("Not a valid choice: %(value)s") % {"value": q[k]}] for k, choices in (
            ("state", CaseState.values), ("stage", ApprovalStage.values)) if q.get(k) and q[k] not in choices}
        if bad:
            raise serializers.ValidationError(bad)
        qs = selectors.case_list(user=request.user, search=q.get("q", ""), state=q.get("state", ""),
                                 stage=q.get("stage", ""), mine=q.get("mine") in ("1", "true", "True"))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CaseOutput(page, many=True, context={"today": services.today()}).data)

    @extend_schema(responses=CaseDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=CaseCreateInput, responses={201: CaseDetailOutput})
    def create(self, request):
        if not request.user.has_perm("approvals.add_approvalcase"):
            raise PermissionDenied
        data = _valid(CaseCreateInput, request)
        case = services.case_create(actor=request.user, **data)
        return self._detail(request, case.pk, status.HTTP_201_CREATED)

    @extend_schema(request=CaseFormInput, responses=CaseDetailOutput)
    def partial_update(self, request, pk=None):
        case = self._case(request, pk, "edit")
        data = _valid(CaseFormInput, request)
        services.case_update_form(actor=request.user, case=case, form_data=data["form_data"])
        return self._detail(request, pk)

    @extend_schema(request=SubmitInput, responses=CaseDetailOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        case = self._case(request, pk, move="submit")
        services.case_submit(actor=request.user, case=case,
                             missing_confirmed=_valid(SubmitInput, request)["confirm_missing"])
        return self._detail(request, pk)

    @extend_schema(request=None, responses=CaseDetailOutput)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        services.case_accept(actor=request.user, case=self._case(request, pk, move="accept"))
        return self._detail(request, pk)

    @extend_schema(request=CommitmentsInput, responses=CaseDetailOutput)
    @action(detail=True, methods=["post"], url_path="accept-with-deficiency")
    def accept_with_deficiency(self, request, pk=None):
        case = self._case(request, pk, move="accept_with_deficiency")
        data = _valid(CommitmentsInput, request)
        services.case_accept_with_deficiency(actor=request.user, case=case, commitments=data["commitments"])
        return self._detail(request, pk)

    @extend_schema(request=CorrectionInput, responses=CaseDetailOutput)
    @action(detail=True, methods=["post"], url_path="request-correction")
    def request_correction(self, request, pk=None):
        case = self._case(request, pk, move="request_correction")
        data = _valid(CorrectionInput, request)
        services.case_request_correction(actor=request.user, case=case, items=data["items"], message=data["message"])
        return self._detail(request, pk)

    @extend_schema(request=ReasonInput, responses=CaseDetailOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        case = self._case(request, pk, move="reject")
        services.case_reject(actor=request.user, case=case, reason=_valid(ReasonInput, request)["reason"])
        return self._detail(request, pk)

    @extend_schema(request=ReasonInput, responses=CaseDetailOutput)
    @action(detail=True, methods=["post"], url_path="revoke-deficiency")
    def revoke_deficiency(self, request, pk=None):
        case = self._case(request, pk, move="halt")
        services.case_revoke_deficiency(actor=request.user, case=case,
                                        reason=_valid(ReasonInput, request)["reason"])
        return self._detail(request, pk)

    @extend_schema(responses=RequirementOutput(many=True))
    @action(detail=True, methods=["get"])
    def requirements(self, request, pk=None):
        """The documents the case's stage requires, in the catalogue's order, with the id to upload each against,
        whether the caller may upload it now (or why not) and the latest version in. Whoever sees the case."""
        case = self._case(request, pk)
        required = list(stage_documents(case.stage))
        may_upload = policy.can(request.user, "edit", case) and case.state in services.UPLOAD_STATES
        latest: dict[int, int] = {}
        for doc_id, required_id in case.documents.filter(required_document__isnull=False).order_by(
                "required_document_id", "-version", "-id").values_list("id", "required_document_id"):
            latest.setdefault(required_id, doc_id)
        context = {"may_upload": may_upload, "latest": latest,
                   "locks": services.upload_locks(case, required) if may_upload else {}}
        return Response(RequirementOutput(required, many=True, context=context).data)

    @extend_schema(request={"multipart/form-data": DocumentInput}, responses={201: DocumentOutput})
    @action(detail=True, methods=["post"], parser_classes=[PlainNameMultiPartParser])
    def documents(self, request, pk=None):
        """Upload a new version of a document (the old one stays). An upload for an open commitment fulfils it."""
        case = self._case(request, pk, "edit")
        data = _valid(DocumentInput, request)
        required = None
        if data.get("required_document") is not None:
            required = RequiredDocument.objects.select_related("item").filter(
                pk=data["required_document"], is_active=True).first()
            if required is None:
                raise serializers.ValidationError({"required_document": [_("Select a valid choice.")]})
        doc = services.document_upload(actor=request.user, case=case, required_document=required,
                                       upload=data["file"])
        return Response(DocumentOutput(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("document_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)/file")
    def document_file(self, request, pk=None, document_id=None):
        """Download one stored version of a document."""
        case = self._case(request, pk)
        doc = CaseDocument.objects.filter(case=case, pk=document_id).first()
        if doc is None:
            raise Http404
        return file_response(doc.file, doc.original_name, doc.content_type)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def permit(self, request, pk=None):
        """The permit PDF of a completed case; 404 until it is rendered."""
        case = self._case(request, pk)
        return file_response(case.permit_pdf, f"{case.permit_number}.pdf", "application/pdf")


REVIEW_STATE_FILTER = ["open", *ReviewState.values]


@extend_schema(tags=["approvals"])
class ItemReviewViewSet(viewsets.ViewSet):
    """The items of accepted cases. The list is the caller's department queue, most urgent first
    (state=open: the running ones)."""

    queryset = ItemReview.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"

    def _review(self, request, pk, move: str | None = None) -> ItemReview:
        """The item (404 unless visible); 403 unless the caller holds `move`'s permission (ItemReview.workflow)."""
        review = policy.get_or_404(request.user, ItemReview.objects.select_related(
            "case__project", "case__applicant", "item", "department", "reviewer"), pk=pk)
        if move:
            fsm.require_move_permission(review, move, request.user)
        return review

    def _detail(self, request, pk) -> Response:
        return Response(ReviewDetailOutput(self._review(request, pk), context={"request": request}).data)

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=REVIEW_STATE_FILTER),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(QueueReviewOutput))
    def list(self, request):
        state = request.query_params.get("state", "")
        if state and state not in REVIEW_STATE_FILTER:
            raise serializers.ValidationError({"state": [_("Not a valid choice: %(value)s") % {"value": state}]})
        qs = selectors.review_queue(user=request.user, state=state)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            QueueReviewOutput(page, many=True, context={"today": services.today()}).data)

    @extend_schema(responses=ReviewDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=None, responses=ReviewDetailOutput)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        services.review_start(actor=request.user, review=self._review(request, pk, "start"))
        return self._detail(request, pk)

    @extend_schema(request=DecisionInput, responses=ReviewDetailOutput)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self._review(request, pk, "approve")  # every decision needs the same permission
        services.review_decide(actor=request.user, review=review, **_valid(DecisionInput, request))
        return self._detail(request, pk)

    @extend_schema(request=None, responses=ReviewDetailOutput)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """The applicant reports the department's correction done: the item's clock runs again."""
        services.review_resume(actor=request.user, review=self._review(request, pk, "resume"))
        return self._detail(request, pk)
