"""The schedule through its services, pages and API: tasks and milestones in a WBS, finish-to-start dependencies
and their date rule, cycles, the optimistic version lock, voiding, baselines and variance, who may see and change
what, and query counts that do not grow with the number of tasks.

杭温高速铁路义乌至温州段 is owned by 之江交通 (`owner`, who manages its schedule); 华东路桥 (`contractor`) builds
it; 浙中建工 (`builder2`) does not take part. Pages are read in English so assertions do not depend on the Chinese
catalogue."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects.models import Project, ScheduleBaseline, ScheduleTask, TaskDependency
from projects.schedule import selectors, services
from projects.schedule.rules import Predecessor
from projects.services import participant_add, project_create

pytestmark = pytest.mark.django_db

@pytest.fixture
def client_for():
    """As the shared fixture, for a reader whose browser asks for English."""
    from django.test import Client

    def make(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


HANGWEN = "杭温高速铁路义乌至温州段"
D = datetime.date
STALE = "Someone else changed this since you opened it; reload and try again."


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


@pytest.fixture
def fresh(staff, owner, contractor_org) -> Project:
    """A new project of 之江交通 (owner) with 华东路桥 taking part, and no tasks yet."""
    project = project_create(
        actor=staff, code="2025-330100-48-01-990001", name="测试快速路工程", project_type="transport",
        level="provincial", total_investment="100000000", owner=owner.organization,
        planned_start=D(2024, 1, 1), planned_finish=D(2026, 12, 31),
    )
    participant_add(actor=staff, project=project, organization=contractor_org, role="contractor")
    return project


def add(actor, project, wbs, start, finish, predecessors="", **kw) -> ScheduleTask:
    from projects.schedule.rules import parse_predecessors

    return services.task_create(actor=actor, project=project, wbs=wbs, name=kw.pop("name", f"任务{wbs}"),
                                planned_start=start, planned_finish=finish,
                                predecessors=parse_predecessors(predecessors), **kw)


def task_of(project, wbs) -> ScheduleTask:
    return ScheduleTask.objects.active().get(project=project, wbs=wbs)


def error_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# ------------------------------------------------------------------------------------------------- services
def test_tasks_milestones_and_dependencies(fresh, owner):
    add(owner, fresh, "1", D(2024, 1, 1), D(2024, 6, 30), name="征地拆迁")
    add(owner, fresh, "2", D(2024, 2, 1), D(2024, 4, 30), name="施工图设计")
    ms = add(owner, fresh, "2.1", D(2024, 4, 30), None, name="施工图审查批复", is_milestone=True)
    road = add(owner, fresh, "3", D(2024, 5, 10), D(2024, 12, 31), "2.1+10, 1-60", name="路基工程")
    assert ms.planned_finish == ms.planned_start  # a milestone's finish is its start
    assert sorted(map(str, services.predecessors_of(road))) == ["1-60", "2.1+10"]
    assert road.version == 1 and road.sort_key == "003"
    events = AuditEvent.objects.filter(object_id=str(road.pk), content_type__model="scheduletask")
    assert events.filter(action="create").exists()
    assert events.get(action="update").changes["predecessor_links"] == [None, "1-60, 2.1+10"]


@pytest.mark.parametrize(("wbs", "start", "finish", "preds", "field", "message"), [
    ("4.1", D(2024, 6, 1), D(2024, 6, 30), "", "wbs", "Its parent task 4 does not exist; add it first."),
    ("1", D(2024, 6, 1), D(2024, 6, 30), "", "wbs", "Task 1 already exists in this schedule."),
    ("4", D(2024, 6, 1), D(2024, 6, 30), "9", "predecessors", "Unknown task: 9."),
    ("4", D(2024, 6, 1), D(2024, 6, 30), "2+5", "planned_start",
     "Starts 2024-06-01, before its predecessor 2 finishes (2024-06-30) plus 5 days lag: start on or after "
     "2024-07-05."),
    ("4", D(2024, 6, 1), D(2024, 5, 30), "", "planned_finish", "The planned finish cannot be before the planned start."),
    ("1.1", D(2024, 6, 1), D(2024, 6, 30), "1", "predecessors",
     "A task cannot depend on its own summary task or sub-task: 1."),
])
def test_bad_tasks_are_refused_naming_the_field_and_nothing_is_written(fresh, owner, wbs, start, finish, preds,
                                                                       field, message):
    add(owner, fresh, "1", D(2024, 1, 1), D(2024, 3, 31))
    add(owner, fresh, "2", D(2024, 4, 1), D(2024, 6, 30), "1")
    before = (ScheduleTask.objects.count(), TaskDependency.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        add(owner, fresh, wbs, start, finish, preds)
    assert exc.value.extra == {field: [message]}
    assert (ScheduleTask.objects.count(), TaskDependency.objects.count(), AuditEvent.objects.count()) == before


def test_moving_a_predecessor_past_its_successor_is_refused_naming_the_successor(fresh, owner):
    first = add(owner, fresh, "1", D(2024, 1, 1), D(2024, 3, 31))
    add(owner, fresh, "2", D(2024, 4, 1), D(2024, 6, 30), "1")
    with pytest.raises(ApplicationError) as exc:
        services.task_update(actor=owner, task=first, version=1, planned_finish=D(2024, 4, 5))
    assert list(exc.value.extra) == ["planned_finish"]
    assert "its successor 2 starts 2024-04-01" in exc.value.message
    first.refresh_from_db()
    assert first.planned_finish == D(2024, 3, 31) and first.version == 1


def test_a_cycle_is_refused_naming_the_tasks(fresh, owner):
    add(owner, fresh, "1", D(2024, 1, 1), D(2024, 1, 1), is_milestone=True)
    add(owner, fresh, "2", D(2024, 1, 1), D(2024, 1, 1), "1", is_milestone=True)
    third = add(owner, fresh, "3", D(2024, 1, 1), D(2024, 1, 1), "2", is_milestone=True)
    first = task_of(fresh, "1")
    with pytest.raises(ApplicationError) as exc:
        services.task_update(actor=owner, task=first, version=first.version, predecessors=[Predecessor("3")])
    assert exc.value.extra == {"predecessors": ["These dependencies form a cycle: 1 → 2 → 3 → 1."]}
    assert not TaskDependency.objects.filter(successor=first).exists()
    assert third.version == 1


def test_the_second_of_two_edits_from_the_same_version_is_refused(fresh, owner, staff):
    task = add(owner, fresh, "1", D(2024, 1, 1), D(2024, 3, 31), name="征地拆迁")
    services.task_update(actor=owner, task=task, version=1, name="征地拆迁（一期）")
    with pytest.raises(ApplicationError) as exc:
        services.task_update(actor=staff, task=task, version=1, planned_finish=D(2024, 4, 30))
    assert exc.value.extra == {"version": [STALE]} and exc.value.code == "stale"
    task.refresh_from_db()
    assert (task.name, task.planned_finish, task.version) == ("征地拆迁（一期）", D(2024, 3, 31), 2)


def test_an_edit_that_changes_nothing_keeps_the_version_and_writes_no_event(fresh, owner):
    task = add(owner, fresh, "1", D(2024, 1, 1), D(2024, 3, 31), name="征地拆迁")
    events = AuditEvent.objects.count()
    same = services.task_update(actor=owner, task=task, version=1, name="征地拆迁", predecessors=[])
    assert same.version == 1 and AuditEvent.objects.count() == events


def test_voiding_a_task_takes_its_links_along_and_a_parent_waits_for_its_children(fresh, owner):
    add(owner, fresh, "1", D(2024, 1, 1), D(2024, 6, 30))
    child = add(owner, fresh, "1.1", D(2024, 1, 1), D(2024, 3, 31))
    succ = add(owner, fresh, "2", D(2024, 4, 1), D(2024, 6, 30), "1.1")
    with pytest.raises(ApplicationError, match="has sub-tasks"):
        services.task_void(actor=owner, task=task_of(fresh, "1"), reason="重复")
    services.task_void(actor=owner, task=child, reason="并入1")
    child.refresh_from_db()
    succ.refresh_from_db()
    assert child.is_voided and not TaskDependency.objects.filter(predecessor=child).exists()
    assert succ.version == 2  # its predecessors changed under it
    changes = [e.changes.get("predecessor_links") for e in AuditEvent.objects.filter(object_id=str(succ.pk),
                                                                                       content_type__model="scheduletask")]
    assert ["1.1", None] in changes
    # the code is free again
    assert add(owner, fresh, "1.1", D(2024, 1, 1), D(2024, 3, 31)).pk != child.pk


def test_baseline_freezes_planned_dates_and_variance_follows_the_latest(fresh, owner):
    today = timezone.localdate()
    task = add(owner, fresh, "1", today - datetime.timedelta(days=30), today + datetime.timedelta(days=30),
               actual_start=today - datetime.timedelta(days=30), percent_complete=40)
    assert selectors.schedule_view(project=fresh).rows[0].analysis.variance_days is None
    first = services.baseline_create(actor=owner, project=fresh, name="合同工期基线")
    services.task_update(actor=owner, task=task, version=1, planned_finish=today + datetime.timedelta(days=40))
    view = selectors.schedule_view(project=fresh)
    assert view.baseline == first and view.rows[0].analysis.variance_days == 10
    ScheduleBaseline.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    services.baseline_create(actor=owner, project=fresh, name="2024年调整计划")
    view = selectors.schedule_view(project=fresh)
    assert view.baseline.name == "2024年调整计划" and view.rows[0].analysis.variance_days == 0
    with pytest.raises(ApplicationError) as exc:
        services.baseline_create(actor=owner, project=fresh, name=" ")
    assert list(exc.value.extra) == ["name"]


def test_demo_schedules_are_alive(hangwen):
    view = selectors.schedule_view(project=hangwen)
    assert 20 <= len(view.rows) <= 40 and view.baseline is not None
    assert any(r.task.is_milestone for r in view.rows) and any(r.predecessors for r in view.rows)
    assert view.summary.late_count >= 1 and view.summary.critical_late_count >= 1
    assert {"征地拆迁", "施工图设计"} <= {r.task.name for r in view.rows}
    assert all(r.analysis.float is not None for r in view.rows)


# ------------------------------------------------------------------------------------------------- pages
def test_owner_adds_edits_and_voids_a_task_through_the_pages(en, owner, fresh):
    client = en(owner)
    url = reverse("projects:task-create", args=[fresh.pk])
    response = client.post(url, {"wbs": "1", "name": "征地拆迁", "planned_start": "2024-01-01",
                                 "planned_finish": "2024-06-30", "percent_complete": "0"})
    task = task_of(fresh, "1")
    assert response.status_code == 302 and response["Location"] == reverse("projects:task", args=[fresh.pk, task.pk])
    edit = reverse("projects:task-edit", args=[fresh.pk, task.pk])
    page = client.get(edit).content.decode()
    assert 'name="version" value="1"' in page
    response = client.post(edit, {"wbs": "1", "name": "征地拆迁及管线迁改", "planned_start": "2024-01-01",
                                  "planned_finish": "2024-07-31", "percent_complete": "0", "version": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.name, task.version) == ("征地拆迁及管线迁改", 2)
    html = client.get(reverse("projects:schedule", args=[fresh.pk])).content.decode()
    assert "征地拆迁及管线迁改" in html and 'data-testid="task-row"' in html
    detail = client.get(reverse("projects:task", args=[fresh.pk, task.pk])).content.decode()
    assert "征地拆迁及管线迁改" in detail and 'id="history"' in detail
    response = client.post(reverse("projects:task-void", args=[fresh.pk, task.pk]), {"reason": "重复录入"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.is_voided and task.void_reason == "重复录入"


def test_a_stale_form_is_refused_with_a_message_and_nothing_is_overwritten(en, owner, staff, fresh):
    task = add(owner, fresh, "1", D(2024, 1, 1), D(2024, 6, 30), name="征地拆迁")
    form = {"wbs": "1", "name": "A", "planned_start": "2024-01-01", "planned_finish": "2024-06-30",
            "percent_complete": "0", "version": "1"}
    url = reverse("projects:task-edit", args=[fresh.pk, task.pk])
    assert en(owner).post(url, {**form, "name": "征地拆迁（甲）"}).status_code == 302
    response = en(staff).post(url, {**form, "name": "征地拆迁（乙）"})
    assert response.status_code == 200
    assert STALE in response.content.decode() and 'data-testid="stale"' in response.content.decode()
    task.refresh_from_db()
    assert (task.name, task.version) == ("征地拆迁（甲）", 2)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"predecessors": "2 x"}, "predecessors", "is not a predecessor"),
    ({"percent_complete": "101"}, "percent_complete", "Ensure this value is less than or equal to 100."),
    ({"planned_start": "2024-06-15"}, "planned_start", "before its predecessor 1 finishes"),
    ({"actual_start": "2024-01-02", "actual_finish": "2024-02-01", "percent_complete": "50"}, "percent_complete",
     "A task with an actual finish is 100% complete."),
    ({"wbs": "3.1"}, "wbs", "Its parent task 3 does not exist"),
])
def test_bad_form_input_names_the_field_and_writes_nothing(en, owner, fresh, data, field, message):
    add(owner, fresh, "1", D(2024, 1, 1), D(2024, 6, 30))
    form = {"wbs": "2", "name": "路基工程", "planned_start": "2024-08-01", "planned_finish": "2024-12-31",
            "percent_complete": "0", "predecessors": "1", **data}
    response = en(owner).post(reverse("projects:task-create", args=[fresh.pk]), form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert ScheduleTask.objects.filter(project=fresh).count() == 1


def test_baseline_page(en, owner, hangwen):
    client = en(owner)
    url = reverse("projects:schedule-baselines", args=[hangwen.pk])
    assert client.post(url, {"name": "2026年调整计划", "note": "经批准调整"}).status_code == 302
    html = client.get(url).content.decode()
    assert "2026年调整计划" in html and html.count('data-testid="baseline-row"') == 2
    assert selectors.latest_baseline(project=hangwen).name == "2026年调整计划"


def test_gantt_page_loads_the_self_hosted_library(en, owner, hangwen):
    html = en(owner).get(reverse("projects:gantt", args=[hangwen.pk])).content.decode()
    assert "/static/vendor/frappe-gantt/frappe-gantt.umd.js" in html and "/static/js/schedule.js" in html
    assert f'data-url="/api/v1/projects/{hangwen.pk}/gantt/"' in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


# ------------------------------------------------------------------------------------------------- permissions
def pages(project: Project, task: ScheduleTask) -> dict[str, str]:
    """url → method of every schedule page of a project."""
    p, t = project.pk, task.pk
    return {
        reverse("projects:schedule", args=[p]): "get", reverse("projects:gantt", args=[p]): "get",
        reverse("projects:task", args=[p, t]): "get", reverse("projects:task-edit", args=[p, t]): "post",
        reverse("projects:task-progress", args=[p, t]): "post", reverse("projects:task-void", args=[p, t]): "post",
        reverse("projects:task-create", args=[p]): "post", reverse("projects:schedule-baselines", args=[p]): "post",
        reverse("projects:schedule-export", args=[p]): "get", reverse("projects:schedule-template", args=[p]): "get",
        reverse("projects:schedule-import", args=[p]): "post", reverse("projects:raci", args=[p]): "post",
        f"/api/v1/projects/{p}/tasks/": "get", f"/api/v1/projects/{p}/tasks/{t}/": "get",
        f"/api/v1/projects/{p}/tasks/{t}/progress/": "post", f"/api/v1/projects/{p}/tasks/{t}/void/": "post",
        f"/api/v1/projects/{p}/dependencies/": "get", f"/api/v1/projects/{p}/baselines/": "get",
        f"/api/v1/projects/{p}/gantt/": "get", f"/api/v1/projects/{p}/schedule/": "get",
        f"/api/v1/projects/{p}/schedule.xlsx": "get", f"/api/v1/projects/{p}/schedule/template/": "get",
        f"/api/v1/projects/{p}/schedule/import/": "post",
    }


def test_another_organisations_contractor_gets_404_everywhere(client_for, other_contractor, hangwen):
    task = ScheduleTask.objects.filter(project=hangwen).first()
    client = client_for(other_contractor)
    for url, method in pages(hangwen, task).items():
        response = getattr(client, method)(url)
        assert response.status_code == 404, (url, response.status_code)
    patch = client.patch(f"/api/v1/projects/{hangwen.pk}/tasks/{task.pk}/", {"version": 1, "name": "x"},
                         content_type="application/json")
    assert patch.status_code == 404
    assert ScheduleTask.objects.get(pk=task.pk).version == task.version


def test_a_participant_that_is_not_the_owner_reads_but_cannot_change_the_plan(client_for, contractor, hangwen):
    task = ScheduleTask.objects.filter(project=hangwen, wbs="1.2").get()  # 征地拆迁: the owner's job
    client = client_for(contractor)
    before = (ScheduleTask.objects.filter(project=hangwen).count(), task.version, ScheduleBaseline.objects.count())
    for url, method in pages(hangwen, task).items():
        expected = 200 if method == "get" else 403
        response = getattr(client, method)(url)
        assert response.status_code == expected, (url, response.status_code)
    api = f"/api/v1/projects/{hangwen.pk}"
    assert client.post(f"{api}/tasks/", {"wbs": "9", "name": "x", "planned_start": "2025-01-01"},
                       content_type="application/json").status_code == 403
    assert client.patch(f"{api}/tasks/{task.pk}/", {"version": task.version, "name": "x"},
                        content_type="application/json").status_code == 403
    assert client.post(f"{api}/baselines/", {"name": "x"}, content_type="application/json").status_code == 403
    assert client.post(f"{api}/dependencies/", {"predecessor": task.pk, "successor": task.pk},
                       content_type="application/json").status_code == 403
    after = (ScheduleTask.objects.filter(project=hangwen).count(), ScheduleTask.objects.get(pk=task.pk).version,
             ScheduleBaseline.objects.count())
    assert after == before


def test_a_leader_reads_but_cannot_change(client_for, leader, hangwen):
    task = ScheduleTask.objects.filter(project=hangwen, wbs="1.2").get()
    client = client_for(leader)
    for url, method in pages(hangwen, task).items():
        response = getattr(client, method)(url)
        assert response.status_code == (200 if method == "get" else 403), (url, response.status_code)


# ------------------------------------------------------------------------------------------------- API
def test_api_creates_updates_reports_and_voids(client_for, owner, fresh):
    client = client_for(owner)
    api = f"/api/v1/projects/{fresh.pk}/tasks/"
    first = client.post(api, {"wbs": "1", "name": "征地拆迁", "planned_start": "2024-01-01",
                              "planned_finish": "2024-03-31"}, content_type="application/json")
    assert first.status_code == 201, first.content
    second = client.post(api, {"wbs": "2", "name": "路基工程", "planned_start": "2024-04-05",
                               "planned_finish": "2024-09-30", "predecessors": [{"wbs": "1", "lag_days": 5}]},
                         content_type="application/json").json()
    assert second["predecessors"] == [{"wbs": "1", "lag_days": 5}] and second["critical"] is True
    url = f"{api}{second['id']}/"
    patched = client.patch(url, {"version": 1, "name": "路基土石方"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "name": "旧版本"}, content_type="application/json")
    assert error_of(stale, 409) == {"code": "stale", "message": STALE, "fields": {"version": [STALE]}}
    missing = client.patch(url, {"name": "无版本"}, content_type="application/json")
    assert "version" in error_of(missing)["fields"]
    early = client.patch(url, {"version": 2, "planned_start": "2024-04-01"}, content_type="application/json")
    assert list(error_of(early)["fields"]) == ["planned_start"]
    reported = client.post(f"{url}progress/", {"version": 2, "percent_complete": 30, "actual_start": "2024-04-06"},
                           content_type="application/json")
    assert reported.status_code == 200 and reported.json()["percent_complete"] == 30
    voided = client.post(f"{url}void/", {"reason": "合并"}, content_type="application/json")
    assert voided.status_code == 200 and voided.json()["void_reason"] == "合并"
    assert client.get(api).json()["count"] == 1


def test_api_dependencies_and_baselines(client_for, owner, fresh):
    a = add(owner, fresh, "1", D(2024, 1, 1), D(2024, 3, 31))
    b = add(owner, fresh, "2", D(2024, 4, 1), D(2024, 6, 30))
    client = client_for(owner)
    api = f"/api/v1/projects/{fresh.pk}"
    made = client.post(f"{api}/dependencies/", {"predecessor": a.pk, "successor": b.pk},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["predecessor_wbs"] == "1"
    back = client.post(f"{api}/dependencies/", {"predecessor": b.pk, "successor": a.pk},
                       content_type="application/json")
    assert error_of(back)["fields"] == {"predecessors": ["These dependencies form a cycle: 1 → 2 → 1."]}
    listed = client.get(f"{api}/dependencies/").json()
    assert [(d["predecessor_wbs"], d["successor_wbs"]) for d in listed["results"]] == [("1", "2")]
    assert client.post(f"{api}/dependencies/{made.json()['id']}/remove/").status_code == 204
    assert not TaskDependency.objects.filter(successor=b).exists()
    base = client.post(f"{api}/baselines/", {"name": "合同工期基线"}, content_type="application/json")
    assert base.status_code == 201 and base.json()["task_count"] == 2 and base.json()["in_use"] is True
    assert client.get(f"{api}/baselines/").json()["count"] == 1


def test_api_bad_input_is_400_naming_the_field(client_for, owner, fresh):
    client = client_for(owner)
    api = f"/api/v1/projects/{fresh.pk}/tasks/"
    for body, field in [
        ({"wbs": "1.x", "name": "x", "planned_start": "2024-01-01"}, "wbs"),
        ({"wbs": "1", "name": "x", "planned_start": "2024-13-01"}, "planned_start"),
        ({"wbs": "1", "name": "x", "planned_start": "2024-01-01", "percent_complete": 120}, "percent_complete"),
        ({"wbs": "1", "name": "x", "planned_start": "2024-01-01"}, "planned_finish"),
        ({"wbs": "1", "name": "x", "planned_start": "2024-01-01", "planned_finish": "2024-01-02",
          "predecessors": [{"wbs": "7"}]}, "predecessors"),
    ]:
        response = client.post(api, body, content_type="application/json")
        assert field in error_of(response)["fields"], (body, response.json())
    assert not ScheduleTask.objects.filter(project=fresh).exists()


def test_gantt_json(client_for, owner, hangwen):
    data = client_for(owner).get(f"/api/v1/projects/{hangwen.pk}/gantt/").json()
    view = selectors.schedule_view(project=hangwen)
    assert len(data["tasks"]) == len(view.rows) and data["baseline"]["name"] == view.baseline.name
    by_wbs = {t["wbs"]: t for t in data["tasks"]}
    ids = {t["id"] for t in data["tasks"]}
    assert all(set(t["dependencies"]) <= ids for t in data["tasks"])
    for row in view.rows:
        t = by_wbs[row.task.wbs]
        assert (t["start"], t["end"], t["status"], t["milestone"]) == (
            row.task.planned_start.isoformat(), row.task.planned_finish.isoformat(), row.status, row.task.is_milestone)
    assert {t["status"] for t in data["tasks"]} >= {"complete", "critical_late"}
    assert data["summary"]["task_count"] == len(view.rows)


# ------------------------------------------------------------------------------------------------- query counts
def grow(project, actor, start_wbs: int, n: int, org: Organization) -> None:
    """n more top-level tasks, each after the previous one, each with a responsible organisation."""
    day = D(2024, 1, 1) + datetime.timedelta(days=10 * start_wbs)
    previous = ScheduleTask.objects.active().filter(project=project).order_by("-sort_key").first()
    for i in range(start_wbs, start_wbs + n):
        task = add(actor, project, str(i), day, day + datetime.timedelta(days=5),
                   previous.wbs if previous else "")
        services.responsibilities_set(actor=actor, task=task, organization=org, kinds=["R"])
        previous, day = task, day + datetime.timedelta(days=10)


def count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_schedule_pages_and_lists_keep_their_query_count(client_for, owner, contractor, fresh, contractor_org):
    grow(fresh, owner, 1, 5, contractor_org)
    services.baseline_create(actor=owner, project=fresh, name="基线")
    p = fresh.pk
    urls = [reverse("projects:schedule", args=[p]), reverse("projects:raci", args=[p]),
            reverse("projects:gantt", args=[p]), reverse("projects:schedule-export", args=[p]),
            f"/api/v1/projects/{p}/tasks/", f"/api/v1/projects/{p}/gantt/", f"/api/v1/projects/{p}/dependencies/",
            f"/api/v1/projects/{p}/baselines/", f"/api/v1/projects/{p}/schedule/",
            reverse("projects:my-responsibilities"), "/api/v1/my-responsibilities/"]
    for user in (owner, contractor):
        client = client_for(user)
        before = {u: count(client, u) for u in urls}
        grow(fresh, owner, 6, 10, contractor_org)
        services.baseline_create(actor=owner, project=fresh, name=f"基线{user.pk}")
        after = {u: count(client, u) for u in urls}
        assert after == before, {u: (before[u], after[u]) for u in urls if before[u] != after[u]}
        assert max(after.values()) <= 25, after
        ScheduleTask.objects.filter(project=fresh, sort_key__gte="006").update(voided_at=timezone.now())
