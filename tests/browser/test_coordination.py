"""The issue list in a real browser: the contractor (赵刚, 华东路桥) raises a difficulty of one of his projects online
with a photo; bureau staff sign for it and assign it to 发改 (through the pages), the 发改 reviewer answers (through
the services); the contractor opens the issue from *my issues*, reads the answer and confirms it. The issue ends
"verified".

Assertions are on data, data-testid attributes and states, never on translated labels. Screenshots go to
test-artifacts/screenshots/coordination-*.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coordination import services
from coordination.models import IssueItem, IssueState
from portal.accounts.models import User
from portal.core.demo import DEMO_PASSWORD
from projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
TITLE = "浏览器测试：梁场临时用地审批缓慢"


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("home")), page.url


def log_out(page) -> None:
    page.context.clear_cookies()


def shoot(page, screenshots_dir, name: str) -> None:
    page.screenshot(path=str(screenshots_dir / f"coordination-{name}.png"), full_page=True)


def assert_clean(page) -> None:
    assert any(url.endswith(".css") for url in page.request_log.urls)
    assert page.request_log.external() == []
    assert page.request_log.failures == []


def test_contractor_raises_an_issue_and_confirms_the_answer(page, screenshots_dir, tmp_path):
    contractor = User.objects.get(username="contractor")
    reviewer = User.objects.get(username="reviewer")
    project = Project.objects.active().filter(participants__organization=contractor.organization).order_by(
        "pk").first()
    photo = tmp_path / "梁场现状.png"
    photo.write_bytes(PNG)

    # ---- the contractor raises the issue from the project's issues tab, with a field left empty first
    log_in(page, "contractor")
    page.goto(reverse("coordination:project-issues", args=[project.pk]))
    expect(page.get_by_test_id("project-issues")).to_be_visible()
    with page.expect_navigation():
        page.get_by_test_id("raise-issue").click()
    form = page.get_by_test_id("issue-form")
    assert form.locator("select[name=project]").input_value() == str(project.pk)
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=category]").select_option("land")
    form.locator("input[name=attachments]").set_input_files(str(photo))
    with page.expect_navigation():
        page.get_by_test_id("issue-submit").click()
    expect(page.locator(".has-error")).to_have_count(1)  # the description
    page.request_log.failures.clear()  # the refused form answers 400 on purpose
    assert not IssueItem.objects.filter(title=TITLE).exists()
    form = page.get_by_test_id("issue-form")
    form.locator("textarea[name=description]").fill("3号梁场临时用地报批已一个月，县自然资源局未出具意见，T梁预制无法开工。")
    form.locator("input[name=attachments]").set_input_files(str(photo))
    with page.expect_navigation():
        page.get_by_test_id("issue-submit").click()
    issue = IssueItem.objects.get(title=TITLE)
    assert page.url.endswith(issue.get_absolute_url())
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", IssueState.REPORTED.value)
    expect(page.get_by_test_id("attachment-download")).to_have_count(1)
    assert issue.company == contractor.organization and issue.attachments.count() == 1
    shoot(page, screenshots_dir, "raised")
    assert_clean(page)
    log_out(page)

    # ---- bureau staff sign for it and assign it to 发改 through the pages
    log_in(page, "staff")
    page.goto(reverse("coordination:board") + f"?q={issue.number}")
    expect(page.get_by_test_id("issue-row")).to_have_count(1)
    shoot(page, screenshots_dir, "board")
    with page.expect_navigation():
        page.get_by_test_id("issue-number").first.click()
    with page.expect_navigation():
        page.get_by_test_id("move-accept").click()
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", IssueState.ACCEPTED.value)
    with page.expect_navigation():
        page.get_by_test_id("move-assign").click()
    move_form = page.get_by_test_id("move-form")
    move_form.locator("select[name=department]").select_option(str(reviewer.organization_id))
    move_form.locator("textarea[name=note]").fill("请省发改委协调属地办理。")
    with page.expect_navigation():
        page.get_by_test_id("move-submit").click()
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", IssueState.ASSIGNED.value)
    log_out(page)

    # ---- the department answers (services)
    issue = services.issue_start(actor=reviewer, issue=IssueItem.objects.get(pk=issue.pk))
    services.issue_resolve(actor=reviewer, issue=issue, answer="已协调县自然资源局，临时用地审批意见本周内出具。")

    # ---- the contractor opens it from his issues and confirms the answer
    log_in(page, "contractor")
    page.goto(reverse("coordination:my-issues"))
    row = page.get_by_test_id("issue-row").filter(has_text=issue.number)
    expect(row.get_by_test_id("issue-state")).to_have_attribute("data-state", IssueState.RESOLVED.value)
    with page.expect_navigation():
        row.get_by_test_id("issue-number").click()
    expect(page.get_by_test_id("issue-answer")).to_contain_text("本周内出具")
    expect(page.get_by_test_id("timeline-row")).to_have_count(5)
    shoot(page, screenshots_dir, "answered")
    with page.expect_navigation():
        page.get_by_test_id("move-confirm").click()
    page.get_by_test_id("move-form").locator("textarea[name=comment]").fill("问题已解决，感谢。")
    with page.expect_navigation():
        page.get_by_test_id("move-submit").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", IssueState.VERIFIED.value)
    issue.refresh_from_db()
    assert issue.state == IssueState.VERIFIED and issue.verified_by == contractor
    assert issue.satisfied_count == 1 and issue.on_time is True
    shoot(page, screenshots_dir, "confirmed")
    assert_clean(page)


def test_issue_pages_pass_the_accessibility_check(page):
    """axe-core (tests/browser/test_accessibility.py) finds no serious or critical violation on the issue pages,
    as staff, as the 发改 reviewer and as the contractor."""
    from tests.browser.test_accessibility import check

    contractor = User.objects.get(username="contractor")
    project = Project.objects.active().filter(participants__organization=contractor.organization).order_by(
        "pk").first()
    issue = services.issue_raise(actor=contractor, project=project, title="无障碍检查", description="说明",
                                 category="land")
    accepted = services.issue_accept(actor=User.objects.get(username="staff"), issue=services.issue_raise(
        actor=contractor, project=project, title="无障碍检查二", description="说明", category="labour"))
    problems: list[str] = []
    log_in(page, "staff")
    check(page, reverse("coordination:issue-move", args=[accepted.pk, "assign"]), problems)
    for url in (reverse("coordination:board"), reverse("coordination:board") + "?overdue=on&state=open",
                issue.get_absolute_url(), reverse("coordination:issue-create"),
                reverse("coordination:issue-create") + f"?project={project.pk}",
                reverse("coordination:project-issues", args=[project.pk]),
                reverse("coordination:issue-reschedule", args=[issue.pk])):
        check(page, url, problems)
    log_out(page)
    log_in(page, "contractor")
    for url in (reverse("coordination:my-issues"), reverse("coordination:issue-create") + f"?project={project.pk}",
                issue.get_absolute_url()):
        check(page, url, problems)
    log_out(page)
    log_in(page, "reviewer")
    check(page, reverse("coordination:queue"), problems)
    assert problems == [], "\n".join(problems)


def test_the_meeting_forms_lists_follow_the_chosen_project_and_keep_what_was_typed(page, screenshots_dir):
    project = Project.objects.active().select_related("owner").exclude(owner=None).order_by("pk").first()
    log_in(page, "staff")
    page.goto(reverse("coordination:meeting-create"))
    organizations = page.locator("select[name=organizations] option")
    owner = f"select[name=organizations] option[value='{project.owner_id}']"
    assert page.locator(owner).count() == 0  # no project chosen: only the departments and the bureau
    page.locator("input[name=title]").fill("浏览器测试：现场协调会")
    with page.expect_navigation():  # the script presses "update the lists" once the choosing pauses
        page.locator("select[name=projects]").select_option(str(project.pk))
    expect(page.locator(owner)).to_have_count(1)
    assert organizations.count() > 1
    expect(page.locator("input[name=title]")).to_have_value("浏览器测试：现场协调会")
    shoot(page, screenshots_dir, "meeting-form")
    assert_clean(page)
