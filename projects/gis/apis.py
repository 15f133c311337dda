"""/api/v1/projects/map/ (the located projects the caller may see, as one GeoJSON FeatureCollection, with the
filters of /api/v1/projects/; simplified for the map's zoom, with an ETag, gzip-encoded) and
/api/v1/projects/{id}/location/ (read and replace one project's location). The same services and selectors as the
pages."""


import gzip
import hashlib
import json
import re

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core import policy
from projects.apis import list_filters
from projects.models import Project

from . import geojson, selectors, services, simplify

FILTERS = ("q", "project_type", "level", "stage", "phase", "region", "owner", "overdue")


def map_filters(query) -> dict:
    """The filters of /api/v1/projects/ (without its order) from query parameters; a bad value is a 400."""
    return list_filters(query, names=FILTERS)


def map_zoom(query) -> int | None:
    """The optional `zoom` parameter: a whole number 0–22 (the map's zoom), or None; anything else is a 400."""
    value = query.get("zoom")
    if value is None or value == "":
        return None
    if not re.fullmatch(r"[0-9]{1,2}", value) or int(value) > simplify.MAX_ZOOM:
        raise serializers.ValidationError(
            {"zoom": [_("Enter a whole number from 0 to %(max)d.") % {"max": simplify.MAX_ZOOM}]})
    return int(value)


# The answers are kept in the cache under their ETag (which names everything they are made of), compressed: a
# province-wide map is ≈ 2 MB of JSON, ≈ 0.45 MB compressed, and building it is most of the request.
CACHE_PREFIX = "gis:map:"
CACHE_SECONDS = 600
CACHE_MAX_BYTES = 4 * 1024 * 1024
ETAG_VERSION = "map-2"


def map_etag(*, user, filters: dict, level: simplify.Level, today, state: dict) -> str:
    """A weak ETag of the map of `user` (the user's id: two users never share one) with these filters at this
    level, in the active language, today, from `selectors.project_map_state`: computed without building the body.
    Weak: the same validator for the compressed and the plain bytes."""
    parts = [ETAG_VERSION, str(user.pk), json.dumps(filters, sort_keys=True, default=str), level.key,
             translation.get_language() or "", today.isoformat(),
             *(f"{k}={v.isoformat() if hasattr(v, 'isoformat') else v}" for k, v in sorted(state.items()))]
    return f'W/"{hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()}"'


def map_response(request, *, filters: dict, zoom: int | None) -> HttpResponseBase:
    """200 with the map (gzip-encoded when the client accepts it), or 304 when If-None-Match holds its ETag."""
    user = request.user
    today = timezone.localdate()
    level = simplify.level_for(zoom)
    search = filters.get("q", "")
    state = selectors.project_map_state(user=user, search=search, filters=filters, today=today)
    etag = map_etag(user=user, filters=filters, level=level, today=today, state=state)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        _headers(not_modified, etag)
        return not_modified
    key = CACHE_PREFIX + etag.removeprefix("W/").strip('"')
    compressed = cache.get(key)
    if compressed is None:
        body = selectors.project_map_json(user=user, search=search, filters=filters, today=today, level=level,
                                          without=state["without"]).encode()
        # Level 4: half the time of the default 6 for 7 % more bytes (a 2 MB map: 23 ms → 490 KB, against 47 ms → 459 KB).
        compressed = gzip.compress(body, compresslevel=4, mtime=0)
        if len(compressed) <= CACHE_MAX_BYTES:
            cache.set(key, compressed, CACHE_SECONDS)
    else:
        body = None
    if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body if body is not None else gzip.decompress(compressed),
                                content_type="application/json")
    _headers(response, etag)
    return response


def _headers(response: HttpResponseBase, etag: str) -> None:
    response["ETag"] = etag
    # Private (per user), and checked with the server every time: a 304 costs one aggregate query.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Accept-Encoding", "Accept-Language", "Cookie"))


@extend_schema(tags=["projects"])
class ProjectMapViewSet(viewsets.ViewSet):
    """The map of key projects."""

    queryset = Project.objects.none()  # for the schema only: every read goes through the access policy

    @extend_schema(
        parameters=[
            *(OpenApiParameter(n, str) for n in FILTERS),
            OpenApiParameter(
                "zoom", {"type": "integer", "minimum": 0, "maximum": simplify.MAX_ZOOM}, required=False,
                description="The map's zoom (0–22), for geometries simplified to what it can show: 0–9 the province "
                            "(Douglas–Peucker at ≈ 200 m, 4 decimals), 10–13 a city (≈ 10 m, 5 decimals), 14–22 "
                            "the stored geometry. Without it, the stored geometries. Anything else is a 400 naming "
                            "zoom.",
            ),
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, required=False,
                             description="The ETag of an earlier answer: 304 with no body when nothing changed."),
        ],
        responses={200: OpenApiTypes.OBJECT, 304: None},
        description="A GeoJSON FeatureCollection of the located projects the caller may see, filtered like "
                    "/api/v1/projects/. Each feature has the stored geometry (WGS84/CGCS2000) or, with `zoom`, a "
                    "simplified copy of it (its type, parts, closed rings of at least 4 positions and lines of at "
                    "least 2 kept; every position inside the stored geometry's bbox), the stored geometry's bbox "
                    "(with `zoom`, rounded outwards to the level's decimals) and the properties id, code, name, "
                    "phase, stage, status (on_track, late_tasks or overdue), owner, url and point (a representative "
                    "[longitude, latitude]); \"without_location\" counts the matching projects that have no "
                    "location. The whole geometry of one project: "
                    "/api/v1/projects/{id}/location/. The answer has a weak ETag (Cache-Control: private, "
                    "no-cache): send it back in If-None-Match for a 304 when nothing changed. Compressed (gzip) "
                    "when the client accepts it.",
    )
    def list(self, request):
        filters = map_filters(request.query_params)
        zoom = map_zoom(request.query_params)
        return map_response(request, filters=filters, zoom=zoom)


class LocationInput(serializers.Serializer):
    location = serializers.JSONField(
        allow_null=True,
        help_text="GeoJSON in WGS84/CGCS2000 longitude, latitude: a Point, LineString, Polygon, their Multi- forms, "
                  "a GeometryCollection, a Feature or a FeatureCollection (combined into one geometry); null clears.",
    )
    version = serializers.CharField(
        required=False, allow_blank=True,
        help_text="The version the change is based on, from GET; when given and the location changed since, 409 "
                  "(code stale).",
    )


class LocationOutput(serializers.Serializer):
    project_id = serializers.IntegerField()
    location = serializers.JSONField(allow_null=True, help_text="The stored GeoJSON geometry, or null.")
    version = serializers.CharField()
    summary = serializers.CharField(allow_null=True)
    positions = serializers.IntegerField()
    bbox = serializers.ListField(child=serializers.FloatField(), allow_null=True,
                                 help_text="[west, south, east, north]")
    point = serializers.ListField(child=serializers.FloatField(), allow_null=True,
                                  help_text="A representative [longitude, latitude]")


def location_output(project: Project) -> dict:
    location = project.location
    return {
        "project_id": project.pk, "location": location, "version": geojson.fingerprint(location),
        "summary": geojson.summary(location), "positions": geojson.position_count(location) if location else 0,
        "bbox": geojson.bbox(location) if location else None,
        "point": geojson.representative_point(location) if location else None,
    }


@extend_schema(tags=["projects"])
class ProjectLocationViewSet(viewsets.ViewSet):
    """One project's location."""

    queryset = Project.objects.none()

    @extend_schema(methods=["GET"], responses=LocationOutput)
    @extend_schema(methods=["PUT"], request=LocationInput, responses=LocationOutput)
    @action(detail=False, methods=["get", "put"], url_path="location")
    def location(self, request, project_pk=None):
        project = policy.get_or_404(request.user, Project, pk=project_pk)
        if request.method == "PUT":
            policy.require(request.user, "manage", project)
            data = LocationInput(data=request.data)
            data.is_valid(raise_exception=True)
            project = services.project_location_set(actor=request.user, project=project,
                                                    geometry=data.validated_data["location"],
                                                    version=data.validated_data.get("version"))
        return Response(LocationOutput(location_output(project)).data)


def register(router) -> None:
    """Register this part's viewsets on the API router."""
    router.register(r"projects/map", ProjectMapViewSet, basename="project-map")
    # Only the `location` action: GET/PUT /api/v1/projects/{id}/location/.
    router.register(r"projects/(?P<project_pk>\d+)", ProjectLocationViewSet, basename="project-location")
