"""The schedule in a real browser: the owner opens the Gantt chart of a demo motorway from its schedule tab; the
self-hosted frappe-gantt draws one bar per task from the JSON endpoint, coloured by status, milestones as
diamonds, baseline lines under the bars, in every time scale, without a request leaving the server. A contractor
finds the work its organisation owes and reports progress on it.

Assertions are on data and data-testid attributes, never on translated labels. Screenshots go to
test-artifacts/screenshots/gantt*.png and schedule-*.png."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.core.demo import DEMO_PASSWORD
from projects.models import Project, ScheduleTask
from projects.schedule import selectors

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

MOTORWAY = "湖杭高速公路二期工程"


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("home")), page.url


def assert_clean(page) -> None:
    assert any(url.endswith(".css") for url in page.request_log.urls)
    assert page.request_log.external() == []
    assert page.request_log.failures == []


def test_owner_opens_the_gantt_of_a_demo_project(page, screenshots_dir):
    project = Project.objects.get(name=MOTORWAY)
    view = selectors.schedule_view(project=project)
    statuses = [row.status for row in view.rows]
    milestones = sum(1 for row in view.rows if row.task.is_milestone)
    assert len(view.rows) >= 20 and "critical_late" in statuses and milestones >= 3

    log_in(page, "owner")
    page.goto(reverse("projects:schedule", args=[project.pk]))
    expect(page.get_by_test_id("task-row")).to_have_count(len(view.rows))
    expect(page.locator("[data-testid=task-row][data-status=critical_late]")).to_have_count(
        statuses.count("critical_late"))
    page.screenshot(path=str(screenshots_dir / "schedule-list.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_test_id("subnav-gantt").click()
    gantt = page.get_by_test_id("gantt")
    expect(gantt).to_have_attribute("data-state", "drawn")
    bars = page.locator("#gantt .bar-wrapper")
    expect(bars).to_have_count(len(view.rows))
    assert page.locator("#gantt .bar-wrapper .bar").first.bounding_box()["width"] > 0
    expect(page.locator("#gantt .bar-wrapper.gs-critical_late")).to_have_count(statuses.count("critical_late"))
    expect(page.locator("#gantt .bar-wrapper.gs-complete")).to_have_count(statuses.count("complete"))
    expect(page.get_by_test_id("gantt-milestone")).to_have_count(milestones)
    expect(page.get_by_test_id("gantt-baseline")).to_have_count(sum(1 for r in view.rows if r.baseline_finish))
    expect(page.locator("#gantt g.arrow path")).not_to_have_count(0)  # the dependencies
    expect(gantt).to_have_attribute("data-renders", "1")  # the labels are placed
    page.screenshot(path=str(screenshots_dir / "gantt.png"), full_page=True)
    assert_opens_on_today_or_the_start(page, view)
    assert_names_are_level_with_their_bars(page, view)
    assert_labels_are_whole_or_shortened_with_a_tooltip(page)

    late = next(r for r in view.rows if r.status == "critical_late" and not r.task.is_milestone)
    page.locator(f"#gantt .bar-wrapper[data-id='t{late.task.pk}']").click()
    popup = page.locator("#gantt .popup-wrapper")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text(late.task.name)
    expect(popup.locator(f"a[href='{reverse('projects:task', args=[project.pk, late.task.pk])}']")).to_have_count(1)
    page.screenshot(path=str(screenshots_dir / "gantt-popup.png"))

    for n, mode in enumerate(("week", "day", "month"), start=2):
        page.get_by_test_id(f"gantt-mode-{mode}").click()
        expect(gantt).to_have_attribute("data-mode", mode.capitalize())
        expect(bars).to_have_count(len(view.rows))
        expect(page.get_by_test_id("gantt-milestone")).to_have_count(milestones)
        expect(gantt).to_have_attribute("data-renders", str(n))
        assert_names_are_level_with_their_bars(page, view)
        assert_labels_are_whole_or_shortened_with_a_tooltip(page)
    page.get_by_test_id("gantt-mode-week").click()
    page.screenshot(path=str(screenshots_dir / "gantt-week.png"), full_page=True)

    page.goto(reverse("projects:raci", args=[project.pk]))
    expect(page.get_by_test_id("raci-row")).to_have_count(len(view.rows))
    expect(page.locator("[data-testid=raci-cell] .raci-letter.raci-A.on")).to_have_count(len(view.rows))
    page.screenshot(path=str(screenshots_dir / "schedule-raci.png"), full_page=True)
    assert_clean(page)


def test_the_late_tasks_are_listed_and_each_one_is_found_on_the_chart(page, screenshots_dir):
    project = Project.objects.get(name=MOTORWAY)
    view = selectors.schedule_view(project=project)
    late = sorted((r for r in view.rows if r.status in ("late", "critical_late")),
                  key=lambda r: (r.task.planned_start, view.rows.index(r)))
    assert len(late) >= 2
    log_in(page, "owner")
    page.goto(reverse("projects:gantt", args=[project.pk]))
    gantt = page.get_by_test_id("gantt")
    expect(gantt).to_have_attribute("data-renders", "1")
    items = page.get_by_test_id("gantt-late-item")
    expect(items).to_have_count(len(late))
    assert sorted(items.evaluate_all("els => els.map(e => e.dataset.id)")) == sorted(f"t{r.task.pk}" for r in late)
    for i in (0, len(late) - 1):  # the first and the last: at opposite ends of the chart
        items.nth(i).click()
        assert_task_is_shown_and_highlighted(page, items.nth(i).get_attribute("data-id"))
    page.screenshot(path=str(screenshots_dir / "gantt-late.png"), full_page=True)
    # "Next late task" goes through them in order, from the one after the last shown (here: back to the first).
    page.get_by_test_id("gantt-late-next").click()
    assert_task_is_shown_and_highlighted(page, items.nth(0).get_attribute("data-id"))
    page.get_by_test_id("gantt-late-next").click()
    assert_task_is_shown_and_highlighted(page, items.nth(1).get_attribute("data-id"))
    # A name in the name column does the same for its task.
    name = page.locator("[data-testid=gantt-name]").last
    name.click()
    assert_task_is_shown_and_highlighted(page, name.get_attribute("data-id"))
    # The name column stays put while the chart scrolls sideways.
    before = page.get_by_test_id("gantt-names").bounding_box()
    page.locator("#gantt .gantt-container").evaluate("box => { box.scrollLeft = 0; }")
    assert page.get_by_test_id("gantt-names").bounding_box() == before

    # The demo motorway is past its planned finish; with a task running beyond today, the chart opens on today.
    running = next(r.task for r in reversed(view.rows) if not r.task.is_milestone and not r.is_summary)
    ScheduleTask.objects.filter(pk=running.pk).update(planned_finish=view.today + datetime.timedelta(days=120))
    view = selectors.schedule_view(project=project)
    assert min(r.task.planned_start for r in view.rows) <= view.today <= max(r.task.planned_finish for r in view.rows)
    page.reload()
    expect(gantt).to_have_attribute("data-renders", "1")
    assert_opens_on_today_or_the_start(page, view)
    page.screenshot(path=str(screenshots_dir / "gantt-today.png"), full_page=True)
    assert_clean(page)


# ------------------------------------------------------------------------------------------ what the chart shows
def _chart_box(page) -> dict:
    return page.locator("#gantt .gantt-container").evaluate(
        "box => { const r = box.getBoundingClientRect(); return {left: r.left, right: r.left + box.clientWidth,"
        " scroll: box.scrollLeft}; }")


def assert_opens_on_today_or_the_start(page, view) -> None:
    """Today is in the visible part of the chart when it is within the project's span; else the project's first
    day (not begun) or its last (past its planned finish)."""
    first = min(r.task.planned_start for r in view.rows)
    last = max(r.task.planned_finish for r in view.rows)
    gantt = page.get_by_test_id("gantt")
    box = _chart_box(page)
    edges = page.locator("#gantt .bar-wrapper .bar").evaluate_all(
        "bars => [Math.min(...bars.map(b => b.getBoundingClientRect().left)),"
        " Math.max(...bars.map(b => b.getBoundingClientRect().right))]")
    if first <= view.today <= last:
        assert gantt.get_attribute("data-focus") == view.today.isoformat()
        today = page.locator("#gantt .current-highlight").bounding_box()
        assert box["left"] + 100 < today["x"] < box["right"] - 100, (box, today)
    elif view.today < first:
        assert gantt.get_attribute("data-focus") == first.isoformat()
        assert box["left"] <= edges[0] < box["left"] + 100, (box, edges)
    else:
        assert gantt.get_attribute("data-focus") == last.isoformat()
        assert box["right"] - 300 < edges[1] <= box["right"], (box, edges)
        assert box["scroll"] > 0


def assert_names_are_level_with_their_bars(page, view) -> None:
    names = page.get_by_test_id("gantt-name")
    expect(names).to_have_count(len(view.rows))
    assert names.evaluate_all("els => els.map(e => e.querySelector('.wbs').textContent)") == [
        r.task.wbs for r in view.rows]
    offsets = page.evaluate("""() => [...document.querySelectorAll('[data-testid=gantt-name]')].map(name => {
        const bar = document.querySelector(`#gantt .bar-wrapper[data-id="${name.dataset.id}"] .bar`);
        const a = name.getBoundingClientRect(), b = bar.getBoundingClientRect();
        return Math.round(Math.abs((a.top + a.height / 2) - (b.top + b.height / 2)) * 10) / 10;
    })""")
    assert max(offsets) <= 1, offsets
    # Every bar is as tall as the chart draws it (a page-wide .bar style once squeezed the unfinished part).
    heights = page.locator("#gantt .bar-wrapper .bar").evaluate_all(
        "bars => bars.map(b => Math.round(b.getBoundingClientRect().height))")
    assert set(heights) == {22}, heights
    # …and as wide as its dates at once (the library's growing animation is off: screenshots show the chart).
    widths = page.locator("#gantt .bar-wrapper .bar").evaluate_all(
        "bars => bars.map(b => Math.abs(b.getBoundingClientRect().width - b.width.baseVal.value))")
    assert max(widths) < 1, widths
    # The column is beside the chart, not over it.
    names_box = page.get_by_test_id("gantt-names").bounding_box()
    assert names_box["width"] >= 150 and names_box["x"] + names_box["width"] <= _chart_box(page)["left"] + 1


def assert_labels_are_whole_or_shortened_with_a_tooltip(page) -> None:
    """Every bar label lies inside the chart's drawing; a shortened one ends with … and its bar's tooltip (SVG
    title) is the whole name."""
    labels = page.evaluate("""() => {
        const svg = document.querySelector('#gantt svg.gantt');
        const width = svg.querySelector('.grid-row').width.baseVal.value;
        return [...svg.querySelectorAll('.bar-wrapper')].map(g => {
            const label = g.querySelector('.bar-label'), box = label.getBBox();
            return {text: label.textContent, title: g.querySelector('title').textContent, left: box.x,
                    right: box.x + box.width, width, cut: label.dataset.truncated === 'true'};
        });
    }""")
    for label in labels:
        assert label["left"] >= -0.5 and label["right"] <= label["width"] + 0.5, label
        if label["cut"]:
            assert label["text"].endswith("…") and label["title"].startswith(label["text"][:-1]), label
        else:
            assert label["text"] == label["title"], label
    assert sum(1 for label in labels if label["cut"]) <= len(labels) // 4  # shortening is the exception


def assert_task_is_shown_and_highlighted(page, task_id: str) -> None:
    gantt = page.get_by_test_id("gantt")
    expect(gantt).to_have_attribute("data-focused", task_id)
    bar = page.locator(f"#gantt .bar-wrapper[data-id='{task_id}']")
    expect(bar).to_have_class(re.compile(r"\bis-focused\b"))
    expect(page.locator(f"[data-testid=gantt-name][data-id='{task_id}']")).to_have_class(re.compile(r"\bis-focused\b"))
    expect(page.locator("#gantt .row-focus")).to_have_count(1)
    box, shape = _chart_box(page), bar.locator(".bar").bounding_box()
    # Some of the bar is in the visible part of the chart, and the row is in the window.
    assert shape["x"] < box["right"] and shape["x"] + max(shape["width"], 1) > box["left"], (box, shape)
    viewport = page.viewport_size
    assert shape["y"] >= 0 and shape["y"] + shape["height"] <= viewport["height"], shape


def test_contractor_reports_progress_on_a_task_its_organisation_owes(page, screenshots_dir):
    log_in(page, "contractor")
    page.goto(reverse("projects:my-responsibilities"))
    rows = page.get_by_test_id("owed-row")
    expect(rows.first).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "schedule-my-responsibilities.png"), full_page=True)
    task = ScheduleTask.objects.get(pk=int(rows.first.get_attribute("data-task")))
    with page.expect_navigation():
        rows.first.locator(f"a[href='{reverse('projects:task-progress', args=[task.project_id, task.pk])}']").click()
    form = page.get_by_test_id("progress-form")
    target = min(task.percent_complete + 5, 99)
    form.locator("input[name=percent_complete]").fill(str(target))
    if task.actual_start is None:
        form.locator("input[name=actual_start]").fill(task.planned_start.isoformat())
    with page.expect_navigation():
        page.get_by_test_id("progress-save").click()
    expect(page.locator(".msg-success")).to_be_visible()
    task.refresh_from_db()
    assert task.percent_complete == target and task.version >= 2
    expect(page.get_by_test_id("task-edit")).to_have_count(0)  # progress, never the plan
    page.screenshot(path=str(screenshots_dir / "schedule-task.png"), full_page=True)
    assert_clean(page)
