from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core.admin import AuditedAdmin, ReadOnlyAdmin, form_changes

from . import services
from .models import CreditStandingChange, Organization, User


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "department_code", "credit_standing", "region", "voided_at")
    list_filter = ("kind", "credit_standing")
    search_fields = ("name", "short_name", "credit_code")
    readonly_fields = ("credit_standing", "group")

    def save_model(self, request, obj, form, change):
        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data if f in services.ORGANIZATION_EDITABLE}
            services.organization_update(actor=request.user, organization=obj, **fields)
        else:
            fields = {f: form.cleaned_data.get(f) for f in services.ORGANIZATION_EDITABLE if f not in ("name", "kind")}
            fields = {k: v for k, v in fields.items() if v not in (None, "")}
            created = services.organization_create(actor=request.user, name=obj.name, kind=obj.kind, **fields)
            obj.pk = created.pk


@admin.register(CreditStandingChange)
class CreditStandingChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organization", "from_standing", "to_standing", "source", "actor")
    list_select_related = ("organization", "actor")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "organization", "email", "is_active", "is_org_head")
    list_filter = ("is_active", "groups", "is_org_head")
    search_fields = ("username", "full_name", "email")
    list_select_related = ("organization",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "phone", "title", "organization", "is_org_head",
                                         "email_notifications")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "organization",
                                                              "password1", "password2")}),)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = form_changes(form, exclude=("password", "password1", "password2", "groups"))
        if change and changes:
            audit_record(actor=request.user, obj=obj, action=AuditAction.UPDATE, reason="admin", changes=changes)
        elif not change:
            audit_record_create(actor=request.user, obj=obj, reason="admin")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        roles = [g.name for g in user.groups.all() if not g.name.startswith("org:")]
        services.user_set_roles(actor=request.user, user=user, roles=roles, reason="admin")
