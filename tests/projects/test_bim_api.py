"""/api/v1/ of the BIM models: every endpoint's answer, bad input refused naming the field with nothing changed,
another organisation's user answered 404 on every object, a user who sees the project but may not manage it 403 on
every write, list query counts that do not grow with the rows, and two retries of one model at once."""

import datetime
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.audit.models import AuditEvent
from projects.bim import selectors, services
from projects.models import BimLink, BimModel, Project, ScheduleTask
from supervision.models import InspectionPlan, Sample

sys.path.insert(0, str(Path(__file__).parent))  # the BIM tests' shared setup, bim_helpers.py beside this file

from bim_helpers import STOREY_1, STOREY_2, building, gid, ifc_upload, make_model, task  # noqa: E402

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def api(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture(autouse=True)
def _no_models_yet(db):
    """The railway starts without models or links, whatever the demo or an access-matrix world gave it."""
    from projects.models import BimLink, BimModel

    BimLink.objects.filter(project__name="杭温高速铁路义乌至温州段").delete()
    BimModel.objects.filter(project__name="杭温高速铁路义乌至温州段").delete()


@pytest.fixture
def railway(db):
    """杭温高速铁路义乌至温州段: owned by 之江交通 (`owner` manages it), built by 华东路桥 (`contractor` sees it),
    浙中建工 (`other_contractor`) has no part in it."""
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


@pytest.fixture
def model(railway, owner):
    return make_model(railway, owner, building(3))


@pytest.fixture
def wbs_task(railway):
    return task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31), actual_start=D(2026, 1, 1), name="一层主体")


@pytest.fixture
def link(railway, owner, model, wbs_task):
    return services.link_create(actor=owner, project=railway, task=wbs_task, kind="storey", storey=STOREY_1)


def models_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/bim-models/"


def links_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/bim-links/"


def model_url(model, tail: str = "") -> str:
    return f"/api/v1/bim-models/{model.pk}/{tail}"


def _error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    if field is not None:
        assert field in body["fields"], body
    return body


# ------------------------------------------------------------------------------------------------ models
def test_the_models_list_is_newest_first_with_state_and_uploader(api, contractor, railway, owner, model):
    make_model(railway, owner, [], current=False, state="reading", progress=40, stage="读取构件")
    response = api(contractor).get(models_url(railway))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["number"], first["state"], first["state_label"], first["progress"], first["is_current"]) == (
        2, "reading", "Being read", 40, False)
    assert (second["number"], second["state"], second["is_current"], second["element_count"]) == (1, "ready", True,
                                                                                                   13)
    assert second["uploaded_by"] == {"id": owner.pk, "name": owner.get_full_name()}
    assert second["class_counts"] == {"IfcWall": 6, "IfcSlab": 6, "IfcColumn": 1}


def test_one_model_has_its_tree_and_quantities(api, contractor, model):
    body = api(contractor).get(model_url(model)).json()
    assert body["id"] == model.pk and body["tree"][0]["name"] == "场地" and body["quantities"] == {}
    assert body["schema"] == "IFC4"


def test_upload_checks_the_file_before_storing_it(api, owner, railway, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(owner).post(models_url(railway), {"file": ifc_upload(tmp_path), "title": "主体结构",
                                                         "note": "施工图"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["title"], body["state"], body["original_name"]) == (1, "主体结构", "queued",
                                                                                    "building.ifc")
    assert len(callbacks) == 1
    assert BimModel.objects.get(pk=body["id"]).uploaded_by == owner


@pytest.mark.parametrize(("files", "field"), [
    ({}, "file"),
    ({"file": ("model.ifc", b"%PDF-1.4 not a model")}, "file"),
    ({"file": ("model.ifc", b"ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC2X2_FINAL'));\nENDSEC;\n")}, "file"),
    ({"file": ("model.ifc", b"ISO-10303-21;"), "title": "长" * 201}, "title"),
])
def test_a_bad_upload_is_refused_naming_the_field_and_nothing_is_stored(api, owner, railway, files, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in files.items()}
    before = (BimModel.objects.count(), AuditEvent.objects.count())
    _error(api(owner).post(models_url(railway), data), 400, field)
    assert (BimModel.objects.count(), AuditEvent.objects.count()) == before


def test_retry_re_queues_an_interrupted_model_and_refuses_any_other(api, owner, railway,
                                                                   django_capture_on_commit_callbacks):
    interrupted = make_model(railway, owner, [], current=False, state="failed", error="读取中断", retryable=True)
    refused = make_model(railway, owner, [], current=False, state="failed", error="不是 IFC 文件")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(owner).post(model_url(interrupted, "retry/"))
    assert response.status_code == 200 and response.json()["state"] == "queued"
    assert len(callbacks) == 1
    body = _error(api(owner).post(model_url(interrupted, "retry/")), 409, "state")
    assert body["code"] == "invalid_transition"
    _error(api(owner).post(model_url(refused, "retry/")), 409, "state")
    refused.refresh_from_db()
    assert refused.state == "failed"


# ------------------------------------------------------------------------------------------------ elements
def test_elements_are_listed_a_page_at_a_time_and_filtered(api, contractor, model):
    client = api(contractor)
    body = client.get(model_url(model, "elements/")).json()
    assert body["count"] == 13
    assert body["results"][0] == {"index": 0, "global_id": gid("W1", 0), "ifc_class": "IfcWall", "name": "IfcWall 0",
                                  "storey": STOREY_1}
    assert client.get(model_url(model, "elements/?ifc_class=IfcSlab")).json()["count"] == 6
    assert client.get(model_url(model, f"elements/?storey={STOREY_2}&ifc_class=IfcWall")).json()["count"] == 3
    found = client.get(model_url(model, f"elements/?q={gid('C1')}")).json()
    assert [e["index"] for e in found["results"]] == [12]
    assert client.get(model_url(model, "elements/?q=slab")).json()["count"] == 6
    _error(client.get(model_url(model, f"elements/?q={'x' * 201}")), 400, "q")


def test_one_element_has_its_properties_storey_links_and_findings(api, contractor, model, link, wbs_task, railway,
                                                                  staff):
    plan = InspectionPlan.objects.create(project=railway, contractor=railway.owner, process="concrete_strength",
                                         title="墙体混凝土", required_samples=1, created_by=staff)
    sample = Sample.objects.create(plan=plan, number="BIM-API-1", location="一层墙", elements=gid("W1", 1),
                                   state="failed", taken_on=D(2026, 5, 1), tested_on=D(2026, 5, 6), taken_by=staff)
    body = api(contractor).get(model_url(model, f"elements/{gid('W1', 1)}/")).json()
    assert body["index"] == 1 and body["storey"] == {"global_id": STOREY_1, "name": "1层"}
    assert body["properties"] == {"Pset_Common": {"Reference": "R1"}}
    assert body["links"] == [{"id": link.pk, "name": "1层", "kind": "storey", "task": {
        "id": wbs_task.pk, "wbs": wbs_task.wbs, "name": "一层主体",
        "status_today": selectors.task_status_on(wbs_task, selectors.china_today()),
        "url": reverse("projects:task", args=[railway.pk, wbs_task.pk])}}]
    assert body["findings"] == [{"result": "failed", "label": "Sample BIM-API-1 · 一层墙 · Failed",
                                 "url": sample.get_absolute_url(), "date": "2026-05-06"}]
    assert api(contractor).get(model_url(model, f"elements/{gid('NOPE')}/")).status_code == 404


# ------------------------------------------------------------------------------------------------ 4D
def test_links_status_and_findings_of_a_model(api, contractor, model, link, wbs_task):
    client = api(contractor)
    links = client.get(model_url(model, "links/")).json()["links"]
    assert links == [{"id": link.pk, "name": "1层", "kind": "storey", "kind_label": "Storey", "storey": STOREY_1,
                      "storey_name": "1层", "ifc_class": "", "task": {
                          "id": wbs_task.pk, "wbs": wbs_task.wbs, "name": "一层主体", "planned_start": "2026-01-01",
                          "planned_finish": "2026-03-31", "actual_start": "2026-01-01", "actual_finish": None,
                          "percent_complete": 0}, "elements": [0, 1, 2, 3, 4, 5, 12], "missing": 0}]
    status = client.get(model_url(model, "status/?date=2026-02-01")).json()
    assert status == {"date": "2026-02-01", "links": {str(link.pk): "in_progress"},
                      "counts": {"done": 0, "in_progress": 7, "late": 0, "not_started": 0, "unlinked": 6}}
    assert client.get(model_url(model, "status/?date=2026-04-01")).json()["links"] == {str(link.pk): "late"}
    assert client.get(model_url(model, "status/")).json()["date"] == selectors.china_today().isoformat()
    _error(client.get(model_url(model, "status/?date=2026-13-01")), 400, "date")
    assert client.get(model_url(model, "findings/")).json() == {"elements": {}, "findings": []}


# ------------------------------------------------------------------------------------------------ bim-links
def test_links_are_listed_created_and_removed(api, owner, contractor, railway, model, wbs_task):
    created = api(owner).post(links_url(railway), {"task": wbs_task.pk, "kind": "selection", "name": "柱",
                                                   "global_ids": [gid("C1")]}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["kind_label"], body["name"], body["global_ids"], body["task"]) == (
        "selection", "Selection of elements", "柱", [gid("C1")], wbs_task.pk)
    listed = api(contractor).get(links_url(railway)).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert api(owner).delete(f"/api/v1/bim-links/{body['id']}/").status_code == 204
    assert not BimLink.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "storey", "storey": STOREY_1}, "task"),
    ({"task": "x", "kind": "storey", "storey": STOREY_1}, "task"),
    ({"task": "TASK", "kind": "floor", "storey": STOREY_1}, "kind"),
    ({"task": "TASK", "kind": "storey", "storey": gid("NOSTOREY")}, "storey"),
    ({"task": "TASK", "kind": "class", "ifc_class": "IfcBeam"}, "ifc_class"),
    ({"task": "TASK", "kind": "selection", "global_ids": [gid("NOPE")]}, "global_ids"),
    ({"task": "TASK", "kind": "selection", "global_ids": []}, "global_ids"),
    ({"task": "FOREIGN", "kind": "class", "ifc_class": "IfcWall"}, "task"),
    ({"task": "TASK", "kind": "class", "ifc_class": "IfcWall", "name": "长" * 101}, "name"),
])
def test_a_bad_link_is_refused_naming_the_field_and_nothing_changes(api, owner, railway, model, wbs_task, payload,
                                                                   field):
    foreign = ScheduleTask.objects.active().exclude(project=railway).first()
    data = {k: {"TASK": wbs_task.pk, "FOREIGN": foreign.pk}.get(v, v) if isinstance(v, str) else v
            for k, v in payload.items()}
    before = (BimLink.objects.count(), AuditEvent.objects.count())
    _error(api(owner).post(links_url(railway), data, content_type="application/json"), 400, field)
    assert (BimLink.objects.count(), AuditEvent.objects.count()) == before


# ------------------------------------------------------------------------------------------------ access
def _object_urls(railway, model, link) -> list[tuple[str, str]]:
    return [("get", models_url(railway)), ("post", models_url(railway)), ("get", model_url(model)),
            ("post", model_url(model, "retry/")), ("get", model_url(model, "elements/")),
            ("get", model_url(model, f"elements/{gid('W1', 0)}/")), ("get", model_url(model, "links/")),
            ("get", model_url(model, "status/")), ("get", model_url(model, "findings/")),
            ("get", links_url(railway)), ("post", links_url(railway)), ("delete", f"/api/v1/bim-links/{link.pk}/")]


def test_another_organisation_s_user_gets_404_on_every_object(api, other_contractor, railway, model, link):
    client = api(other_contractor)
    before = (BimModel.objects.count(), BimLink.objects.count(), AuditEvent.objects.count())
    for method, url in _object_urls(railway, model, link):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert (BimModel.objects.count(), BimLink.objects.count(), AuditEvent.objects.count()) == before


def test_a_user_who_sees_but_may_not_manage_gets_403_on_every_write(api, contractor, railway, model, link,
                                                                    wbs_task, tmp_path):
    client = api(contractor)
    failed = make_model(railway, model.uploaded_by, [], current=False, state="failed", retryable=True)
    writes = [client.post(models_url(railway), {"file": ifc_upload(tmp_path)}),
              client.post(model_url(failed, "retry/")),
              client.post(links_url(railway), {"task": wbs_task.pk, "kind": "class", "ifc_class": "IfcWall"},
                          content_type="application/json"),
              client.delete(f"/api/v1/bim-links/{link.pk}/")]
    assert [r.status_code for r in writes] == [403, 403, 403, 403]
    assert BimModel.objects.filter(project=railway).count() == 2 and BimLink.objects.filter(pk=link.pk).exists()
    failed.refresh_from_db()
    assert failed.state == "failed"
    for method, url in _object_urls(railway, model, link):
        if method == "get":
            assert getattr(client, method)(url).status_code == 200, url


# ------------------------------------------------------------------------------------------------ query counts
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_the_rows(api, contractor, railway, owner, staff):
    client = api(contractor)
    small = make_model(railway, owner, building(1))
    first = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
    services.link_create(actor=owner, project=railway, task=first, kind="class", ifc_class="IfcWall")
    plan = InspectionPlan.objects.create(project=railway, contractor=railway.owner, process="concrete_strength",
                                         title="墙体", required_samples=9, created_by=staff)
    Sample.objects.create(plan=plan, number="BIM-Q-0", location="墙", elements=gid("W1", 0), state="passed",
                          taken_on=D(2026, 5, 1), taken_by=staff)
    urls = lambda m: [models_url(railway), model_url(m, "elements/"), model_url(m, "links/"),  # noqa: E731
                      model_url(m, "status/"), model_url(m, "findings/"), links_url(railway)]
    few = [_queries(client, u) for u in urls(small)]
    big = make_model(railway, owner, building(30))
    for i in range(6):
        make_model(railway, owner, [], current=False, state="failed")
        t = task(railway, start=D(2026, 1, 1), finish=D(2026, 3, 31))
        services.link_create(actor=owner, project=railway, task=t, kind="storey",
                             storey=(STOREY_1, STOREY_2)[i % 2], ifc_class=("IfcWall", "")[i % 2])
        Sample.objects.create(plan=plan, number=f"BIM-Q-{i + 1}", location="墙", elements=gid("W1", i),
                              state="failed", taken_on=D(2026, 5, 1), taken_by=staff)
    many = [_queries(client, u) for u in urls(big)]
    assert many == few


# ------------------------------------------------------------------------------------------------ concurrency
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_retries_at_once_re_queue_the_model_once(demo_db, tmp_path):
    """The first re-queues it (and its reading, eager here, reads the real file); the second, waiting on the row
    lock, finds it no longer failed and is refused."""
    from portal.accounts.models import User

    owner = User.objects.get(username="owner")
    railway = Project.objects.get(name="杭温高速铁路义乌至温州段")
    failed = make_model(railway, owner, [], current=False, state="failed", error="读取中断", retryable=True,
                        content=ifc_upload(tmp_path).read())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def retry():
        from django.test import Client

        client = Client()
        client.force_login(owner)
        try:
            barrier.wait()
            response = client.post(model_url(failed, "retry/"))
            body = response.json()
            outcomes.append(f"{response.status_code} {body['error']['code'] if response.status_code >= 400 else 'ok'}")
        except Exception as exc:  # noqa: BLE001  (shown by the assertion below)
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["200 ok", "409 invalid_transition"], outcomes
    assert AuditEvent.objects.filter(object_id=str(failed.pk), to_state="queued").count() == 1
