"""The history of a project's liaison officers (LiaisonAssignment): each assignment closes the open row and opens a
new one in the same transaction as the change; the selectors; the data migration; the history on the page."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.core.errors import ApplicationError
from portal.core.services import object_void
from projects import selectors, services
from projects.models import LiaisonAssignment, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def liaison2(db):
    return User.objects.get(username="liaison2")


def _project_of(officer) -> Project:
    return Project.objects.active().filter(liaison_officer=officer).order_by("pk").first()


def _open(project):
    return LiaisonAssignment.objects.filter(project=project, ended_at__isnull=True)


def test_the_demo_projects_have_their_open_row(liaison):
    """The demo registers its projects through project_create, so each officer's assignment is in the history."""
    for project in Project.objects.filter(liaison_officer__isnull=False):
        assert [a.officer_id for a in _open(project)] == [project.liaison_officer_id]
    assert not LiaisonAssignment.objects.filter(project__liaison_officer__isnull=True, ended_at__isnull=True).exists()


def test_reassigning_closes_the_open_row_and_opens_a_new_one(staff, liaison, liaison2):
    project = _project_of(liaison)
    first = _open(project).get()
    services.project_assign_liaison_officer(actor=staff, project=project, officer=liaison2, reason="工作调整")
    first.refresh_from_db()
    assert first.ended_at is not None and first.ended_by == staff
    current = _open(project).get()
    assert current.officer == liaison2 and current.assigned_by == staff and current.ended_at is None
    assert current.started_at == first.ended_at
    assert list(selectors.liaison_history(project=project)) == [current, first]
    project.refresh_from_db()
    assert project.liaison_officer == liaison2


def test_removing_the_officer_closes_the_row_and_opens_none(staff, liaison):
    project = _project_of(liaison)
    services.project_assign_liaison_officer(actor=staff, project=project, officer=None)
    assert not _open(project).exists()
    assert LiaisonAssignment.objects.filter(project=project, ended_by=staff).count() == 1


def test_the_same_officer_again_changes_nothing(staff, liaison):
    project = _project_of(liaison)
    rows = list(LiaisonAssignment.objects.filter(project=project).values_list("pk", "ended_at"))
    services.project_assign_liaison_officer(actor=staff, project=project, officer=liaison)
    assert list(LiaisonAssignment.objects.filter(project=project).values_list("pk", "ended_at")) == rows


def test_a_refused_assignment_leaves_the_history_alone(staff, liaison, contractor):
    project = _project_of(liaison)
    rows = list(LiaisonAssignment.objects.filter(project=project).values_list("pk", "ended_at"))
    with pytest.raises(ApplicationError):
        services.project_assign_liaison_officer(actor=staff, project=project, officer=contractor)
    assert list(LiaisonAssignment.objects.filter(project=project).values_list("pk", "ended_at")) == rows


def test_the_history_is_written_in_the_assignments_transaction(staff, liaison, liaison2, monkeypatch):
    """When the change fails after the history was written (here: the notification), nothing of it stays."""
    project = _project_of(liaison)
    rows = list(LiaisonAssignment.objects.filter(project=project).values_list("pk", "ended_at"))

    def boom(**kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(services, "notify", boom)
    with pytest.raises(RuntimeError):
        services.project_assign_liaison_officer(actor=staff, project=project, officer=liaison2)
    assert list(LiaisonAssignment.objects.filter(project=project).values_list("pk", "ended_at")) == rows
    project.refresh_from_db()
    assert project.liaison_officer == liaison


def test_one_open_row_per_project_is_a_database_rule(liaison, liaison2):
    project = _project_of(liaison)
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonAssignment.objects.create(project=project, officer=liaison2, started_at=timezone.now())


def test_officer_projects(staff, liaison, liaison2):
    mine = set(Project.objects.active().filter(liaison_officer=liaison).values_list("pk", flat=True))
    assert mine and set(selectors.officer_projects(officer=liaison).values_list("pk", flat=True)) == mine
    gone = _project_of(liaison)
    object_void(actor=staff, obj=gone, reason="项目取消")
    assert gone.pk not in set(selectors.officer_projects(officer=liaison).values_list("pk", flat=True))
    assert not set(selectors.officer_projects(officer=liaison2).values_list("pk", flat=True)) & mine


def test_the_data_migration_opens_a_row_per_current_officer(liaison):
    migration = importlib.import_module("projects.migrations.0003_liaisonassignment")
    LiaisonAssignment.objects.all().delete()
    migration.open_current_assignments(apps, None)
    expected = set(Project.objects.filter(liaison_officer__isnull=False).values_list("pk", "liaison_officer_id"))
    assert set(LiaisonAssignment.objects.values_list("project_id", "officer_id")) == expected
    assert not LiaisonAssignment.objects.filter(ended_at__isnull=False).exists()
    project = _project_of(liaison)
    assert _open(project).get().started_at == project.created_at


# ------------------------------------------------------------------------------------------------ the page
def test_the_liaison_page_shows_the_history(client_for, staff, liaison, liaison2):
    project = _project_of(liaison)
    url = reverse("projects:liaison", args=[project.pk])
    response = client_for(staff).post(url, {"officer": liaison2.pk, "reason": "轮岗"})
    assert response.status_code == 302
    page = client_for(staff).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="liaison-history-row"') == 2
    assert liaison.full_name in html and liaison2.full_name in html and staff.full_name in html


def test_the_liaison_page_access(client_for, liaison, leader, contractor, other_contractor):
    project = Project.objects.active().filter(liaison_officer=liaison, participants__organization=contractor.organization
                                              ).first() or _project_of(liaison)
    url = reverse("projects:liaison", args=[project.pk])
    assert client_for(leader).get(url).status_code == 403
    assert client_for(liaison).get(url).status_code == 403
    outsider = other_contractor
    if Project.objects.filter(pk=project.pk, participants__organization=outsider.organization).exists():
        pytest.skip("the demo gives this project to both companies")
    assert client_for(outsider).get(url).status_code == 404


def test_the_history_costs_the_same_queries_for_more_rows(client_for, staff, liaison, liaison2):
    project = _project_of(liaison)
    url = reverse("projects:liaison", args=[project.pk])
    client = client_for(staff)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def swap(n):
        for i in range(n):
            services.project_assign_liaison_officer(actor=staff, project=project, officer=liaison2 if i % 2 == 0
                                                    else liaison)

    swap(2)
    small = measure()
    swap(4)
    assert measure() == small
    assert LiaisonAssignment.objects.filter(project=project).count() == 7
