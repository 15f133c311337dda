"""/api/v1/coordination/: the closed-loop issue list (接诉即办、限时办结), coordination meetings and their decisions,
the liaison officers' service log and the call-backs — the same services and the same read path as the pages, in
JSON. Every object is read through the access policy (coordination.permissions): one the caller may not see is a
404, one they see but may not act on is a 403, a refused business rule a 400 naming the field, a move the state no
longer allows (someone else was first) or a stale version a 409 — the one error shape of portal.core.apis."""

import datetime
import re

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core import fsm, policy, workdays
from portal.core.apis import ChoiceLabelField, MoveOutput, Pagination, moves_of, paginated
from portal.core.errors import ApplicationError
from portal.core.uploads import PlainNameMultiPartParser, file_response
from projects.models import Project

from . import selectors, services, stats
from .models import (
    CallBack,
    CallBackState,
    IssueAttachment,
    IssueCategory,
    IssueItem,
    IssueRating,
    IssueSource,
    IssueState,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingState,
    RatingKind,
    ServiceKind,
    ServiceLog,
)

STATE_FILTER = ["open", *IssueState.values]
TRUE = ("1", "true", "True", "yes", "on")
FALSE = ("0", "false", "False", "no", "off")


def _today() -> datetime.date:
    return services.today()


# ------------------------------------------------------------------------------------------------- output
class IssueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    category = serializers.CharField()
    category_display = ChoiceLabelField(IssueCategory.choices, source="category")
    source = serializers.CharField()
    source_display = ChoiceLabelField(IssueSource.choices, source="source")
    company_id = serializers.IntegerField()
    company_name = serializers.CharField(source="company.name")
    department_id = serializers.IntegerField(allow_null=True)
    department_name = serializers.CharField(source="department.name", allow_null=True)
    state = serializers.CharField()
    state_display = ChoiceLabelField(IssueState.choices, source="state")
    holder = serializers.CharField(help_text="bureau, department, company, or \"\" once closed.")
    holder_name = serializers.SerializerMethodField(help_text="Who holds the issue now, in words.")
    held_since = serializers.DateTimeField()
    limit_workdays = serializers.IntegerField()
    due_on = serializers.DateField()
    workdays_left = serializers.SerializerMethodField(
        help_text="Working days until the due date (negative when overdue); null when the clock is not running.")
    light = serializers.SerializerMethodField(help_text="green, amber, red, or \"\" when the clock is not running.")
    created_at = serializers.DateTimeField()

    def _today(self) -> datetime.date:
        if "today" not in self.context:
            self.context["today"] = _today()
        return self.context["today"]

    def get_holder_name(self, obj) -> str:
        return obj.holder_label()

    def get_workdays_left(self, obj) -> int | None:
        return obj.workdays_left(self._today())

    def get_light(self, obj) -> str:
        return obj.light(self._today())


class IssueAttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name")
    uploaded_at = serializers.DateTimeField(source="created_at")


class IssueRatingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(RatingKind.choices, source="kind")
    satisfied = serializers.BooleanField()
    comment = serializers.CharField()
    rated_by_name = serializers.CharField(source="rated_by.full_name")
    department_name = serializers.CharField(source="department.name", allow_null=True)
    rated_at = serializers.DateTimeField(source="created_at")


class IssueDetailOutput(IssueOutput):
    version = serializers.IntegerField(help_text="Send it back with assign, resolve, reschedule: a changed issue "
                                                 "is refused (409).")
    description = serializers.CharField()
    answer = serializers.CharField()
    raised_by_name = serializers.CharField(source="raised_by.full_name")
    accepted_at = serializers.DateTimeField(allow_null=True)
    sign_minutes = serializers.IntegerField(allow_null=True, help_text="Working minutes it took to sign for it.")
    assigned_at = serializers.DateTimeField(allow_null=True)
    first_answer_at = serializers.DateTimeField(allow_null=True)
    answer_workdays = serializers.IntegerField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    close_workdays = serializers.IntegerField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reopen_count = serializers.IntegerField()
    rating_count = serializers.IntegerField()
    satisfied_count = serializers.IntegerField()
    supervised_on = serializers.DateField(allow_null=True)
    due_provisional = serializers.SerializerMethodField(
        help_text="True when the due date lies beyond the years the official holiday calendar covers.")
    meeting_id = serializers.SerializerMethodField(help_text="The meeting whose decision it came from; null if none.")
    ratings = IssueRatingOutput(many=True)
    attachments = IssueAttachmentOutput(many=True)
    may_attach = serializers.SerializerMethodField(help_text="The caller may add a file now.")
    allowed_moves = serializers.SerializerMethodField(help_text="The moves the caller may take now.")
    moves = serializers.SerializerMethodField(help_text="The moves the caller holds from the current state, each "
                                              "enabled or with the reason it is not (as the page's buttons).")

    def get_due_provisional(self, obj) -> bool:
        return workdays.is_provisional(obj.due_on)

    def get_meeting_id(self, obj) -> int | None:
        decision = getattr(obj, "decision", None) if obj.source == IssueSource.MEETING else None
        return decision.meeting_id if decision is not None else None

    def get_may_attach(self, obj) -> bool:
        return services.may_attach(self.context["request"].user, obj)

    def _moves(self, obj) -> list[fsm.Move]:
        return moves_of(self, obj, services.issue_moves)

    def get_allowed_moves(self, obj) -> list[str]:
        return [m.name for m in self._moves(obj) if m.enabled]

    @extend_schema_field(MoveOutput(many=True))
    def get_moves(self, obj) -> list[dict]:
        return [m.as_dict() for m in self._moves(obj)]


class CoordinationNamedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CoordinationUserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class MeetingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(MeetingKind.choices, source="kind")
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField()
    state = serializers.CharField()
    state_display = ChoiceLabelField(MeetingState.choices, source="state")
    projects = CoordinationNamedOutput(many=True, source="projects.all")
    organizer_name = serializers.CharField(source="organizer.full_name")
    version = serializers.IntegerField()


class MeetingDecisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    text = serializers.CharField()
    project_id = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(source="project.name", allow_null=True)
    department_id = serializers.IntegerField(allow_null=True)
    department_name = serializers.CharField(source="department.name", allow_null=True)
    category = serializers.CharField()
    category_display = ChoiceLabelField(IssueCategory.choices, source="category")
    issue_id = serializers.IntegerField(allow_null=True)
    issue_number = serializers.CharField(source="issue.number", allow_null=True)


class MeetingDetailOutput(MeetingOutput):
    organizations = CoordinationNamedOutput(many=True, source="organizations.all")
    attendees = CoordinationUserOutput(many=True, source="attendees.all")
    other_attendees = serializers.CharField()
    agenda = serializers.CharField()
    minutes = serializers.CharField()
    decisions = MeetingDecisionOutput(many=True, source="decisions.all")
    may_change = serializers.SerializerMethodField(help_text="The caller may change it and record the minutes.")

    def get_may_change(self, obj) -> bool:
        return policy.can(self.context["request"].user, "change", obj)


class ServiceLogOutput(serializers.Serializer):
    id = serializers.IntegerField()
    officer_id = serializers.IntegerField()
    officer_name = serializers.CharField(source="officer.full_name")
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(ServiceKind.choices, source="kind")
    occurred_on = serializers.DateField()
    contacts = serializers.CharField()
    summary = serializers.CharField()
    follow_up = serializers.CharField()


class CallBackOutput(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.DateField()
    issue_id = serializers.IntegerField()
    issue_number = serializers.CharField(source="issue.number")
    issue_title = serializers.CharField(source="issue.title")
    project_name = serializers.CharField(source="issue.project.name")
    company_name = serializers.CharField(source="issue.company.name")
    department_name = serializers.CharField(source="issue.department.name", allow_null=True)
    state = serializers.CharField()
    state_display = ChoiceLabelField(CallBackState.choices, source="state")
    called_at = serializers.DateTimeField(allow_null=True)
    called_by_name = serializers.CharField(source="called_by.full_name", allow_null=True)
    contact = serializers.CharField()
    answer = serializers.CharField()
    satisfied = serializers.BooleanField(allow_null=True)


# -------------------------------------------------------------------------------------------------- input
class _PolicyField(serializers.PrimaryKeyRelatedField):
    """An id among the objects `scope(user)` gives: any other is "does not exist", whether it exists or not."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", Project.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


def _visible_projects(user: User) -> QuerySet:
    return policy.visible(user, Project.objects.active())


def _departments(user: User) -> QuerySet:
    return Organization.objects.filter(kind=OrganizationKind.DEPARTMENT)


def _organizations(user: User) -> QuerySet:
    return Organization.objects.all()


def _users(user: User) -> QuerySet:
    return User.objects.filter(is_active=True)


def project_field(**kwargs) -> _PolicyField:
    return _PolicyField(_visible_projects, **kwargs)


def department_field(**kwargs) -> _PolicyField:
    return _PolicyField(_departments, **kwargs)


class IssueCreateInput(serializers.Serializer):
    project = project_field()
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=10000)
    category = serializers.ChoiceField(choices=IssueCategory.choices)
    source = serializers.ChoiceField(choices=IssueSource.choices, required=False, allow_null=True, default=None,
                                     help_text="Omit for a company's own submission; a liaison officer or inspector "
                                               "raising it on a company's behalf names the source and the company.")
    company = _PolicyField(_organizations, required=False, allow_null=True, default=None,
                           help_text="The company the difficulty belongs to (one taking part in the project).")
    department = department_field(required=False, allow_null=True, default=None)


class IssueCreateMultipartInput(IssueCreateInput):
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=20,
                                        help_text="Files checked by their content (PDF, images, Office documents).")


class IssueAssignInput(serializers.Serializer):
    department = department_field()
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="The version read; a changed issue is refused (409).")


class IssueReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class IssueResolveInput(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True, max_length=10000)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class IssueVerifyInput(serializers.Serializer):
    satisfied = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000,
                                    help_text="Required when not satisfied: what is still unsolved.")


class IssueRescheduleInput(serializers.Serializer):
    due_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_due_on(self, value: datetime.date) -> datetime.date:
        return _plausible(value)


class IssueAttachmentInput(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, images or Office documents; checked by their content.")


class MeetingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    title = serializers.CharField(max_length=120)
    held_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    projects = serializers.ListField(child=project_field(), allow_empty=False, max_length=100)
    organizations = serializers.ListField(child=_PolicyField(_organizations), required=False, max_length=200)
    attendees = serializers.ListField(child=_PolicyField(_users), required=False, max_length=200)
    other_attendees = serializers.CharField(allow_blank=True, required=False, max_length=4000)
    agenda = serializers.CharField(allow_blank=True, required=False, max_length=10000)


class MeetingUpdateInput(MeetingInput):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class MeetingDecisionInput(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=4000)
    project = project_field(required=False, allow_null=True, default=None,
                            help_text="One of the meeting's projects.")
    department = department_field(required=False, allow_null=True, default=None)
    category = serializers.ChoiceField(choices=IssueCategory.choices, required=False, default=IssueCategory.OTHER)


class MeetingMinutesInput(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True, max_length=50000)
    decisions = MeetingDecisionInput(many=True, required=False, default=list)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class MeetingDecisionIssueInput(serializers.Serializer):
    company = _PolicyField(_organizations, required=False, allow_null=True, default=None,
                           help_text="The company the difficulty belongs to; the project's owner when omitted.")
    title = serializers.CharField(allow_blank=True, required=False, default="", max_length=120)


class ServiceLogInput(serializers.Serializer):
    project = project_field()
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    occurred_on = serializers.DateField()
    contacts = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    summary = serializers.CharField(max_length=10000)
    follow_up = serializers.CharField(allow_blank=True, required=False, default="", max_length=10000)


class CallBackRecordInput(serializers.Serializer):
    reached = serializers.BooleanField(help_text="False: nobody could be reached.")
    contact = serializers.CharField(allow_blank=True, required=False, default="", max_length=100)
    answer = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)
    satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)


# Dates a person could mean: the working-day calendar (portal.core.workdays) and the month arithmetic of the
# statistics fail far outside these (a recursion per year from 2000; year 10000), so a date beyond is refused as
# bad input before any service counts with it.
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


def _plausible(value: datetime.date) -> datetime.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise serializers.ValidationError(_("Choose another day."))
    return value


def _flat(detail, prefix: str = "") -> dict:
    """Nested serializer errors as the services name them: {"decisions.1.text": [...]}."""
    if isinstance(detail, dict):
        out: dict = {}
        for key, value in detail.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(v, dict | list) for v in detail):
        out = {}
        for i, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.update(_flat(value, f"{prefix}.{i}"))
            elif value:
                out.setdefault(prefix, []).append(value)
        return out
    return {prefix or "non_field_errors": detail if isinstance(detail, list) else [detail]}


def _valid(serializer_class, request, **kwargs) -> dict:
    data = serializer_class(data=request.data, context={"request": request}, **kwargs)
    if not data.is_valid():
        raise serializers.ValidationError(_flat(data.errors))
    return data.validated_data


def _bad(field: str, value: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [_("Not a valid choice: %(value)s") % {"value": value}]})


def _page(request, view, qs, output, **context) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    context.setdefault("request", request)
    return paginator.get_paginated_response(output(page, many=True, context=context).data)


# ------------------------------------------------------------------------------------------------- issues
def _issue_detail_queryset() -> QuerySet:
    return IssueItem.objects.select_related("project", "company", "department", "raised_by",
                                            "decision").prefetch_related(
        Prefetch("ratings", queryset=IssueRating.objects.select_related("rated_by", "department")),
        Prefetch("attachments", queryset=IssueAttachment.objects.select_related("uploaded_by")),
    )


def issue_detail_response(request, pk, code: int = status.HTTP_200_OK, *, moved: bool = False) -> Response:
    """The issue as the caller sees it, with the moves they hold (404 unless visible). `moved`: the caller has just
    taken a move on it — a department that declined it sees it no more, but is answered with the issue as its
    move left it (what it saw a moment before), not a 404 that would read as a failure."""
    if moved and not policy.visible(request.user, IssueItem.objects.filter(pk=pk)).exists():
        issue = _issue_detail_queryset().get(pk=pk)
    else:
        issue = policy.get_or_404(request.user, _issue_detail_queryset(), pk=pk)
    return Response(IssueDetailOutput(issue, context={"request": request}).data, status=code)


def _int_param(params, name: str) -> int | None:
    value = params.get(name, "")
    if value == "":
        return None
    if not re.fullmatch(r"[0-9]{1,18}", value):
        raise serializers.ValidationError({name: [_("A valid integer is required.")]})
    return int(value)


ISSUE_FILTERS = [
    OpenApiParameter("project", int), OpenApiParameter("category", str, enum=IssueCategory.values),
    OpenApiParameter("department", int), OpenApiParameter("state", str, enum=STATE_FILTER,
                                                          description="A state, or \"open\" for every open one."),
    OpenApiParameter("source", str, enum=IssueSource.values),
    OpenApiParameter("overdue", bool, description="Only those past the due date while the clock still runs."),
    OpenApiParameter("search", str, description="Number or title."),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int),
]
ATTACHMENT_ID = OpenApiParameter("att_id", int, OpenApiParameter.PATH)


@extend_schema(tags=["coordination"])
class IssueViewSet(viewsets.ViewSet):
    """Issue items (问题清单) the caller may see: a company its own, a department those assigned to it, bureau staff
    and leaders all. Each move is the workflow's (IssueItem.workflow), through coordination.services."""

    queryset = IssueItem.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, PlainNameMultiPartParser]

    def _issue(self, request, pk, *, move: str | None = None, action_name: str | None = None) -> IssueItem:
        """The issue (404 unless visible); 403 unless the caller holds `move`'s permission or may `action_name`."""
        issue = policy.get_or_404(request.user, IssueItem.objects.select_related("project", "company",
                                                                                  "department"), pk=pk)
        if move:
            fsm.require_move_permission(issue, move, request.user)
        if action_name:
            policy.require(request.user, action_name, issue)
        return issue

    def _detail(self, request, pk, code: int = status.HTTP_200_OK) -> Response:
        return issue_detail_response(request, pk, code)

    def _moved(self, request, pk) -> Response:
        return issue_detail_response(request, pk, moved=True)

    @extend_schema(parameters=ISSUE_FILTERS, responses=paginated(IssueOutput))
    def list(self, request):
        q = request.query_params
        bad = {}
        for name, choices in (("category", IssueCategory.values), ("state", STATE_FILTER),
                              ("source", IssueSource.values)):
            if q.get(name) and q[name] not in choices:
                bad.update(_bad(name, q[name]).detail)
        overdue = q.get("overdue", "")
        if overdue and overdue not in TRUE + FALSE:
            bad.update(_bad("overdue", overdue).detail)
        if bad:
            raise serializers.ValidationError(bad)
        today = _today()
        qs = selectors.issue_list(user=request.user, project=_int_param(q, "project"), category=q.get("category", ""),
                                  department=_int_param(q, "department"), state=q.get("state", ""),
                                  source=q.get("source", ""), overdue=overdue in TRUE,
                                  search=q.get("search", "").strip()[:100], today=today)
        return _page(request, self, qs, IssueOutput, today=today)

    @extend_schema(responses=IssueDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request={"application/json": IssueCreateInput, "multipart/form-data": IssueCreateMultipartInput},
                   responses={201: IssueDetailOutput})
    def create(self, request):
        """Raise an issue: a company on a project it takes part in; a liaison officer, an inspector or bureau
        staff on a company's behalf (naming source and company). Multipart adds the files `attachments`."""
        if not request.user.has_perm("coordination.add_issueitem"):
            raise PermissionDenied
        data = _valid(IssueCreateMultipartInput, request)
        try:
            issue = services.issue_raise(actor=request.user, **data)
        except ApplicationError as exc:  # the upload check names its field "file": here it is "attachments"
            if "file" in (exc.extra or {}):
                exc.extra = {"attachments": exc.extra.pop("file"), **exc.extra}
            raise
        return self._detail(request, issue.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The service window signs for a new issue (签收)."""
        services.issue_accept(actor=request.user, issue=self._issue(request, pk, move="accept"))
        return self._moved(request, pk)

    @extend_schema(request=IssueAssignInput, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Hand a signed-for issue to the responsible department (交办)."""
        issue = self._issue(request, pk, move="assign")
        services.issue_assign(actor=request.user, issue=issue, **_valid(IssueAssignInput, request))
        return self._moved(request, pk)

    @extend_schema(request=IssueReasonInput, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The department returns an issue that is not theirs, with the reason."""
        issue = self._issue(request, pk, move="decline")
        services.issue_decline(actor=request.user, issue=issue, reason=_valid(IssueReasonInput, request)["reason"])
        return self._moved(request, pk)

    @extend_schema(request=None, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        services.issue_start(actor=request.user, issue=self._issue(request, pk, move="start"))
        return self._moved(request, pk)

    @extend_schema(request=IssueResolveInput, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """The department answers the company (答复)."""
        issue = self._issue(request, pk, move="resolve")
        services.issue_resolve(actor=request.user, issue=issue, **_valid(IssueResolveInput, request))
        return self._moved(request, pk)

    @extend_schema(request=IssueVerifyInput, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """The raising company confirms the answer, or sends it back with what is still unsolved."""
        issue = self._issue(request, pk, move="confirm")  # confirm and reopen need the same permission
        services.issue_verify(actor=request.user, issue=issue, **_valid(IssueVerifyInput, request))
        return self._moved(request, pk)

    @extend_schema(request=None, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The bureau files a confirmed issue (办结)."""
        services.issue_close(actor=request.user, issue=self._issue(request, pk, move="close"))
        return self._moved(request, pk)

    @extend_schema(request=IssueRescheduleInput, responses=IssueDetailOutput)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Bureau staff move an open issue's deadline, with the reason."""
        issue = self._issue(request, pk, action_name="dispatch")
        services.issue_reschedule(actor=request.user, issue=issue, **_valid(IssueRescheduleInput, request))
        return self._moved(request, pk)

    @extend_schema(request={"multipart/form-data": IssueAttachmentInput}, responses={201: IssueAttachmentOutput})
    @action(detail=True, methods=["post"], parser_classes=[PlainNameMultiPartParser])
    def attachments(self, request, pk=None):
        """Add a file to an open issue: the raising company, the department holding it, bureau staff."""
        issue = self._issue(request, pk)
        if issue.is_open and not services.may_attach(request.user, issue):
            raise PermissionDenied
        att = services.attachment_add(actor=request.user, issue=issue, upload=_valid(IssueAttachmentInput, request)["file"])
        return Response(IssueAttachmentOutput(att).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ATTACHMENT_ID], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<att_id>[0-9]+)", url_name="attachment-file")
    def attachment_file(self, request, pk=None, att_id=None):
        """Download one attachment of an issue the caller may see."""
        issue = self._issue(request, pk)
        att = IssueAttachment.objects.filter(issue=issue, pk=att_id).first()
        if att is None:
            raise Http404
        return file_response(att.file, att.original_name, att.content_type)


# ----------------------------------------------------------------------------------------------- meetings
def _meeting_list_queryset(user: User) -> QuerySet:
    return policy.visible(user, Meeting.objects.filter(voided_at__isnull=True)).select_related(
        "organizer").prefetch_related(Prefetch("projects", queryset=Project.objects.only("id", "name")))


def _meeting_detail_queryset(user: User) -> QuerySet:
    return _meeting_list_queryset(user).prefetch_related(
        Prefetch("organizations", queryset=Organization.objects.only("id", "name")),
        Prefetch("attendees", queryset=User.objects.only("id", "full_name")),
        Prefetch("decisions", queryset=MeetingDecision.objects.select_related("project", "department", "issue")),
    )


@extend_schema(tags=["coordination"])
class MeetingViewSet(viewsets.ViewSet):
    """政企对接会 and 现场协调会: bureau staff and leaders see all; anyone else those they or their organisation
    attended, a liaison officer those about their projects. Bureau staff hold and record them."""

    queryset = Meeting.objects.none()  # for the schema only
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser]

    def _meeting(self, request, pk) -> Meeting:
        meeting = policy.get_or_404(request.user, Meeting.objects.all(), pk=pk)
        policy.require(request.user, "change", meeting)
        return meeting

    def _detail(self, request, pk, code: int = status.HTTP_200_OK) -> Response:
        meeting = policy.get_or_404(request.user, _meeting_detail_queryset(request.user), pk=pk)
        return Response(MeetingDetailOutput(meeting, context={"request": request}).data, status=code)

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=MeetingState.values),
                               OpenApiParameter("kind", str, enum=MeetingKind.values),
                               OpenApiParameter("project", int),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(MeetingOutput))
    def list(self, request):
        q = request.query_params
        bad = {}
        for name, choices in (("state", MeetingState.values), ("kind", MeetingKind.values)):
            if q.get(name) and q[name] not in choices:
                bad.update(_bad(name, q[name]).detail)
        if bad:
            raise serializers.ValidationError(bad)
        qs = _meeting_list_queryset(request.user)
        if q.get("state"):
            qs = qs.filter(state=q["state"])
        if q.get("kind"):
            qs = qs.filter(kind=q["kind"])
        if (project := _int_param(q, "project")) is not None:
            qs = qs.filter(projects=project)
        return _page(request, self, qs.order_by("-held_at", "-id"), MeetingOutput)

    @extend_schema(responses=MeetingDetailOutput)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    @extend_schema(request=MeetingInput, responses={201: MeetingDetailOutput})
    def create(self, request):
        if not request.user.has_perm("coordination.add_meeting"):
            raise PermissionDenied
        meeting = services.meeting_create(actor=request.user, data=_valid(MeetingInput, request))
        return self._detail(request, meeting.pk, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingUpdateInput, responses=MeetingDetailOutput)
    def partial_update(self, request, pk=None):
        meeting = self._meeting(request, pk)
        data = dict(_valid(MeetingUpdateInput, request, partial=True))
        version = data.pop("version", None)
        services.meeting_update(actor=request.user, meeting=meeting, data=data, version=version)
        return self._detail(request, pk)

    @extend_schema(request=MeetingMinutesInput, responses=MeetingDetailOutput)
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        """Record the minutes and add decisions; the meeting is then held."""
        meeting = self._meeting(request, pk)
        services.meeting_record_minutes(actor=request.user, meeting=meeting, **_valid(MeetingMinutesInput, request))
        return self._detail(request, pk)

    @extend_schema(parameters=[OpenApiParameter("decision_id", int, OpenApiParameter.PATH)],
                   request=MeetingDecisionIssueInput, responses={201: IssueDetailOutput})
    @action(detail=False, methods=["post"], url_path=r"decisions/(?P<decision_id>[0-9]+)/issue",
            url_name="decision-issue")
    def decision_issue(self, request, decision_id=None):
        """One click: a meeting decision becomes an issue item (source "meeting"), linked both ways."""
        decision = MeetingDecision.objects.filter(pk=decision_id).select_related("meeting").first()
        if decision is None:
            raise Http404
        self._meeting(request, decision.meeting_id)
        issue = services.decision_to_issue(actor=request.user, decision=decision,
                                           **_valid(MeetingDecisionIssueInput, request))
        return issue_detail_response(request, issue.pk, status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------------ service log, call-backs
@extend_schema(tags=["coordination"])
class ServiceLogViewSet(viewsets.ViewSet):
    """The liaison officers' service log (服务台账): an officer reads and writes their own; bureau staff and
    leaders read all."""

    queryset = ServiceLog.objects.none()  # for the schema only
    parser_classes = [JSONParser]

    @extend_schema(parameters=[OpenApiParameter("project", int), OpenApiParameter("page", int),
                               OpenApiParameter("page_size", int)],
                   responses=paginated(ServiceLogOutput))
    def list(self, request):
        qs = policy.visible(request.user, ServiceLog.objects.filter(voided_at__isnull=True)).select_related(
            "officer", "project")
        if (project := _int_param(request.query_params, "project")) is not None:
            qs = qs.filter(project_id=project)
        return _page(request, self, qs.order_by("-occurred_on", "-id"), ServiceLogOutput)

    @extend_schema(request=ServiceLogInput, responses={201: ServiceLogOutput})
    def create(self, request):
        if not request.user.has_perm("coordination.add_servicelog"):
            raise PermissionDenied
        entry = services.servicelog_add(actor=request.user, **_valid(ServiceLogInput, request))
        entry = ServiceLog.objects.select_related("officer", "project").get(pk=entry.pk)
        return Response(ServiceLogOutput(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["coordination"])
class CallBackViewSet(viewsets.ViewSet):
    """回访: the closed issues drawn each month for a call to the company (bureau staff)."""

    queryset = CallBack.objects.none()  # for the schema only
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser]

    @staticmethod
    def _queryset(user: User) -> QuerySet:
        return policy.visible(user, CallBack.objects.all()).select_related(
            "issue__project", "issue__company", "issue__department", "called_by")

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=CallBackState.values),
                               OpenApiParameter("month", OpenApiTypes.DATE, description="Any day of the month."),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=paginated(CallBackOutput))
    def list(self, request):
        q = request.query_params
        qs = self._queryset(request.user)
        if q.get("state"):
            if q["state"] not in CallBackState.values:
                raise _bad("state", q["state"])
            qs = qs.filter(state=q["state"])
        if q.get("month"):
            try:
                month = datetime.date.fromisoformat(q["month"])
            except ValueError:
                raise serializers.ValidationError({"month": [_("Enter a valid date.")]}) from None
            qs = qs.filter(month=services.month_start(month))
        return _page(request, self, qs.order_by("-month", "state", "id"), CallBackOutput)

    @extend_schema(request=CallBackRecordInput, responses=CallBackOutput)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the call: who was spoken to, what they said and whether they are satisfied — or unreachable."""
        callback = policy.get_or_404(request.user, CallBack.objects.all(), pk=pk)
        policy.require(request.user, "change", callback)
        services.callback_record(actor=request.user, callback=callback, **_valid(CallBackRecordInput, request))
        return Response(CallBackOutput(self._queryset(request.user).get(pk=pk)).data)


# ------------------------------------------------------------------------------------------------- statistics
class FiguresOutput(serializers.Serializer):
    reported = serializers.IntegerField()
    responded = serializers.IntegerField(help_text="Signed for within the 2-working-hour promise.")
    solved = serializers.IntegerField(help_text="Of those reported, confirmed solved by the company.")
    confirmed = serializers.IntegerField(help_text="Confirmed in the period.")
    on_time = serializers.IntegerField()
    ratings = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text="响应率, %; null without a denominator.")
    resolution_rate = serializers.FloatField(allow_null=True, help_text="解决率, %.")
    satisfaction_rate = serializers.FloatField(allow_null=True, help_text="满意率, %.")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按期办结率, %.")
    avg_close_workdays = serializers.FloatField(allow_null=True)
    avg_answer_workdays = serializers.FloatField(allow_null=True)
    median_sign_minutes = serializers.FloatField(source="median_sign", allow_null=True)
    below_line = serializers.BooleanField(help_text="Satisfaction under the 85 % line (不达标).")


class DepartmentFiguresOutput(FiguresOutput):
    department_id = serializers.IntegerField(allow_null=True, help_text="null: the issues not assigned yet.")
    name = serializers.CharField()


class CategoryFiguresOutput(FiguresOutput):
    category = serializers.CharField()
    category_display = ChoiceLabelField(IssueCategory.choices, source="category")


class MonthFiguresOutput(FiguresOutput):
    month = serializers.DateField()


@extend_schema_serializer(many=False)  # one answer, although a viewset's `list` gives it
class ClosureStatisticsOutput(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    department_id = serializers.IntegerField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    own_department_only = serializers.BooleanField(help_text="A department's reviewer sees only their department.")
    line = serializers.IntegerField(help_text="The satisfaction line, %.")
    promise_minutes = serializers.IntegerField(help_text="The promise to sign for a new issue, working minutes.")
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the figures were computed.")
    total = FiguresOutput()
    departments = DepartmentFiguresOutput(many=True)
    categories = CategoryFiguresOutput(many=True)
    months = MonthFiguresOutput(many=True, help_text="The 12 months ending with the period's last month.")


class StatisticsQuery(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="Default: the first day of the 12 months to today.")
    date_to = serializers.DateField(required=False, help_text="Default: today.")
    department = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    category = serializers.ChoiceField(choices=IssueCategory.choices, required=False)

    def validate_date_from(self, value: datetime.date) -> datetime.date:
        return _plausible(value)

    def validate_date_to(self, value: datetime.date) -> datetime.date:
        return _plausible(value)

    def validate(self, attrs):
        first, last = stats.default_period(_today())
        attrs.setdefault("date_from", first)
        attrs.setdefault("date_to", last)
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [_("The period ends before it starts.")]})
        return attrs


@extend_schema(tags=["coordination"])
class StatisticsViewSet(viewsets.ViewSet):
    """Closure statistics (办结统计): response, resolution, satisfaction and on-time rates and working days to
    close, per department and category, with the monthly trend. Bureau staff and leaders every department, a
    department's reviewer their own; anyone else 403."""

    queryset = IssueItem.objects.none()  # for the schema only

    @extend_schema(parameters=[StatisticsQuery], responses=ClosureStatisticsOutput)
    def list(self, request):
        stats.statistics_scope(request.user)  # 403 before reading the input
        query = StatisticsQuery(data=request.query_params)
        if not query.is_valid():
            raise serializers.ValidationError(_flat(query.errors))
        data = query.validated_data
        result = stats.closure_statistics_cached(user=request.user, date_from=data["date_from"],
                                                 date_to=data["date_to"], department=data.get("department"),
                                                 category=data.get("category"))
        return Response(ClosureStatisticsOutput(result).data)


def register(router) -> None:
    """/api/v1/coordination/…: issues, meetings, service-log, callbacks, stats."""
    router.register("coordination/issues", IssueViewSet, basename="coordination-issue")
    router.register("coordination/meetings", MeetingViewSet, basename="coordination-meeting")
    router.register("coordination/service-log", ServiceLogViewSet, basename="coordination-servicelog")
    router.register("coordination/callbacks", CallBackViewSet, basename="coordination-callback")
    router.register("coordination/stats", StatisticsViewSet, basename="coordination-stats")

