from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from portal.accounts.apis import me
from portal.core import plugins
from portal.core.apis import ping_view

# Every app's routes, as it declares them (`api_routes` of its `portal_plugin()`, see portal.core.plugins).
router = DefaultRouter()
plugins.register_api_routes(router)

urlpatterns = [
    path("", include(router.urls)),
    path("me/", me, name="api-me"),
    path("ping/", ping_view(), name="api-ping"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
