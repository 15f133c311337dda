"""/api/v1/ping/: the cheapest authenticated JSON answer, the baseline the benchmark harness measures against."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response


@extend_schema(tags=["core"], responses=inline_serializer(
    "Ping", {"user": serializers.IntegerField(), "time": serializers.DateTimeField()}))
@api_view(["GET"])
def ping(request):
    """The caller's id and the server time; no query beyond authentication."""
    return Response({"user": request.user.pk, "time": timezone.now().isoformat()})
