"""One way to plug an app into the portal: what it adds is declared, in one place, by its AppConfig.

An app's AppConfig defines `portal_plugin(self) -> Plugin` (a method, so its imports run once the models are
loaded). `portal.core` reads the declarations of every installed app exactly once, in its own `ready()` — the
first of the portal's apps to be ready, after every model is loaded — and wires them:

- `policies`: the access policies of the app's models (`ObjectPolicy` instances, or dotted paths of modules whose
  `POLICIES` are registered — a module may have none). One policy per model: a second one is an `ImproperlyConfigured` at start-up.
- `role_permissions`: {role: [“app_label.codename”, …]} held by each role group (synced after every migrate).
- `periodic_tasks`: {name: {"task": registered task name, "every": seconds, "label": what /status/ calls it
  (a lazy translation; optional)}} (django-celery-beat, after migrate).
- `audit_labels`: labels of recorded changes that are not model fields (the history pages).
- `api_routes`: a function `register(router)` (or its dotted path), or (prefix, viewset or its dotted path,
  basename) triples, for /api/v1/.
- `gate_conditions`: {GateCondition value: evaluate(records) -> ConditionResult} checked by the stage gates.
- `home_cards`: `HomeCard`s the home pages show.
- `post_migrate`: functions connected to `post_migrate` for the app (seeding reference data).
- `deadline_ladders`: the escalation ladders of the app's workflows (`portal.core.deadlines.EscalationLadder`s
  or their dotted paths), climbed by the one deadline scan.
- `instruction_targets`: {"app_label.ModelName": holders(obj) -> portal.instructions.targets.Holders (or its dotted
  path)}: the app's models a leader may write an instruction (批示) on, and who holds one on each object
  (`portal.instructions`). A model declared twice is an `ImproperlyConfigured` at start-up.
- `element_findings`: a function `findings(project, user) -> [ElementFinding]` (or its dotted path): what the
  app recorded on elements of a project's BIM model (named by IFC GlobalId) that `user` may see — an inspection's
  result — shown and coloured by the project's model viewer.
- `upload_limits`: {regular expression of a request path: function giving the largest file in bytes (or its
  dotted path)}: pages and API operations that take files larger than the portal's UPLOAD_MAX_BYTES (a BIM
  model); a multipart body is refused 413 before it is read only above the limit of its path.
- `urls`: (prefix, dotted path of a URLconf module) pairs of the app's pages, included by portal/urls.py under
  `prefix` (“projects/”); the module's `app_name` is the namespace its URL names are reversed in.
- `demo`: a function `seed() -> {name: count}` (or its dotted path) that adds the app's demo data on top of the
  demo province (`portal.core.demo.seed_all`, `manage.py seed_demo`, the tests). Idempotent.
- `scale` / `scale_counts`: a function `seed(province)` (or its dotted path) that adds the app's rows to the
  province-scale data (`portal.core.scale.seed_scale`, given a `portal.core.scale.Province`), and one that counts
  them (`{name: count}`). The app's `demo` is seeded first: its scale data stands on it.

Nothing else is patched from outside: the portal never imports an app, the apps never reach into each other's
modules to register something.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.core.policy import ObjectPolicy

CardContext = Callable[["User", "str | None", datetime.date], "Mapping[str, Any] | None"]


@dataclass(frozen=True)
class HomeCard:
    """A card of the home pages. `context(user, role, today)` gives the template's context, or None (or an empty
    dict) when the card has nothing for this user. Cards sharing one `context` function share one call per page.

    `slot` says where the page puts it — "summary" (the top, under the heading), "side" (beside the unread
    notifications; bureau pages), "main" (the wide table at the bottom) — and `order` the order in the slot.
    `roles`, when given, limits the card to those roles."""

    name: str
    template: str
    context: CardContext
    slot: str = "summary"
    order: int = 100
    roles: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ElementFinding:
    """Something recorded on elements of a BIM model (see `element_findings`). `result` is "failed", "pending"
    or "passed"; `label` says what it is ("Sample S-001 · C30 concrete · failed"); `url` its page."""

    global_ids: tuple[str, ...]
    result: str
    label: str
    url: str
    date: datetime.date | None = None


ApiRoutes = str | Callable[[Any], None] | Sequence[tuple[str, Any, str]]
Counts = Mapping[str, Any]


@dataclass(frozen=True)
class Plugin:
    """What an app adds to the portal (see the module's docstring)."""

    policies: Sequence[ObjectPolicy | str] = ()
    role_permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    periodic_tasks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    audit_labels: Mapping[str, Any] = field(default_factory=dict)
    api_routes: ApiRoutes = ()
    gate_conditions: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    home_cards: Sequence[HomeCard] = ()
    post_migrate: Sequence[Callable[..., None]] = ()
    deadline_ladders: Sequence[Any] = ()
    instruction_targets: Mapping[str, str | Callable[[Any], Any]] = field(default_factory=dict)
    element_findings: str | Callable[..., Sequence[ElementFinding]] | None = None
    upload_limits: Mapping[str, str | Callable[[], int]] = field(default_factory=dict)
    urls: Sequence[tuple[str, str]] = ()
    demo: str | Callable[[], Counts | None] | None = None
    scale: str | Callable[[Any], None] | None = None
    scale_counts: str | Callable[[], Counts] | None = None


_plugins: dict[str, Plugin] = {}
_gate_conditions: dict[str, Callable[[Any], Any]] = {}
_instruction_targets: dict[str, str | Callable[[Any], Any]] = {}


def declared() -> dict[str, Plugin]:
    """{app label: its declaration}, in INSTALLED_APPS order."""
    return dict(_plugins)


def load() -> None:
    """Read and wire the declaration of every installed app. Called once by portal.core's ready()."""
    if _plugins:
        return
    for config in apps.get_app_configs():
        declare = getattr(config, "portal_plugin", None)
        if declare is None:
            continue
        plugin = declare()
        if not isinstance(plugin, Plugin):
            raise ImproperlyConfigured(f"{config.name}: portal_plugin() must return a portal.core.plugins.Plugin")
        _plugins[config.label] = plugin
        _wire(config, plugin)


def _wire(config: AppConfig, plugin: Plugin) -> None:
    from django.db.models.signals import post_migrate

    from portal.accounts.roles import grant
    from portal.core import policy
    from portal.core.schedule import PERIODIC_TASKS
    from portal.core.templatetags.portal import PSEUDO_FIELD_LABELS

    for entry in plugin.policies:
        for one in getattr(import_module(entry), "POLICIES", ()) if isinstance(entry, str) else (entry,):
            policy.register(one)
    for role, perms in plugin.role_permissions.items():
        grant(role, *perms)
    for name, spec in plugin.periodic_tasks.items():
        if name in PERIODIC_TASKS:
            raise ImproperlyConfigured(f"{config.name}: the periodic task {name!r} is declared twice")
        PERIODIC_TASKS[name] = {"task": spec["task"], "every": spec["every"], "label": spec.get("label")}
    PSEUDO_FIELD_LABELS.update(plugin.audit_labels)
    for key, evaluate in plugin.gate_conditions.items():
        if key in _gate_conditions:
            raise ImproperlyConfigured(f"{config.name}: the gate condition {key!r} is declared twice")
        _gate_conditions[key] = evaluate
    from portal.core import deadlines

    for ladder in plugin.deadline_ladders:
        deadlines.register(import_string(ladder) if isinstance(ladder, str) else ladder)
    for label, holders in plugin.instruction_targets.items():
        key = apps.get_model(label)._meta.label_lower  # an unknown model stops the start-up here
        if key in _instruction_targets:
            raise ImproperlyConfigured(f"{config.name}: the instruction target {label!r} is declared twice")
        _instruction_targets[key] = holders
    for i, receiver in enumerate(plugin.post_migrate):
        post_migrate.connect(receiver, sender=config, dispatch_uid=f"{config.label}.portal_plugin.{i}")


def register_api_routes(router: Any) -> None:
    """Add every declared API route to `router`."""
    for plugin in _plugins.values():
        routes = import_string(plugin.api_routes) if isinstance(plugin.api_routes, str) else plugin.api_routes
        if callable(routes):
            routes(router)
        else:
            for prefix, viewset, basename in routes:
                router.register(prefix, import_string(viewset) if isinstance(viewset, str) else viewset,
                                basename=basename)


def url_includes() -> list:
    """The `path(prefix, include(module))` of every declared page URLconf, in INSTALLED_APPS order."""
    from django.urls import include, path

    return [path(prefix, include(module)) for plugin in _plugins.values() for prefix, module in plugin.urls]


def _function(entry: str | Callable[..., Any]) -> Callable[..., Any]:
    return import_string(entry) if isinstance(entry, str) else entry


def demo_seeders() -> list[Callable[[], Counts | None]]:
    """The declared demo seeders, in INSTALLED_APPS order."""
    return [_function(plugin.demo) for plugin in _plugins.values() if plugin.demo is not None]


def scale_seeders() -> list[tuple[Callable[[], Counts | None] | None, Callable[[Any], None]]]:
    """(the app's demo seeder or None, its scale seeder) of every app that declares scale data, in INSTALLED_APPS
    order."""
    return [(_function(plugin.demo) if plugin.demo is not None else None, _function(plugin.scale))
            for plugin in _plugins.values() if plugin.scale is not None]


def scale_counters() -> list[Callable[[], Counts]]:
    """The declared counters of scale data, in INSTALLED_APPS order."""
    return [_function(plugin.scale_counts) for plugin in _plugins.values() if plugin.scale_counts is not None]


def gate_conditions() -> dict[str, Callable[[Any], Any]]:
    """{condition key: evaluator} declared by the apps."""
    return dict(_gate_conditions)


def instruction_targets() -> dict[str, Callable[[Any], Any]]:
    """{"app_label.modelname" (lower case): holders(obj)} of every model an instruction may be written on."""
    return {label: _function(holders) for label, holders in _instruction_targets.items()}


def home_cards(*, user: User, role: str | None, today: datetime.date) -> dict[str, list[tuple[HomeCard, dict]]]:
    """{slot: [(card, its context)]} of the cards shown to `user`, in order; each context function called once."""
    cards = sorted((card for plugin in _plugins.values() for card in plugin.home_cards
                    if card.roles is None or role in card.roles), key=lambda c: c.order)
    contexts: dict[CardContext, dict] = {}
    slots: dict[str, list[tuple[HomeCard, dict]]] = {}
    for card in cards:
        if card.context not in contexts:
            contexts[card.context] = dict(card.context(user, role, today) or {})
        if contexts[card.context]:
            slots.setdefault(card.slot, []).append((card, contexts[card.context]))
    return slots


def element_findings(*, project: Any, user: User) -> list[ElementFinding]:
    """Every app's findings on elements of `project`'s BIM model that `user` may see."""
    found: list[ElementFinding] = []
    for plugin in _plugins.values():
        if plugin.element_findings is not None:
            found.extend(_function(plugin.element_findings)(project=project, user=user))
    return found


def upload_limits() -> list[tuple[str, Callable[[], int]]]:
    """(path pattern, largest file function) of every path that takes larger files than the portal's limit."""
    return [(pattern, _function(limit)) for plugin in _plugins.values()
            for pattern, limit in plugin.upload_limits.items()]
