"""The home cards' figures, computed once per visibility scope and shared for a few minutes, with their time.

A card module declares the expensive part of its context as figures:

    @figures("projects.figures", scope=("projects.Project",))
    def home_figures(user, role, today) -> dict: ...

and its context function reads them with `home_figures.get(user=…, role=…, today=…)`: a `Figures` with the data
and `as_of`, the time they were computed (the cards show it: "Figures as of 10:42").

What may be cached: language-independent data — counts, sums, enum values, ids, the plain values of a short list
(the leader cockpit's latest projects). Never labels (the page renders them in the reader's language), lazy
translations, querysets or model instances. And only what depends on nothing
of the user but the role and the `view` scope of the `scope` models: personal, live figures (the user's own to-do
counts, unread notifications) stay in the context function, computed on every request.

Who shares an entry: users whose `view` permission on every `scope` model is global (`ObjectPolicy.has_global`:
leaders, bureau staff, superusers) see the same rows, so they share one entry per role. Everyone else sees through
grants or their organisation and has an entry of their own — one user's figures never reach another user.

Staleness (at most `DASHBOARD_FIGURES_MAX_AGE`, 5 minutes): an entry lives that long in the cache. The first reader
that finds it older than `DASHBOARD_FIGURES_REFRESH_AGE` (4 minutes) sends one refresh task (a `cache.add` lock: one
refresh in flight per entry) and is answered the entry it found, so no reader waits for a refresh; the task stores
the new figures before the old ones expire. An entry that is gone (expired, evicted, never computed, a worker
down) is computed in the request. No refresh tasks when they could not reach the entries (`refreshed_by_tasks`: a
local-memory cache and a separate worker, the embedded demo): there entries expire and a request computes them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from kombu.exceptions import KombuError

from portal.core import policy

if TYPE_CHECKING:
    from portal.accounts.models import User

logger = logging.getLogger(__name__)

MAX_AGE = 5 * 60
REFRESH_AGE = 4 * 60
# A refresh task not done by then (lost, or no worker) may be sent again.
LOCK_SECONDS = 60
# Part of every key: a change of what an entry holds makes the old entries unread, not misread.
KEY_VERSION = 1

Compute = Callable[["User", "str | None", datetime.date], Mapping[str, Any]]


def max_age() -> int:
    return int(getattr(settings, "DASHBOARD_FIGURES_MAX_AGE", MAX_AGE))


def refresh_age() -> int:
    return int(getattr(settings, "DASHBOARD_FIGURES_REFRESH_AGE", REFRESH_AGE))


def refreshed_by_tasks() -> bool:
    """Whether a refresh task can reach the entries the web processes read: with a cache they share (Redis in
    production), or with tasks run in the calling process. Not with the embedded demo's local-memory cache and a
    separate worker: there entries simply expire and a request computes them."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache")) or bool(
        getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


@dataclass(frozen=True)
class Figures:
    """What a card reads: the data as computed (shared: not to be changed) and when it was computed."""

    data: Mapping[str, Any]
    as_of: datetime.datetime


def scope_of(user: User, models: tuple[str, ...]) -> str:
    """"all" when the user's view of every model in `models` is global (the same rows for everyone who holds it);
    otherwise the user's own scope, "u<pk>"."""
    if user.is_active and all(policy.policy_for(apps.get_model(label)).has_global(user, "view")
                              for label in models):
        return "all"
    return f"u{user.pk}"


@dataclass(frozen=True)
class CachedFigures:
    """Figures of one card (see the module's docstring). `compute(user, role, today)` gives the data; it must see
    the rows through `policy.visible` only, of the `scope` models or of models whose view scope follows theirs."""

    name: str
    compute: Compute
    scope: tuple[str, ...]

    def key(self, *, user: User, role: str | None, today: datetime.date) -> str:
        scope = scope_of(user, self.scope)
        return f"dashboards:figures:v{KEY_VERSION}:{self.name}:{scope}:{role or '-'}:{today.isoformat()}"

    def get(self, *, user: User, role: str | None, today: datetime.date) -> Figures:
        """The figures the user's scope shares: cached ones (a refresh sent when they are getting old), or
        computed now when there are none."""
        key = self.key(user=user, role=role, today=today)
        entry = cache.get(key)
        if entry is None:
            return self._store(key, user=user, role=role, today=today)
        as_of, data = entry
        if timezone.now() - as_of >= datetime.timedelta(seconds=refresh_age()) and refreshed_by_tasks():
            self._send_refresh(key, user=user, role=role, today=today)
        return Figures(data, as_of)

    def refresh(self, *, user: User, role: str | None, today: datetime.date) -> Figures:
        """Compute the figures again and store them (the refresh task), under the key of the user's scope now."""
        key = self.key(user=user, role=role, today=today)
        try:
            return self._store(key, user=user, role=role, today=today)
        finally:
            cache.delete(_lock(key))

    def _store(self, key: str, *, user: User, role: str | None, today: datetime.date) -> Figures:
        as_of = timezone.now()
        data = dict(self.compute(user, role, today))
        cache.set(key, (as_of, data), max_age())
        return Figures(data, as_of)

    def _send_refresh(self, key: str, *, user: User, role: str | None, today: datetime.date) -> None:
        if not cache.add(_lock(key), 1, LOCK_SECONDS):
            return  # a refresh of this entry is already on its way
        from .tasks import refresh_figures

        try:
            refresh_figures.delay(self.name, user.pk, role, today.isoformat())
        except (KombuError, OSError):  # the broker is down: the entry expires and a request computes it
            logger.warning("Could not send the refresh of the home figures %s", key, exc_info=True)


def _lock(key: str) -> str:
    return f"{key}:refreshing"


_registry: dict[str, CachedFigures] = {}


def figures(name: str, *, scope: tuple[str, ...]) -> Callable[[Compute], CachedFigures]:
    """Declare `compute(user, role, today)` as the cached figures `name` (unique) of a home card; `scope`: the
    "app_label.Model" labels whose view scope the figures depend on."""

    def declare(compute: Compute) -> CachedFigures:
        existing = _registry.get(name)
        if existing is not None and _where(existing.compute) != _where(compute):
            raise ImproperlyConfigured(f"The home figures {name!r} are declared twice")
        _registry[name] = CachedFigures(name, compute, tuple(scope))
        return _registry[name]

    return declare


def _where(function: Callable[..., Any]) -> tuple[str, str]:
    return function.__module__, function.__qualname__


def refresh(*, name: str, user_id: int, role: str | None, today: datetime.date) -> None:
    """The refresh task's work: the figures `name` of the user's scope computed again (nothing when the figures or
    the user are gone)."""
    from portal.accounts.models import User

    cached = _registry.get(name)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if cached is None or user is None:
        logger.info("Home figures %s of user %s not refreshed: unknown figures or user", name, user_id)
        return
    cached.refresh(user=user, role=role, today=today)
