from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core.admin import AuditedAdmin, ReadOnlyAdmin, form_changes

from . import services
from .models import CreditStandingChange, Organization, Role, User

ORG_GROUP_PREFIX = "org:"  # services.organization_create: each organisation's own group


def group_label(group: Group) -> str:
    """A group as an administrator reads it: a role's label (“Bureau staff”, not bureau_staff), or the
    organisation an “org:” group stands for."""
    if group.name in Role.values:
        return str(Role(group.name).label)
    if group.name.startswith(ORG_GROUP_PREFIX):
        return _("Organisation: %(name)s") % {"name": group.name.removeprefix(ORG_GROUP_PREFIX)}
    return group.name


class RoleListFilter(admin.SimpleListFilter):
    """Filter people by role, listed by label, instead of by raw group names."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            return queryset.filter(groups__name=self.value())
        return queryset


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
    list_display = ("username", "full_name", "organization", "roles", "email", "is_active", "is_org_head")
    list_filter = ("is_active", RoleListFilter, "is_org_head")
    search_fields = ("username", "full_name", "email")
    list_select_related = ("organization",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return "、".join(group_label(g) for g in obj.groups.all() if g.name in Role.values) or "—"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and formfield is not None:
            formfield.label_from_instance = group_label
        return formfield
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


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Groups with what they stand for: a role's label, or the organisation an “org:” group belongs to."""

    list_display = ("name", "label")

    @admin.display(description=_("meaning"))
    def label(self, obj: Group) -> str:
        return group_label(obj)
