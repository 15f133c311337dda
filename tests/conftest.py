"""Shared fixtures: the demo province is loaded once into the test database, and every test runs inside a
transaction on top of it. Named users per role come from the demo (their logins are in the README)."""

import io
import sqlite3
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core.demo import seed_all


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_all()


# The demo as seeded by the first demo_db test of this process, per database alias (see demo_db).
_seeded_copy: dict[str, Any] = {}


def _copy_database() -> Any:
    """A copy of the test database: SQLite (in memory) with its backup API, PostgreSQL as every table's rows
    (COPY, binary). None for anything else."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy
    if connection.vendor == "postgresql":
        rows = {}
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.django_table_names(only_existing=True)):
                buffer = io.BytesIO()
                # COPY (SELECT …): a partitioned table (the smart site's readings) has no rows of its own to COPY
                cursor.cursor.copy_expert(f"COPY (SELECT * FROM {connection.ops.quote_name(table)}) TO STDOUT "  # noqa: S608
                                          "(FORMAT binary)", buffer)
                rows[table] = buffer.getvalue()
        return rows
    return None


def _restore_database(copy: Any) -> None:
    """Put the database back as `copy` holds it, ids and sequences included."""
    if isinstance(copy, sqlite3.Connection):
        copy.backup(connection.connection)
    else:
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in copy))
            for table, rows in copy.items():  # foreign keys are checked at the commit (deferred)
                cursor.cursor.copy_expert(f"COPY {quote(table)} FROM STDIN (FORMAT binary)", io.BytesIO(rows))
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                cursor.execute(sql)
    ContentType.objects.clear_cache()
    for cache in caches.all():  # ids come round again: nothing cached about the previous test's rows may stay
        cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache, as the database starts as the demo left it: the home figures, the
    map's answers, the permission and session copies and the rate-limit counters of one test never reach the
    next (their database rows were rolled back; the cache's copies would not be)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def demo_db(transactional_db):
    """For tests that need real commits (live server, real Celery worker): the demo data, re-created after
    the flush that transactional tests do.

    The first one in a process seeds the demo and copies the database aside (SQLite: its backup API; PostgreSQL:
    every table's rows); every later one puts that copy back (the same rows, ids included) in a fraction of a
    second instead of a seed's seconds, and empties the caches with it."""
    connection.ensure_connection()
    copy = _seeded_copy.get(connection.alias)
    if copy is None:
        seed_all()
        _seeded_copy[connection.alias] = _copy_database()
        return
    _restore_database(copy)


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def admin_user(db):
    return _user("admin")


@pytest.fixture
def staff(db):
    return _user("staff")


@pytest.fixture
def owner(db):
    """钱立群 of 之江交通建设投资有限公司, the owner (建设单位) of most demo projects."""
    return _user("owner")


@pytest.fixture
def leader(db):
    return _user("leader")


@pytest.fixture
def liaison(db):
    return _user("liaison")


@pytest.fixture
def reviewer(db):
    return _user("reviewer")


@pytest.fixture
def contractor(db):
    """赵刚 of 华东路桥建设集团有限公司."""
    return _user("contractor")


@pytest.fixture
def other_contractor(db):
    """孙海涛 of 浙中建工集团有限公司: a contractor of another organisation."""
    return _user("builder2")


@pytest.fixture
def inspector(db):
    return _user("inspector")


@pytest.fixture
def client_for():
    """client_for(user) → a test client logged in as `user` (through the real session machinery)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def en(client_for):
    """en(user) → a logged-in client that reads the pages and the API in English."""

    def make(user: User) -> Client:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def contractor_org(db) -> Organization:
    return Organization.objects.get(name="华东路桥建设集团有限公司")


@pytest.fixture
def owner_org(db) -> Organization:
    return Organization.objects.filter(kind=OrganizationKind.OWNER).order_by("pk").first()
