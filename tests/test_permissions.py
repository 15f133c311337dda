"""Access is decided per object by the one policy: a user never reaches, lists, counts, searches or exports an
object they may not see, and a forbidden object answers exactly like a missing one (404)."""

import io

import pytest
from openpyxl import load_workbook

from portal.audit.models import SecurityEvent
from portal.core import policy
from projects.models import Project

pytestmark = pytest.mark.django_db


def foreign_project(org):
    """A demo project the organisation does not take part in."""
    return Project.objects.exclude(participants__organization=org).order_by("pk").first()


def own_project(org):
    return Project.objects.filter(participants__organization=org, participants__voided_at__isnull=True).first()


def test_contractor_sees_only_its_organisations_projects(contractor, contractor_org):
    visible = set(policy.visible(contractor, Project).values_list("pk", flat=True))
    expected = set(
        Project.objects.filter(participants__organization=contractor_org, participants__voided_at__isnull=True)
        .values_list("pk", flat=True)
    )
    assert visible == expected
    assert 0 < len(visible) < Project.objects.count()


@pytest.mark.parametrize("url", ["/projects/{pk}/", "/projects/{pk}/edit/", "/projects/{pk}/void/",
                                 "/projects/{pk}/liaison/", "/api/v1/projects/{pk}/"])
def test_another_organisations_project_answers_404_like_a_missing_one(client_for, contractor, contractor_org, url):
    client = client_for(contractor)
    forbidden = foreign_project(contractor_org)
    missing_pk = Project.objects.order_by("-pk").first().pk + 1000

    assert client.get(url.format(pk=forbidden.pk)).status_code == 404
    assert client.get(url.format(pk=missing_pk)).status_code == 404


def test_refused_access_is_in_the_security_log(client_for, contractor, contractor_org):
    forbidden = foreign_project(contractor_org)
    client_for(contractor).get(f"/projects/{forbidden.pk}/")
    event = SecurityEvent.objects.filter(kind="access_refused", user=contractor).latest("created_at")
    assert event.detail == f"view projects.Project:{{'pk': {forbidden.pk}}}"
    assert event.path == f"/projects/{forbidden.pk}/"


def test_contractor_can_open_its_own_project_but_not_change_it(client_for, contractor, contractor_org):
    mine = own_project(contractor_org)
    client = client_for(contractor)
    assert client.get(f"/projects/{mine.pk}/").status_code == 200
    assert client.get(f"/projects/{mine.pk}/edit/").status_code == 403
    response = client.patch(f"/api/v1/projects/{mine.pk}/", {"name": "改名"}, content_type="application/json")
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.name != "改名"


def test_list_search_count_and_export_hide_other_organisations_projects(client_for, contractor, contractor_org):
    forbidden = foreign_project(contractor_org)
    client = client_for(contractor)
    visible_count = policy.visible(contractor, Project.objects.active()).count()

    page = client.get("/projects/", {"q": forbidden.name}).content.decode()
    assert f'href="/projects/{forbidden.pk}/"' not in page
    assert 'class="empty"' in page
    assert forbidden.code not in client.get("/projects/").content.decode()

    api = client.get("/api/v1/projects/", {"q": forbidden.code}).json()
    assert api["count"] == 0
    assert client.get("/api/v1/projects/").json()["count"] == visible_count

    export = client.get("/projects/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    codes = {r[0] for r in rows[1:]}
    assert forbidden.code not in codes
    assert len(codes) == visible_count

    home = client.get("/").content.decode()
    assert f'data-testid="project-count">{visible_count}<' in home


def test_liaison_officer_sees_exactly_the_assigned_projects(client_for, liaison):
    assigned = set(Project.objects.filter(liaison_officer=liaison).values_list("pk", flat=True))
    assert assigned
    api = client_for(liaison).get("/api/v1/projects/", {"page_size": 200}).json()
    assert {p["id"] for p in api["results"]} == assigned


def test_reassigning_the_liaison_officer_moves_access(staff, liaison):
    from portal.accounts.models import User
    from projects.services import project_assign_liaison_officer

    project = Project.objects.filter(liaison_officer=liaison).first()
    successor = User.objects.get(username="liaison2")
    project_assign_liaison_officer(actor=staff, project=project, officer=successor, reason="岗位调整")
    assert not policy.can(liaison, "view", project)
    assert policy.can(successor, "view", project)


def test_bureau_staff_and_leader_see_every_project_but_only_staff_change(staff, leader):
    project = Project.objects.first()
    total = Project.objects.active().count()
    assert policy.visible(staff, Project.objects.active()).count() == total
    assert policy.visible(leader, Project.objects.active()).count() == total
    assert policy.can(staff, "change", project)
    assert not policy.can(leader, "change", project)


def test_removing_a_participant_withdraws_its_sight_of_the_project(staff, contractor, contractor_org):
    from projects.services import participant_remove

    project = own_project(contractor_org)
    for participant in project.participants.active().filter(organization=contractor_org):
        participant_remove(actor=staff, participant=participant, reason="合同解除")
    assert not policy.can(contractor, "view", project)


def test_organisation_pages_are_scoped(client_for, contractor, contractor_org):
    from portal.accounts.models import Organization, OrganizationKind

    other = Organization.objects.filter(kind=OrganizationKind.CONTRACTOR).exclude(pk=contractor_org.pk).first()
    department = Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).first()
    client = client_for(contractor)
    assert client.get(f"/accounts/organizations/{contractor_org.pk}/").status_code == 200
    assert client.get(f"/accounts/organizations/{department.pk}/").status_code == 200
    assert client.get(f"/accounts/organizations/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{other.pk}/").status_code == 404
    names = {o["name"] for o in client.get("/api/v1/organizations/", {"page_size": 200}).json()["results"]}
    assert other.name not in names and contractor_org.name in names
    assert client.post(f"/accounts/organizations/{contractor_org.pk}/credit/",
                       {"standing": "normal", "reason": "x"}).status_code == 403


def test_notifications_belong_to_their_recipient(client_for, liaison, contractor):
    notification = liaison.notifications.first()
    assert notification is not None
    client = client_for(contractor)
    assert client.post(f"/notifications/{notification.pk}/open/").status_code == 404
    assert client.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_anonymous_users_are_sent_to_login_and_refused_by_the_api(client):
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    api = client.get("/api/v1/projects/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "not_authenticated"


def test_inactive_user_sees_nothing(contractor):
    contractor.is_active = False
    assert policy.visible(contractor, Project).count() == 0


def test_refused_pages_and_api_calls_are_logged(client_for, contractor, contractor_org):
    mine = own_project(contractor_org)
    client = client_for(contractor)
    assert client.get("/projects/new/").status_code == 403
    assert client.patch(f"/api/v1/projects/{mine.pk}/", {"name": "x"}, content_type="application/json").status_code == 403
    details = list(SecurityEvent.objects.filter(kind="access_refused", user=contractor).values_list("detail", flat=True))
    assert "GET /projects/new/" in details
    assert f"PATCH /api/v1/projects/{mine.pk}/" in details
