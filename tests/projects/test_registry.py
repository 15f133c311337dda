"""The project registry beyond the foundation: filters by owner and overdue, sorting, the stage kept for its gate,
and the same filters through the API and the Excel export."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.models import Organization, OrganizationKind
from projects.models import Project, Stage
from projects.selectors import project_is_overdue, project_list, sort_ordering
from projects.services import project_create, project_update

pytestmark = pytest.mark.django_db


def _project(staff, code_tail: str, *, owner, finish, stage=Stage.UNDER_CONSTRUCTION, investment="1000000.00"):
    return project_create(
        actor=staff, code=f"2025-330000-48-01-{code_tail}", name=f"注册测试项目{code_tail}", project_type="transport",
        level="provincial", stage=stage, total_investment=Decimal(investment),
        planned_start=datetime.date(2020, 1, 1), planned_finish=finish, owner=owner,
    )


@pytest.fixture
def second_owner(staff):
    return Organization.objects.filter(kind=OrganizationKind.OWNER).exclude(
        pk__in=Project.objects.values("owner")).first() or Organization.objects.filter(kind=OrganizationKind.OWNER).last()


def test_overdue_means_finish_passed_before_handover(staff, owner_org):
    today = timezone.localdate()
    past = today - datetime.timedelta(days=1)
    late = _project(staff, "900001", owner=owner_org, finish=past)
    handed_over = _project(staff, "900002", owner=owner_org, finish=past, stage=Stage.OPERATING)
    on_time = _project(staff, "900003", owner=owner_org, finish=today)
    assert project_is_overdue(late) and not project_is_overdue(handed_over) and not project_is_overdue(on_time)
    overdue = set(project_list(user=staff, filters={"overdue": True}).values_list("pk", flat=True))
    assert late.pk in overdue and handed_over.pk not in overdue and on_time.pk not in overdue
    assert overdue == {p.pk for p in Project.objects.active() if project_is_overdue(p)}


def test_owner_filter_and_sorting(staff, owner_org):
    _project(staff, "900011", owner=owner_org, finish=None, investment="5.00")
    _project(staff, "900012", owner=owner_org, finish=None, investment="9999999999999.00")
    mine = project_list(user=staff, filters={"owner": owner_org.pk})
    assert mine.exists() and set(mine.values_list("owner_id", flat=True)) == {owner_org.pk}
    by_investment = list(project_list(user=staff, filters={"owner": owner_org, "sort": "-investment"}))
    amounts = [p.total_investment for p in by_investment]
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == Decimal("9999999999999.00")
    assert sort_ordering("-name") == ("-name", "-id") and sort_ordering("drop table") is None


def test_list_page_filters_sort_and_export_what_is_filtered(client_for, staff, owner_org):
    late = _project(staff, "900021", owner=owner_org, finish=timezone.localdate() - datetime.timedelta(days=30))
    client = client_for(staff)
    page = client.get("/projects/", {"overdue": "on", "owner": owner_org.pk, "sort": "-planned_finish"})
    html = page.content.decode()
    assert page.status_code == 200 and late.name in html
    assert all(p.name in html for p in Project.objects.overdue(timezone.localdate()).filter(owner=owner_org)[:10])
    assert "注册测试项目" in html and html.count('data-testid="project-row"') == Project.objects.active().overdue(
        timezone.localdate()).filter(owner=owner_org).count()
    export = client.get("/projects/", {"overdue": "on", "owner": owner_org.pk, "export": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    expected = Project.objects.active().overdue(timezone.localdate()).filter(owner=owner_org).count()
    assert len(rows) - 1 == expected and late.code in {r[0] for r in rows[1:]}
    # A bad filter value is named, not a 500; the list is then unfiltered.
    bad = client.get("/projects/", {"sort": "nonsense"})
    assert bad.status_code == 200 and "nonsense" in bad.content.decode()


def test_api_filters_owner_overdue_sort_and_names_bad_values(client_for, staff, owner_org, contractor):
    late = _project(staff, "900031", owner=owner_org, finish=timezone.localdate() - datetime.timedelta(days=3))
    client = client_for(staff)
    data = client.get("/api/v1/projects/", {"overdue": "1", "owner": owner_org.pk, "sort": "code"}).json()
    codes = [r["code"] for r in data["results"]]
    assert late.code in codes and codes == sorted(codes)
    for param, value in (("sort", "price"), ("owner", "x" * 101), ("overdue", "maybe"), ("region", "33")):
        response = client.get("/api/v1/projects/", {param: value})
        assert response.status_code == 400 and param in response.json()["error"]["fields"]
    # The contractor's overdue list holds only its organisation's projects.
    theirs = client_for(contractor).get("/api/v1/projects/", {"overdue": "1", "page_size": 100}).json()["results"]
    assert late.code not in {r["code"] for r in theirs}
    visible = set(Project.objects.filter(participants__organization=contractor.organization).values_list("code", flat=True))
    assert {r["code"] for r in theirs} <= visible


def test_stage_is_not_edited_on_the_form_but_through_the_gate(client_for, staff, owner_org):
    project = _project(staff, "900041", owner=owner_org, finish=None, stage=Stage.PROPOSAL)
    form = client_for(staff).get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'name="stage"' not in form and 'name="name"' in form
    from portal.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        project_update(actor=staff, project=project, stage=Stage.UNDER_CONSTRUCTION)
    assert "stage" in refused.value.extra
    project.refresh_from_db()
    assert project.stage == Stage.PROPOSAL


def test_project_tabs_and_history_page(client_for, staff, leader, owner_org):
    project = _project(staff, "900051", owner=owner_org, finish=None)
    project_update(actor=staff, project=project, name="注册测试项目（更名）")
    overview = client_for(leader).get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="project-tabs"' in overview and f"/projects/{project.pk}/history/" in overview
    history = client_for(leader).get(f"/projects/{project.pk}/history/").content.decode()
    assert "注册测试项目（更名）" in history


def test_history_page_of_another_organisations_project_is_404(client_for, contractor):
    foreign = Project.objects.exclude(participants__organization=contractor.organization).first()
    assert client_for(contractor).get(f"/projects/{foreign.pk}/history/").status_code == 404


def test_home_pages_show_lifecycle_figures_of_what_the_user_sees(client_for, leader, contractor, reviewer):
    from projects.feasibility.selectors import opinion_queue
    from projects.schedule.selectors import owed_counts

    today = timezone.localdate()
    html = client_for(leader).get("/").content.decode()
    overdue = Project.objects.active().overdue(today).count()
    assert f'data-testid="overdue-count">{overdue}<' in html and 'data-testid="serious-risks"' in html
    mine = client_for(contractor).get("/").content.decode()
    theirs = Project.objects.active().overdue(today).filter(participants__organization=contractor.organization)
    assert f'data-testid="overdue-count">{theirs.distinct().count()}<' in mine
    assert 'data-testid="serious-risks"' not in mine
    owed = owed_counts(user=contractor)
    assert (f'data-testid="owed-tasks">{owed["open"]}' in mine) == bool(owed["open"])
    pending = opinion_queue(user=reviewer).count()
    assert f'data-testid="pending-opinions">{pending}<' in client_for(reviewer).get("/").content.decode()


def test_owner_filter_takes_a_part_of_the_name_on_the_page_and_the_api(client_for, staff, owner_org):
    fragment = owner_org.name[2:6]
    expected = set(Project.objects.active().filter(owner__name__icontains=fragment).values_list("code", flat=True))
    assert expected
    html = client_for(staff).get("/projects/", {"owner": fragment, "page_size": 100}).content.decode()
    assert all(code in html for code in expected)
    codes = {r["code"] for r in client_for(staff).get(
        "/api/v1/projects/", {"owner": fragment, "page_size": 100}).json()["results"]}
    assert codes == expected
