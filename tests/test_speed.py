"""The speed work of issue #10, held to what it must not change: a request that changes nothing writes no session;
cached permissions are dropped when a role, a role's permissions or a grant change (a revoked user loses access on
the next request); the row-based project list answers exactly what the serializer answered; the orjson renderer
writes DRF's bytes; X-Query-Count counts every query. The figures themselves are in bench/REPORT.md."""

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from portal.accounts.models import Role
from portal.accounts.services import user_set_roles
from portal.core.apis import values_rows
from portal.core.renderers import ORJSONRenderer
from portal.core.sessions import EXPIRES_KEY
from projects import apis as project_apis
from projects import selectors
from projects.apis import ProjectOutput
from projects.models import Project
from projects.services import project_grant_user

pytestmark = pytest.mark.django_db

SESSION_WRITES = ("INSERT INTO \"django_session\"", "UPDATE \"django_session\"", "DELETE FROM \"django_session\"")


def _session_writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(SESSION_WRITES)]


# --- sessions -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/projects/", "/api/v1/ping/", "/api/v1/projects/"])
def test_a_logged_in_request_that_changes_nothing_writes_no_session(client_for, staff, path):
    client = client_for(staff)
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        assert _session_writes(ctx) == []
        assert "sessionid" not in response.cookies  # nothing to send again either


def test_the_idle_limit_is_renewed_once_its_last_renewal_is_a_minute_old(client_for, staff):
    client = client_for(staff)
    store = client.session
    assert 29 * 60 < store.seconds_left() <= 30 * 60  # saved at login with its expiry
    # Renewed 61 seconds ago: the next request renews it, once.
    _store_expiry(store, time.time() + 30 * 60 - 61)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/projects/")
    assert response.status_code == 200
    assert len(_session_writes(ctx)) == 1
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    assert 29 * 60 < client.session.seconds_left() <= 30 * 60
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/projects/").status_code == 200
    assert _session_writes(ctx) == []


def _store_expiry(store, expires: float) -> None:
    """Writes the session's data with `expires` as its recorded expiry, as if saved that long ago (the row's
    expire_date too, which a database read takes as the truth)."""
    from django.contrib.sessions.models import Session

    data = store.load()
    data[EXPIRES_KEY] = expires
    Session.objects.filter(session_key=store.session_key).update(
        session_data=store.encode(data), expire_date=datetime.datetime.fromtimestamp(expires, tz=datetime.UTC))
    if hasattr(store, "cache_key"):
        store._cache.delete(store.cache_key)


# --- the permission cache ----------------------------------------------------------------------------------------


def _permission_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "auth_permission" in q["sql"]]


@override_settings(PERMISSION_CACHE=True)
def test_permissions_are_read_once_then_from_the_cache(client_for, leader):
    client = client_for(leader)
    client.get("/api/v1/projects/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/projects/")
    assert response.status_code == 200 and response.json()["count"] == Project.objects.active().count()
    assert _permission_queries(ctx) == []


@override_settings(PERMISSION_CACHE=True)
def test_a_user_whose_role_is_taken_away_loses_access_on_the_next_request(client_for, leader, admin_user):
    client = client_for(leader)
    project = Project.objects.active().first()
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200  # now from the cache
    user_set_roles(actor=admin_user, user=leader, roles=[])
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    assert client.get("/api/v1/projects/").json()["count"] == 0
    user_set_roles(actor=admin_user, user=leader, roles=[Role.LEADER])
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200


@override_settings(PERMISSION_CACHE=True)
def test_a_permission_taken_from_a_role_is_lost_by_its_holders_on_the_next_request(client_for, leader):
    client = client_for(leader)
    project = Project.objects.active().first()
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    role = Group.objects.get(name=Role.LEADER)
    view = Permission.objects.get(content_type__app_label="projects", codename="view_project")
    role.permissions.remove(view)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    role.permissions.add(view)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    # From the other side of the relation too: the group taken from its members.
    role.user_set.remove(leader)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404


@override_settings(PERMISSION_CACHE=True)
def test_a_revoked_object_grant_takes_effect_on_the_next_request(client_for, staff, inspector):
    project = Project.objects.active().exclude(pk__in=selectors.project_list(user=inspector).values("pk")).first()
    client = client_for(inspector)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    project_grant_user(actor=staff, project=project, user=inspector)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    from guardian.shortcuts import remove_perm

    remove_perm("projects.view_project", inspector, project)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404


# --- the row-based list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_project_list_rows_are_what_the_serializer_gives(staff, language):
    voided = Project.objects.active().last()
    Project.objects.filter(pk=voided.pk).update(voided_at=timezone.now().replace(microsecond=123456),
                                                planned_start=None)
    projects = list(Project.objects.select_related("owner").prefetch_related("regions").order_by("pk"))
    assert any(p.voided_at for p in projects) and any(p.planned_start is None for p in projects)
    rows = Project.objects.order_by("pk").values(*project_apis.LIST_COLUMNS)
    codes = selectors.project_region_codes(projects=[p.pk for p in projects])
    with translation.override(language):
        expected = json.loads(JSONRenderer().render(ProjectOutput(projects, many=True).data))
        got = json.loads(JSONRenderer().render(values_rows(
            ProjectOutput, rows, {"phase": project_apis._list_phase, "region_codes": lambda r: codes[r["id"]]})))
    assert got == expected
    assert [list(r) for r in got] == [list(r) for r in expected]  # the keys in the same order


# --- the renderer ------------------------------------------------------------------------------------------------


def test_the_orjson_renderer_writes_drf_s_bytes():
    aware = timezone.make_aware(datetime.datetime(2026, 3, 1, 8, 30, 5, 123456))  # noqa: DTZ001 (made aware)
    data = {
        "text": "浙江省重点工程 — “引号” \u2028 line", "lazy": gettext_lazy("Simplified Chinese"),
        "decimal": Decimal("123456789.10"), "int": 2**40, "float": 0.1, "none": None, "bool": True,
        "date": datetime.date(2026, 12, 3), "aware": aware, "utc": aware.astimezone(datetime.UTC),
        "naive": datetime.datetime(2026, 1, 2, 3, 4, 5),  # noqa: DTZ001
        "time": datetime.time(9, 30, 15, 250000),
        "nested": [{"a": [1, 2, {"b": "c"}]}, (1, 2)], 7: "int key",
    }
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)
    assert ORJSONRenderer().render({"big": 2**70}) == JSONRenderer().render({"big": 2**70})
    assert ORJSONRenderer().render(None) == b""
    indented = ORJSONRenderer().render({"a": 1}, "application/json; indent=2", {})
    assert indented == JSONRenderer().render({"a": 1}, "application/json; indent=2", {})


# --- the query count header ---------------------------------------------------------------------------------------


@override_settings(PORTAL_QUERY_COUNT_HEADER=True)
def test_the_query_count_header_counts_every_query_of_the_view(staff):
    client = Client()
    client.force_login(staff)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/projects/")
    header = int(response["X-Query-Count"])
    # The session and the user are read before the middleware's span begins: everything else is counted.
    assert 0 < header <= len(ctx.captured_queries)
    assert header >= len(ctx.captured_queries) - 2


# --- the Content-Security-Policy header, built once ---------------------------------------------------------------


def test_the_policy_built_once_is_django_csp_s_and_follows_the_settings(client_for, staff):
    from dataclasses import asdict

    from csp.middleware import CSPMiddleware
    from csp.utils import build_policy
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse

    client = client_for(staff)
    expected = build_policy(**asdict(CSPMiddleware(lambda r: None).get_policy_parts(HttpRequest(), HttpResponse())))
    for path in ("/", "/api/v1/ping/", "/projects/"):
        assert client.get(path)["Content-Security-Policy"] == expected
    changed = {**settings.CONTENT_SECURITY_POLICY,
               "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'", "tiles.example.cn"]}}
    with override_settings(CONTENT_SECURITY_POLICY=changed):
        assert "img-src 'self' tiles.example.cn" in client.get("/api/v1/ping/")["Content-Security-Policy"]
    assert client.get("/api/v1/ping/")["Content-Security-Policy"] == expected


# --- choice labels ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_labels_are_django_s_in_every_language(language):
    from django.db.models import Model

    projects = list(Project.objects.all()[:40])
    fields = [f for f in Project._meta.concrete_fields if f.choices]
    assert {f.name for f in fields} >= {"project_type", "level", "stage"}
    with translation.override(language):
        for p in projects:
            for f in fields:
                assert p._get_FIELD_display(f) == Model._get_FIELD_display(p, f)
        unknown = Project(stage="no-such-stage")
        assert unknown.get_stage_display() == "no-such-stage"
