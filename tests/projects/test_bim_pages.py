"""The BIM pages: the project's BIM tab (current model, versions with their reading state, upload, links), one
version's page, the viewer page, and the files and JSON they load. Uploads go through the page and are read for
real (Celery runs eagerly in the tests; the reading's own tests are test_bim_reading.py); every page answers
another organisation's user 404, shows its managing controls only to those who may manage the project, and reads
in a number of queries that does not grow with the versions, links or elements."""

import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import User
from portal.core import policy
from projects.bim import demo as bim_demo
from projects.bim import selectors, services
from projects.models import BimElement, BimLink, BimModel, BimModelState, Project

sys.path.insert(0, str(Path(__file__).parent))  # the BIM tests' shared setup, bim_helpers.py beside this file

from bim_helpers import STOREY_1, building, ifc_upload, make_model, task  # noqa: E402

pytestmark = pytest.mark.django_db
RAILWAY = "杭温高速铁路义乌至温州段"


@pytest.fixture(autouse=True)
def _no_models_yet(db):
    """The railway starts without models or links, whatever the demo or an access-matrix world gave it."""
    BimLink.objects.filter(project__name=RAILWAY).delete()
    BimModel.objects.filter(project__name=RAILWAY).delete()


@pytest.fixture
def railway(db):
    return Project.objects.get(name=RAILWAY)


@pytest.fixture
def tasks(railway):
    import datetime

    d = datetime.date
    return [task(railway, start=d(2025, 1, 1), finish=d(2025, 6, 30), actual_start=d(2025, 1, 1),
                 actual_finish=d(2025, 6, 1), percent=100, name="一层主体结构"),
            task(railway, start=d(2025, 7, 1), finish=d(2030, 6, 30), actual_start=d(2025, 7, 1), percent=40,
                 name="二层主体结构")]


@pytest.fixture
def model(railway, staff, tasks):
    """A model read (elements written directly) with a storey link and a class link."""
    m = make_model(railway, staff, building())
    services.link_create(actor=staff, project=railway, task=tasks[0], kind="storey", storey=STOREY_1)
    services.link_create(actor=staff, project=railway, task=tasks[1], kind="class", ifc_class="IfcSlab")
    return m


def _post_upload(client, project, upload, **data):
    return client.post(reverse("projects:bim-upload", args=[project.pk]), {"file": upload, **data})


def test_the_users_of_the_test_see_and_manage_as_assumed(railway, owner, contractor, other_contractor):
    assert policy.can(owner, "manage", railway)
    assert policy.can(contractor, "view", railway) and not policy.can(contractor, "manage", railway)
    assert not policy.can(other_contractor, "view", railway)


# ------------------------------------------------------------------------------------------------ the tab
def test_the_tab_shows_the_current_model_versions_and_links_with_the_managing_controls(en, client_for, owner, model,
                                                                                        railway):
    page = en(owner).get(reverse("projects:bim", args=[railway.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("projects:bim-viewer", args=[model.pk])}"' in html
    assert 'data-testid="bim-upload"' in html and 'data-testid="bim-link-add"' in html
    assert html.count('data-testid="bim-link"') == 2 and html.count('data-testid="bim-link-delete"') == 2
    counts = [c.strip() for c in html.split('data-testid="bim-link-count">')[1:]]
    assert [c.split("<")[0] for c in counts] == ["7", "6"]  # storey 1: 3 walls, 3 slabs, the column; 6 slabs
    assert "IfcSlab (6)" in html  # the class choices come from the current model's counts
    assert "1层" in html  # the storey choices from its tree
    assert 'data-testid="bim-size-limit"' in html
    assert page.context["current"] == model


def test_the_tab_hides_the_managing_controls_from_who_may_only_see(client_for, contractor, model, railway):
    page = client_for(contractor).get(reverse("projects:bim", args=[railway.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="bim-open-viewer"' in html
    for control in ("bim-upload", "bim-link-add", "bim-link-delete", "bim-retry"):
        assert f'data-testid="{control}"' not in html


def test_the_tab_says_there_is_no_model_yet_and_no_tasks(en, client_for, owner, railway):
    railway.tasks.update(voided_at="2026-01-01T00:00:00+08:00")
    html = en(owner).get(reverse("projects:bim", args=[railway.pk])).content.decode()
    assert "No model yet." in html
    assert 'data-testid="bim-no-tasks"' in html and 'data-testid="bim-link-add"' not in html


def test_a_model_being_read_is_shown_with_its_progress_and_polled(en, client_for, owner, railway, staff):
    make_model(railway, staff, [], state="reading", current=False, progress=40, stage="几何转换")
    html = en(owner).get(reverse("projects:bim", args=[railway.pk])).content.decode()
    assert "The model is being read." in html
    assert 'data-testid="bim-progress"' in html and "40%" in html and "几何转换" in html
    assert "js/bim-status" in html  # the polling script, only while something is read
    assert 'data-status-url="/projects/bim/' in html


def test_the_tab_and_the_model_page_answer_in_the_same_number_of_queries_for_more_versions_and_links(
        client_for, owner, railway, staff, tasks):
    client = client_for(owner)
    counts = []
    for extra in (0, 4):
        for _ in range(extra):
            make_model(railway, staff, building(2), current=False, state="failed", error="截断")
        m = make_model(railway, staff, building(2 + extra))
        for i in range(extra + 1):
            services.link_create(actor=staff, project=railway, task=tasks[i % 2], kind="class", ifc_class="IfcWall",
                                 name=f"墙{extra}-{i}")
        with CaptureQueriesContext(connection) as tab:
            assert client.get(reverse("projects:bim", args=[railway.pk])).status_code == 200
        with CaptureQueriesContext(connection) as one:
            assert client.get(reverse("projects:bim-model", args=[m.pk])).status_code == 200
        counts.append((len(tab.captured_queries), len(one.captured_queries)))
    assert counts[0] == counts[1]


# ------------------------------------------------------------------------------------------------ uploading
def test_an_upload_through_the_page_is_queued_then_read_and_becomes_current(client_for, owner, railway, tmp_path,
                                                                           django_capture_on_commit_callbacks):
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post_upload(client, railway, ifc_upload(tmp_path), title="主体结构", note="第一版")
    assert answer.status_code == 302 and answer["Location"].endswith(f"/projects/{railway.pk}/bim/#versions")
    model = BimModel.objects.get(project=railway)
    assert (model.title, model.number, model.state, model.is_current) == ("主体结构", 1, "ready", True)
    assert model.element_count > 0 and BimElement.objects.filter(model=model).count() == model.element_count
    html = client.get(reverse("projects:bim", args=[railway.pk])).content.decode()
    assert 'data-testid="bim-current-tag"' in html


def test_an_upload_left_queued_stays_out_of_the_current_slot(client_for, owner, railway, tmp_path):
    # without the commit callbacks the reading is never started: the version waits, queued
    answer = _post_upload(client_for(owner), railway, ifc_upload(tmp_path))
    assert answer.status_code == 302
    model = BimModel.objects.get(project=railway)
    assert (model.state, model.is_current, model.progress) == ("queued", False, 0)
    status = client_for(owner).get(reverse("projects:bim-status", args=[model.pk]))
    assert status.status_code == 200 and status["Cache-Control"].count("no-store") == 1
    data = status.json()
    assert (data["state"], data["progress"], data["finished"], data["error"]) == ("queued", 0, False, "")


@pytest.mark.parametrize(("name", "content"), [
    ("notes.txt", b"hello"),
    ("model.ifc", b"PK\x03\x04 not a step file"),
    ("model.ifc", b"ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC2X2_FINAL'));\nENDSEC;\n"),
])
def test_a_bad_file_is_refused_on_the_file_field_and_nothing_is_stored(client_for, owner, railway, name, content):
    stored_before = sorted(p.name for p in Path(BimModel._meta.get_field("file").storage.location).rglob("*"))
    answer = _post_upload(client_for(owner), railway, SimpleUploadedFile(name, content))
    assert answer.status_code == 400
    errors = answer.context["upload_form"].errors
    assert list(errors) == ["file"] and errors["file"][0]
    assert 'data-testid="bim-upload"' in answer.content.decode()
    assert not BimModel.objects.filter(project=railway).exists()
    assert sorted(p.name for p in Path(BimModel._meta.get_field("file").storage.location).rglob("*")) == stored_before


def test_the_previous_version_stays_current_when_the_new_one_fails(client_for, owner, railway, staff, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    first = make_model(railway, staff, building())
    # an IFC whose header passes the checks but whose body is cut short: the reading fails
    path = tmp_path / "cut.ifc"
    from projects.bim.samples import build_ifc

    build_ifc(path)
    content = path.read_bytes()
    cut = content[: len(content) // 2]
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post_upload(client_for(owner), railway, SimpleUploadedFile("cut.ifc", cut))
    assert answer.status_code == 302
    second = BimModel.objects.get(project=railway, number=2)
    first.refresh_from_db()
    assert second.state == "failed" and second.error and not second.is_current
    assert first.is_current
    html = client_for(owner).get(reverse("projects:bim", args=[railway.pk])).content.decode()
    assert 'data-testid="bim-error"' in html and second.error.split("\n")[0][:20] in html


def test_an_upload_or_a_link_by_who_may_not_manage_is_refused_and_another_organisation_gets_404(
        client_for, contractor, other_contractor, railway, model, tasks, tmp_path):
    for user, code in ((contractor, 403), (other_contractor, 404)):
        client = client_for(user)
        assert _post_upload(client, railway, ifc_upload(tmp_path)).status_code == code
        answer = client.post(reverse("projects:bim-link-add", args=[railway.pk]),
                             {"task": tasks[0].pk, "kind": "class", "ifc_class": "IfcWall"})
        assert answer.status_code == code
        link = BimLink.objects.filter(project=railway).first()
        assert client.post(reverse("projects:bim-link-delete", args=[link.pk])).status_code == code
    assert BimModel.objects.filter(project=railway).count() == 1
    assert BimLink.objects.filter(project=railway).count() == 2


# ------------------------------------------------------------------------------------------------ links
def test_a_link_added_and_removed_through_the_page(client_for, owner, railway, model, tasks):
    client = client_for(owner)
    answer = client.post(reverse("projects:bim-link-add", args=[railway.pk]),
                         {"task": tasks[1].pk, "kind": "storey", "storey": STOREY_1, "ifc_class": "IfcColumn",
                          "name": ""})
    assert answer.status_code == 302 and answer["Location"].endswith("#links")
    link = BimLink.objects.get(project=railway, kind="storey", ifc_class="IfcColumn")
    assert (link.task, link.storey, link.storey_name) == (tasks[1], STOREY_1, "1层")
    answer = client.post(reverse("projects:bim-link-delete", args=[link.pk]))
    assert answer.status_code == 302 and not BimLink.objects.filter(pk=link.pk).exists()


def test_a_refused_link_is_shown_on_its_field_and_nothing_is_saved(client_for, owner, railway, model, tasks):
    answer = client_for(owner).post(reverse("projects:bim-link-add", args=[railway.pk]),
                                    {"task": tasks[0].pk, "kind": "selection", "global_ids": "NOSUCHELEMENT000000000"})
    assert answer.status_code == 400
    assert list(answer.context["link_form"].errors) == ["global_ids"]
    assert "NOSUCHELEMENT000000000" in answer.context["link_form"].errors["global_ids"][0]
    assert BimLink.objects.filter(project=railway).count() == 2


# ------------------------------------------------------------------------------------------------ one version
def test_the_model_page_shows_what_the_reading_found(en, client_for, contractor, railway, staff, tasks):
    m = make_model(railway, staff, building(), read_seconds=1.25, peak_memory_kb=204800,
                   quantities={"IfcWall": {"NetVolume": 12.5, "Length": 30.0}})
    m.started_at = m.created_at
    m.save(update_fields=["started_at"])
    page = en(contractor).get(reverse("projects:bim-model", args=[m.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="bim-tree-node"') == 4  # site, building, two storeys
    assert "13 elements" in html  # the site holds the building's 13
    assert "7 elements" in html and "6 elements" in html  # the storeys
    assert "m³" in html and "12.5" in html and "m<" in html
    assert "1.2 s" in html or "1.3 s" in html
    assert "peak memory 200 MB" in html
    assert f'href="{reverse("projects:bim-file", args=[m.pk])}"' in html
    assert 'data-testid="bim-retry"' not in html


def test_a_failed_interrupted_version_is_retried_from_its_page(client_for, owner, contractor, railway, staff,
                                                              django_capture_on_commit_callbacks):
    m = make_model(railway, staff, [], state="failed", current=False, error="读取中断（工作进程被终止）；请重试",
                   retryable=True)
    assert 'data-testid="bim-retry"' not in client_for(contractor).get(
        reverse("projects:bim-model", args=[m.pk])).content.decode()
    assert client_for(contractor).post(reverse("projects:bim-retry", args=[m.pk])).status_code == 403
    client = client_for(owner)
    html = client.get(reverse("projects:bim-model", args=[m.pk])).content.decode()
    assert 'data-testid="bim-retry"' in html and "读取中断" in html
    answer = client.post(reverse("projects:bim-retry", args=[m.pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("projects:bim-model", args=[m.pk])
    m.refresh_from_db()
    assert m.state == "queued" and m.error == ""
    # a second retry is refused with the service's words, shown as a message
    answer = client.post(reverse("projects:bim-retry", args=[m.pk]), follow=True)
    assert any(f"“{BimModelState.QUEUED.label}”" in str(msg) for msg in answer.context["messages"])


def test_the_ifc_downloads_under_its_name_for_who_sees_it(client_for, contractor, other_contractor, model):
    answer = client_for(contractor).get(reverse("projects:bim-file", args=[model.pk]))
    assert answer.status_code == 200 and b"".join(answer.streaming_content).startswith(b"ISO-10303-21;")
    assert 'filename="model.ifc"' in answer["Content-Disposition"]
    assert client_for(other_contractor).get(reverse("projects:bim-file", args=[model.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------ geometry, viewer
def test_the_geometry_is_served_with_an_etag_and_revalidated_with_304(client_for, contractor, other_contractor,
                                                                     model):
    model.geometry.save("test.glb", ContentFile(b"glTF\x02\x00\x00\x00" + b"\x00" * 64))
    client = client_for(contractor)
    answer = client.get(reverse("projects:bim-geometry", args=[model.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "model/gltf-binary"
    assert b"".join(answer.streaming_content).startswith(b"glTF")
    etag = answer["ETag"]
    assert etag.startswith('"') and "private" in answer["Cache-Control"]
    again = client.get(reverse("projects:bim-geometry", args=[model.pk]), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    stale = client.get(reverse("projects:bim-geometry", args=[model.pk]), HTTP_IF_NONE_MATCH='"other"')
    assert stale.status_code == 200
    assert client_for(other_contractor).get(reverse("projects:bim-geometry", args=[model.pk])).status_code == 404


def test_a_version_without_geometry_has_none_to_serve(client_for, owner, railway, staff):
    m = make_model(railway, staff, [], state="failed", current=False)
    assert client_for(owner).get(reverse("projects:bim-geometry", args=[m.pk])).status_code == 404


def test_the_viewer_page_carries_its_configuration(client_for, owner, contractor, model, railway, tasks):
    page = client_for(owner).get(reverse("projects:bim-viewer", args=[model.pk]))
    assert page.status_code == 200
    config = page.context["viewer_config"]
    assert config["geometry"] == reverse("projects:bim-geometry", args=[model.pk])
    assert config["element"] == f"/api/v1/bim-models/{model.pk}/elements/__gid__/"
    assert config["links"] == f"/api/v1/bim-models/{model.pk}/links/"
    assert config["status"] == f"/api/v1/bim-models/{model.pk}/status/"
    assert config["findings"] == f"/api/v1/bim-models/{model.pk}/findings/"
    assert config["link_create"] == f"/api/v1/projects/{railway.pk}/bim-links/"
    assert config["date_min"] <= "2025-01-01" and config["date_max"] >= "2030-06-30"
    assert set(config["colours"]) == set(config["labels"]) == {"done", "in_progress", "late", "not_started",
                                                               "failed", "pending", "passed"}
    assert config["model"] == {"id": model.pk, "title": model.title, "number": model.number,
                               "element_count": model.element_count}
    assert 'id="bim-config"' in page.content.decode()
    assert {t.pk for t in page.context["tasks"]} >= {t.pk for t in tasks}
    seen = client_for(contractor).get(reverse("projects:bim-viewer", args=[model.pk]))
    assert seen.status_code == 200 and seen.context["viewer_config"]["link_create"] is None


def test_the_viewer_of_a_version_not_read_sends_to_its_page(client_for, owner, railway, staff):
    m = make_model(railway, staff, [], state="queued", current=False)
    answer = client_for(owner).get(reverse("projects:bim-viewer", args=[m.pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("projects:bim-model", args=[m.pk])


@pytest.mark.parametrize("name", ["projects:bim-model", "projects:bim-status", "projects:bim-viewer",
                                  "projects:bim-file"])
def test_another_organisation_gets_404_on_a_version(client_for, other_contractor, model, name):
    assert client_for(other_contractor).get(reverse(name, args=[model.pk])).status_code == 404


def test_another_organisation_gets_404_on_the_tab(client_for, other_contractor, railway):
    assert client_for(other_contractor).get(reverse("projects:bim", args=[railway.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------ demo
def test_the_demo_reads_the_terminal_and_links_it_to_the_airport_schedule():
    project = Project.objects.get(name=bim_demo.AIRPORT)
    model = BimModel.objects.filter(project=project, title=bim_demo.TITLE).get()
    assert model.state == "ready" and model.element_count > 0 and model.geometry
    names = set(BimLink.objects.filter(project=project).values_list("name", flat=True))
    assert {row[0] for row in bim_demo.LINKS} | {bim_demo.SELECTION[0]} <= names
    selection = BimLink.objects.get(project=project, name=bim_demo.SELECTION[0])
    assert selection.kind == "selection" and len(selection.global_ids) == bim_demo.SELECTION[3]


def test_the_demo_terminal_s_columns_carry_the_inspection_results_of_their_samples():
    project = Project.objects.get(name=bim_demo.AIRPORT)
    model = BimModel.objects.get(project=project, is_current=True)
    staff = User.objects.get(username="staff")
    found = selectors.findings(model, staff)
    assert sorted(f["result"] for f in found["findings"]) == ["failed", "passed", "pending"]
    classes = set(BimElement.objects.filter(model=model, index__in=[int(i) for i in found["elements"]])
                  .values_list("ifc_class", flat=True))
    assert classes == {"IfcColumn"} and sorted(set(found["elements"].values())) == ["failed", "passed", "pending"]


def test_the_demo_runs_twice_without_adding():
    before = (BimModel.objects.count(), BimLink.objects.count())
    result = bim_demo.seed()
    assert (BimModel.objects.count(), BimLink.objects.count()) == before
    assert "bim_links_created" not in result
