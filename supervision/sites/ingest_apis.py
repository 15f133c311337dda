"""/api/v1/supervision/ingest/{project_id}/readings/ and …/events/: where devices and their gateways send readings
and camera events. No user session: each reading proves itself with its device's token (in the reading, or in an
`Authorization: Device <token>` header for all of them).

- readings: JSON (`{"readings": [...]}` or a list) or CSV (`text/csv`, header device,ts,metric,value[,token]);
  at most SITE_INGEST_MAX_BYTES, refused with 413 before the body is read. 200 with what was accepted, what was a
  duplicate and each refused reading with its reason when anything was stored or already stored; 400 when no
  reading could be stored. The same batch sent twice stores nothing new.
- events: multipart (device, ts, kind, token, snapshot image, note) from a video camera; 201 when new, 200 when
  the same event (device, time, kind) was stored already."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from portal.core.uploads import PlainNameMultiPartParser
from projects.models import Project

from . import ingest
from .ingest import BadRequest


class RawParser(BaseParser):
    """Lets DRF accept JSON and CSV bodies without parsing them: the view reads the body itself, after its size
    check."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover - never asked to
        return {}


def _header_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() in ("device", "bearer") and token.strip():
        return token.strip()
    return request.META.get("HTTP_X_DEVICE_TOKEN") or None


ERROR_CODES = {400: "invalid", 404: "not_found", 413: "too_large", 415: "unsupported_media_type"}


def _error(message: str, field: str, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    """The portal's one error shape (portal.core.apis): {"error": {"code", "message", "fields"}}."""
    return Response({"error": {"code": ERROR_CODES.get(code, "invalid"), "message": message,
                               "fields": {field: [message]}}}, status=code)


ReadingsResult = inline_serializer("ReadingsResult", {
    "accepted": serializers.IntegerField(), "duplicates": serializers.IntegerField(),
    "alerts_opened": serializers.IntegerField(),
    "refused": inline_serializer("RefusedReading", {
        "index": serializers.IntegerField(), "device": serializers.CharField(allow_null=True),
        "field": serializers.CharField(), "code": serializers.CharField(), "reason": serializers.CharField()},
        many=True)})


class IngestViewSet(viewsets.ViewSet):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [RawParser]
    lookup_value_regex = r"\d+"

    def _project_id(self, pk: str) -> int | None:
        try:
            project_id = int(pk)
        except (TypeError, ValueError):
            return None
        return project_id if Project.objects.filter(pk=project_id, voided_at__isnull=True).exists() else None

    @extend_schema(summary="Send readings (JSON or CSV)", request={"application/json": dict, "text/csv": str},
                   responses={200: ReadingsResult, 400: OpenApiResponse(description="nothing could be stored"),
                              404: OpenApiResponse(description="no such project"),
                              413: OpenApiResponse(description="the request is too large")})
    @action(detail=True, methods=["post"])
    def readings(self, request, pk=None):
        raw = request._request
        try:
            length = int(raw.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.SITE_INGEST_MAX_BYTES:
            return _error(_("The request is %(size)s MB; at most %(limit)s MB are taken in one request: send "
                            "smaller batches.") % {"size": f"{length / 1048576:.1f}",
                                                   "limit": f"{settings.SITE_INGEST_MAX_BYTES / 1048576:g}"},
                          "body", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        project_id = self._project_id(pk)
        if project_id is None:
            return _error(_("No such project."), "project", status.HTTP_404_NOT_FOUND)
        body = raw.read(settings.SITE_INGEST_MAX_BYTES + 1)
        if len(body) > settings.SITE_INGEST_MAX_BYTES:
            return _error(_("The request is too large: send smaller batches."), "body",
                          status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        content_type = (raw.content_type or "").lower()
        try:
            if content_type in ("text/csv", "application/csv"):
                rows = ingest.parse_csv(body)
            elif content_type in ("application/json", "") or content_type.endswith("+json"):
                rows = ingest.parse_json(body)
            else:
                return _error(_("Send JSON (application/json) or CSV (text/csv)."), "content_type",
                              status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
            if not rows:
                return _error(_("There are no readings in the request."), "readings")
            result = ingest.ingest(project_id, rows, header_token=_header_token(request))
        except BadRequest as bad:
            return _error(bad.message, bad.field)
        stored_any = result.accepted or result.duplicates
        return Response(result.as_dict(), status=status.HTTP_200_OK if stored_any else status.HTTP_400_BAD_REQUEST)

    @extend_schema(summary="Send a camera event", request={"multipart/form-data": inline_serializer(
        "CameraEventInput", {"device": serializers.CharField(), "ts": serializers.CharField(),
                             "kind": serializers.CharField(), "token": serializers.CharField(required=False),
                             "note": serializers.CharField(required=False),
                             "snapshot": serializers.FileField(required=False)})},
        responses={201: inline_serializer("CameraEventResult", {
            "event": serializers.IntegerField(), "alert": serializers.IntegerField(allow_null=True),
            "new": serializers.BooleanField()}), 200: OpenApiResponse(description="the same event, stored already"),
            400: OpenApiResponse(description="refused, with the field"),
            404: OpenApiResponse(description="no such project")})
    @action(detail=True, methods=["post"], parser_classes=[PlainNameMultiPartParser])
    def events(self, request, pk=None):
        from .services import camera_event

        project_id = self._project_id(pk)
        if project_id is None:
            return _error(_("No such project."), "project", status.HTTP_404_NOT_FOUND)
        data = request.data
        serial = (data.get("device") or "").strip()
        if not serial:
            return _error(_("Name the device (its serial number)."), "device")
        ts = ingest._time(data.get("ts") or "")
        if ts is None:
            return _error(_("The time is not an ISO 8601 time or a Unix timestamp."), "ts")
        try:
            event, alert, new = camera_event(project_id=project_id, serial=serial,
                                             token=data.get("token") or _header_token(request), ts=ts,
                                             kind=(data.get("kind") or "").strip(),
                                             snapshot_file=request.FILES.get("snapshot"), note=data.get("note") or "")
        except BadRequest as bad:
            return _error(bad.message, bad.field)
        return Response({"event": event.pk, "alert": alert.pk if alert else None, "new": new},
                        status=status.HTTP_201_CREATED if new else status.HTTP_200_OK)
