"""The schedule in a real browser: the owner opens the Gantt chart of a demo motorway from its schedule tab; the
self-hosted frappe-gantt draws one bar per task from the JSON endpoint, coloured by status, milestones as
diamonds, baseline lines under the bars, in every time scale, without a request leaving the server. A contractor
finds the work its organisation owes and reports progress on it.

Assertions are on data and data-testid attributes, never on translated labels. Screenshots go to
test-artifacts/screenshots/gantt*.png and schedule-*.png."""

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
    page.screenshot(path=str(screenshots_dir / "gantt.png"), full_page=True)

    late = next(r for r in view.rows if r.status == "critical_late" and not r.task.is_milestone)
    page.locator(f"#gantt .bar-wrapper[data-id='t{late.task.pk}']").click()
    popup = page.locator("#gantt .popup-wrapper")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text(late.task.name)
    expect(popup.locator(f"a[href='{reverse('projects:task', args=[project.pk, late.task.pk])}']")).to_have_count(1)
    page.screenshot(path=str(screenshots_dir / "gantt-popup.png"))

    for mode in ("week", "day", "month"):
        page.get_by_test_id(f"gantt-mode-{mode}").click()
        expect(gantt).to_have_attribute("data-mode", mode.capitalize())
        expect(bars).to_have_count(len(view.rows))
        expect(page.get_by_test_id("gantt-milestone")).to_have_count(milestones)
    page.get_by_test_id("gantt-mode-week").click()
    page.screenshot(path=str(screenshots_dir / "gantt-week.png"), full_page=True)

    page.goto(reverse("projects:raci", args=[project.pk]))
    expect(page.get_by_test_id("raci-row")).to_have_count(len(view.rows))
    expect(page.locator("[data-testid=raci-cell] .raci-letter.raci-A.on")).to_have_count(len(view.rows))
    page.screenshot(path=str(screenshots_dir / "schedule-raci.png"), full_page=True)
    assert_clean(page)


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
