from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core import policy
from portal.core.apis import Pagination, paginated

from . import services
from .models import Notification


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


@extend_schema(tags=["notifications"])
class NotificationViewSet(viewsets.ViewSet):

    queryset = Notification.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"
    @extend_schema(responses=paginated(NotificationOutput))
    def list(self, request):
        qs = policy.visible(request.user, Notification)
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.unread()
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)

    @extend_schema(request=None, responses=NotificationOutput)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        n = policy.get_or_404(request.user, Notification, pk=pk)
        return Response(NotificationOutput(services.notification_mark_read(user=request.user, notification=n)).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
