"""Shared fixtures: the demo province is loaded once into the test database, and every test runs inside a
transaction on top of it. Named users per role come from the demo (their logins are in the README)."""

import pytest
from django.test import Client

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core.demo import seed_all


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_all()


@pytest.fixture
def demo_db(transactional_db):
    """For tests that need real commits (live server, real Celery worker): the demo data, re-created after
    the flush that transactional tests do."""
    seed_all()


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
