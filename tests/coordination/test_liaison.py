"""The liaison officer's workspace, the bureau's list of officers and the service log pages (list, filters, export,
add). Pages are read in English (the `en` client)."""

import datetime
from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coordination import services
from coordination.models import IssueItem, ServiceLog
from portal.accounts.models import Role, User
from projects.models import Project
from projects.services import project_assign_liaison_officer

pytestmark = pytest.mark.django_db

HOME = reverse("coordination:liaison-home")
OFFICERS = reverse("coordination:officer-list")
LOG = reverse("coordination:servicelog-list")
LOG_NEW = reverse("coordination:servicelog-create")
LOG_EXPORT = reverse("coordination:servicelog-export")


@pytest.fixture
def liaison2(db):
    return User.objects.get(username="liaison2")


def _projects_of(officer):
    return list(Project.objects.active().filter(liaison_officer=officer).order_by("name", "pk"))


def _issue(actor, project, *, overdue=False, title="施工用地未移交"):
    issue = services.issue_raise(actor=actor, project=project, title=title, description="红线内仍有三户未搬迁",
                                 category="land", company=project.owner)
    if overdue:
        IssueItem.objects.filter(pk=issue.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    return issue


def _log(officer, project, *, days_ago=0, kind="visit", summary="走访项目部"):
    return services.servicelog_add(actor=officer, project=project, kind=kind, summary=summary,
                                   occurred_on=timezone.localdate() - datetime.timedelta(days=days_ago))


def _new_officer(staff, name: str, projects) -> User:
    user = User.objects.create_user(username=name, password="x-very-long-password", full_name=name,
                                    email=f"{name}@example.gov.cn")
    user.groups.add(Group.objects.get(name=Role.LIAISON_OFFICER))
    for project in projects:
        project_assign_liaison_officer(actor=staff, project=project, officer=user)
    return User.objects.get(pk=user.pk)


def _open_now(project) -> int:
    return IssueItem.objects.filter(project=project, voided_at__isnull=True).exclude(
        state__in=["verified", "closed"]).count()


# ------------------------------------------------------------------------------------------- the workspace
def test_the_officer_sees_their_projects_with_what_is_open(en, liaison):
    projects = _projects_of(liaison)
    first = projects[0]
    before = _open_now(first)
    _issue(liaison, first, overdue=True)
    _issue(liaison, first)
    _log(liaison, first, days_ago=2)
    response = en(liaison).get(HOME)
    assert response.status_code == 200
    rows = {p.pk: p for p in response.context["page"].object_list}
    assert set(rows) == {p.pk for p in projects}
    row = rows[first.pk]
    assert row.open_issues == before + 2 and row.overdue_issues >= 1
    assert row.last_service == timezone.localdate() - datetime.timedelta(days=2)
    html = response.content.decode()
    assert f'{reverse("coordination:issue-create")}?project={first.pk}' in html
    assert f"{LOG_NEW}?project={first.pk}" in html


def test_the_workspace_is_the_officers(client_for, staff, leader, contractor, reviewer):
    assert client_for(contractor).get(HOME).status_code == 403
    assert client_for(reviewer).get(HOME).status_code == 403
    for bureau in (staff, leader):
        response = client_for(bureau).get(HOME)
        assert response.status_code == 302 and response["Location"] == OFFICERS


def test_the_workspace_costs_the_same_queries_for_more_projects(client_for, staff, liaison):
    officer = _new_officer(staff, "新联络员", [])
    spare = list(Project.objects.active().filter(liaison_officer__isnull=True).order_by("pk")[:6])
    assert len(spare) == 6
    client = client_for(officer)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(HOME)
        assert response.status_code == 200
        return len(queries), len(response.context["page"].object_list)

    def add(projects):
        for p in projects:
            project_assign_liaison_officer(actor=staff, project=p, officer=officer)
            p.refresh_from_db()
            _issue(officer, p, overdue=True)
            _log(officer, p)

    add(spare[:3])
    small, n = measure()
    add(spare[3:])
    big, m = measure()
    assert (n, m) == (3, 6) and small == big


# ------------------------------------------------------------------------------------------- the officers
def test_the_bureau_sees_every_officer_with_figures(en, staff, leader, liaison, liaison2):
    projects = _projects_of(liaison)
    open_before = sum(_open_now(p) for p in projects)
    _issue(liaison, projects[0], overdue=True)
    _log(liaison, projects[0], days_ago=3)
    _log(liaison, projects[0], days_ago=45)  # older than 30 days: not counted
    for user in (staff, leader):
        response = en(user).get(OFFICERS)
        assert response.status_code == 200
        rows = {o.pk: o for o in response.context["page"].object_list}
        assert {liaison.pk, liaison2.pk} <= set(rows)
        row = rows[liaison.pk]
        assert row.project_count == len(projects) and row.open_issues == open_before + 1
        assert row.overdue_issues >= 1
        assert row.recent_logs == ServiceLog.objects.filter(
            officer=liaison, occurred_on__gte=timezone.localdate() - datetime.timedelta(days=30)).count()
        assert {p.pk for p in row.current_projects} == {p.pk for p in projects}
    html = en(staff).get(OFFICERS).content.decode()
    assert reverse("projects:liaison", args=[projects[0].pk]) in html
    assert reverse("projects:liaison", args=[projects[0].pk]) not in en(leader).get(OFFICERS).content.decode()


@pytest.mark.parametrize("username", ["liaison", "contractor", "reviewer", "inspector", "owner"])
def test_the_officer_list_is_the_bureaus(client_for, username):
    assert client_for(User.objects.get(username=username)).get(OFFICERS).status_code == 403


def test_the_officer_list_costs_the_same_queries_for_more_officers(client_for, staff):
    spare = list(Project.objects.active().filter(liaison_officer__isnull=True).order_by("pk")[:4])
    client = client_for(staff)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(OFFICERS)
        assert response.status_code == 200
        return len(queries), response.context["page"].paginator.count

    _new_officer(staff, "联络员甲", spare[:1])
    _new_officer(staff, "联络员乙", spare[1:2])
    small, n = measure()
    _new_officer(staff, "联络员丙", spare[2:3])
    _new_officer(staff, "联络员丁", spare[3:4])
    big, m = measure()
    assert m == n + 2 and small == big


# ------------------------------------------------------------------------------------------- the service log
def test_an_officer_reads_only_their_own_log(en, liaison, liaison2):
    mine = _log(liaison, _projects_of(liaison)[0], summary="联络员一走访")
    theirs = _log(liaison2, _projects_of(liaison2)[0], summary="联络员二走访")
    ids = {e.pk for e in en(liaison).get(LOG).context["page"].object_list}
    assert mine.pk in ids and theirs.pk not in ids
    # asking for another officer's project or officer filter does not widen it
    response = en(liaison).get(LOG, {"project": _projects_of(liaison2)[0].pk})
    assert theirs.pk not in {e.pk for e in response.context["page"].object_list}
    response = en(liaison).get(LOG, {"officer": liaison2.pk})
    assert theirs.pk not in {e.pk for e in response.context["page"].object_list}
    export = en(liaison).get(LOG_EXPORT)
    texts = {row[5] for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True)}
    assert "联络员一走访" in texts and "联络员二走访" not in texts


def test_the_bureau_reads_every_log_and_filters_it(en, staff, leader, liaison, liaison2):
    a = _log(liaison, _projects_of(liaison)[0], kind="visit", days_ago=10)
    b = _log(liaison2, _projects_of(liaison2)[0], kind="call", days_ago=1)
    for user in (staff, leader):
        ids = {e.pk for e in en(user).get(LOG).context["page"].object_list}
        assert {a.pk, b.pk} <= ids

    def found(**params):
        response = en(staff).get(LOG, params)
        assert response.status_code == 200
        return {e.pk for e in response.context["page"].object_list} & {a.pk, b.pk}

    assert found(officer=liaison.pk) == {a.pk}
    assert found(project=_projects_of(liaison2)[0].pk) == {b.pk}
    assert found(kind="call") == {b.pk}
    assert found(date_from=str(timezone.localdate() - datetime.timedelta(days=5))) == {b.pk}
    assert found(date_to=str(timezone.localdate() - datetime.timedelta(days=5))) == {a.pk}
    response = en(staff).get(LOG, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert "date_to" in response.context["form"].errors


@pytest.mark.parametrize("username", ["contractor", "reviewer", "inspector", "owner"])
def test_the_log_is_not_for_companies_or_departments(client_for, username):
    client = client_for(User.objects.get(username=username))
    assert client.get(LOG).status_code == 403
    assert client.get(LOG_EXPORT).status_code == 403
    assert client.get(LOG_NEW).status_code == 403


def test_the_log_list_and_export_cost_the_same_queries_for_more_rows(client_for, staff, liaison):
    project = _projects_of(liaison)[0]
    client = client_for(staff)

    def measure(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"officer": liaison.pk})
        assert response.status_code == 200
        return len(queries)

    for i in range(3):
        _log(liaison, project, days_ago=i)
    small = (measure(LOG), measure(LOG_EXPORT))
    for i in range(3):
        _log(liaison, project, days_ago=i + 3, kind="call")
    assert (measure(LOG), measure(LOG_EXPORT)) == small


def test_an_officer_logs_a_visit(en, liaison):
    project = _projects_of(liaison)[1]
    form = en(liaison).get(LOG_NEW, {"project": project.pk}).context["form"]
    assert form.initial["project"] == project
    assert set(form.fields["project"].queryset) == set(_projects_of(liaison))
    response = en(liaison).post(LOG_NEW, {"project": project.pk, "kind": "visit",
                                          "occurred_on": str(timezone.localdate()), "contacts": "项目经理王工",
                                          "summary": "了解征地进展", "follow_up": "下周再访"})
    assert response.status_code == 302 and response["Location"] == LOG
    entry = ServiceLog.objects.get(summary="了解征地进展")
    assert entry.officer == liaison and entry.project == project and entry.contacts == "项目经理王工"


def test_bad_log_entries_are_refused_by_field(en, liaison, liaison2):
    project = _projects_of(liaison)[0]
    before = ServiceLog.objects.count()
    data = {"project": project.pk, "kind": "visit", "occurred_on": str(timezone.localdate()), "summary": "走访"}
    response = en(liaison).post(LOG_NEW, {**data, "summary": ""})
    assert response.status_code == 400 and response.context["form"].errors["summary"] == ["This field is required."]
    future = str(timezone.localdate() + datetime.timedelta(days=2))
    response = en(liaison).post(LOG_NEW, {**data, "occurred_on": future})
    assert response.status_code == 400
    assert response.context["form"].errors["occurred_on"] == ["Choose today or before."]
    response = en(liaison).post(LOG_NEW, {**data, "project": _projects_of(liaison2)[0].pk})
    assert response.status_code == 400 and "project" in response.context["form"].errors
    response = en(liaison).post(LOG_NEW, {**data, "kind": "party"})
    assert response.status_code == 400 and "kind" in response.context["form"].errors
    assert ServiceLog.objects.count() == before


def test_only_liaison_officers_add_to_the_log(client_for, staff, leader):
    for user in (staff, leader):
        assert client_for(user).get(LOG_NEW).status_code == 403
