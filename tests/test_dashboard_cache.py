"""The home cards' figures cached per visibility scope (portal.dashboards.cache): computed once and reused, shown
with their time, refreshed ahead of expiry by one task while readers keep the old figures, computed again once
gone, and never shared between users who see different projects."""

import datetime
import time
import zoneinfo
from decimal import Decimal

import pytest
from celery import signals
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from approvals import home as approvals_home
from portal.accounts.models import Role, User
from portal.accounts.services import user_create
from portal.core import policy
from portal.dashboards import cache as dashboard_cache
from projects import home as projects_home
from projects.models import Project
from projects.services import project_create

pytestmark = pytest.mark.django_db

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
FIGURES_QUERY = 'AS "late"'  # the one grouped query of the projects' figures (its overdue count)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # the local-memory cache outlives each test's rolled-back transaction
    yield
    cache.clear()


@pytest.fixture
def refreshes():
    """The names of the figures the refresh tasks run for, in order (the tasks run eagerly in the tests)."""
    ran: list[str] = []

    def count(sender=None, args=None, **kwargs):
        if sender is not None and sender.name == "dashboards.refresh_figures":
            ran.append(args[0])

    signals.task_prerun.connect(count, weak=False)
    yield ran
    signals.task_prerun.disconnect(count)


def _get(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _count_on_page(html: str) -> int:
    return int(html.split('data-testid="project-count">', 1)[1].split("<", 1)[0])


def _new_project(staff, tail: str, owner) -> Project:
    return project_create(
        actor=staff, code=f"2025-330000-48-01-{tail}", name=f"缓存测试项目{tail}", project_type="transport",
        level="provincial", stage="under_construction", total_investment=Decimal("1000000.00"),
        planned_start=datetime.date(2020, 1, 1), planned_finish=datetime.date(2030, 1, 1), owner=owner)


def _backdate(figures: dashboard_cache.CachedFigures, user: User, role: str, seconds: int) -> datetime.datetime:
    """Make the cached entry of `user`'s scope look `seconds` old; returns its new time."""
    key = figures.key(user=user, role=role, today=timezone.localdate())
    as_of, data = cache.get(key)
    as_of = timezone.now() - datetime.timedelta(seconds=seconds)
    cache.set(key, (as_of, data), dashboard_cache.max_age())
    return as_of


def _as_of_text(as_of: datetime.datetime) -> str:
    return f"Figures as of {as_of.astimezone(CHINA):%H:%M}"


# What the cached entries of the cockpit spare: the projects' figures, the live high risks, the approvals lights,
# the latest projects and the recent activity (one query each).
CACHED_QUERIES = (FIGURES_QUERY, 'FROM "projects_risk"', 'FROM "approvals_approvalcase"',
                  'ORDER BY "projects_project"."created_at" DESC', 'FROM "audit_auditevent"')


def test_the_second_request_reuses_the_cached_figures(en, leader):
    client = en(leader)
    first, first_queries = _get(client)
    second, second_queries = _get(client)
    for marker in CACHED_QUERIES:
        assert sum(marker in q for q in first_queries) == 1, marker
        assert not any(marker in q for q in second_queries), marker
    assert len(second_queries) <= len(first_queries) - len(CACHED_QUERIES)
    assert _count_on_page(second) == _count_on_page(first) == Project.objects.active().count()


def test_the_page_shows_the_time_of_the_figures_in_china_time(en, leader):
    en(leader).get("/")
    as_of = _backdate(projects_home.home_figures, leader, Role.LEADER, 90)
    html = en(leader).get("/").content.decode()
    assert _as_of_text(as_of) in html and 'data-testid="figures-as-of"' in html
    assert f'datetime="{as_of.astimezone(CHINA).isoformat()}"' in html  # local, with its offset


def test_an_entry_older_than_the_refresh_age_sends_one_refresh_and_readers_keep_the_old_figures(
        en, leader, staff, owner_org, refreshes):
    client = en(leader)
    before = _count_on_page(client.get("/").content.decode())
    _new_project(staff, "900701", owner_org)
    as_of = _backdate(projects_home.home_figures, leader, Role.LEADER, dashboard_cache.refresh_age() + 10)

    html, _ = _get(client)  # this reader gets the figures it found, and sends the refresh
    assert _count_on_page(html) == before and _as_of_text(as_of) in html
    assert refreshes == ["projects.figures"]

    html, queries = _get(client)  # the refreshed figures, from the cache
    assert _count_on_page(html) == before + 1 and not any(FIGURES_QUERY in q for q in queries)
    assert refreshes == ["projects.figures"]


def test_no_second_refresh_while_one_is_on_its_way(en, leader, refreshes):
    client = en(leader)
    client.get("/")
    _backdate(projects_home.home_figures, leader, Role.LEADER, dashboard_cache.refresh_age() + 10)
    _backdate(approvals_home.home_figures, leader, Role.LEADER, dashboard_cache.refresh_age() + 10)
    key = projects_home.home_figures.key(user=leader, role=Role.LEADER, today=timezone.localdate())
    assert cache.add(f"{key}:refreshing", 1, 60)  # another reader has sent its refresh
    for _ in range(3):
        html, queries = _get(client)
        assert not any(FIGURES_QUERY in q for q in queries)
    assert refreshes == ["approvals.lights"]  # the lights' entry was not locked: one refresh, once


def test_no_refresh_task_where_it_could_not_reach_the_entry(en, leader, settings, refreshes):
    """The embedded demo: a local-memory cache in each web process, and a worker of its own."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "demo"}}
    settings.CELERY_TASK_ALWAYS_EAGER = False  # (the Celery app keeps running tasks eagerly: a send would show)
    client = en(leader)
    client.get("/")
    as_of = _backdate(projects_home.home_figures, leader, Role.LEADER, dashboard_cache.refresh_age() + 10)
    assert _as_of_text(as_of) in client.get("/").content.decode()  # served until it expires
    key = projects_home.home_figures.key(user=leader, role=Role.LEADER, today=timezone.localdate())
    assert refreshes == [] and cache.get(f"{key}:refreshing") is None


def test_an_expired_entry_is_computed_again_in_the_request(en, leader, staff, owner_org, settings, refreshes):
    settings.DASHBOARD_FIGURES_MAX_AGE = 1
    client = en(leader)
    before = _count_on_page(client.get("/").content.decode())
    _new_project(staff, "900702", owner_org)
    assert _count_on_page(client.get("/").content.decode()) == before  # still cached
    time.sleep(1.1)
    html, queries = _get(client)
    assert _count_on_page(html) == before + 1 and any(FIGURES_QUERY in q for q in queries)
    assert refreshes == []


def test_contractors_of_different_organisations_never_share_figures(en, contractor, other_contractor, staff):
    mine = policy.visible(contractor, Project.objects.active()).count()
    theirs = policy.visible(other_contractor, Project.objects.active()).count()
    assert mine != theirs  # the demo gives the two organisations different projects
    assert _count_on_page(en(contractor).get("/").content.decode()) == mine
    assert _count_on_page(en(other_contractor).get("/").content.decode()) == theirs
    # a colleague of the first sees through the same organisation, but has an entry of their own
    colleague = user_create(actor=staff, username="cache_colleague", full_name="缓存同事",
                            organization=contractor.organization, roles=[Role.CONTRACTOR])
    html, queries = _get(en(colleague))
    assert _count_on_page(html) == mine and any(FIGURES_QUERY in q for q in queries)
    keys = {projects_home.home_figures.key(user=u, role=Role.CONTRACTOR, today=timezone.localdate())
            for u in (contractor, other_contractor, colleague)}
    assert len(keys) == 3 and all(f":u{u.pk}:" in " ".join(keys) for u in (contractor, other_contractor, colleague))


def test_a_contractor_never_reads_the_figures_of_the_bureau(en, leader, contractor):
    en(leader).get("/")
    html, queries = _get(en(contractor))
    assert any(FIGURES_QUERY in q for q in queries)
    assert _count_on_page(html) == policy.visible(contractor, Project.objects.active()).count()
    assert _count_on_page(html) < Project.objects.active().count()


def test_users_share_an_entry_only_with_the_same_scope_and_role(en, leader, staff, contractor):
    en(leader).get("/")
    second_leader = user_create(actor=staff, username="cache_leader2", full_name="缓存领导",
                                organization=leader.organization, roles=[Role.LEADER])
    _, queries = _get(en(second_leader))
    assert not any(FIGURES_QUERY in q for q in queries)  # the same scope and role: the leaders' entry
    _, queries = _get(en(staff))
    assert any(FIGURES_QUERY in q for q in queries)  # the bureau staff's own entry
    # a leader whose global view is gone has an entry of their own, as every user who sees through grants
    assert dashboard_cache.scope_of(second_leader, ("projects.Project",)) == "all"
    second_leader.groups.clear()
    second_leader = User.objects.get(pk=second_leader.pk)
    assert dashboard_cache.scope_of(second_leader, ("projects.Project",)) == f"u{second_leader.pk}"
    assert dashboard_cache.scope_of(contractor, ("projects.Project",)) == f"u{contractor.pk}"


def test_the_refresh_task_stores_fresh_figures_for_the_users_scope(leader):
    from portal.dashboards.tasks import refresh_figures

    today = timezone.localdate()
    refresh_figures.delay("projects.figures", leader.pk, Role.LEADER, today.isoformat())
    as_of, data = cache.get(projects_home.home_figures.key(user=leader, role=Role.LEADER, today=today))
    assert data["figures"]["count"] == Project.objects.active().count()
    assert timezone.now() - as_of < datetime.timedelta(seconds=5)
    refresh_figures.delay("no.such.figures", leader.pk, Role.LEADER, today.isoformat())  # nothing, no error


@pytest.mark.parametrize("figures", [projects_home.home_figures, projects_home.cockpit_lists,
                                     approvals_home.home_figures], ids=lambda f: f.name)
def test_cached_entries_hold_values_not_translated_text(leader, figures):
    """Labels are rendered in the reader's language: an entry holds only values (no lazy strings, no querysets,
    no model instances)."""
    data = figures.get(user=leader, role=Role.LEADER, today=timezone.localdate()).data

    def plain(value) -> bool:
        if isinstance(value, dict):
            return all(type(k) is str and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return type(value) in (int, Decimal, str, bool, datetime.datetime) or value is None

    assert data and plain(data)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_cockpit_lists_from_the_cache_render_as_the_live_lists(rf, leader, language):
    from django.template.loader import get_template

    request = rf.get("/")
    request.user = leader
    data = projects_home.cockpit_lists.get(user=leader, role=Role.LEADER, today=timezone.localdate()).data
    assert data["projects"] and any(row["action"] != "create" for row in data["activity"])
    with translation.override(language):
        for template, key, live, cached in [
            ("projects/home/_projects.html", "projects", projects_home.recent_projects(user=leader),
             projects_home._latest_rows(data["projects"])),
            ("projects/home/_activity.html", "activity", projects_home.recent_activity(user=leader),
             projects_home._activity_rows(data["activity"])),
        ]:
            page = get_template(template)
            assert (page.render({key: cached, "role": Role.LEADER}, request)
                    == page.render({key: list(live), "role": Role.LEADER}, request)), template


def test_the_bureau_workbench_shows_a_new_project_at_once_the_cockpit_at_its_refresh(en, staff, leader, owner_org):
    en(staff).get("/")
    en(leader).get("/")
    project = _new_project(staff, "900703", owner_org)
    assert project.name in en(staff).get("/").content.decode()  # the workbench's lists are read live
    assert project.name not in en(leader).get("/").content.decode()  # the cockpit's, within 5 minutes
    _backdate(projects_home.cockpit_lists, leader, Role.LEADER, dashboard_cache.refresh_age() + 10)
    en(leader).get("/")  # sends the refresh
    assert project.name in en(leader).get("/").content.decode()
