"""API plumbing shared by every app — pagination, the one error format, choice labels — and /api/v1/ping/, the
cheapest authenticated JSON answer, the baseline the benchmark harness measures against."""

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


class ChoiceLabelField(serializers.CharField):
    """The label of a choices field's value, as `get_<field>_display()` gives it (in the request's language).

    Same output; but the model method rebuilds a hashable copy of every choice, translating each label, for
    every row, and DRF inspects the bound method's signature per row: ~0.5 ms a project, most of a 50-row page."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {}


def exception_handler(exc, context):
    """Every error has one shape: {"error": {"code", "message", "fields": {field: [messages]}}}."""
    if isinstance(exc, ApplicationError):
        data = {"code": exc.code, "message": exc.message, "fields": _field_errors(exc.extra)}
        return Response({"error": data}, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(getattr(exc, "message_dict", None) or {"non_field_errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.PermissionDenied):
        _log_refusal(context.get("request"))
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": [str(m) for m in exc.detail]}
        from django.utils.translation import gettext as _

        message = _("Invalid input: %(fields)s") % {"fields": ", ".join(fields)}
        response.data = {"error": {"code": "invalid", "message": message, "fields": fields}}
    else:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        response.data = {"error": {"code": codes if isinstance(codes, str) else "error",
                                   "message": str(getattr(exc, "detail", exc)), "fields": {}}}
    return response


def _log_refusal(request) -> None:
    from portal.audit.services import security_event_record

    if request is None:
        return
    user = request.user if request.user.is_authenticated else None
    security_event_record(kind="access_refused", user=user, detail=f"{request.method} {request.path}"[:300])


class MoveOutput(serializers.Serializer):
    """A workflow move as the API offers it (portal.core.fsm.Move.as_dict): the same as the page's button."""

    name = serializers.CharField()
    label = serializers.CharField()
    enabled = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why the move is not possible now; \"\" when enabled.")


@functools.cache
def ping_view() -> Callable:
    """/api/v1/ping/: the caller's id and the server time; no query beyond authentication.

    Built on first use (by portal/api_urls.py): decorating it when this module is imported would load
    drf-spectacular's schema class, which imports DRF's generic views — and those import this module for the
    DEFAULT_PAGINATION_CLASS setting, a circular import."""
    from drf_spectacular.utils import extend_schema, inline_serializer
    from rest_framework.decorators import api_view

    @extend_schema(tags=["core"], responses=inline_serializer(
        "Ping", {"user": serializers.IntegerField(), "time": serializers.DateTimeField()}))
    @api_view(["GET"])
    def ping(request):
        """The caller's id and the server time; no query beyond authentication."""
        return Response({"user": request.user.pk, "time": timezone.now().isoformat()})

    return ping


def moves_of(serializer: serializers.Serializer, obj, compute: Callable) -> list:
    """The workflow moves of `obj` for the request's user, `compute(user, obj)` called once per object however
    many fields of the serializer (allowed_moves, moves, may_…) read them, and never shared between objects."""
    cache = serializer.context.setdefault("_moves", {})
    key = (type(obj), obj.pk)
    if key not in cache:
        cache[key] = compute(serializer.context["request"].user, obj)
    return cache[key]
