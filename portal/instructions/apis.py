"""/api/v1/instructions/: leaders' instructions — the same services and selectors as the pages. An instruction the
caller may not see is a 404 (as is a target they may not see), an action they may not take a 403, a second answer
a 409, bad input a 400 naming the field."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.core import fsm, policy
from portal.core.apis import ChoiceLabelField, MoveOutput, Pagination, paginated

from . import selectors, services, targets
from .models import Instruction, InstructionState


class InstructionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    target_type = serializers.SerializerMethodField()
    target_id = serializers.CharField()
    target_repr = serializers.CharField()
    target_url = serializers.CharField()
    author_id = serializers.IntegerField()
    author_name = serializers.CharField(source="author.get_full_name")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    holder_label = serializers.CharField()
    state = serializers.CharField()
    state_display = ChoiceLabelField(InstructionState.choices, source="state")
    answer = serializers.CharField()
    answered_by_name = serializers.SerializerMethodField()
    answered_at = serializers.DateTimeField(allow_null=True)
    moves = serializers.SerializerMethodField()

    def get_target_type(self, obj) -> str:
        return f"{obj.target_type.app_label}.{obj.target_type.model}"

    def get_answered_by_name(self, obj) -> str:
        return obj.answered_by.get_full_name() if obj.answered_by else ""

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return [m.as_dict() for m in fsm.available(obj, self.context["request"].user)]


class InstructionWriteInput(serializers.Serializer):
    target_type = serializers.CharField(help_text="The object's type, e.g. projects.project, approvals.approvalcase, "
                                                  "approvals.itemreview.")
    target_id = serializers.CharField(max_length=64)
    text = serializers.CharField(max_length=services.MAX_TEXT)


class InstructionAnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=services.MAX_TEXT)


class InstructionWithdrawInput(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_TEXT)


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


FILTERS = [OpenApiParameter("state", str, enum=InstructionState.values), OpenApiParameter("holding", bool),
           OpenApiParameter("target_type", str), OpenApiParameter("target_id", str),
           OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


@extend_schema(tags=["instructions"])
class InstructionViewSet(viewsets.ViewSet):
    """Leaders' instructions (批示) the caller sees: those they wrote, those they hold (leaders and bureau staff:
    all). Filters: state, holding=1, target_type + target_id."""

    queryset = Instruction.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"

    def _out(self, request, instruction: Instruction, code: int = status.HTTP_200_OK) -> Response:
        fresh = policy.get_or_404(request.user, selectors.instruction_list(user=request.user), pk=instruction.pk)
        return Response(InstructionOutput(fresh, context={"request": request}).data, status=code)

    @extend_schema(parameters=FILTERS, responses=paginated(InstructionOutput))
    def list(self, request):
        q = request.query_params
        if q.get("state") and q["state"] not in InstructionState.values:
            raise serializers.ValidationError({"state": [_("Not a valid choice: %(value)s") % {"value": q["state"]}]})
        if q.get("target_type"):
            targets.target_model(q["target_type"])  # refused naming target_type when not a declared one
        qs = selectors.instruction_list(user=request.user, state=q.get("state", ""),
                                        holding=q.get("holding") in ("1", "true", "True"),
                                        target_type=q.get("target_type", ""), target_id=q.get("target_id", ""))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(InstructionOutput(page, many=True, context={"request": request}).data)

    @extend_schema(responses=InstructionOutput)
    def retrieve(self, request, pk=None):
        return Response(InstructionOutput(policy.get_or_404(request.user, selectors.instruction_list(
            user=request.user), pk=pk), context={"request": request}).data)

    @extend_schema(request=InstructionWriteInput, responses={201: InstructionOutput})
    def create(self, request):
        if not services.may_write(request.user):
            raise PermissionDenied(_("Only a bureau leader may write an instruction."))
        data = _valid(InstructionWriteInput, request)
        model = targets.target_model(data["target_type"])
        target = policy.get_or_404(request.user, model, pk=data["target_id"])
        instruction = services.instruction_write(actor=request.user, target=target, text=data["text"])
        return self._out(request, instruction, status.HTTP_201_CREATED)

    @extend_schema(request=InstructionAnswerInput, responses=InstructionOutput)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        instruction = policy.get_or_404(request.user, Instruction, pk=pk)
        fsm.require_move_permission(instruction, "answer", request.user)
        data = _valid(InstructionAnswerInput, request)
        instruction = services.instruction_answer(actor=request.user, instruction=instruction, answer=data["answer"])
        return self._out(request, instruction)

    @extend_schema(request=InstructionWithdrawInput, responses=InstructionOutput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        instruction = policy.get_or_404(request.user, Instruction, pk=pk)
        fsm.require_move_permission(instruction, "withdraw", request.user)
        data = _valid(InstructionWithdrawInput, request)
        instruction = services.instruction_withdraw(actor=request.user, instruction=instruction,
                                                    reason=data["reason"])
        return self._out(request, instruction)
