"""The coordination pages, namespace "coordination": the issue list (issue_urls), meetings, liaison officers, the
service log and call-backs (service_urls), the statistics (stats_urls)."""

from .issue_urls import urlpatterns as issue_patterns
from .service_urls import urlpatterns as service_patterns
from .stats_urls import urlpatterns as stats_patterns

app_name = "coordination"

urlpatterns = issue_patterns + service_patterns + stats_patterns
