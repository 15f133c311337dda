from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from portal.accounts.urls import auth_urlpatterns
from portal.core import plugins
from portal.core import views as core_views
from portal.dashboards.views import home

admin.site.site_header = "重点工程建设管理局 · 系统管理"
admin.site.site_title = "重点工程门户管理"

# The API first: a request walks the patterns in order, and every include it enters without a match adds all of
# that include's patterns to the "tried" list Django keeps for its 404 page (a measurable share of an API call).
urlpatterns = [
    path("api/v1/", include("portal.api_urls")),
    path("", home, name="home"),
    path("accounts/", include(auth_urlpatterns)),
    path("accounts/", include("portal.accounts.urls")),
    path("notifications/", include("portal.notifications.urls")),
    *plugins.url_includes(),  # each app's pages, as its AppConfig declares them (Plugin.urls)
    path("status/", core_views.system_status, name="status"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

handler404 = "portal.core.views.error_404"
handler403 = "portal.core.views.error_403"
handler500 = "portal.core.views.error_500"
