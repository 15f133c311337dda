from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from portal.core import policy
from portal.core.apis import Pagination, paginated

from . import selectors
from .models import Organization


class OrganizationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    department_code = serializers.CharField()
    credit_code = serializers.CharField(allow_null=True)
    region_code = serializers.CharField(source="region_id", allow_null=True)
    credit_standing = serializers.CharField()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    organization = OrganizationOutput(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField(), source="role_codes")


@extend_schema(tags=["organizations"])
class OrganizationViewSet(viewsets.ViewSet):

    queryset = Organization.objects.none()  # for the schema only: every action reads through the policy
    lookup_value_regex = r"\d+"
    @extend_schema(parameters=[OpenApiParameter(n, str) for n in ("q", "kind", "standing", "page")],
                   responses=paginated(OrganizationOutput))
    def list(self, request):
        q = request.query_params
        qs = selectors.organization_list(user=request.user, search=q.get("q", ""), kind=q.get("kind", ""),
                                         standing=q.get("standing", ""))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OrganizationOutput(page, many=True).data)

    @extend_schema(responses=OrganizationOutput)
    def retrieve(self, request, pk=None):
        return Response(OrganizationOutput(policy.get_or_404(request.user, Organization, pk=pk)).data)


@extend_schema(tags=["accounts"], responses=MeOutput)
@api_view(["GET"])
def me(request):
    """The caller, their organisation and roles."""
    return Response(MeOutput(request.user).data)
