"""/api/v1/supervision/project-quality/<project id>/: a project's quality & safety figures, the same read as the
page (`selectors.project_quality`) in JSON — for the cockpit and other apps' screens. A project the caller may not
see is a 404."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from projects.models import Project
from projects.selectors import project_for

from . import selectors


class ProjectQualityOutput(serializers.Serializer):
    project_id = serializers.IntegerField()
    open_hazards_general = serializers.IntegerField()
    open_hazards_major = serializers.IntegerField(help_text="An open major hazard blocks progress payments.")
    hazards_overdue = serializers.IntegerField()
    samples_tested = serializers.IntegerField()
    samples_passed = serializers.IntegerField()
    pass_rate = serializers.FloatField(allow_null=True, help_text="Percent of the tested samples that passed.")
    rectifications_open = serializers.IntegerField()
    rectifications_overdue = serializers.IntegerField()
    dangerous_works = serializers.IntegerField()
    dangerous_works_large_scale = serializers.IntegerField()
    dangerous_works_in_progress = serializers.IntegerField()
    contracts = serializers.IntegerField()
    accountability_proposed = serializers.IntegerField(help_text="Proposals the caller may see awaiting a decision.")


class ProjectQualityViewSet(viewsets.ViewSet):
    """The quality & safety figures of a project the caller may see."""

    queryset = Project.objects.none()  # for the schema only
    lookup_value_regex = r"[0-9]+"

    @extend_schema(responses=ProjectQualityOutput)
    def retrieve(self, request, pk=None):
        project = project_for(request.user, pk)
        q = selectors.project_quality(user=request.user, project=project, today=timezone.localdate())
        return Response(ProjectQualityOutput({
            "project_id": project.pk, "open_hazards_general": q.hazards["general"],
            "open_hazards_major": q.hazards["major"], "hazards_overdue": q.hazards_overdue,
            "samples_tested": q.tested, "samples_passed": q.passed, "pass_rate": q.pass_rate,
            "rectifications_open": q.rectifications_open, "rectifications_overdue": q.rectifications_overdue,
            "dangerous_works": q.dangerous_counts["total"], "dangerous_works_large_scale": q.dangerous_counts["large"],
            "dangerous_works_in_progress": q.dangerous_counts["active"], "contracts": q.contracts,
            "accountability_proposed": q.accountability_proposed}).data)


def register(router) -> None:
    """Register this part's viewsets on the portal's router."""
    router.register("supervision/project-quality", ProjectQualityViewSet, basename="supervision-project-quality")
