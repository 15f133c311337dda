"""/api/v1/projects/map/ (the located projects the caller may see, as one GeoJSON FeatureCollection, with the
filters of /api/v1/projects/) and /api/v1/projects/{id}/location/ (read and replace one project's location).
The same services and selectors as the pages."""


from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core import policy
from projects.apis import list_filters
from projects.models import Project

from . import geojson, selectors, services

FILTERS = ("q", "project_type", "level", "stage", "phase", "region", "owner", "overdue")


def map_filters(query) -> dict:
    """The filters of /api/v1/projects/ (without its order) from query parameters; a bad value is a 400."""
    return list_filters(query, names=FILTERS)


@extend_schema(tags=["projects"])
class ProjectMapViewSet(viewsets.ViewSet):
    """The map of key projects."""

    queryset = Project.objects.none()  # for the schema only: every read goes through the access policy

    @extend_schema(
        parameters=[OpenApiParameter(n, str) for n in FILTERS],
        responses=OpenApiTypes.OBJECT,
        description="A GeoJSON FeatureCollection of the located projects the caller may see, filtered like "
                    "/api/v1/projects/. Each feature has the stored geometry (WGS84/CGCS2000), a bbox and the "
                    "properties id, code, name, phase, stage, status (on_track, late_tasks or overdue), owner, "
                    "url and point (a representative [longitude, latitude]); \"without_location\" counts the "
                    "matching projects that have no location.",
    )
    def list(self, request):
        filters = map_filters(request.query_params)
        # JSON text written as it is (the stored geometries are not decoded and encoded again per request).
        return HttpResponse(selectors.project_map_json(user=request.user, search=filters.get("q", ""),
                                                       filters=filters), content_type="application/json")


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
