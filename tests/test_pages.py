"""Every page for every role renders (or is refused the way the policy says), and list pages keep a query count
that does not grow with the number of rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core import policy
from portal.notifications.services import notify
from projects.models import Project
from projects.services import participant_add, project_create

pytestmark = pytest.mark.django_db

ROLES = ["admin", "staff", "leader", "liaison", "reviewer", "contractor", "inspector"]
STAFF_ONLY = {"admin", "staff"}


def pages(user):
    project = policy.visible(user, Project).order_by("pk").first()
    org = user.organization
    return {
        "/": 200,
        "/projects/": 200,
        f"/projects/{project.pk}/": 200,
        "/projects/?export=xlsx": 200,
        "/projects/new/": 200 if user.username in STAFF_ONLY else 403,
        f"/projects/{project.pk}/edit/": 200 if user.username in STAFF_ONLY else 403,
        "/accounts/organizations/": 200,
        f"/accounts/organizations/{org.pk}/": 200,
        "/accounts/organizations/new/": 200 if user.username in STAFF_ONLY else 403,
        "/accounts/users/": 200,
        f"/accounts/users/{user.pk}/": 200,
        "/accounts/profile/": 200,
        "/accounts/password/": 200,
        "/notifications/": 200,
        "/status/": 200 if user.username in STAFF_ONLY else 403,
        "/accounts/security-log/": 200 if user.username in STAFF_ONLY else 403,
        "/api/v1/me/": 200,
        "/api/v1/projects/": 200,
        "/api/v1/organizations/": 200,
        "/api/v1/notifications/": 200,
        "/api/v1/docs/": 200,
        "/admin/": 200 if user.is_staff else 302,
    }


@pytest.mark.parametrize("username", ROLES)
def test_every_page_for_every_role(client_for, username):
    user = User.objects.get(username=username)
    client = client_for(user)
    for url, status in pages(user).items():
        response = client.get(url)
        assert response.status_code == status, f"{username} {url}: {response.status_code}"
        if status == 200 and response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert user.get_full_name() in html or url.startswith("/admin/") or url.startswith("/api/")


def test_login_page_and_404_render(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404


def test_role_home_pages_differ(client_for, leader, staff, contractor):
    assert "home_leader" in client_for(leader).get("/").templates[0].name
    assert "home_staff" in client_for(staff).get("/").templates[0].name
    assert "home_participant" in client_for(contractor).get("/").templates[0].name


def test_empty_states(client_for):
    newcomer_org = Organization.objects.get(name="江南水电工程局有限公司")
    from portal.accounts.services import user_create

    newcomer = user_create(actor=None, username="newcomer", full_name="新用户", organization=newcomer_org,
                           roles=["contractor"], password="a-long-password-1")
    client = client_for(newcomer)
    html = client.get("/projects/", {"q": "不存在的项目"}).content.decode()
    assert 'class="empty"' in html
    assert 'class="empty"' in client.get("/notifications/").content.decode()


def add_projects(n, staff, contractor_org, liaison):
    owner = Organization.objects.filter(kind=OrganizationKind.OWNER).first()
    start = Project.objects.count()
    for i in range(n):
        project = project_create(
            actor=staff, code=f"2025-330100-48-01-{800000 + start + i:06d}", name=f"加量测试项目{i}",
            project_type="transport", level="provincial", total_investment=Decimal("100000000"), owner=owner,
            liaison_officer=liaison,
        )
        participant_add(actor=staff, project=project, organization=contractor_org, role="contractor")
        notify(recipients=[staff, liaison], event_key=f"budget:{i}", title=f"通知{i}")


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


LISTS = ["/", "/projects/", "/api/v1/projects/", "/accounts/organizations/", "/api/v1/organizations/",
         "/notifications/", "/api/v1/notifications/", "/accounts/users/", "/projects/?export=xlsx"]


@pytest.mark.parametrize("username", ["staff", "contractor", "liaison"])
def test_list_query_counts_do_not_grow_with_rows(client_for, username, staff, contractor_org, liaison):
    user = User.objects.get(username=username)
    client = client_for(user)
    notify(recipients=[user], event_key="budget:first", title="首条通知")  # an empty list skips the page query
    client.get("/")  # warm the session
    before = {url: count_queries(client, url) for url in LISTS}
    add_projects(30, staff, contractor_org, liaison)
    after = {url: count_queries(client, url) for url in LISTS}
    assert after == before, {u: (before[u], after[u]) for u in LISTS if before[u] != after[u]}
    assert max(after.values()) <= 20, after
