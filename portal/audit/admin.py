from django.contrib import admin

from portal.core.admin import ReadOnlyAdmin

from .models import AuditEvent, SecurityEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "object_repr", "actor", "from_state", "to_state")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "reason")
    list_select_related = ("actor", "content_type")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "username", "ip_address", "path", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address", "detail")
