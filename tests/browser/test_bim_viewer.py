"""The BIM viewer in a real browser (issue 15: "a browser test that opens the viewer, picks an element and saves a
screenshot"). A small building built with IfcOpenShell (projects.bim.samples) is read by the real reading code
into a model of a demo project with two schedule tasks, one done and one late, each linked to one storey; an
inspection plug-in names one element as failed. The owner opens the viewer: the GLB is drawn (WebGL by Chromium's
software renderer, SwiftShader), a click in the middle of the canvas picks an element whose GlobalId and IFC class
the side panel shows, the progress colours' legend counts the storeys' elements as the server does, the date
slider replays, the inspection colours count the failed element, and the picked element is linked to a task
through the JSON API with the page's CSRF token.

Assertions are on data and data-testid attributes, never on translated labels. Screenshots go to
test-artifacts/screenshots/bim-viewer-*.png."""

import datetime
import json
import os
from pathlib import Path

import pytest
from django.core.files import File
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.core import plugins
from portal.core.plugins import ElementFinding, Plugin
from projects.models import BimElement, BimLink, BimModel, ScheduleTask
from projects.schedule import services as schedule_services

from ..supervision.sites_helpers import project
from .conftest import CHROMIUM, CHROMIUM_ARGS
from .test_accessibility import axe_violations, describe
from .test_sites_live import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

# WebGL in headless Chromium without a GPU: SwiftShader, which Chromium now uses for WebGL only when asked to.
# Local to this module: the other browser tests keep conftest's launch arguments.
WEBGL_ARGS = ["--enable-unsafe-swiftshader"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # as conftest's browser fixture: the ORM beside Playwright
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + WEBGL_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def shoot(page, screenshots_dir, name: str) -> None:
    page.screenshot(path=str(screenshots_dir / f"bim-viewer-{name}.png"), full_page=True)


def read_sample(site, actor, tmp_path) -> BimModel:
    """The sample building (two storeys, walls, slabs, columns, a window) read as an upload is read."""
    from projects.bim import reading, samples

    path = tmp_path / "sample.ifc"
    samples.build_ifc(path, schema="IFC4", storeys=2)
    with path.open("rb") as fh:
        model = BimModel.objects.create(
            project=site, number=1, title="综合楼结构模型", file=File(fh, name="sample.ifc"),
            original_name="sample.ifc", size=path.stat().st_size, sha256="0" * 64, uploaded_by=actor)
    reading.read_model(model.pk)
    model.refresh_from_db()
    assert model.state == "ready", model.error
    return model


def storeys(model: BimModel) -> list[tuple[str, list[int]]]:
    """(storey GlobalId, indices of its elements) for each storey holding elements, in index order."""
    found: dict[str, list[int]] = {}
    for element in BimElement.objects.filter(model=model).order_by("index"):
        if element.storey:
            found.setdefault(element.storey, []).append(element.index)
    return list(found.items())


def test_the_viewer_draws_the_model_picks_an_element_and_colours_it_by_progress_and_inspection(
        page, live_server, screenshots_dir, tmp_path, monkeypatch):
    # given a read model of a demo project, two tasks (one done, one late) each linked to one storey
    site = project()
    owner = User.objects.get(username="owner")
    model = read_sample(site, owner, tmp_path)
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    done = schedule_services.task_create(
        actor=owner, project=site, wbs="91", name="一层结构施工", planned_start=today - 100 * day,
        planned_finish=today - 40 * day, actual_start=today - 100 * day, actual_finish=today - 45 * day,
        percent_complete=100)
    late = schedule_services.task_create(
        actor=owner, project=site, wbs="92", name="二层结构施工", planned_start=today - 60 * day,
        planned_finish=today - 10 * day, actual_start=today - 55 * day, percent_complete=50)
    (first_storey, first), (second_storey, second) = storeys(model)[:2]
    BimLink.objects.create(project=site, task=done, kind="storey", name="一层", storey=first_storey,
                           storey_name="1F", created_by=owner)
    BimLink.objects.create(project=site, task=late, kind="storey", name="二层", storey=second_storey,
                           storey_name="2F", created_by=owner)
    # an inspection (a supervision sample) names one element of the second storey as failed
    failed = BimElement.objects.get(model=model, index=second[0])
    monkeypatch.setitem(plugins._plugins, "bim_viewer_test", Plugin(element_findings=lambda project, user: [
        ElementFinding(global_ids=(failed.global_id,), result="failed", label="S-001 C30 混凝土试块 不合格",
                       url="/supervision/", date=today - 20 * day)] if project.pk == site.pk else []))

    # the owner opens the viewer: the GLB is drawn
    log_in(page, "owner")
    page.goto(reverse("projects:bim-viewer", args=[model.pk]))
    root = page.get_by_test_id("bim-viewer")
    expect(root).to_have_attribute("data-state", "ready", timeout=30_000)
    expect(page.get_by_test_id("bim-overlay")).to_be_hidden()
    config = json.loads(page.locator("#bim-config").text_content())
    assert config["geometry"] == reverse("projects:bim-geometry", args=[model.pk])
    shoot(page, screenshots_dir, "opened")

    # a click in the middle of the canvas (the view is fitted to the model) picks an element
    canvas = page.get_by_test_id("bim-canvas")
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    card = page.get_by_test_id("bim-element")
    expect(card).to_have_attribute("data-loaded", "true")
    picked = BimElement.objects.get(model=model, index=int(card.get_attribute("data-index")))
    assert picked.has_geometry
    expect(card.get_by_test_id("bim-gid")).to_have_text(picked.global_id)
    expect(card.get_by_test_id("bim-class")).to_have_text(picked.ifc_class)
    expect(root).to_have_attribute("data-selected", "1")
    shoot(page, screenshots_dir, "picked")
    # Shift and click on a selected element takes it out of the selection; a plain click picks it again
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.up("Shift")
    expect(root).to_have_attribute("data-selected", "0")
    expect(page.get_by_test_id("bim-panel-empty")).to_be_visible()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(root).to_have_attribute("data-selected", "1")
    expect(card).to_have_attribute("data-loaded", "true")

    # coloured by progress today: the first storey's elements done, the second's late, as the server counts them
    page.get_by_test_id("bim-modes").locator("label:has([data-testid=bim-mode-progress])").click()
    expect(root).to_have_attribute("data-painted", f"progress:{today.isoformat()}")
    legend = page.get_by_test_id("bim-legend")
    expect(legend.locator("li[data-key=done] [data-count]")).to_have_attribute("data-count", str(len(first)))
    expect(legend.locator("li[data-key=late] [data-count]")).to_have_attribute("data-count", str(len(second)))
    expect(legend.locator("li[data-key=in_progress] [data-count]")).to_have_attribute("data-count", "0")
    status = page.request.get(config["status"] + "?date=" + today.isoformat()).json()
    assert status["counts"].get("done", 0) == len(first) and status["counts"].get("late", 0) == len(second)
    shoot(page, screenshots_dir, "progress")

    # 70 days ago: the first storey was being built, the second not started
    then = today - 70 * day
    page.get_by_test_id("bim-date").fill(then.isoformat())
    page.get_by_test_id("bim-date").dispatch_event("change")
    expect(root).to_have_attribute("data-painted", f"progress:{then.isoformat()}")
    expect(legend.locator("li[data-key=in_progress] [data-count]")).to_have_attribute("data-count", str(len(first)))
    expect(legend.locator("li[data-key=not_started] [data-count]")).to_have_attribute("data-count", str(len(second)))
    # the slider moved to its first day replays from the schedule's start
    slider = page.get_by_test_id("bim-date-slider")
    slider.focus()
    page.keyboard.press("Home")
    start = page.get_by_test_id("bim-date").input_value()
    assert start == config["date_min"] and start < then.isoformat()
    expect(root).to_have_attribute("data-painted", f"progress:{start}")

    # coloured by inspection: the failed element
    page.get_by_test_id("bim-modes").locator("label:has([data-testid=bim-mode-inspections])").click()
    expect(root).to_have_attribute("data-painted", "inspections")
    expect(legend.locator("li[data-key=failed] [data-count]")).to_have_attribute("data-count", "1")
    shoot(page, screenshots_dir, "inspections")

    # the picked element is linked to the late task through the API (JSON, the form's CSRF token)
    form = page.get_by_test_id("bim-link-form")
    expect(form).to_be_visible()
    form.locator("select[name=task]").select_option(str(late.pk))
    form.locator("input[name=name]").fill("选中构件")
    form.get_by_test_id("bim-link-submit").click()
    expect(form).to_have_attribute("data-state", "saved")
    link = BimLink.objects.get(project=site, kind="selection", name="选中构件")
    assert (link.task_id, link.global_ids, link.created_by_id) == (late.pk, [picked.global_id], owner.pk)

    # the section plane cuts the model; nothing on the page left the portal or broke its rules
    page.get_by_test_id("bim-section").check()
    page.get_by_test_id("bim-section-pos").fill("40")
    expect(root).to_have_attribute("data-section", "z:40")
    shoot(page, screenshots_dir, "section")
    violations = axe_violations(page)
    assert not violations, describe(page.url, violations)
    assert page.request_log.external() == []
    assert page.request_log.failures == []
    assert ScheduleTask.objects.filter(pk__in=[done.pk, late.pk]).count() == 2


def test_a_model_that_cannot_be_drawn_says_so(page, live_server, tmp_path):
    """A GLB that is not one (a damaged file in the storage): the viewer says the model could not be loaded; a
    model without geometry: the viewer says there is nothing to show."""
    site = project()
    owner = User.objects.get(username="owner")
    model = read_sample(site, owner, tmp_path)
    with model.geometry.open("wb") as fh:
        fh.write(b"not a GLB at all")
    log_in(page, "owner")
    page.goto(reverse("projects:bim-viewer", args=[model.pk]))
    root = page.get_by_test_id("bim-viewer")
    expect(root).to_have_attribute("data-state", "failed", timeout=30_000)
    expect(root).to_have_attribute("data-reason", "load-failed")
    expect(page.get_by_test_id("bim-overlay")).to_be_visible()
    expect(page.get_by_test_id("bim-mode-progress")).to_be_disabled()

    BimModel.objects.filter(pk=model.pk).update(geometry="", geometry_size=0)
    page.reload()
    expect(root).to_have_attribute("data-state", "failed")
    expect(root).to_have_attribute("data-reason", "no-geometry")
    expect(page.get_by_test_id("bim-overlay")).to_be_visible()
