"""The 4D rules (a task's status on a date, the status of an element several links cover), links between groups of
elements and schedule tasks (by storey, class, storey + class, selection) resolved to element indices, their
checks (each refusal names its field; nothing is saved), their carrying over to the next version of a model, and
the inspection colours of elements from real supervision samples."""

import datetime
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.translation import override

from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects.bim import selectors, services
from projects.bim.selectors import combine, task_status_on
from projects.models import BimLink, BimModel, Project, ScheduleTask
from supervision.models import InspectionPlan, Sample

sys.path.insert(0, str(Path(__file__).parent))  # the BIM tests' shared setup, bim_helpers.py beside this file

from bim_helpers import STOREY_1, STOREY_2, building, gid, ifc_upload, make_model, task  # noqa: E402

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 6, 15)


@pytest.fixture(autouse=True)
def _no_models_yet(db):
    """The railway starts without models or links, whatever the demo or an access-matrix world gave it."""
    from projects.models import BimLink, BimModel

    BimLink.objects.filter(project__name="杭温高速铁路义乌至温州段").delete()
    BimModel.objects.filter(project__name="杭温高速铁路义乌至温州段").delete()


@pytest.fixture
def railway(db):
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def other_project(railway):
    return Project.objects.exclude(pk=railway.pk).filter(voided_at__isnull=True, tasks__isnull=False).first()


def plan_task(**kw) -> ScheduleTask:
    """A task built by hand, not saved: the rules read only its dates and % complete."""
    kw.setdefault("percent_complete", 0)
    return ScheduleTask(wbs="1", name="t", **kw)


# ------------------------------------------------------------------------------------------------ task_status_on
def test_a_task_is_not_started_before_its_planned_start_and_in_progress_once_started():
    t = plan_task(planned_start=D(2026, 5, 1), planned_finish=D(2026, 6, 30), actual_start=D(2026, 5, 3))
    assert task_status_on(t, D(2026, 4, 30), today=TODAY) == "not_started"
    assert task_status_on(t, D(2026, 5, 1), today=TODAY) == "not_started"  # due to start today: not late yet
    assert task_status_on(t, D(2026, 5, 2), today=TODAY) == "late"  # should have started, had not
    assert task_status_on(t, D(2026, 5, 3), today=TODAY) == "in_progress"
    assert task_status_on(t, D(2026, 6, 30), today=TODAY) == "in_progress"
    assert task_status_on(t, D(2026, 7, 1), today=TODAY) == "late"  # past its planned finish, unfinished


def test_a_late_start_is_late_until_the_task_starts():
    t = plan_task(planned_start=D(2026, 3, 1), planned_finish=D(2026, 8, 31), actual_start=D(2026, 3, 20))
    assert task_status_on(t, D(2026, 3, 10), today=TODAY) == "late"
    assert task_status_on(t, D(2026, 3, 20), today=TODAY) == "in_progress"


def test_a_task_finished_late_is_late_until_its_actual_finish_then_done():
    t = plan_task(planned_start=D(2026, 1, 1), planned_finish=D(2026, 2, 28), actual_start=D(2026, 1, 1),
                  actual_finish=D(2026, 3, 15), percent_complete=100)
    assert task_status_on(t, D(2026, 2, 1), today=TODAY) == "in_progress"
    assert task_status_on(t, D(2026, 3, 1), today=TODAY) == "late"
    assert task_status_on(t, D(2026, 3, 15), today=TODAY) == "done"
    assert task_status_on(t, D(2027, 1, 1), today=TODAY) == "done"


def test_a_task_done_on_time_is_done_from_its_actual_finish():
    t = plan_task(planned_start=D(2026, 1, 1), planned_finish=D(2026, 2, 28), actual_start=D(2026, 1, 2),
                  actual_finish=D(2026, 2, 20), percent_complete=100)
    assert task_status_on(t, D(2026, 2, 19), today=TODAY) == "in_progress"
    assert task_status_on(t, D(2026, 2, 20), today=TODAY) == "done"


def test_100_percent_without_an_actual_finish_is_done_from_today_on_only():
    t = plan_task(planned_start=D(2026, 5, 1), planned_finish=D(2026, 7, 31), actual_start=D(2026, 5, 1),
                  percent_complete=100)
    assert task_status_on(t, TODAY - datetime.timedelta(days=1), today=TODAY) == "in_progress"
    assert task_status_on(t, TODAY, today=TODAY) == "done"
    assert task_status_on(t, D(2027, 1, 1), today=TODAY) == "done"
    assert task_status_on(plan_task(planned_start=D(2026, 5, 1), planned_finish=D(2026, 5, 31),
                                    actual_start=D(2026, 5, 1), percent_complete=99), TODAY, today=TODAY) == "late"


def test_today_defaults_to_the_date_in_china(monkeypatch):
    from portal.core import services as core

    monkeypatch.setattr(core.timezone, "localdate", lambda *a, **k: TODAY)
    t = plan_task(planned_start=D(2026, 5, 1), planned_finish=D(2026, 7, 31), actual_start=D(2026, 5, 1),
                  percent_complete=100)
    assert task_status_on(t, TODAY) == "done"


# ------------------------------------------------------------------------------------------------ combine
@pytest.mark.parametrize(("statuses", "expected"), [
    ([], "unlinked"),
    (["done"], "done"),
    (["done", "done"], "done"),
    (["not_started"], "not_started"),
    (["not_started", "not_started"], "not_started"),
    (["done", "not_started"], "in_progress"),
    (["in_progress", "not_started"], "in_progress"),
    (["in_progress", "done"], "in_progress"),
    (["late", "done"], "late"),
    (["late", "in_progress", "not_started"], "late"),
])
def test_combine(statuses, expected):
    assert combine(statuses) == expected
    assert combine(reversed(statuses)) == expected


# ------------------------------------------------------------------------------------------------ links
def test_links_by_storey_class_storey_and_class_and_selection_resolve_to_element_indices(railway, owner,
                                                                                        django_assert_num_queries):
    model = make_model(railway, owner, building(3))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    first = services.link_create(actor=owner, project=railway, task=t, kind="storey", storey=STOREY_1)
    walls = services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall")
    slabs2 = services.link_create(actor=owner, project=railway, task=t, kind="storey", storey=STOREY_2,
                                  ifc_class="IfcSlab", name="二层楼板")
    picked = services.link_create(actor=owner, project=railway, task=t, kind="selection",
                                  global_ids=[gid("C1"), gid("W2", 1), gid("C1")])
    assert first.storey_name == "1层" and first.name == "1层"
    assert walls.name == "IfcWall" and slabs2.name == "二层楼板"
    assert picked.global_ids == [gid("C1"), gid("W2", 1)]  # each once, in the order given
    with django_assert_num_queries(2):
        resolved = {r["id"]: r for r in selectors.links_resolved(model)}
    # indices: storey 1 walls 0-2, slabs 3-5; storey 2 walls 6-8, slabs 9-11; the column 12
    assert resolved[first.pk]["elements"] == [0, 1, 2, 3, 4, 5, 12]
    assert resolved[walls.pk]["elements"] == [0, 1, 2, 6, 7, 8]
    assert resolved[slabs2.pk]["elements"] == [9, 10, 11]
    assert resolved[picked.pk]["elements"] == [7, 12] and resolved[picked.pk]["missing"] == 0
    assert resolved[first.pk]["task"] == {"id": t.pk, "wbs": t.wbs, "name": t.name, "planned_start": D(2026, 1, 1),
                                          "planned_finish": D(2026, 3, 31), "actual_start": None,
                                          "actual_finish": None, "percent_complete": 0}


def test_the_queries_of_the_links_and_the_status_do_not_grow_with_links_or_elements(railway, owner,
                                                                                   django_assert_num_queries):
    small = make_model(railway, owner, building(1))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall")
    with django_assert_num_queries(2):
        selectors.links_resolved(small)
    with django_assert_num_queries(2):
        selectors.status_on(small, D(2026, 2, 1), today=TODAY)
    big = make_model(railway, owner, building(40))
    for i in range(8):
        services.link_create(actor=owner, project=railway, task=task(railway, start=D(2026, 1, 1),
                             finish=D(2026, 3, 31)), kind="storey", storey=(STOREY_1, STOREY_2)[i % 2])
    with django_assert_num_queries(2):
        assert len(selectors.links_resolved(big)) == 9
    with django_assert_num_queries(2):
        selectors.status_on(big, D(2026, 2, 1), today=TODAY)


def test_status_on_a_date_counts_the_elements_in_each_status(railway, owner):
    model = make_model(railway, owner, building(3))  # 13 elements
    structure = task(railway, start=D(2026, 1, 1), finish=D(2026, 2, 28), actual_start=D(2026, 1, 1),
                     actual_finish=D(2026, 2, 20), percent=100)
    second = task(railway, start=D(2026, 3, 1), finish=D(2026, 4, 30))
    walls = services.link_create(actor=owner, project=railway, task=structure, kind="class", ifc_class="IfcWall")
    upper = services.link_create(actor=owner, project=railway, task=second, kind="storey", storey=STOREY_2)
    before = selectors.status_on(model, D(2025, 12, 1), today=TODAY)
    assert before == {"date": "2025-12-01", "links": {walls.pk: "not_started", upper.pk: "not_started"},
                      "counts": {"done": 0, "in_progress": 0, "late": 0, "not_started": 9, "unlinked": 4}}
    building_walls = selectors.status_on(model, D(2026, 1, 15), today=TODAY)["counts"]
    assert building_walls == {"done": 0, "in_progress": 6, "late": 0, "not_started": 3, "unlinked": 4}
    # walls done; the upper storey due to start on 1 March and not started by the 2nd: late (its walls too)
    later = selectors.status_on(model, D(2026, 3, 2), today=TODAY)
    assert later["links"] == {walls.pk: "done", upper.pk: "late"}
    assert later["counts"] == {"done": 3, "in_progress": 0, "late": 6, "not_started": 0, "unlinked": 4}


def test_a_voided_task_s_links_no_longer_colour_the_model(railway, owner):
    model = make_model(railway, owner, building(1))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall")
    ScheduleTask.objects.filter(pk=t.pk).update(voided_at="2026-01-02T00:00:00Z")
    assert selectors.links_resolved(model) == []
    assert selectors.status_on(model, TODAY, today=TODAY)["counts"]["unlinked"] == 5


def test_links_on_a_model_read_for_real_resolve_to_its_elements(railway, owner, tmp_path,
                                                                django_capture_on_commit_callbacks):
    """A two-storey building made with IfcOpenShell, uploaded and read (Celery runs eagerly in the tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        model = services.model_upload(actor=owner, project=railway, upload=ifc_upload(tmp_path), title="真实模型")
    model.refresh_from_db()
    assert model.state == "ready" and model.is_current, model.error
    levels = selectors.storeys(model)
    assert [s["name"] for s in levels] == ["1层", "2层"]
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    first = services.link_create(actor=owner, project=railway, task=t, kind="storey", storey=levels[0]["global_id"])
    walls = services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall")
    upper_walls = services.link_create(actor=owner, project=railway, task=t, kind="storey",
                                       storey=levels[1]["global_id"], ifc_class="IfcWall")
    columns = list(model.elements.filter(ifc_class="IfcColumn").order_by("index").values_list("global_id", "index"))
    picked = services.link_create(actor=owner, project=railway, task=t, kind="selection",
                                  global_ids=[g for g, _ in columns])
    rows = list(model.elements.values_list("index", "ifc_class", "storey"))
    expect = {
        first.pk: sorted(i for i, _, s in rows if s == levels[0]["global_id"]),
        walls.pk: sorted(i for i, c, _ in rows if c == "IfcWall"),
        upper_walls.pk: sorted(i for i, c, s in rows if c == "IfcWall" and s == levels[1]["global_id"]),
        picked.pk: [i for _, i in columns],
    }
    resolved = {r["id"]: r["elements"] for r in selectors.links_resolved(model)}
    assert resolved == expect
    assert len(expect[walls.pk]) == 8 and len(expect[upper_walls.pk]) == 4 and len(expect[picked.pk]) == 2
    assert first.storey_name == "1层"


def test_links_carry_over_to_a_new_version_by_global_id(railway, owner):
    v1 = make_model(railway, owner, building(3))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    picked = services.link_create(actor=owner, project=railway, task=t, kind="selection",
                                  global_ids=[gid("W1", 0), gid("S2", 2), gid("C1")])
    storey = services.link_create(actor=owner, project=railway, task=t, kind="storey", storey=STOREY_2)
    assert {r["id"]: r["elements"] for r in selectors.links_resolved(v1)} == {picked.pk: [0, 11, 12],
                                                                             storey.pk: [6, 7, 8, 9, 10, 11]}
    # version 2: the column is gone, new elements come first, so every index moves
    v2_elements = [(gid("NEW", i), "IfcBeam", STOREY_2) for i in range(2)] + building(3)[:-1]
    v2 = make_model(railway, owner, v2_elements)
    assert BimModel.objects.get(pk=v2.pk).is_current and not BimModel.objects.get(pk=v1.pk).is_current
    resolved = {r["id"]: r for r in selectors.links_resolved(v2)}
    assert resolved[picked.pk]["elements"] == [2, 13] and resolved[picked.pk]["missing"] == 1
    assert resolved[storey.pk]["elements"] == [0, 1, 8, 9, 10, 11, 12, 13]


def _refused(field: str, **kwargs) -> ApplicationError:
    before = (BimLink.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as caught:
        services.link_create(**kwargs)
    assert field in caught.value.extra, caught.value.extra
    assert (BimLink.objects.count(), AuditEvent.objects.count()) == before
    return caught.value


def test_a_link_to_another_project_s_task_is_refused_naming_the_task(railway, other_project, owner, staff):
    make_model(railway, owner, building(1))
    foreign = ScheduleTask.objects.active().filter(project=other_project).first()
    with override("en"):
        error = _refused("task", actor=staff, project=railway, task=foreign, kind="class", ifc_class="IfcWall")
    assert error.extra["task"] == ["The task is not in this project's schedule."]
    voided = task(railway, start=D(2026, 1, 1), finish=D(2026, 2, 1))
    ScheduleTask.objects.filter(pk=voided.pk).update(voided_at="2026-01-02T00:00:00Z")
    voided.refresh_from_db()
    _refused("task", actor=owner, project=railway, task=voided, kind="class", ifc_class="IfcWall")
    _refused("task", actor=owner, project=railway, task=None, kind="class", ifc_class="IfcWall")


def test_a_selection_with_unknown_global_ids_is_refused_naming_them(railway, owner):
    make_model(railway, owner, building(1))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    unknown_a, unknown_b = gid("NOPE", 1), gid("NOPE", 2)
    with override("en"):
        error = _refused("global_ids", actor=owner, project=railway, task=t, kind="selection",
                         global_ids=[gid("C1"), unknown_a, unknown_b])
    assert error.extra["global_ids"] == [f"The model has no element with GlobalId {unknown_a}、{unknown_b}."]
    _refused("global_ids", actor=owner, project=railway, task=t, kind="selection", global_ids=[])


def test_a_storey_or_class_the_model_lacks_is_refused_naming_the_field(railway, owner):
    make_model(railway, owner, building(1))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    _refused("storey", actor=owner, project=railway, task=t, kind="storey", storey=gid("NOSTOREY"))
    _refused("storey", actor=owner, project=railway, task=t, kind="storey", storey="")
    _refused("ifc_class", actor=owner, project=railway, task=t, kind="class", ifc_class="IfcBeam")
    _refused("ifc_class", actor=owner, project=railway, task=t, kind="storey", storey=STOREY_2, ifc_class="IfcColumn")
    _refused("kind", actor=owner, project=railway, task=t, kind="everything")
    _refused("name", actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall", name="长" * 101)


def test_linking_needs_a_read_model_and_the_right_to_manage_the_project(railway, owner, contractor):
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    with pytest.raises(ApplicationError) as caught:
        services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall")
    assert caught.value.code == "invalid_transition"
    make_model(railway, owner, building(1))
    with pytest.raises(ApplicationError) as caught:
        services.link_create(actor=contractor, project=railway, task=t, kind="class", ifc_class="IfcWall")
    assert caught.value.code == "forbidden"
    assert not BimLink.objects.filter(task=t).exists()


def test_a_link_and_its_removal_are_recorded_on_the_project(railway, owner):
    make_model(railway, owner, building(1))
    t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31), name="主体结构")
    link = services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcWall")
    events = AuditEvent.objects.filter(object_id=str(railway.pk), changes__has_key="bim_links").order_by("id")
    assert [e.changes["bim_links"] for e in events] == [[None, f"IfcWall → {t}"]]
    services.link_delete(actor=owner, link=link)
    assert not BimLink.objects.filter(pk=link.pk).exists()
    assert [e.changes["bim_links"] for e in events.all()] == [[None, f"IfcWall → {t}"], [f"IfcWall → {t}", None]]


# ------------------------------------------------------------------------------------------------ schedule range
def test_the_schedule_range_spans_planned_and_actual_dates(railway, owner):
    ScheduleTask.objects.filter(project=railway).delete()
    project = railway
    assert selectors.schedule_range(project)[0] == selectors.schedule_range(project)[1]  # no tasks: today
    task(project, start=D(2026, 3, 1), finish=D(2026, 5, 31), actual_start=D(2026, 2, 20))
    task(project, start=D(2026, 4, 1), finish=D(2026, 6, 30), actual_start=D(2026, 4, 1), actual_finish=D(2026, 7, 9))
    assert selectors.schedule_range(project) == (D(2026, 2, 20), D(2026, 7, 9))


# ------------------------------------------------------------------------------------------------ inspections
MAY_1 = D(2026, 5, 1)


def _sample(plan: InspectionPlan, number: str, state: str, elements: str, taken_on=MAY_1, **kw) -> Sample:
    return Sample.objects.create(plan=plan, number=number, location="二层楼板", elements=elements, state=state,
                                 taken_on=taken_on, taken_by=plan.created_by, **kw)


@pytest.fixture
def plan(railway, staff):
    return InspectionPlan.objects.create(project=railway, contractor=railway.owner, process="concrete_strength",
                                         title="二层楼板混凝土强度", required_samples=3, created_by=staff)


def test_findings_colour_each_element_by_its_worst_result(railway, owner, staff, plan):
    model = make_model(railway, owner, building(3))
    w0, w1, s0 = gid("W1", 0), gid("W1", 1), gid("S1", 0)
    _sample(plan, "BIM-S-1", "passed", f"{w0},{w1}", tested_on=D(2026, 5, 8))
    _sample(plan, "BIM-S-2", "failed", f"{w1}", tested_on=D(2026, 5, 9))
    _sample(plan, "BIM-S-3", "assigned", f" {w0} , {s0} ,{gid('ELSEWHERE')}")
    _sample(plan, "BIM-S-4", "failed", "")  # names no element: not a finding
    voided = _sample(plan, "BIM-S-5", "failed", s0)
    Sample.objects.filter(pk=voided.pk).update(voided_at="2026-05-02T00:00:00Z")
    with override("en"):
        got = selectors.findings(model, staff)
    assert got["elements"] == {0: "pending", 1: "failed", 3: "pending"}
    assert [(f["label"], f["result"], f["date"], f["elements"]) for f in got["findings"]] == [
        ("Sample BIM-S-2 · 二层楼板 · Failed", "failed", D(2026, 5, 9), [1]),
        ("Sample BIM-S-1 · 二层楼板 · Passed", "passed", D(2026, 5, 8), [0, 1]),
        ("Sample BIM-S-3 · 二层楼板 · At the testing agency", "pending", D(2026, 5, 1), [0, 3]),
    ]
    assert got["findings"][0]["url"] == Sample.objects.get(number="BIM-S-2").get_absolute_url()
    assert got["findings"][2]["global_ids"] == [w0, s0, gid("ELSEWHERE")]


def test_a_failed_sample_whose_re_inspection_passed_colours_its_elements_passed(railway, owner, staff, plan):
    model = make_model(railway, owner, building(1))
    failed = _sample(plan, "BIM-S-10", "failed", gid("W1", 0), tested_on=D(2026, 5, 9))
    retest = _sample(plan, "BIM-S-11", "assigned", "", taken_on=D(2026, 5, 20), retest_of=failed)
    assert selectors.findings(model, staff)["elements"] == {0: "failed"}  # the re-inspection has no result yet
    Sample.objects.filter(pk=retest.pk).update(state="passed", tested_on=D(2026, 5, 27))
    with override("en"):
        got = selectors.findings(model, staff)
    assert got["elements"] == {0: "passed"}
    assert got["findings"][0]["label"] == "Sample BIM-S-10 · 二层楼板 · Failed; re-inspection passed"


def test_findings_are_those_the_user_may_see(railway, owner, staff, plan, other_contractor):
    model = make_model(railway, owner, building(1))
    _sample(plan, "BIM-S-9", "failed", gid("W1", 0), tested_on=D(2026, 5, 9))
    assert selectors.findings(model, owner)["elements"] == {0: "failed"}
    assert selectors.findings(model, other_contractor) == {"elements": {}, "findings": []}


def test_an_element_s_detail_names_its_storey_links_with_today_s_status_and_findings(railway, owner, staff, plan):
    model = make_model(railway, owner, building(1))
    t = task(railway, start=D(2020, 1, 1), finish=D(2020, 2, 1), actual_start=D(2020, 1, 1),
             actual_finish=D(2020, 1, 30), percent=100, name="一层墙体")
    link = services.link_create(actor=owner, project=railway, task=t, kind="storey", storey=STOREY_1,
                                ifc_class="IfcWall")
    services.link_create(actor=owner, project=railway, task=t, kind="class", ifc_class="IfcSlab")
    _sample(plan, "BIM-S-7", "failed", gid("W1", 0), tested_on=D(2026, 5, 9))
    with override("en"):
        detail = selectors.element_detail(model, gid("W1", 0), staff)
    assert detail is not None
    assert detail["storey"] == {"global_id": STOREY_1, "name": "1层"}
    assert detail["properties"] == {"Pset_Common": {"Reference": "R0"}}
    assert detail["links"] == [{"id": link.pk, "name": link.name, "kind": "storey", "task": {
        "id": t.pk, "wbs": t.wbs, "name": "一层墙体", "status_today": "done",
        "url": reverse("projects:task", args=[railway.pk, t.pk])}}]
    assert detail["findings"] == [{"result": "failed", "label": "Sample BIM-S-7 · 二层楼板 · Failed",
                                   "url": Sample.objects.get(number="BIM-S-7").get_absolute_url(),
                                   "date": D(2026, 5, 9)}]
    assert selectors.element_detail(model, gid("NOPE"), staff) is None


# ------------------------------------------------------------------------------------------------ models
def test_models_are_listed_newest_first_and_only_a_read_one_is_current(railway, owner):
    assert selectors.current_model(railway) is None
    v1 = make_model(railway, owner, building(1))
    make_model(railway, owner, [], current=False, state="queued")
    assert [m.number for m in selectors.models_for(railway)] == [2, 1]
    assert selectors.current_model(railway) == v1
    status = selectors.model_status(BimModel.objects.get(number=2, project=railway))
    assert status["state"] == "queued" and not status["finished"] and not status["is_current"]


def test_an_upload_takes_the_next_number_under_the_project_lock_and_is_queued(railway, owner, tmp_path,
                                                                             django_capture_on_commit_callbacks):
    make_model(railway, owner, building(1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        model = services.model_upload(actor=owner, project=railway, upload=ifc_upload(tmp_path), title=" 主体 ",
                                      note="")
    assert (model.number, model.title, model.state, model.is_current, model.uploaded_by) == (2, "主体", "queued",
                                                                                            False, owner)
    assert model.original_name == "building.ifc" and model.schema == "IFC4" and len(model.sha256) == 64
    assert model.file.name.endswith(".ifc") and "building" not in model.file.name
    assert len(callbacks) == 1  # the reading, enqueued once the upload is committed
    assert selectors.current_model(railway).number == 1  # the previous version stays current meanwhile


def test_a_model_is_read_again_only_when_its_reading_was_interrupted(railway, owner, staff):
    refused = make_model(railway, owner, [], current=False, state="failed", error="不是 IFC 文件", retryable=False)
    interrupted = make_model(railway, owner, [], current=False, state="failed", error="读取中断", retryable=True,
                             attempts=1)
    ready = make_model(railway, owner, building(1))
    for model in (refused, ready):
        with pytest.raises(ApplicationError) as caught:
            services.model_retry(actor=staff, model=model)
        assert caught.value.code == "invalid_transition" and "state" in caught.value.extra
    again = services.model_retry(actor=staff, model=interrupted)
    again.refresh_from_db()
    assert (again.state, again.error, again.retryable, again.attempts) == ("queued", "", False, 1)
    with pytest.raises(ApplicationError) as caught:
        services.model_retry(actor=staff, model=interrupted)  # the second of two retries finds it queued
    assert caught.value.code == "invalid_transition"


def test_upload_refuses_a_file_that_is_not_ifc_naming_the_file(railway, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = BimModel.objects.count()
    with pytest.raises(ApplicationError) as caught:
        services.model_upload(actor=owner, project=railway, upload=SimpleUploadedFile(
            "model.ifc", b"%PDF-1.4 not a model"), title="x")
    assert "file" in caught.value.extra
    with pytest.raises(ApplicationError) as caught:
        services.model_upload(actor=owner, project=railway, upload=None, title="x")
    assert "file" in caught.value.extra
    assert BimModel.objects.count() == before
