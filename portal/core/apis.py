"""API plumbing shared by every app — pagination, the one error format, choice labels — and /api/v1/ping/, the
cheapest authenticated JSON answer, the baseline the benchmark harness measures against."""

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
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


def values_columns(output: type[serializers.Serializer], *, computed: Iterable[str] = ()) -> tuple[str, ...]:
    """The `QuerySet.values()` keys `values_rows` reads for `output`: each field's source path joined by "__"
    ("owner.name" → "owner__name"), without the `computed` fields."""
    fields = output().fields
    return tuple(dict.fromkeys("__".join(f.source_attrs) for name, f in fields.items() if name not in computed))


def values_rows(output: type[serializers.Serializer], rows: Iterable[dict],
                computed: dict[str, Callable[[dict], Any]] | None = None) -> list[dict]:
    """`output(objects, many=True).data` for a list, from `QuerySet.values(*values_columns(output))` rows: the
    same keys in the same order, each value through the same field's `to_representation` (None stays None, as in
    DRF), `computed` fields (SerializerMethodField and the like) from a function of the row.

    A 50-row page through a serializer built 50 model instances and walked every field's source per cell; this is
    one dict per row and one field object per column (bench/REPORT.md). Only for flat outputs of plain fields;
    tests compare the two paths on the same rows."""
    computed = computed or {}
    columns = []
    for name, field in output().fields.items():
        if name in computed:
            columns.append((name, None, computed[name]))
        else:
            columns.append((name, "__".join(field.source_attrs), field.to_representation))
    result = []
    for row in rows:
        out = {}
        for name, key, convert in columns:
            if key is None:
                out[name] = convert(row)
            else:
                value = row[key]
                out[name] = None if value is None else convert(value)
        result.append(out)
    return result


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def page_of(request, view, qs, output: type[serializers.Serializer]) -> Response:
    """One page (`Pagination`) of `qs`, each row through `output`, with the request in its context."""
    paginator = Pagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(output(page, many=True, context={"request": request}).data)


def valid_input(serializer_class: type[serializers.Serializer], request, **kwargs) -> dict:
    """The request body validated by `serializer_class` (the request in its context): a 400 naming each bad
    field otherwise."""
    data = serializer_class(data=request.data, context={"request": request}, **kwargs)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def int_param(params, name: str) -> int | None:
    """The query parameter `name` as a whole number (None when absent): a 400 naming it when it is not one."""
    value = params.get(name, "")
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise serializers.ValidationError({name: [_("A valid integer is required.")]})
    return int(value)


def choice_param(params, name: str, choices) -> str:
    """The query parameter `name` ("" when absent): a 400 naming it when it is not one of `choices`."""
    value = params.get(name, "")
    if value and value not in choices:
        raise serializers.ValidationError({name: [_("Not a valid choice: %(value)s") % {"value": value}]})
    return value


@functools.cache  # one component per output, however many lists answer it
def paginated(output: type[serializers.Serializer]):
    """The schema of a list answered a page at a time by `Pagination`: {count, next, previous, results: [output]}
    (the viewsets paginate by hand, so drf-spectacular cannot know it; declare `responses=paginated(Output)`)."""
    from drf_spectacular.utils import extend_schema_serializer, inline_serializer

    name = output.__name__.removesuffix("Output").removesuffix("Serializer")
    page = inline_serializer(f"Paginated{name}List", {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": output(many=True),
    })
    extend_schema_serializer(many=False)(type(page))  # one page, although a viewset's `list` answers it
    return page


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


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every refusal of the API: the code (see portal.core.errors), a message for the user and the "
                   "messages of each field at fault.",
    "properties": {"error": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
        "required": ["code", "message", "fields"],
    }},
    "required": ["error"],
}
ERROR_DESCRIPTIONS = {
    "400": "Bad input: the fields at fault are named",
    "401": "Not signed in (no or a bad token)",
    "403": "Signed in, but not allowed to do this",
    "404": "No such object, or one the caller may not see",
    "409": "The object's state does not allow it now, or it changed since it was read",
    "413": "The upload is too large",
    "429": "Too many requests: try again later",
}


def error_responses_hook(result, generator, request, public):
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): declares the error
    answers `exception_handler` gives, with their one body, on every operation they can come from — so that a
    generated client knows them and the fuzzer (tests/test_fuzz_api.py) can hold every answer to the schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = operation.get("parameters", [])
            codes = ["401", "403"]
            if operation.get("requestBody") or any(p.get("in") == "query" for p in parameters) or "{" in path:
                codes.append("400")
            ok = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            if "{" in path or ok.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Paginated"):
                codes.append("404")  # no such object; or a page past the last one
            if method != "get":
                codes.append("409")
                if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
                    codes.append("413")
            if path.endswith("/auth/token/"):
                codes = ["400", "429"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code],
                                            "content": {"application/json": {"schema": ref}}})
    return result
