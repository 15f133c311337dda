"""Each user's model permissions (roles are groups; a role's permissions are the group's) resolved once and kept in
the shared cache, invalidated when a role or a permission changes.

Django's ModelBackend reads a user's permissions with two queries (the user's own, the groups') on every request
that asks `has_perm`; every list and page asks. `CachedModelBackend` keeps the set in the cache under the user's
key. The entry carries the versions it was computed under: a global one, bumped when any group's permissions
change or a group or permission is deleted, and the user's own, bumped when the user's groups or own permissions
change (from either side of the relation). A reader fetches the entry and both versions in one round trip and
recomputes when either moved, so a revoked user loses access on the next request, in every process. Versions are
bumped at once and again when the transaction commits (a request that read the old rows between the two would
otherwise store them under the new version).

Object grants (django-guardian) are not cached: the access policy reads them in SQL with the query it narrows.

Only with a cache every process shares (`PERMISSION_CACHE`, on by default with Redis, like SESSION_CACHED): with
a per-process cache an invalidation would reach one process only. Entries expire after
`PERMISSION_CACHE_SECONDS` (10 minutes) whatever happens, as a safety net for writes that bypass signals (bulk
inserts into the membership table, raw SQL).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from portal.accounts.models import User

logger = logging.getLogger(__name__)
GLOBAL_VERSION_KEY = "portal:perms:v"


def enabled() -> bool:
    return bool(getattr(settings, "PERMISSION_CACHE", False))


def _user_version_key(user_pk) -> str:
    return f"portal:perms:u:{user_pk}:v"


def _entry_key(user: User) -> str:
    # date_joined with the pk: a pk used again by another user (a test database re-created; SQLite after a
    # rollback) never finds the first user's entry.
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else 0
    return f"portal:perms:u:{user.pk}:{joined:.6f}"


def permissions_of(user: User, compute) -> set[str]:
    """The user's permission names ("app.codename"): from the cache when its entry is current, else `compute()`."""
    if not enabled() or user.pk is None:
        return compute()
    keys = (GLOBAL_VERSION_KEY, _user_version_key(user.pk), _entry_key(user))
    try:
        found = cache.get_many(keys)
    except Exception:  # the cache is down: the database answers, as without the cache
        logger.warning("permission cache unreachable; reading permissions from the database", exc_info=True)
        return compute()
    versions = (found.get(keys[0], 0), found.get(keys[1], 0))
    entry = found.get(keys[2])
    if entry is not None and entry[0] == versions:
        return set(entry[1])
    perms = compute()
    try:
        cache.set(keys[2], (versions, frozenset(perms)), settings.PERMISSION_CACHE_SECONDS)
    except Exception:
        logger.warning("permission cache unreachable; not kept", exc_info=True)
    return perms


def _bump(key: str) -> None:
    try:
        if cache.add(key, 1, timeout=None):
            return
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=None)
    except Exception:  # the cache is down: so are its entries (a restarted Redis starts empty)
        logger.warning("permission cache unreachable; %s not bumped", key, exc_info=True)


def _bump_now_and_on_commit(key: str) -> None:
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def invalidate_user(user_pk) -> None:
    if enabled():
        _bump_now_and_on_commit(_user_version_key(user_pk))


def invalidate_all() -> None:
    if enabled():
        _bump_now_and_on_commit(GLOBAL_VERSION_KEY)


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, with `get_all_permissions` read through `permissions_of`. Still cached on the user
    object for the rest of the request, as Django does."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = permissions_of(user_obj, lambda: super(CachedModelBackend, self).get_all_permissions(user_obj))
        return user_obj._perm_cache


def prime(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the user's permissions read into the cache at login, so that requests after it
    (the first one too) read none."""
    if enabled() and user is not None and user.is_active:
        user.get_all_permissions()


def _memberships_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if not reverse:  # user.groups.add(…) / user.user_permissions.remove(…): `instance` is the user
        invalidate_user(instance.pk)
    elif pk_set:  # group.user_set.add(…) / permission.user_set.remove(…): the users are `pk_set`
        for pk in pk_set:
            invalidate_user(pk)
    else:  # group.user_set.clear(): which users is not said
        invalidate_all()


def _group_permissions_changed(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "pre_clear", "post_clear"):
        invalidate_all()


def _deleted(sender, **kwargs) -> None:
    invalidate_all()


def connect() -> None:
    """Connects the invalidation to the signals (CoreConfig.ready)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import m2m_changed, post_delete

    user_model = get_user_model()
    uid = "portal.core.permcache"
    user_logged_in.connect(prime, dispatch_uid=f"{uid}.prime")
    m2m_changed.connect(_memberships_changed, sender=user_model.groups.through, dispatch_uid=f"{uid}.groups")
    m2m_changed.connect(_memberships_changed, sender=user_model.user_permissions.through,
                        dispatch_uid=f"{uid}.user_permissions")
    m2m_changed.connect(_group_permissions_changed, sender=Group.permissions.through, dispatch_uid=f"{uid}.group_permissions")
    post_delete.connect(_deleted, sender=Group, dispatch_uid=f"{uid}.group_deleted")
    post_delete.connect(_deleted, sender=Permission, dispatch_uid=f"{uid}.permission_deleted")
