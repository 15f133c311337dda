from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from portal.accounts.apis import me
from portal.core import plugins
from portal.core.apis import ping_view
from portal.core.ratelimit import token_view

# Every app's routes, as it declares them (`api_routes` of its `portal_plugin()`, see portal.core.plugins).
router = DefaultRouter()
plugins.register_api_routes(router)

# The fixed paths before the router's include: a path the router does not hold (ping, the cheapest authenticated
# answer) would otherwise first be tried against every route of every app.
urlpatterns = [
    path("me/", me, name="api-me"),
    path("ping/", ping_view(), name="api-ping"),
    path("auth/token/", token_view, name="api-token"),  # rate-limited per address
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the init script is its own request, so the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
