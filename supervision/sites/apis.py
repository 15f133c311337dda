"""/api/v1/supervision/… of the smart site: the devices of the sites the caller may see (with their latest values,
rules in force, raw readings and rollups), their rules, and the alerts the rules raise — through the same services
as the pages — and the ingestion endpoints the devices post to (`ingest_apis`).

A device, rule or alert the caller may not see is a 404; an action they may not take a 403; bad input (a filter, a
date, a value) a 400 naming the field; an action the object's state no longer allows, or a stale version, a 409."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import dateparse, timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.accounts.models import Organization, User
from portal.core import policy
from portal.core.apis import choice_param, int_param, page_of, paginated, valid_input
from portal.core.errors import ApplicationError, ErrorCode
from projects.models import Project

from ..dangerous.selectors import managed_projects
from ..hazards.permissions import may_report
from ..models import (
    METRIC_KEYS,
    Alert,
    AlertLevel,
    AlertState,
    Device,
    DeviceKind,
    Latest,
    Period,
    Reading,
    Rollup,
    Rule,
)
from . import services
from .engine import effective_rules
from .ingest_apis import IngestViewSet
from .serializers import (
    SiteAlertClearInput,
    SiteAlertDetailOutput,
    SiteAlertHazardInput,
    SiteAlertOutput,
    SiteDeviceCreateInput,
    SiteDeviceDetailOutput,
    SiteDeviceOutput,
    SiteDeviceRetireInput,
    SiteDeviceTokenOutput,
    SiteDeviceUpdateInput,
    SiteReadingOutput,
    SiteRollupOutput,
    SiteRuleOutput,
    SiteRuleSetInput,
    SiteRuleValuesInput,
)

TRUE = ("1", "true", "True", "yes", "on")
FALSE = ("0", "false", "False", "no", "off")
RAW_SPAN = datetime.timedelta(hours=48)  # the longest span of raw readings one call returns; longer: rollups
ROLLUP_SPAN = {Period.HOUR: datetime.timedelta(days=7), Period.DAY: datetime.timedelta(days=366)}  # by default
SCOPES = ("default", "project", "device")
ALERT_STATES = ("all", *AlertState.values)
PAGE_PARAMS = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


# ------------------------------------------------------------------------------------------- query parameters
def bool_param(params, name: str) -> bool | None:
    value = params.get(name, "")
    if value == "":
        return None
    if value not in TRUE + FALSE:
        raise serializers.ValidationError({name: [_("Not a valid choice: %(value)s") % {"value": value}]})
    return value in TRUE


def search_param(params) -> str:
    """The search text `q`: at most 100 characters, without NUL (which PostgreSQL refuses in a string)."""
    return params.get("q", "").replace("\x00", "").strip()[:100]


def moment_param(params, name: str, *, end: bool = False) -> datetime.datetime | None:
    """The query parameter `name` as a moment (in UTC): an ISO 8601 time (local time when it names no zone) or a
    date (its local start; its end when `end`). A 400 naming it otherwise."""
    value = params.get(name, "").strip()
    if not value:
        return None
    try:  # a date first: Python reads "2025-01-13" as a time too (midnight), which would lose `end`
        day = dateparse.parse_date(value)
        moment = dateparse.parse_datetime(value) if day is None else None
    except (ValueError, OverflowError):
        moment = day = None
    if day is not None:
        try:
            moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time())
        except OverflowError:
            moment = None
        if moment is not None and end:
            moment -= datetime.timedelta(microseconds=1)
    if moment is None or not 1970 <= moment.year < 9999:  # the edges of the calendar overflow with a zone
        raise serializers.ValidationError({name: [_("Enter a date (YYYY-MM-DD) or a time (ISO 8601).")]})
    # in UTC: an offset Python takes (up to ±23:59) may be one the database refuses (PostgreSQL: ±15:59)
    return (timezone.make_aware(moment) if timezone.is_naive(moment) else moment).astimezone(datetime.UTC)


def _keeper_gate(user: User) -> None:
    """Registering devices and setting rules: bureau staff, and the users of an organisation that owns or builds a
    project (which projects, the service decides)."""
    if not (user.has_perm("supervision.change_device") or managed_projects(user).exists()):
        raise PermissionDenied


def _project(user: User, pk: int) -> Project:
    project = policy.visible(user, Project.objects.all()).filter(pk=pk).first()
    if project is None:
        raise serializers.ValidationError({"project": [_("Select a valid choice.")]})
    return project


def _visible_device(user: User, pk: int, field: str) -> Device:
    device = policy.visible(user, Device.objects.select_related("project")).filter(pk=pk).first()
    if device is None:
        raise serializers.ValidationError({field: [_("Select a valid choice.")]})
    return device


def _retired_conflict() -> ApplicationError:
    return ApplicationError(_("The device is retired."), code=ErrorCode.INVALID_TRANSITION)


# ---------------------------------------------------------------------------------------------------- devices
DEVICE_FILTERS = [
    OpenApiParameter("project", int), OpenApiParameter("kind", str, enum=DeviceKind.values),
    OpenApiParameter("q", str, description="Part of the name, serial number or location."),
    OpenApiParameter("retired", bool, description="true: only retired devices; otherwise only those in service."),
    *PAGE_PARAMS,
]
SPAN_PARAMS = [
    OpenApiParameter("metric", str, enum=list(METRIC_KEYS),
                     description="The metric (its key); by default the device's first."),
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="ISO 8601 time or date (local time if no zone)."),
    OpenApiParameter("to", OpenApiTypes.DATETIME, description="ISO 8601 time or date; by default now."),
]


@extend_schema(tags=["supervision"])
class SiteDeviceViewSet(viewsets.ViewSet):
    """The sensors and cameras of the sites the caller may see. Registering, editing, a new token and retiring:
    bureau staff and the users of the project's owner and contractors."""

    queryset = Device.objects.none()
    lookup_value_regex = r"[0-9]+"

    def _device(self, request, pk) -> Device:
        return policy.get_or_404(request.user, Device.objects.select_related("project", "responsible"), pk=pk)

    def _changeable(self, request, pk) -> Device:
        device = self._device(request, pk)
        if device.voided_at is not None:
            raise _retired_conflict()
        policy.require(request.user, "change", device)
        return device

    def _detail(self, request, device: Device, code: int = status.HTTP_200_OK, token: str | None = None) -> Response:
        device.open_alerts = Alert.objects.filter(device=device, state=AlertState.OPEN).count()
        context = {"request": request, "latest": list(Latest.objects.filter(device=device).order_by("metric")),
                   "rules": effective_rules([device]).get(device.pk, [])}
        if token is None:
            return Response(SiteDeviceDetailOutput(device, context=context).data, status=code)
        device.token = token
        return Response(SiteDeviceTokenOutput(device, context=context).data, status=code)

    def _metric(self, request, device: Device) -> int | None:
        key = choice_param(request.query_params, "metric", METRIC_KEYS)
        if not key:
            return device.metrics[0] if device.metrics else None
        if METRIC_KEYS[key] not in device.metrics:
            raise serializers.ValidationError({"metric": [_("This device does not measure %(metric)s.")
                                                          % {"metric": key}]})
        return METRIC_KEYS[key]

    @extend_schema(parameters=DEVICE_FILTERS, responses=paginated(SiteDeviceOutput))
    def list(self, request):
        q = request.query_params
        project_id, kind = int_param(q, "project"), choice_param(q, "kind", DeviceKind.values)
        retired, search = bool_param(q, "retired"), search_param(q)
        qs = policy.visible(request.user, Device.objects.all()).filter(voided_at__isnull=not retired)
        if project_id is not None:
            qs = qs.filter(project_id=project_id)
        if kind:
            qs = qs.filter(kind=kind)
        if search:
            qs = qs.filter(Q(name__icontains=search) | Q(serial__icontains=search) | Q(location__icontains=search))
        qs = qs.select_related("project", "responsible").annotate(
            open_alerts=Count("alerts", filter=Q(alerts__state=AlertState.OPEN))).order_by("project_id", "kind",
                                                                                          "name", "id")
        return page_of(request, self, qs, SiteDeviceOutput)

    @extend_schema(responses=SiteDeviceDetailOutput)
    def retrieve(self, request, pk=None):
        """A device with the last value of each metric and the rules in force (each with its source)."""
        return self._detail(request, self._device(request, pk))

    @extend_schema(request=SiteDeviceCreateInput, responses={201: SiteDeviceTokenOutput})
    def create(self, request):
        """Register a device on a project's site. The answer carries its token, this once only."""
        _keeper_gate(request.user)
        data = valid_input(SiteDeviceCreateInput, request)
        project = _project(request.user, data.pop("project"))
        data["responsible"] = self._responsible(data["responsible"])
        device, token = services.device_register(actor=request.user, project=project, **data)
        return self._detail(request, self._device(request, device.pk), status.HTTP_201_CREATED, token)

    @staticmethod
    def _responsible(pk: int) -> Organization:
        org = Organization.objects.filter(pk=pk).first()
        if org is None:
            raise serializers.ValidationError({"responsible": [_("Choose an organisation taking part in the "
                                                                 "project.")]})
        return org

    @extend_schema(request=SiteDeviceUpdateInput, responses=SiteDeviceDetailOutput)
    def partial_update(self, request, pk=None):
        """Change a device's name, place, responsible unit, rated capacity or stream address."""
        device = self._changeable(request, pk)
        data = valid_input(SiteDeviceUpdateInput, request)
        version = data.pop("version", None)
        if "responsible" in data:
            data["responsible"] = self._responsible(data["responsible"])
        services.device_update(actor=request.user, device=device, version=version, **data)
        return self._detail(request, self._device(request, pk))

    @extend_schema(request=None, responses=SiteDeviceTokenOutput)
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, pk=None):
        """Issue a new token (returned this once); the old one is refused from now on."""
        device = self._changeable(request, pk)
        _device, token = services.device_rotate_token(actor=request.user, device=device)
        return self._detail(request, self._device(request, pk), token=token)

    @extend_schema(request=SiteDeviceRetireInput, responses=SiteDeviceDetailOutput)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Take a device out of service, with the reason: its readings and alerts stay, new readings are
        refused."""
        device = self._changeable(request, pk)
        data = valid_input(SiteDeviceRetireInput, request)
        services.device_retire(actor=request.user, device=device, reason=data["reason"])
        return self._detail(request, self._device(request, pk))

    @extend_schema(parameters=[*SPAN_PARAMS, *PAGE_PARAMS], responses=paginated(SiteReadingOutput))
    @action(detail=True, methods=["get"])
    def readings(self, request, pk=None):
        """The raw readings of one metric, newest first: at most 48 hours a call (by default the last 24);
        longer spans from …/rollups/."""
        device = self._device(request, pk)
        metric = self._metric(request, device)
        end = moment_param(request.query_params, "to", end=True) or timezone.now()
        start = moment_param(request.query_params, "from") or end - datetime.timedelta(hours=24)
        if start > end:
            raise serializers.ValidationError({"from": [_("The start is after the end.")]})
        if end - start > RAW_SPAN:
            raise serializers.ValidationError({"from": [
                _("At most 48 hours of raw readings a call; for a longer span ask %(url)s.")
                % {"url": request.path.replace("/readings/", "/rollups/")}]})
        if metric is None:
            qs = Reading.objects.none()
        else:
            qs = Reading.objects.filter(device_id=device.pk, metric=metric, ts__gte=start, ts__lte=end)
        return page_of(request, self, qs.order_by("-ts").values("ts", "value"), SiteReadingOutput)

    @extend_schema(parameters=[*SPAN_PARAMS, OpenApiParameter("period", str, enum=Period.values,
                                                              description="hour (default) or day."), *PAGE_PARAMS],
                   responses=paginated(SiteRollupOutput))
    @action(detail=True, methods=["get"])
    def rollups(self, request, pk=None):
        """Hourly or daily min/avg/max/count and exceedances of one metric, newest first (by default the last
        7 days of hours, or 366 days of days)."""
        device = self._device(request, pk)
        metric = self._metric(request, device)
        period = choice_param(request.query_params, "period", Period.values) or Period.HOUR
        end = moment_param(request.query_params, "to", end=True) or timezone.now()
        start = moment_param(request.query_params, "from") or end - ROLLUP_SPAN[period]
        if start > end:
            raise serializers.ValidationError({"from": [_("The start is after the end.")]})
        if metric is None:
            qs = Rollup.objects.none()
        else:
            qs = Rollup.objects.filter(device_id=device.pk, metric=metric, period=period, start__gte=start,
                                       start__lte=end)
        return page_of(request, self, qs.order_by("-start"), SiteRollupOutput)


# ------------------------------------------------------------------------------------------------------ rules
RULE_FILTERS = [
    OpenApiParameter("project", int, description="A project's own rules and its devices' rules."),
    OpenApiParameter("device", int, description="One device's own rules."),
    OpenApiParameter("kind", str, enum=DeviceKind.values, description="The kind of device the rules judge."),
    OpenApiParameter("scope", str, enum=list(SCOPES)),
    *PAGE_PARAMS,
]


def rules_visible(user: User) -> QuerySet[Rule]:
    """The rules `user` may see: the shipped defaults, and a project's or a device's rules with their project."""
    qs = policy.visible(user, Rule.objects.all())
    if not user.has_perm("supervision.view_rule"):
        # A device's own rule has no project of its own: it is seen with its device.
        qs = qs.filter(Q(device__isnull=True) | Q(device__in=policy.visible(user, Device.objects.all()).values("pk")))
    return qs


def _was_reset(rule: Rule) -> bool:
    """A rule reset while it had alerts stays (switched off, its key marked "~id") for those alerts only."""
    return "~" in rule.key


@extend_schema(tags=["supervision"])
class SiteRuleViewSet(viewsets.ViewSet):
    """The alert rules: the shipped defaults (with the standard each comes from), a project's own rules (which may
    only tighten a default) and a device's own rules (a monitoring point's design values)."""

    queryset = Rule.objects.none()
    lookup_value_regex = r"[0-9]+"

    def _rule(self, request, pk) -> Rule:
        rule = policy.get_or_404(request.user, rules_visible(request.user).select_related("project", "device"),
                                 pk=pk)
        if _was_reset(rule) and request.method != "GET":
            raise ApplicationError(_("This rule has been reset: it no longer applies."),
                                   code=ErrorCode.INVALID_TRANSITION)
        return rule

    def _values(self, request, data: dict) -> dict:
        if data.get("reference") is not None:
            data["reference"] = _visible_device(request.user, data["reference"], "reference")
        return data

    @extend_schema(parameters=RULE_FILTERS, responses=paginated(SiteRuleOutput))
    def list(self, request):
        q = request.query_params
        project_id, device_id = int_param(q, "project"), int_param(q, "device")
        kind, scope = choice_param(q, "kind", DeviceKind.values), choice_param(q, "scope", SCOPES)
        qs = rules_visible(request.user).exclude(key__contains="~")
        if project_id is not None:
            qs = qs.filter(Q(project_id=project_id) | Q(device__project_id=project_id))
        if device_id is not None:
            qs = qs.filter(device_id=device_id)
        if kind:
            qs = qs.filter(device_kind=kind)
        if scope == "default":
            qs = qs.filter(project__isnull=True, device__isnull=True)
        elif scope == "project":
            qs = qs.filter(project__isnull=False, device__isnull=True)
        elif scope == "device":
            qs = qs.filter(device__isnull=False)
        return page_of(request, self, qs.order_by("device_kind", "key", "project_id", "device_id", "id"),
                       SiteRuleOutput)

    @extend_schema(responses=SiteRuleOutput)
    def retrieve(self, request, pk=None):
        return Response(SiteRuleOutput(self._rule(request, pk)).data)

    @extend_schema(request=SiteRuleSetInput, responses={200: SiteRuleOutput, 201: SiteRuleOutput})
    def create(self, request):
        """Set a project's or a device's own values of a rule (201 new, 200 replaced): the default's values, then
        those sent. A project may only tighten a default (a looser value is a 400 naming the field)."""
        _keeper_gate(request.user)
        data = valid_input(SiteRuleSetInput, request)
        key, version = data.pop("key").strip(), data.pop("version", None)
        project_id, device_id = data.pop("project", None), data.pop("device", None)
        if "~" in key:
            raise serializers.ValidationError({"key": [_("There is no such rule.")]})
        if device_id is not None:
            target = {"device": _visible_device(request.user, device_id, "device")}
            existing = Rule.objects.filter(key=key, **target).exists()
        else:
            target = {"project": _project(request.user, project_id)}
            existing = Rule.objects.filter(key=key, device__isnull=True, **target).exists()
        rule = services.rule_set(actor=request.user, key=key, version=version, **target,
                                 **self._values(request, data))
        return Response(SiteRuleOutput(rule).data, status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED)

    @extend_schema(request=SiteRuleValuesInput, responses=SiteRuleOutput)
    def partial_update(self, request, pk=None):
        """Change a rule's values: a project's or device's rule by those who run the site, a shipped default by
        bureau staff (for every project without its own)."""
        rule = self._rule(request, pk)
        if rule.scope == "default":
            if not request.user.has_perm("supervision.change_rule"):
                raise PermissionDenied
        else:
            policy.require(request.user, "change", rule.device if rule.device_id else rule)
        data = valid_input(SiteRuleValuesInput, request)
        version = data.pop("version", None)
        values = self._values(request, data)
        if rule.scope == "default":
            rule = services.default_rule_update(actor=request.user, rule=rule, version=version, **values)
        else:
            rule = services.rule_set(actor=request.user, key=rule.key, version=version,
                                     **({"device": rule.device} if rule.device_id else {"project": rule.project}),
                                     **values)
        return Response(SiteRuleOutput(rule).data)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Reset: the default (or the "
                                                                             "project's rule) applies again.")})
    @action(detail=True, methods=["post"])
    def reset(self, request, pk=None):
        """Drop a project's or device's own rule: the default (or, for a device, the project's rule) applies
        again."""
        services.rule_reset(actor=request.user, rule=self._rule(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# ----------------------------------------------------------------------------------------------------- alerts
ALERT_FILTERS = [
    OpenApiParameter("state", str, enum=list(ALERT_STATES), description="open, cleared or all (default)."),
    OpenApiParameter("level", str, enum=AlertLevel.values), OpenApiParameter("project", int),
    OpenApiParameter("device", int), OpenApiParameter("kind", str, enum=DeviceKind.values,
                                                      description="The kind of device."),
    OpenApiParameter("q", str, description="Part of the message, the device's name or serial, or the project's "
                                           "name."),
    OpenApiParameter("opened_from", OpenApiTypes.DATETIME, description="ISO 8601 time or date."),
    OpenApiParameter("opened_to", OpenApiTypes.DATETIME, description="ISO 8601 time or date (the whole day)."),
    *PAGE_PARAMS,
]


@extend_schema(tags=["supervision"])
class SiteAlertViewSet(viewsets.ViewSet):
    """Alerts of the sites the caller may see (bureau staff and leaders: all), newest first. Clearing by hand:
    bureau staff and inspectors, and the project's owner — never only the unit that answers for the device.
    Raising a hazard from an alarm: whoever may report hazards on the project."""

    queryset = Alert.objects.none()
    lookup_value_regex = r"[0-9]+"

    def _alert(self, request, pk) -> Alert:
        return policy.get_or_404(request.user, Alert.objects.select_related(
            "project", "device", "rule", "hazard", "cleared_by"), pk=pk)

    def _detail(self, request, pk) -> Response:
        alert = self._alert(request, pk)
        user = request.user
        alert.may_clear = alert.is_open and policy.can(user, "clear", alert)
        alert.may_raise_hazard = (alert.level == AlertLevel.ALARM and alert.hazard_id is None
                                  and may_report(user, alert.project))
        return Response(SiteAlertDetailOutput(alert).data)

    @extend_schema(parameters=ALERT_FILTERS, responses=paginated(SiteAlertOutput))
    def list(self, request):
        q = request.query_params
        state = choice_param(q, "state", ALERT_STATES)
        level, kind = choice_param(q, "level", AlertLevel.values), choice_param(q, "kind", DeviceKind.values)
        project_id, device_id = int_param(q, "project"), int_param(q, "device")
        opened_from, opened_to = moment_param(q, "opened_from"), moment_param(q, "opened_to", end=True)
        search = search_param(q)
        qs = policy.visible(request.user, Alert.objects.all())
        if state and state != "all":
            qs = qs.filter(state=state)
        if level:
            qs = qs.filter(level=level)
        if kind:
            qs = qs.filter(device__kind=kind)
        if project_id is not None:
            qs = qs.filter(project_id=project_id)
        if device_id is not None:
            qs = qs.filter(device_id=device_id)
        if opened_from is not None:
            qs = qs.filter(opened_at__gte=opened_from)
        if opened_to is not None:
            qs = qs.filter(opened_at__lte=opened_to)
        if search:
            qs = qs.filter(Q(message__icontains=search) | Q(device__name__icontains=search)
                           | Q(device__serial__icontains=search) | Q(project__name__icontains=search))
        qs = qs.select_related("project", "device", "rule", "hazard").order_by("-opened_at", "-id")
        return page_of(request, self, qs, SiteAlertOutput)

    @extend_schema(responses=SiteAlertDetailOutput)
    def retrieve(self, request, pk=None):
        """An alert with its rule's source and levels, its first, worst and last crossing, and the hazard raised
        from it."""
        return self._detail(request, pk)

    @extend_schema(request=SiteAlertClearInput, responses=SiteAlertDetailOutput)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        """Clear an open alert by hand, saying why (`note`)."""
        alert = self._alert(request, pk)
        if not alert.is_open:
            raise ApplicationError(_("The alert is cleared already."), code=ErrorCode.INVALID_TRANSITION)
        policy.require(request.user, "clear", alert)
        data = valid_input(SiteAlertClearInput, request)
        services.alert_clear(actor=request.user, alert=alert, note=data["note"], version=data.get("version"))
        return self._detail(request, pk)

    @extend_schema(request=SiteAlertHazardInput, responses=SiteAlertDetailOutput)
    @action(detail=True, methods=["post"])
    def hazard(self, request, pk=None):
        """Raise a hazard (supervision) from an alarm-level alert, on the device's responsible unit; once."""
        alert = self._alert(request, pk)
        if not may_report(request.user, alert.project):
            raise PermissionDenied
        data = valid_input(SiteAlertHazardInput, request)
        services.alert_raise_hazard(actor=request.user, alert=alert, version=data.get("version"))
        return self._detail(request, pk)


def register(router) -> None:
    router.register("supervision/ingest", IngestViewSet, basename="supervision-ingest")
    router.register("supervision/site-devices", SiteDeviceViewSet, basename="supervision-site-device")
    router.register("supervision/site-rules", SiteRuleViewSet, basename="supervision-site-rule")
    router.register("supervision/site-alerts", SiteAlertViewSet, basename="supervision-site-alert")
