"""The access matrix (issue 11): every page URL pattern and every API operation, called as every role, on an
object of the user's own organisation and on one of another organisation, with a safe and an unsafe method.

What it holds the portal to:
- nothing answers 5xx;
- an anonymous caller is sent to the login page (pages) or refused with 401/403 (API), except on the few
  public endpoints;
- a user who may not see the object gets 404, exactly as for a missing object (never 403, never 2xx);
- a user past the object but without the right (a role gate, or the policy action the endpoint needs) gets
  403 or 404, and a refused unsafe request changes nothing (no audit row);
- a user with the right reads a page or an API resource (GET below 400) and is never answered 5xx on a write;
- no page or API answer shows a company, liaison or inspector user the name of a project of another
  organisation they may not see.

Who has the right is declared in `tests/access_matrix_spec.py`, per URL name and operationId (the role gate and
the policy action on which object); whether a user may see or act on one object is asked of the one access policy
(`portal.core.policy`), so the matrix checks every view and endpoint against it; `test_world_separates_the_
organisations` checks the policy itself keeps the two organisations' objects apart. An endpoint without an entry,
or an entry without an endpoint, fails `test_every_page_has_an_entry` / `test_every_api_operation_has_an_entry`:
a new app cannot ship an unchecked endpoint.

Each request runs in a savepoint rolled back afterwards, so an allowed write does not change the world the next
call sees. The fixture world is the demo province (loaded once per session by conftest); each matrix user logs in
once per module (`clients`), and every test starts with nothing but that session's cookie."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.accounts.models import User
from portal.audit.models import AuditEvent, SecurityEvent
from portal.core import fsm, policy


def _load_spec():
    path = Path(__file__).with_name("access_matrix_spec.py")
    loader = importlib.util.spec_from_file_location("access_matrix_spec", path)
    module = importlib.util.module_from_spec(loader)
    sys.modules["access_matrix_spec"] = module
    loader.loader.exec_module(module)
    return module


spec = _load_spec()
SIDES = ("own", "other")
TALLY: Counter[str] = Counter()  # calls per expectation in this run, printed by test_matrix_size
SAFE = ("GET", "HEAD", "OPTIONS")
MISSING_PK = 2_147_483_000
LOGIN_PATH = getattr(settings, "LOGIN_URL_PATH", "/accounts/login/")
# Users scoped by organisation or assignment: no answer may show them a project they may not see.
SCOPED_USERS = ("liaison", "owner", "contractor", "inspector")
# Organisation A: `owner` (之江交通, the 建设单位 of most demo projects) — its projects are "own"; "other" objects
# lie in projects none of A's users, A's contractor (华东路桥) or the liaison officer may see.
SIDE_A_USERS = ("owner", "contractor", "liaison")
# Who calls with the other side's objects: the users whose answer depends on the organisation, and one bureau
# user (the superuser, the leader and anonymous answer the same on both sides: they call with A's only).
OTHER_SIDE_USERS = ("staff", "liaison", "reviewer", "owner", "contractor", "inspector")


# ---------------------------------------------------------------------------------------------------- endpoints
def _walk(
    resolver: URLResolver, prefix: str = "", namespace: str | None = None
) -> Iterator[tuple[str, str, Any]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace])) or None
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = ":".join(filter(None, [namespace, p.name])) if p.name else f"<unnamed {prefix}{p.pattern}>"
            yield prefix + str(p.pattern), name, p.callback


def page_names() -> set[str]:
    """Every URL name of the URL conf, except the admin site and the API router's operations (which the OpenAPI
    schema lists, `api_operations`)."""
    names = set()
    for route, name, callback in _walk(get_resolver()):
        if route.startswith(("admin/", "static/", "media/", "__debug__")):
            continue
        if getattr(callback, "actions", None):  # a ViewSet's route: an operation of the schema
            continue
        names.add(name)
    return names


@pytest.fixture(scope="module")
def api_operations() -> dict[str, tuple[str, str]]:
    """{operationId: (method, path template)} of the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        op["operationId"]: (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "operationId" in op
    }


def test_every_page_has_an_entry():
    names = page_names()
    missing = sorted(names - set(spec.PAGES))
    stale = sorted(set(spec.PAGES) - names)
    assert not missing, f"URL patterns with no entry in tests/access_matrix_spec.py PAGES: {missing}"
    assert not stale, f"PAGES entries for URL names that no longer exist: {stale}"


def test_every_api_operation_has_an_entry(api_operations):
    missing = sorted(set(api_operations) - set(spec.API))
    stale = sorted(set(spec.API) - set(api_operations))
    assert not missing, f"API operations with no entry in tests/access_matrix_spec.py API: {missing}"
    assert not stale, f"API entries for operations that no longer exist: {stale}"


# -------------------------------------------------------------------------------------------------------- world
@dataclass
class World:
    objects: dict[str, dict[str, models.Model | None]]
    users: dict[str, User]

    def get(self, path: str, side: str) -> Any:
        kind, *attrs = path.split(".")
        if kind not in self.objects:
            raise ImproperlyConfigured(f"access matrix: no world kind {kind!r}")
        value: Any = self.objects[kind][side]
        for attr in attrs:
            if value is None:
                return None
            value = getattr(value, attr)
        return value


def _first(qs: models.QuerySet, project_path: str | None, projects: set[int] | None):
    if project_path is not None:
        qs = qs.filter(**{f"{project_path}__in": projects})
    return qs.order_by("pk").first()


def build_world() -> World:
    from approvals.models import (
        ApprovalCase,
        CaseDocument,
        CatalogueItem,
        ItemReview,
        JointReview,
        stage_documents,
    )
    from coordination.models import (
        OPEN_ISSUE_STATES,
        CallBack,
        IssueAttachment,
        IssueItem,
        Meeting,
        MeetingDecision,
    )
    from portal.notifications.models import Notification
    from projects.models import (
        FeasibilityOpinion,
        FeasibilityReview,
        GateConfirmation,
        GateRequirement,
        JointCommandMember,
        MonthlyProgress,
        Project,
        ProjectDocument,
        ProjectParticipant,
        RegionWorkItem,
        Risk,
        ScheduleTask,
        TaskDependency,
    )

    users = {u.username: u for u in User.objects.filter(username__in=[*spec.USERS, "owner2"])}
    owner = users["owner"]
    seen_by_a = set()
    for name in SIDE_A_USERS:
        seen_by_a |= set(policy.visible(users[name], Project).values_list("pk", flat=True))
    hidden = set(Project.objects.exclude(pk__in=seen_by_a).values_list("pk", flat=True))
    # A's projects, the one with the most recorded on it first (杭温高速铁路), so "own" objects share a project.
    own_projects = list(
        Project.objects.filter(owner=owner.organization)
        .annotate(n=models.Count("tasks", distinct=True))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
    )
    own_project, other_project = (
        own_projects[0],
        Project.objects.filter(pk__in=hidden, tasks__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
    )

    def both(qs, path="project"):
        own = (
            _first(qs, path, {own_project})
            or _first(qs, path, set(own_projects))
            or _first(qs, path, seen_by_a)
        )
        other = _first(qs, path, {other_project}) or _first(qs, path, hidden)
        return {"own": own, "other": other}

    objects: dict[str, dict[str, Any]] = {
        "project": {
            "own": Project.objects.get(pk=own_project),
            "other": Project.objects.get(pk=other_project),
        },
        "participant": both(ProjectParticipant.objects.all()),
        "document": both(ProjectDocument.objects.all()),
        "confirmation": both(GateConfirmation.objects.all()),
        "feasibility_review": both(FeasibilityReview.objects.all()),
        "opinion": both(FeasibilityOpinion.objects.all(), "review__project"),
        "risk": both(Risk.objects.all()),
        "task": both(ScheduleTask.objects.all()),
        "dependency": both(TaskDependency.objects.all(), "successor__project"),
        "progress": both(MonthlyProgress.objects.filter(completed_investment__isnull=False)),
        "member": both(JointCommandMember.objects.all(), "command__project"),
        "work_item": both(RegionWorkItem.objects.all()),
        "case": both(ApprovalCase.objects.filter(reviews__isnull=False, documents__isnull=False).distinct()),
        "permit_case": both(ApprovalCase.objects.exclude(permit_number="")),
        "case_document": both(CaseDocument.objects.all(), "case__project"),
        "item_review": both(ItemReview.objects.all(), "case__project"),
        "joint_review": both(JointReview.objects.all(), "case__project"),
        "issue": both(IssueItem.objects.filter(state__in=OPEN_ISSUE_STATES)),
        "issue_attachment": both(IssueAttachment.objects.all(), "issue__project"),
        "meeting": both(Meeting.objects.all(), "projects"),
        "decision": both(MeetingDecision.objects.all(), "meeting__projects"),
        "callback": both(CallBack.objects.all(), "issue__project"),
        "organization": {"own": owner.organization, "other": users["owner2"].organization},
        "user": {"own": owner, "other": users["owner2"]},
        "notification": {
            "own": Notification.objects.filter(recipient=owner).order_by("pk").first(),
            "other": Notification.objects.filter(recipient=users["owner2"]).order_by("pk").first(),
        },
        # The same for every organisation (the bureau's catalogues): one object, no own/other.
        "requirement": {
            "own": GateRequirement.objects.filter(kind="confirmation").order_by("pk").first(),
            "other": None,
        },
        "catalogue_item": {"own": CatalogueItem.objects.order_by("pk").first(), "other": None},
        "instruction": {"own": None, "other": None},  # written per test (`_instructions`)
    }
    objects["required_document"] = {
        side: (stage_documents(case.stage).order_by("pk").first() if case else None)
        for side, case in objects["case"].items()
    }
    for part_world in spec.WORLDS:
        added = part_world(both, users)
        assert not set(added) & set(objects), f"a part repeats world kinds: {sorted(set(added) & set(objects))}"
        objects.update(added)
    return World(objects=objects, users=users)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        return build_world()


def _instructions(world: World) -> None:
    """Instructions (批示) of the leader on each side's project, inside the test's transaction."""
    from portal.instructions import services

    leader = world.users["leader"]
    world.objects["instruction"] = {
        side: services.instruction_write(
            actor=leader, target=world.objects["project"][side], text="请抓紧推进，按期完成。"
        )
        for side in SIDES
    }


@pytest.mark.django_db
def test_world_separates_the_organisations(world):
    """The policy the matrix asks keeps the organisations apart: A's users see A's project and none of the
    "other" objects, and every kind the matrix needs has an object to call with."""
    owner, contractor, liaison = (world.users[n] for n in SIDE_A_USERS)
    assert policy.can(owner, "manage", world.objects["project"]["own"])
    assert policy.can(contractor, "view", world.objects["project"]["own"])
    assert not policy.can(contractor, "manage", world.objects["project"]["own"])
    assert policy.can(world.users["owner2"], "view", world.objects["case"]["other"])
    for kind, sides in world.objects.items():
        other = sides["other"]
        if other is None or kind in ("organization", "user", "instruction", "required_document"):
            continue
        if kind == "participant":
            other = other.project
        elif kind == "dependency":
            other = other.successor.project
        elif kind == "case_document":
            other = other.case
        elif kind == "issue_attachment":
            other = other.issue
        elif kind == "decision":
            other = other.meeting
        elif kind in spec.WORLD_GUARDS:
            for attr in spec.WORLD_GUARDS[kind].split("."):
                other = getattr(other, attr)
        for user in (owner, contractor, liaison):
            assert not policy.can(user, "view", other), (
                f"{user.username} sees the other side's {kind} {other.pk}"
            )
    empty = sorted(
        k
        for k, s in world.objects.items()
        if s["own"] is None and s["other"] is None and k not in ("instruction", "joint_review")
    )
    assert not empty, f"the demo has no object of these kinds for the matrix: {empty}"


# --------------------------------------------------------------------------------------------------- the calls
def _allows(user: User, action: Any, guard: models.Model) -> bool:
    target = guard
    if isinstance(action, tuple):
        action, attr = action
        target = getattr(guard, attr)
    if action.startswith("move:"):
        wf = fsm.workflow_of(target)
        return wf.permission_refusal(target, wf.transition(action[5:]), user) is None
    return policy.can(user, action, target)


def expectation(entry, username: str | None, user: User | None, guard: Any, method: str) -> str:
    """One of "login" (anonymous, sent to log in), "public", "hidden" (404: may not see the object, or it is
    missing), "denied" (403/404), "allowed"."""
    if entry.public:
        return "public"
    if user is None:
        return "login"
    past_gate = entry.who is None or username in entry.who
    if guard is _MISSING or (guard is not None and not policy.can(user, "view", guard)):
        return "hidden" if past_gate else "denied"
    if not past_gate:
        return "denied"
    if guard is not None and not _allows(user, entry.action_for(method), guard):
        return "denied"
    return "allowed"


_MISSING = object()


def _fill(entry, world: World, side: str) -> tuple[dict[str, Any], Any] | None:
    """The path parameters and the guard object for `side`; None when the side has no object (global objects
    have only "own")."""
    kwargs: dict[str, Any] = {}
    needed = False
    for name, source in entry.args.items():
        if isinstance(source, spec.L):
            kwargs[name] = source.value
            continue
        needed = True
        value = world.get(source, side)
        kwargs[name] = value.pk if isinstance(value, models.Model) else value
    if (
        needed
        and side == "other"
        and all(isinstance(s, spec.L) or world.get(s, "other") is None for s in entry.args.values())
    ):
        return None
    if any(v is None for v in kwargs.values()):
        if side == "other":
            return None
        return {k: (MISSING_PK if v is None else v) for k, v in kwargs.items()}, _MISSING
    if not needed and side == "other":
        return None
    guard = world.get(entry.guard_path, side) if entry.guard_path else None
    return kwargs, guard


@dataclass
class Outcome:
    status: int
    location: str = ""
    changed: bool = False
    body: str = ""
    error: str = ""


def _call(client: Client, method: str, url: str, api: bool) -> Outcome:
    unsafe = method not in SAFE
    with transaction.atomic():
        before = AuditEvent.objects.count() if unsafe else 0
        try:
            if method == "GET":
                response = client.get(url)
            elif api:
                response = client.generic(method, url, data="{}", content_type="application/json")
            else:
                response = client.post(url, {})
        except Exception as exc:  # noqa: BLE001  (a view's exception is a 500 to the matrix)
            transaction.set_rollback(True)
            return Outcome(status=500, error=f"{type(exc).__name__}: {exc}"[:300])
        try:
            changed = unsafe and AuditEvent.objects.count() != before
        except Exception:  # noqa: BLE001  (the view broke the transaction: it answered 5xx, judged so)
            changed = False
        transaction.set_rollback(True)
    body = ""
    readable = response.get("Content-Type", "").startswith(("text/", "application/json"))
    if 200 <= response.status_code < 300 and readable and not getattr(response, "streaming", False):
        body = response.content.decode("utf-8", "replace")
    return Outcome(
        status=response.status_code, location=response.get("Location", ""), changed=changed, body=body
    )


def _judge(expect: str, outcome: Outcome, method: str, api: bool) -> str | None:
    """Why `outcome` breaks the expectation, or None."""
    status = outcome.status
    if status >= 500:
        return f"{status} {outcome.error}"
    if expect == "public":
        return None
    if expect == "login":
        if api:
            return None if status in (401, 403, 405) else f"anonymous got {status}, wanted 401/403"
        if status == 302 and outcome.location.split("?")[0].endswith(LOGIN_PATH):
            return None
        return None if status == 405 else f"anonymous got {status} {outcome.location}, wanted the login page"
    if expect == "hidden":
        return None if status in (404, 405) else f"got {status}, wanted 404 (may not see the object)"
    if expect == "denied":
        if status not in (403, 404, 405):
            return f"got {status}, wanted 403/404 (no right)"
        if outcome.changed:
            return f"refused with {status} but wrote an audit row"
        return None
    if method == "GET" and status >= 400:
        return f"got {status}, wanted a page (the user has the right)"
    return None


def _leaks(world: World, user: User, outcome: Outcome) -> list[str]:
    if not outcome.body:
        return []
    names = set()
    for kind in ("project", "case", "risk", "task", "work_item", "document", "item_review"):
        obj = world.objects[kind]["other"]
        project = (
            obj
            if kind == "project"
            else getattr(obj, "project", None) or getattr(getattr(obj, "case", None), "project", None)
        )
        if project is not None and not policy.can(user, "view", project):
            names.add(project.name)
    return [n for n in sorted(names) if n in outcome.body]


@dataclass
class Clients:
    """A client per matrix user (None: anonymous), each logged in once for the module: `sessions` holds its
    session key. The sessions are committed (the module fixture runs outside the tests' transactions) and every
    call is rolled back, so a call that logs out or rotates the session changes nothing the next call meets:
    `relogin` puts the session cookie back. (The sessions live SESSION_COOKIE_AGE, 30 minutes, from the login:
    renewals are rolled back with the calls; the module takes a few minutes.)"""

    clients: dict[str | None, Client]
    sessions: dict[str, str]

    def fresh(self) -> None:
        """At the start of a test: every client as if new (no cookie a call set: language, CSRF), logged in."""
        for name, client in self.clients.items():
            client.cookies = SimpleCookie()
            if name is not None:
                self.relogin(name)

    def relogin(self, username: str) -> None:
        """After a call that may have ended `username`'s session (the logout page): its login cookie again."""
        cookies = self.clients[username].cookies
        key = self.sessions[username]
        if settings.SESSION_COOKIE_NAME not in cookies or cookies[settings.SESSION_COOKIE_NAME].value != key:
            cookies[settings.SESSION_COOKIE_NAME] = key

    def __getitem__(self, username: str | None) -> Client:
        return self.clients[username]


@pytest.fixture(scope="module")
def clients(world, django_db_blocker) -> Iterator[Clients]:
    """Each matrix user logged in once for the module (Django's own login, as before each test formerly);
    afterwards the sessions, the login records and the users' last-login times are put back as they were, so
    the tests after this module meet the demo unchanged."""
    from django.db import connection

    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "the matrix logins must be committed, outside a test"
        users = [world.users[name] for name in spec.USERS]
        last_login = dict(User.objects.filter(pk__in=[u.pk for u in users]).values_list("pk", "last_login"))
        events_before = SecurityEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        made: dict[str | None, Client] = {None: Client()}
        for user in users:
            client = Client()
            client.force_login(user)
            made[user.username] = client
        sessions = {name: made[name].cookies[settings.SESSION_COOKIE_NAME].value for name in spec.USERS}
    yield Clients(clients=made, sessions=sessions)
    with django_db_blocker.unblock():
        Session.objects.filter(session_key__in=sessions.values()).delete()
        SecurityEvent.objects.filter(pk__gt=events_before, user__in=users).delete()
        for pk, when in last_login.items():
            User.objects.filter(pk=pk).update(last_login=when)


def callers(entry, side: str) -> tuple[str | None, ...]:
    """Who calls `entry` with `side`'s objects (None: anonymous)."""
    if entry.public:
        return (None, "owner") if side == "own" else ()
    return (None, *spec.USERS) if side == "own" else OTHER_SIDE_USERS


def run_matrix(
    world: World, clients: Clients, entry, url_for, methods: tuple[str, ...], api: bool
) -> tuple[int, list[str]]:
    if any(
        s == "instruction" or (isinstance(s, str) and s.startswith("instruction."))
        for s in entry.args.values()
    ):
        _instructions(world)
    clients.fresh()
    checks, failures = 0, []
    for side in SIDES:
        filled = _fill(entry, world, side)
        if filled is None:
            continue
        kwargs, guard = filled
        url = url_for(kwargs)
        for method in methods:
            for username in callers(entry, side):
                user = world.users[username] if username else None
                expect = expectation(entry, username, user, guard, method)
                outcome = _call(clients[username], method, url, api)
                checks += 1
                TALLY[expect] += 1
                why = _judge(expect, outcome, method, api)
                if why is None and username in SCOPED_USERS:
                    leaked = _leaks(world, user, outcome)
                    why = f"shows another organisation's project {leaked}" if leaked else None
                if why:
                    failures.append(f"{method} {url} as {username or 'anonymous'} ({side}, {expect}): {why}")
                if method not in SAFE and username:
                    clients.relogin(username)  # the logout page logged it out (its deletion was rolled back)
    return checks, failures


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(spec.PAGES))
def test_page(name, world, clients):
    entry = spec.PAGES[name]
    api = name.startswith("api-")
    checks, failures = run_matrix(
        world, clients, entry, lambda kwargs: reverse(name, kwargs=kwargs or None), entry.methods, api
    )
    assert checks, f"{name}: no call made"
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(spec.API))
def test_api_operation(operation, world, clients, api_operations):
    entry = spec.API[operation]
    if operation not in api_operations:
        pytest.fail(f"{operation} is not in the OpenAPI schema (stale entry)")
    method, template = api_operations[operation]

    def url_for(kwargs):
        return re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), template)

    checks, failures = run_matrix(world, clients, entry, url_for, (method,), True)
    assert checks, f"{operation}: no call made"
    assert not failures, "\n".join(failures)


def matrix_size(world: World) -> tuple[int, int, int]:
    """(endpoints, endpoint × method × side combinations, calls: each combination as each user calling it)."""
    combos = calls = 0
    for entries, api in ((spec.PAGES, False), (spec.API, True)):
        for entry in entries.values():
            methods = 1 if api else len(entry.methods)
            for side in SIDES:
                if _fill(entry, world, side) is not None and callers(entry, side):
                    combos += methods
                    calls += methods * len(callers(entry, side))
    return len(spec.PAGES) + len(spec.API), combos, calls


@pytest.mark.django_db
def test_matrix_size(world, api_operations, capsys):
    endpoints, combos, calls = matrix_size(world)
    with capsys.disabled():
        print(
            f"\naccess matrix: {endpoints} endpoints ({len(spec.PAGES)} pages, {len(spec.API)} API operations), "
            f"{combos} endpoint × method × side combinations, {calls} calls ({len(spec.USERS)} users and "
            f"anonymous)"
        )
        if TALLY:
            print(f"calls made in this run, by expectation: {dict(sorted(TALLY.items()))}")
    assert calls > 2000


@pytest.mark.django_db
def test_the_leak_check_sees_a_project_name(world):
    """The name check is not vacuous: the other side's project page, as bureau staff sees it, would be a leak
    shown to `owner`."""
    client = Client()
    client.force_login(world.users["staff"])
    outcome = _call(client, "GET", world.objects["project"]["other"].get_absolute_url(), api=False)
    assert outcome.status == 200
    assert _leaks(world, world.users["owner"], outcome) == [world.objects["project"]["other"].name]
    assert _leaks(world, world.users["staff"], outcome) == []


@pytest.mark.django_db
def test_the_module_logins_outlive_a_logout_and_a_language_switch(world, clients):
    """The clients logged in once per module stay logged in: after the logout page (its deletion rolled back with
    the call) `relogin` restores the session, and a new test starts with no cookie a call left (`fresh`)."""
    clients.fresh()
    home = reverse("home")
    assert _call(clients["owner"], "GET", home, api=False).status == 200
    assert _call(clients[None], "GET", home, api=False).status == 302  # anonymous: sent to log in
    assert _call(clients["owner"], "POST", reverse("logout"), api=False).status < 400
    assert _call(clients["owner"], "GET", home, api=False).status == 302  # the client was logged out …
    clients.relogin("owner")
    assert _call(clients["owner"], "GET", home, api=False).status == 200  # … and its session is back
    clients["owner"].cookies["django_language"] = "en"
    clients.fresh()
    assert "django_language" not in clients["owner"].cookies
    assert _call(clients["owner"], "GET", home, api=False).status == 200
