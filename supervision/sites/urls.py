"""The smart-site pages: the live site view (urls_live) and the registry, rules and alerts (urls_registry)."""

from .urls_live import urlpatterns as live
from .urls_registry import urlpatterns as registry

urlpatterns = [*live, *registry]
