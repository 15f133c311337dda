"""/api/v1/projects/{id}/feasibility-reviews/ (bureau staff open, extend, conclude and void reviews) and
/api/v1/feasibility-opinions/ (a department's queue, and its opinion given once). The same services and
selectors as the pages; an object the caller may not see is a 404, one they see but may not act on a 403, and a
refused business rule a 400 in the common error shape."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.models import Organization
from portal.core import fsm, policy
from portal.core.apis import ChoiceLabelField, MoveOutput, Pagination, moves_of, paginated
from projects.models import (
    FeasibilityOpinion,
    FeasibilityReview,
    FeasibilityState,
    OpinionConclusion,
    OpinionState,
    ProjectType,
)
from projects.selectors import project_for

from . import selectors, services


# ------------------------------------------------------------------------------------------------- output
class FeasibilityOpinionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    review_id = serializers.IntegerField()
    department_id = serializers.IntegerField()
    department_name = serializers.CharField(source="department.name")
    due_date = serializers.DateField()
    days_left = serializers.SerializerMethodField(
        help_text="Calendar days until the due date (negative when overdue); null once given.")
    light = serializers.SerializerMethodField(help_text="green, amber (due soon), red (overdue), or \"\" once given.")
    state = serializers.CharField()
    state_display = ChoiceLabelField(OpinionState.choices, source="state")
    conclusion = serializers.CharField()
    conclusion_display = ChoiceLabelField(OpinionConclusion.choices, source="conclusion")
    opinion = serializers.CharField()
    conditions = serializers.CharField()
    given_by_name = serializers.CharField(source="given_by.full_name", allow_null=True, default=None)
    given_at = serializers.DateTimeField(allow_null=True)

    def get_days_left(self, obj) -> int | None:
        return obj.days_left(self.context.get("today") or services.today())

    def get_light(self, obj) -> str:
        return obj.light(self.context.get("today") or services.today())



def fsm_available(user, obj) -> list[fsm.Move]:
    return fsm.available(obj, user)

class FeasibilityReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    state = serializers.CharField()
    state_display = ChoiceLabelField(FeasibilityState.choices, source="state")
    requested_by_name = serializers.CharField(source="requested_by.full_name")
    created_at = serializers.DateTimeField()
    conclusion = serializers.CharField()
    concluded_by_name = serializers.CharField(source="concluded_by.full_name", allow_null=True, default=None)
    concluded_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()
    opinions = FeasibilityOpinionOutput(many=True)


class FeasibilityProjectOutput(serializers.Serializer):
    """What a department reviewer is shown of the project, without seeing the project itself."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    project_type = serializers.CharField()
    project_type_display = ChoiceLabelField(ProjectType.choices, source="project_type")
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2)
    owner_name = serializers.CharField(source="owner.name")
    region_codes = serializers.SerializerMethodField()

    def get_region_codes(self, obj) -> list[str]:
        return [r.code for r in obj.regions.all()]


class FeasibilityQueueOpinionOutput(FeasibilityOpinionOutput):
    review_title = serializers.CharField(source="review.title")
    review_state = serializers.CharField(source="review.state")
    project_id = serializers.IntegerField(source="review.project_id")
    project_name = serializers.CharField(source="review.project.name")
    project_code = serializers.CharField(source="review.project.code")


class FeasibilityOpinionDetailOutput(FeasibilityQueueOpinionOutput):
    review_description = serializers.CharField(source="review.description")
    project = FeasibilityProjectOutput(source="review.project")
    may_give = serializers.SerializerMethodField(help_text="The caller may give the opinion now.")
    moves = serializers.SerializerMethodField(help_text="The caller's moves, each enabled or with the reason.")

    def get_may_give(self, obj) -> bool:
        return any(m.name == "give" and m.enabled for m in moves_of(self, obj, fsm_available))

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return [m.as_dict() for m in moves_of(self, obj, fsm_available)]


# -------------------------------------------------------------------------------------------------- input
class FeasibilityDepartmentInput(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    due_date = serializers.DateField()


class FeasibilityReviewInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    departments = FeasibilityDepartmentInput(many=True, allow_empty=False,
                                     help_text="[{\"department\": <organisation id>, \"due_date\": \"YYYY-MM-DD\"}]")


class FeasibilityAddDepartmentInput(FeasibilityDepartmentInput):
    pass


class FeasibilityConcludeInput(serializers.Serializer):
    conclusion = serializers.CharField(max_length=5000)


class FeasibilityVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class FeasibilityExtendInput(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class FeasibilityGiveInput(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=OpinionConclusion.choices)
    opinion = serializers.CharField(max_length=10000)
    conditions = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                       help_text="Required when the conclusion is agree_with_conditions.")


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    return data.validated_data


# ------------------------------------------------------------------------------------------------- reviews
@extend_schema(tags=["projects: feasibility"])
class FeasibilityReviewViewSet(viewsets.ViewSet):
    """A project's feasibility reviews, each with its departments' opinions. Bureau staff open, extend,
    conclude and void them."""

    queryset = FeasibilityReview.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"

    def _review(self, request, project_pk, pk, action_name: str = "view") -> FeasibilityReview:
        project = project_for(request.user, project_pk)
        review = policy.get_or_404(request.user, FeasibilityReview.objects.filter(project=project), pk=pk)
        if action_name != "view":
            policy.require(request.user, action_name, review)
        return review

    def _detail(self, request, project_pk, pk, code=status.HTTP_200_OK) -> Response:
        project = project_for(request.user, project_pk)
        review = policy.get_or_404(request.user, selectors.project_reviews(user=request.user, project=project), pk=pk)
        return Response(FeasibilityReviewOutput(review, context={"today": services.today()}).data, status=code)

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(FeasibilityReviewOutput))
    def list(self, request, project_pk=None):
        project = project_for(request.user, project_pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.project_reviews(user=request.user, project=project), request,
                                           view=self)
        return paginator.get_paginated_response(FeasibilityReviewOutput(page, many=True, context={"today": services.today()}).data)

    @extend_schema(responses=FeasibilityReviewOutput)
    def retrieve(self, request, project_pk=None, pk=None):
        return self._detail(request, project_pk, pk)

    @extend_schema(request=FeasibilityReviewInput, responses={201: FeasibilityReviewOutput})
    def create(self, request, project_pk=None):
        project = project_for(request.user, project_pk, "advance")
        data = _valid(FeasibilityReviewInput, request)
        review = services.review_open(actor=request.user, project=project, title=data["title"],
                                      description=data["description"],
                                      departments=[(d["department"], d["due_date"]) for d in data["departments"]])
        return self._detail(request, project_pk, review.pk, status.HTTP_201_CREATED)

    @extend_schema(request=FeasibilityAddDepartmentInput, responses=FeasibilityReviewOutput)
    @action(detail=True, methods=["post"])
    def departments(self, request, project_pk=None, pk=None):
        review = self._review(request, project_pk, pk, "change")
        data = _valid(FeasibilityAddDepartmentInput, request)
        services.review_add_department(actor=request.user, review=review, **data)
        return self._detail(request, project_pk, pk)

    @extend_schema(request=FeasibilityConcludeInput, responses=FeasibilityReviewOutput)
    @action(detail=True, methods=["post"])
    def conclude(self, request, project_pk=None, pk=None):
        review = self._review(request, project_pk, pk, "change")
        data = _valid(FeasibilityConcludeInput, request)
        services.review_conclude(actor=request.user, review=review, conclusion=data["conclusion"])
        return self._detail(request, project_pk, pk)

    @extend_schema(request=FeasibilityVoidInput, responses=FeasibilityReviewOutput)
    @action(detail=True, methods=["post"])
    def void(self, request, project_pk=None, pk=None):
        review = self._review(request, project_pk, pk, "change")
        data = _valid(FeasibilityVoidInput, request)
        services.review_void(actor=request.user, review=review, reason=data["reason"])
        return self._detail(request, project_pk, pk)


# ------------------------------------------------------------------------------------------------ opinions
@extend_schema(tags=["projects: feasibility"])
class FeasibilityOpinionViewSet(viewsets.ViewSet):
    """The opinions owed or given by the caller's department (awaited first, by due date). A department
    reviewer gives the opinion once; bureau staff may extend a due date."""

    queryset = FeasibilityOpinion.objects.none()
    lookup_value_regex = r"\d+"

    def _opinion(self, request, pk) -> FeasibilityOpinion:
        return policy.get_or_404(request.user, FeasibilityOpinion.objects.select_related(
            "review__project__owner", "department", "given_by").prefetch_related("review__project__regions"), pk=pk)

    def _detail(self, request, pk) -> Response:
        return Response(FeasibilityOpinionDetailOutput(self._opinion(request, pk),
                                            context={"request": request, "today": services.today()}).data)

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=["pending", "given"]),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(FeasibilityQueueOpinionOutput))
    def list(self, request):
        state = request.query_params.get("state", "")
        if state and state not in OpinionState.values:
            raise serializers.ValidationError({"state": [_("Not a valid choice: %(value)s") % {"value": state}]})
        qs = selectors.opinion_queue(user=request.user, show=state or "all")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            FeasibilityQueueOpinionOutput(page, many=True, context={"today": services.today()}).data)

    @extend_schema(responses=FeasibilityOpinionDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=FeasibilityGiveInput, responses=FeasibilityOpinionDetailOutput)
    @action(detail=True, methods=["post"])
    def give(self, request, pk=None):
        opinion = self._opinion(request, pk)
        fsm.require_move_permission(opinion, "give", request.user)
        data = _valid(FeasibilityGiveInput, request)
        services.opinion_give(actor=request.user, opinion=opinion, conclusion=data["conclusion"],
                              opinion_text=data["opinion"], conditions=data["conditions"])
        return self._detail(request, pk)

    @extend_schema(request=FeasibilityExtendInput, responses=FeasibilityOpinionDetailOutput)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        opinion = self._opinion(request, pk)
        policy.require(request.user, "change", opinion.review)
        data = _valid(FeasibilityExtendInput, request)
        services.opinion_extend_due(actor=request.user, opinion=opinion, **data)
        return self._detail(request, pk)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/(?P<project_pk>\d+)/feasibility-reviews", FeasibilityReviewViewSet,
                    basename="project-feasibility-review")
    router.register("feasibility-opinions", FeasibilityOpinionViewSet, basename="feasibility-opinion")
