"""The responsibility matrix: which organisation is responsible, accountable, consulted or informed for each task
— at most one accountable, only organisations that take part, every change audited; a contractor responsible for
a task reports its progress (and only its progress); and the list of what an organisation owes across its
projects.

杭温高速铁路义乌至温州段 is owned by 之江交通 (`owner`); 华东路桥 (`contractor`) builds it and, in the demo matrix,
is responsible (R) for its construction tasks; 浙中建工 (`builder2`) does not take part."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core import policy
from portal.core.errors import ApplicationError
from portal.notifications.models import Notification
from projects.models import Project, ResponsibilityKind, ScheduleTask, TaskResponsibility
from projects.schedule import selectors, services

pytestmark = pytest.mark.django_db

HANGWEN, HUHANG = "杭温高速铁路义乌至温州段", "湖杭高速公路二期工程"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def en(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def owner(db) -> User:
    return User.objects.get(username="owner")


@pytest.fixture
def hangwen(db) -> Project:
    return Project.objects.get(name=HANGWEN)


def cell(task, org) -> set[str]:
    return set(TaskResponsibility.objects.filter(task=task, organization=org).values_list("kind", flat=True))


def owned_task(project, org, kind="R", open_only=True) -> ScheduleTask:
    """An active leaf task of `project` for which `org` holds `kind`."""
    qs = ScheduleTask.objects.active().filter(project=project, responsibilities__organization=org,
                                              responsibilities__kind=kind).order_by("sort_key")
    if open_only:
        qs = qs.filter(percent_complete__lt=100)
    return qs.first()


def owner_only_task(project, contractor_org) -> ScheduleTask:
    """A task the contractor's organisation is neither responsible nor accountable for."""
    return (ScheduleTask.objects.active().filter(project=project)
            .exclude(responsibilities__organization=contractor_org, responsibilities__kind__in=["R", "A"])
            .order_by("sort_key").first())


# ------------------------------------------------------------------------------------------------- the matrix
def test_demo_matrix_gives_every_task_one_accountable_owner(hangwen):
    matrix = selectors.raci_matrix(project=hangwen)
    assert {c.organization.name for c in matrix.columns} >= {"之江交通建设投资有限公司", "华东路桥建设集团有限公司"}
    for _task, cells in matrix.rows:
        assert sum(1 for _org, kinds in cells if "A" in kinds) == 1
    assert any("R" in kinds and org.name == "华东路桥建设集团有限公司" for _t, cells in matrix.rows for org, kinds in cells)


def test_owner_toggles_a_cell_and_it_is_audited_and_notified(en, owner, hangwen, contractor_org, contractor):
    task = owner_only_task(hangwen, contractor_org)
    before = cell(task, contractor_org)
    assert "R" not in before
    url = reverse("projects:raci", args=[hangwen.pk])
    response = en(owner).post(url, {"task": task.pk, "organization": contractor_org.pk, "kind": "R"})
    assert response.status_code == 302 and response["Location"] == f"{url}#task-{task.pk}"
    assert cell(task, contractor_org) == before | {"R"}
    event = AuditEvent.objects.filter(object_id=str(task.pk), content_type__model="scheduletask").latest("id")
    assert "华东路桥建设集团有限公司：R" in event.changes["responsibilities"][1]
    assert Notification.objects.filter(recipient=contractor, target_id=str(task.pk)).exists()
    en(owner).post(url, {"task": task.pk, "organization": contractor_org.pk, "kind": "R"})
    assert cell(task, contractor_org) == before


def test_a_task_has_one_accountable_organisation(en, owner, hangwen, contractor_org):
    task = owner_only_task(hangwen, contractor_org)
    assert TaskResponsibility.objects.filter(task=task, kind="A").exclude(organization=contractor_org).exists()
    count = TaskResponsibility.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.responsibility_toggle(actor=owner, task=task, organization=contractor_org, kind="A")
    assert list(exc.value.extra) == ["kind"]
    assert "之江交通建设投资有限公司 is already accountable (A)" in exc.value.message
    with pytest.raises(ApplicationError, match="only one accountable organisation"):
        services.responsibilities_set(actor=owner, task=task, organization=contractor_org, kinds=["A"])
    response = en(owner).post(reverse("projects:raci", args=[hangwen.pk]),
                              {"task": task.pk, "organization": contractor_org.pk, "kind": "A"}, follow=True)
    assert "is already accountable (A)" in response.content.decode()
    assert TaskResponsibility.objects.count() == count


def test_only_participating_organisations_get_letters(owner, hangwen):
    task = ScheduleTask.objects.active().filter(project=hangwen).first()
    outsider = Organization.objects.get(name="浙中建工集团有限公司")
    with pytest.raises(ApplicationError) as exc:
        services.responsibility_toggle(actor=owner, task=task, organization=outsider, kind="C")
    assert exc.value.extra == {"organization": ["This organisation does not take part in the project."]}
    assert not TaskResponsibility.objects.filter(organization=outsider, task__project=hangwen).exists()


def test_api_sets_a_cell(client_for, owner, hangwen, contractor_org):
    task = owner_only_task(hangwen, contractor_org)
    url = f"/api/v1/projects/{hangwen.pk}/tasks/{task.pk}/responsibilities/"
    response = client_for(owner).post(url, {"organization": contractor_org.pk, "kinds": ["C", "I"]},
                                      content_type="application/json")
    assert response.status_code == 200, response.content
    assert {o["name"] for o in response.json()["responsibilities"]["C"]} >= {contractor_org.name}
    assert cell(task, contractor_org) == {"C", "I"}
    bad = client_for(owner).post(url, {"organization": contractor_org.pk, "kinds": ["X"]},
                                 content_type="application/json")
    assert bad.status_code == 400 and "kinds" in bad.json()["error"]["fields"]


def test_the_matrix_page_is_read_only_for_those_who_do_not_manage(en, contractor, leader, owner, hangwen):
    url = reverse("projects:raci", args=[hangwen.pk])
    for user in (contractor, leader):
        html = en(user).get(url).content.decode()
        assert 'data-testid="raci-table"' in html and 'class="raci-toggle"' not in html
        task = ScheduleTask.objects.active().filter(project=hangwen).first()
        org = Organization.objects.get(name="华东路桥建设集团有限公司")
        assert en(user).post(url, {"task": task.pk, "organization": org.pk, "kind": "R"}).status_code == 403
    assert 'class="raci-toggle"' in en(owner).get(url).content.decode()


def test_another_organisations_contractor_cannot_see_the_matrix(client_for, other_contractor, hangwen):
    assert client_for(other_contractor).get(reverse("projects:raci", args=[hangwen.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------- reporting
def test_a_responsible_contractor_reports_progress_but_cannot_change_the_plan(client_for, contractor, hangwen,
                                                                             contractor_org):
    task = owned_task(hangwen, contractor_org)
    assert policy.can(contractor, "report", task) and not policy.can(contractor, "change", task)
    client = client_for(contractor)
    api = f"/api/v1/projects/{hangwen.pk}/tasks/{task.pk}/"
    start = task.actual_start or min(task.planned_start, timezone.localdate())
    target = min(task.percent_complete + 3, 99)
    response = client.post(f"{api}progress/", {"version": task.version, "percent_complete": target,
                                               "actual_start": start.isoformat()}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["percent_complete"] == target and response.json()["version"] == task.version + 1
    plan = client.patch(api, {"version": task.version + 1, "planned_finish": "2030-12-31"},
                        content_type="application/json")
    assert plan.status_code == 403
    page = client.get(reverse("projects:task-edit", args=[hangwen.pk, task.pk]))
    assert page.status_code == 403
    task.refresh_from_db()
    assert task.percent_complete == target and task.planned_finish.year < 2030


def test_the_progress_page_for_a_responsible_contractor(en, contractor, hangwen, contractor_org, owner):
    task = owned_task(hangwen, contractor_org)
    url = reverse("projects:task-progress", args=[hangwen.pk, task.pk])
    client = en(contractor)
    assert client.get(url).status_code == 200
    start = (task.actual_start or min(task.planned_start, timezone.localdate())).isoformat()
    finish = timezone.localdate().isoformat()
    bad = client.post(url, {"percent_complete": "60", "actual_start": start, "actual_finish": finish,
                            "version": task.version})
    assert bad.status_code == 200
    assert "A task with an actual finish is 100% complete." in bad.context["form"].errors["percent_complete"]
    done = client.post(url, {"percent_complete": "100", "actual_start": start, "actual_finish": finish,
                             "version": task.version})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.is_complete and task.actual_finish == timezone.localdate()
    # the owner, who answers for the task, is told
    assert Notification.objects.filter(recipient=owner, target_id=str(task.pk)).exists()
    # a stale report (the form opened before) is refused
    stale = client.post(url, {"percent_complete": "100", "actual_start": start, "actual_finish": finish,
                              "version": task.version - 1})
    assert "Someone else changed this" in stale.content.decode()


def test_a_contractor_cannot_report_on_a_task_it_does_not_owe(client_for, contractor, hangwen, contractor_org):
    task = owner_only_task(hangwen, contractor_org)
    assert not policy.can(contractor, "report", task)
    response = client_for(contractor).post(f"/api/v1/projects/{hangwen.pk}/tasks/{task.pk}/progress/",
                                           {"version": task.version, "percent_complete": 10},
                                           content_type="application/json")
    assert response.status_code == 403
    assert ScheduleTask.objects.get(pk=task.pk).version == task.version


def test_report_scope_is_what_the_organisation_owes(contractor, owner, hangwen, contractor_org):
    reportable = policy.visible(contractor, ScheduleTask.objects.filter(project=hangwen), "report")
    owed = ScheduleTask.objects.active().filter(project=hangwen, responsibilities__organization=contractor_org,
                                                responsibilities__kind__in=["R", "A"]).distinct()
    assert set(reportable) == set(owed) and reportable.exists()
    assert policy.visible(owner, ScheduleTask.objects.filter(project=hangwen), "report").count() == \
        ScheduleTask.objects.active().filter(project=hangwen).count()
    assert selectors.reportable_task_ids(user=contractor, project=hangwen) == {t.pk for t in owed}
    assert selectors.reportable_task_ids(user=owner, project=hangwen) is None


# ------------------------------------------------------------------------------------------------- what we owe
def test_my_responsibilities_lists_what_the_organisation_owes(en, contractor, contractor_org):
    html = en(contractor).get(reverse("projects:my-responsibilities"), {"show": "all"}).content.decode()
    owed = ScheduleTask.objects.active().filter(responsibilities__organization=contractor_org,
                                                responsibilities__kind__in=["R", "A"]).distinct()
    assert owed.count() > 25  # more than a page
    assert html.count('data-testid="owed-row"') == 25 and 'class="pagination"' in html
    assert contractor_org.name in html
    projects = set(owed.values_list("project__name", flat=True))
    assert HANGWEN in projects and HUHANG in projects
    assert "衢州机场迁建工程" not in html  # 浙中建工's work, not 华东路桥's

    open_rows = en(contractor).get(reverse("projects:my-responsibilities")).context["page"].paginator.count
    assert open_rows == owed.filter(percent_complete__lt=100).count()


def test_my_responsibilities_api_and_late_flags(client_for, contractor, contractor_org):
    data = client_for(contractor).get("/api/v1/my-responsibilities/", {"page_size": 200}).json()
    owed = ScheduleTask.objects.active().filter(responsibilities__organization=contractor_org,
                                                responsibilities__kind__in=["R", "A"], percent_complete__lt=100)
    assert data["count"] == owed.distinct().count() and data["count"] > 0
    today = timezone.localdate()
    for row in data["results"]:
        task = ScheduleTask.objects.get(pk=row["id"])
        late = task.planned_finish < today or (task.actual_start or today) > task.planned_start or (
            task.actual_start is None and task.planned_start < today)
        assert row["late"] is late and set(row["kinds"]) <= {"R", "A"}
    assert any(r["late"] for r in data["results"])
    dues = [r["due"] for r in data["results"]]
    assert dues == sorted(dues)


def test_owed_counts_for_the_home_page(contractor, other_contractor):
    rows = selectors.owed_rows(selectors.owed_tasks(user=contractor, organization_id=contractor.organization_id))
    counts = selectors.owed_counts(user=contractor)
    assert counts == {"open": len(rows), "late": sum(1 for r in rows if r.late)} and counts["late"] > 0
    assert selectors.owed_counts(user=User.objects.get(username="leader"))["open"] == 0


def test_other_organisations_lists_are_for_bureau_eyes_only(client_for, contractor, other_contractor, staff,
                                                            contractor_org):
    assert client_for(other_contractor).get(reverse("projects:my-responsibilities"),
                                            {"organization": contractor_org.pk}).status_code == 404
    assert client_for(other_contractor).get("/api/v1/my-responsibilities/",
                                            {"organization": contractor_org.pk}).status_code == 404
    mine = client_for(other_contractor).get("/api/v1/my-responsibilities/").json()
    assert all(r["project_name"] not in (HANGWEN, HUHANG) for r in mine["results"])
    seen = client_for(staff).get("/api/v1/my-responsibilities/", {"organization": contractor_org.pk}).json()
    assert seen["count"] == client_for(contractor).get("/api/v1/my-responsibilities/").json()["count"]
    bad = client_for(staff).get("/api/v1/my-responsibilities/", {"show": "soon"})
    assert bad.status_code == 400 and "show" in bad.json()["error"]["fields"]


def test_responsibility_kinds_are_the_four_letters():
    assert ResponsibilityKind.values == ["R", "A", "C", "I"]
