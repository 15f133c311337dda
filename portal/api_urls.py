from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from approvals.apis import ApprovalCaseViewSet, ItemReviewViewSet
from portal.accounts.apis import OrganizationViewSet, me
from portal.core.apis import ping
from portal.notifications.apis import NotificationViewSet
from projects.apis import ProjectViewSet
from projects.apps import PARTS

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("approvals/cases", ApprovalCaseViewSet, basename="approval-case")
router.register("approvals/reviews", ItemReviewViewSet, basename="item-review")
for part in PARTS:  # /api/v1/projects/{id}/risks/ … and /api/v1/projects/map/
    import_module(f"projects.{part}.apis").register(router)

urlpatterns = [
    path("", include(router.urls)),
    path("me/", me, name="api-me"),
    path("ping/", ping, name="api-ping"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
