"""The one access policy: "may user U do action A on object O", and "which objects may U see".

Pages, the API and templates all ask here; no view decides on its own. Each guarded model has exactly one
`ObjectPolicy` (in its app's `permissions.py`, declared by the app: `portal.core.plugins`). A missing object and a forbidden one look the same to the caller
(404); a refusal of an existing object is written to the security log.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

if TYPE_CHECKING:
    from portal.accounts.models import User

M = TypeVar("M", bound=Model)


class ObjectPolicy:
    """Access rules of one model. Subclasses set `model` and `actions` and may override `scope`/`allows`.

    The default: a user with the model permission `<app>.<action>_<model>` (through a role group) may do the
    action on every object; anyone else only on objects granted to them, or to one of their groups, through
    django-guardian's direct-foreign-key object permission tables (`user_perm_model`, `group_perm_model`).
    """

    model: type[Model]
    actions: tuple[str, ...] = ("view",)
    user_perm_model: type[Model] | None = None
    group_perm_model: type[Model] | None = None
    # Actions whose permission codename is not "<action>_<model_name>".
    action_codenames: dict[str, str] = {}

    def codename(self, action: str) -> str:
        return self.action_codenames.get(action) or f"{action}_{self.model._meta.model_name}"

    def has_global(self, user: User, action: str) -> bool:
        return user.is_superuser or user.has_perm(f"{self.model._meta.app_label}.{self.codename(action)}")

    def granted_q(self, user: User, action: str) -> Q:
        """Objects granted to the user or the user's groups for `action` (one subquery each, no join fan-out).

        The two subqueries are SQL written once per model from the models' metadata (`_grants_sql`): built with
        the ORM, Django compiled them again for every query using the scope (a list's count and its page), which
        cost more CPU than everything else the scope does (bench/: ~5 ms of a ~40 ms 50-row API page)."""
        codename = self.codename(action)
        parts = [(_grants_sql(model, holder), (user.pk, codename))
                 for model, holder in ((self.user_perm_model, "user"), (self.group_perm_model, "group"))
                 if model is not None]
        if not parts:
            return Q(pk__in=[])
        # One IN over both subqueries joined by UNION ALL, not two INs joined by OR: PostgreSQL turns a single IN
        # into a semi-join (the granted ids first, then the objects by primary key), while an OR of two INs is a
        # filter evaluated on every row of the table (bench/REPORT.md: a contractor's count of 320 of 3,000
        # projects, ~1 ms instead of ~3–10 ms).
        sql = " UNION ALL ".join(text for text, _ in parts)
        params = tuple(p for _, values in parts for p in values)
        return Q(pk__in=RawSQL(sql, params))  # noqa: S611

    def scope(self, user: User, queryset: QuerySet, action: str) -> QuerySet:
        if self.has_global(user, action):
            return queryset
        return queryset.filter(self.granted_q(user, action))

    def allows(self, user: User, action: str, obj: Model) -> bool:
        if self.has_global(user, action):
            return True
        return self.scope(user, self.model._default_manager.filter(pk=obj.pk), action).exists()


@functools.cache
def _grants_sql(perm_model: type[Model], holder: str) -> str:
    """`SELECT content_object_id` of the rows of a guardian direct-FK table (`holder` "user" or "group") granting
    the user (first parameter) — directly, or through a group the user belongs to — the permission with the
    codename (second parameter). The same rows as `perm_model.objects.filter(user=user,
    permission__codename=codename)` or `.filter(group__user=user, permission__codename=codename)`.

    Only table and column names from the models' metadata, quoted by the backend, go into the text; the user and
    the codename are always query parameters."""
    from django.contrib.auth.models import Permission

    qn = connection.ops.quote_name
    meta, pmeta = perm_model._meta, Permission._meta

    def column(model_meta: Any, name: str) -> str:
        return qn(model_meta.get_field(name).column)

    table, obj, perm = qn(meta.db_table), column(meta, "content_object"), column(meta, "permission")
    holder_column = column(meta, holder)
    permissions, permission_id, codename = (qn(pmeta.db_table), column(pmeta, pmeta.pk.name),
                                            column(pmeta, "codename"))
    if holder == "user":
        who = f"t.{holder_column} = %s"
    else:
        groups = get_user_model()._meta.get_field("groups")
        who = (f"t.{holder_column} IN (SELECT m.{qn(groups.m2m_reverse_name())} FROM {qn(groups.m2m_db_table())} m "  # noqa: S608
               f"WHERE m.{qn(groups.m2m_column_name())} = %s)")
    return (f"SELECT t.{obj} FROM {table} t INNER JOIN {permissions} p ON p.{permission_id} = t.{perm} "  # noqa: S608
            f"WHERE {who} AND p.{codename} = %s")


_policies: dict[type[Model], ObjectPolicy] = {}


def register(policy: ObjectPolicy) -> ObjectPolicy:
    """Make `policy` the access policy of its model. Apps declare their policies (`portal.core.plugins`); a model
    has exactly one, so a second policy for a model is an error, not a silent replacement."""
    model = policy.model._meta.concrete_model or policy.model
    existing = _policies.get(model)
    if existing is not None and existing is not policy:
        raise ImproperlyConfigured(
            f"A second access policy for {model._meta.label}: {type(policy).__name__} "
            f"(already {type(existing).__name__}); declare each model's policy once")
    _policies[model] = policy
    return policy


def policy_for(model_or_obj: type[Model] | Model) -> ObjectPolicy:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    model = model._meta.concrete_model or model
    try:
        return _policies[model]
    except KeyError:
        raise ImproperlyConfigured(f"No access policy registered for {model.__name__}") from None


def _check_action(policy: ObjectPolicy, action: str) -> None:
    if action not in policy.actions:
        raise ImproperlyConfigured(f"{policy.model.__name__} has no action {action!r}")


def _usable(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can(user: User, action: str, obj: Model) -> bool:
    """May `user` do `action` on `obj`?"""
    policy = policy_for(obj)
    _check_action(policy, action)
    return _usable(user) and policy.allows(user, action, obj)


def visible(user: User, queryset: QuerySet[M] | type[M], action: str = "view") -> QuerySet[M]:
    """`queryset` narrowed to the objects `user` may `action`; empty for anonymous or inactive users."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    policy = policy_for(qs.model)
    _check_action(policy, action)
    if not _usable(user):
        return qs.none()
    return policy.scope(user, qs, action)


def get_or_404(user: User, queryset: QuerySet[M] | type[M], action: str = "view", **lookup: Any) -> M:
    """The object matching `lookup` if `user` may `action` it; otherwise 404, whether it is missing or forbidden."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return visible(user, qs, action).get(**lookup)
    except ObjectDoesNotExist:
        if qs.filter(**lookup).exists():
            _log_refusal(user, action, f"{qs.model._meta.label}:{lookup}")
    except (ValueError, TypeError, ValidationError, OverflowError):  # a malformed or huge id: a missing object
        pass
    raise Http404(f"No {qs.model._meta.verbose_name} matches the given query.")


def require(user: User, action: str, obj: Model) -> None:
    """Raise PermissionDenied unless `user` may do `action` on `obj` (an object the user can see). The 403
    handlers of the pages and the API write the refusal to the security log."""
    if not can(user, action, obj):
        raise PermissionDenied(f"{action} {obj._meta.label}:{obj.pk}")


def _log_refusal(user: User, action: str, target: str) -> None:
    from portal.audit.services import security_event_record

    security_event_record(kind="access_refused", user=user if _usable(user) else None, detail=f"{action} {target}")
