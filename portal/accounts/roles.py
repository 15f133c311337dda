"""Role groups and their model permissions, declared in one place.

Each app declares the model permissions its models give a role (`role_permissions` of its `portal_plugin()`,
wired through `grant()` by portal.core.plugins); after
every migrate `sync_roles` makes the six groups hold exactly what is declared (object-level grants are separate
and live in django-guardian's tables).
"""

from collections import defaultdict

from django.contrib.auth.models import Group, Permission

from .models import Role

ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)


def grant(role: str, *perms: str) -> None:
    """Declare that `role` holds the model permissions `perms` ("app_label.codename")."""
    ROLE_PERMISSIONS[Role(role).value].update(perms)


grant(
    Role.BUREAU_STAFF,
    "accounts.view_organization", "accounts.add_organization", "accounts.change_organization",
    "accounts.void_organization", "accounts.set_credit_standing", "accounts.view_user", "accounts.add_user",
    "accounts.change_user", "accounts.void_user", "audit.view_securityevent", "audit.view_auditevent",
    "core.view_heartbeat",
)
grant(Role.LEADER, "accounts.view_organization", "accounts.view_user", "audit.view_auditevent")


def sync_roles(**kwargs) -> None:
    by_key = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [by_key[k] for k in sorted(ROLE_PERMISSIONS[role.value]) if k in by_key]
        group.permissions.set(wanted)
