from django.contrib import admin

from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create

from .models import Heartbeat, Region


def form_changes(form, exclude=()) -> dict:
    """{field: [old, new]} for the fields whose value really changed (a re-entered equal instant is no change)."""
    return {
        f: [form.initial.get(f), form.cleaned_data.get(f)]
        for f in form.changed_data
        if f not in exclude and form.initial.get(f) != form.cleaned_data.get(f)
    }


class AuditedAdmin(admin.ModelAdmin):
    """Admin for domain objects: every save is audited and nothing is deleted (void it with a reason)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            changes = form_changes(form)
            if changes:
                audit_record(actor=request.user, obj=obj, action=AuditAction.UPDATE, changes=changes,
                             reason="admin")
        else:
            audit_record_create(actor=request.user, obj=obj, reason="admin")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_run_at", "runs", "last_worker")
