from django.contrib import admin

from portal.core.admin import AuditedAdmin

from .models import Project, ProjectParticipant


class ParticipantInline(admin.TabularInline):
    model = ProjectParticipant
    extra = 0
    can_delete = False
    readonly_fields = ("organization", "role", "lot", "voided_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = ("code", "name", "project_type", "level", "stage", "owner", "liaison_officer", "voided_at")
    list_filter = ("project_type", "level", "stage")
    search_fields = ("code", "name")
    list_select_related = ("owner", "liaison_officer")
    readonly_fields = ("liaison_officer", "owner", "stage", "location")  # stage: only through its gate
    filter_horizontal = ("regions",)
    inlines = [ParticipantInline]

    def has_add_permission(self, request):
        return False  # projects are registered through the portal page, which grants access to the owner
