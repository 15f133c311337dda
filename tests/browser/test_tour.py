"""The README's "What to try in the demo", walked in a real browser as each role: every login finds, in a page or
two, the work the walk says is waiting for it — the board's submitted case for staff, the lights for the leader,
each department's items (and owed feasibility opinions) for its reviewers, the draft for the owner, the owed tasks
for the contractor and the inspector, the overdue project for each liaison officer.

What is waiting is written here as the README names it (case by its serial `…000000n`, item, project);
tests/test_tour.py checks the README against the same data. Assertions are on data and data-testid attributes,
never on translated labels. Screenshots go to test-artifacts/screenshots/tour-<login>.png."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from approvals.home import approval_lights
from approvals.models import RUNNING_REVIEW_STATES, ApprovalCase, ItemReview
from portal.accounts.models import User
from portal.core.demo import DEMO_PASSWORD
from projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

# login → ([(item, case serial, light or None)], [project whose feasibility opinion is owed]) — the README's walk
REVIEWERS = {
    "reviewer": ([("项目审批（核准）", 7, "green"), ("节能审查", 7, "green")], ["嘉兴南湖大道智慧化改造"]),
    "fgw_head": ([("项目审批（核准）", 7, None), ("节能审查", 7, None)], ["嘉兴南湖大道智慧化改造"]),
    "zrzy_reviewer": ([("用地预审与选址意见书", 7, None), ("建设用地规划许可证", 7, None)], []),
    "sthj_reviewer": ([("环境影响评价审批", 7, None)], ["浙西南水资源配置工程", "嘉兴南湖大道智慧化改造"]),
    "czt_reviewer": ([("建设资金落实审查", 3, None)], ["浙西南水资源配置工程"]),
    "zjt_reviewer": ([("质量安全监督登记", 3, "red"), ("建筑工程施工许可证", 3, "amber"), ("初步设计审批", 2, None)], []),
    "zjt_head": ([("质量安全监督登记", 3, "red")], []),
    "slt_reviewer": ([("水土保持方案审批", 2, "amber")], []),
    "jtt_reviewer": ([("公路建设项目设计审批", 2, None)], []),
}


def demo_case(serial: int) -> ApprovalCase:
    """The walk's `…000000n`: the n-th demo case (the order of creation survives a flush; the numbers may not)."""
    return ApprovalCase.objects.select_related("project").order_by("pk")[serial - 1]


def log_in(page, username: str) -> User:
    page.context.clear_cookies()
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("home")), page.url
    user = User.objects.get(username=username)
    expect(page.get_by_test_id("current-user")).to_contain_text(user.get_full_name())
    return user


def follow(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def shoot(page, screenshots_dir, name: str) -> None:
    page.screenshot(path=str(screenshots_dir / f"tour-{name}.png"), full_page=True)


def assert_clean(page) -> None:
    assert page.request_log.external() == []
    assert page.request_log.failures == []


def walk_staff(page, screenshots_dir):
    """The submitted case at the window, the red case on the board."""
    log_in(page, "staff")
    waiting, deficient = demo_case(4), demo_case(3)
    assert (waiting.project.name, waiting.state) == ("湖杭高速公路二期工程", "submitted")
    expect(page.get_by_test_id("lights-window")).to_have_text("1")

    follow(page, page.get_by_test_id("nav-approvals"))
    expect(page.get_by_test_id("case-row")).to_have_count(ApprovalCase.objects.count())
    row = page.get_by_test_id("case-row").filter(has=page.get_by_test_id("case-number").filter(has_text=waiting.number))
    expect(row.get_by_test_id("case-state")).to_have_attribute("data-state", "submitted")
    expect(row).to_contain_text(waiting.project.name)
    red = page.get_by_test_id("case-row").filter(has=page.locator("[data-light=red]"))
    expect(red).to_have_count(1)
    expect(red.get_by_test_id("case-number")).to_have_text(deficient.number)
    shoot(page, screenshots_dir, "staff")

    follow(page, row.get_by_test_id("case-number"))  # the window: a document missing, the accept button says why
    expect(page.get_by_test_id("move-accept")).to_be_disabled()
    expect(page.get_by_test_id("move-request_correction")).to_be_visible()
    assert_clean(page)


def walk_leader(page, screenshots_dir):
    """The approvals card's lights, the statistics."""
    leader = log_in(page, "leader")
    lights = approval_lights(user=leader, today=timezone.localdate())
    assert lights["red"] == 1 and lights["amber"] >= 1  # 衢州机场 red, 杭温 amber
    for colour in ("red", "amber", "green", "window"):
        expect(page.get_by_test_id(f"lights-{colour}")).to_have_text(str(lights[colour]))
    shoot(page, screenshots_dir, "leader")
    page.goto(reverse("approvals:statistics"))
    expect(page.get_by_test_id("project-elapsed")).to_contain_text("杭温高速铁路义乌至温州段")
    assert_clean(page)


def walk_reviewer(page, screenshots_dir, username):
    """The department's items on the home page and in the queue, the opinions it owes."""
    items, opinions = REVIEWERS[username]
    user = log_in(page, username)
    running = ItemReview.objects.filter(department=user.organization, state__in=RUNNING_REVIEW_STATES).count()
    assert running >= len(items)
    expect(page.get_by_test_id("home-review-row")).to_have_count(min(running, 8))

    follow(page, page.get_by_test_id("nav-review-queue"))
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(running)
    for item, serial, light in items:
        row = rows.filter(has=page.get_by_test_id("queue-item").filter(has_text=item)).filter(
            has_text=demo_case(serial).number)
        expect(row).to_have_count(1)
        if light:
            expect(row.get_by_test_id("light")).to_have_attribute("data-light", light)
    shoot(page, screenshots_dir, username)

    if opinions:
        follow(page, page.get_by_test_id("nav-feasibility"))
        table = page.get_by_test_id("opinion-queue")
        for project in opinions:
            expect(table.get_by_test_id("queue-row").filter(has_text=project)).to_have_count(1)
    assert_clean(page)


def walk_owners(page, screenshots_dir):
    """`owner` opens the draft; `owner2` follows its case under review."""
    owner = log_in(page, "owner")
    draft = demo_case(6)
    assert draft.applicant == owner.organization and draft.state == "draft"
    follow(page, page.get_by_test_id("nav-approvals"))
    expect(page.get_by_test_id("case-row")).to_have_count(6)
    follow(page, page.get_by_test_id("case-number").filter(has_text=draft.number))
    assert page.url.endswith(draft.get_absolute_url())
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("move-submit")).to_have_count(1)
    expect(page.locator("[data-testid=document-row] input[type=file]")).to_have_count(
        page.get_by_test_id("document-row").count())
    shoot(page, screenshots_dir, "owner")

    owner2 = log_in(page, "owner2")
    under_review = demo_case(7)
    assert under_review.applicant == owner2.organization
    follow(page, page.get_by_test_id("nav-approvals"))
    row = page.get_by_test_id("case-row").filter(has_text=under_review.number)
    expect(row.get_by_test_id("case-state")).to_have_attribute("data-state", "accepted")
    for department in ("省发改委", "省自然资源厅", "省生态环境厅"):
        expect(row).to_contain_text(department)
    shoot(page, screenshots_dir, "owner2")
    assert_clean(page)


def walk_owed_tasks(page, screenshots_dir, username, tasks):
    """From the home page's count to the tasks the organisation owes."""
    log_in(page, username)
    follow(page, page.get_by_test_id("owed-tasks"))
    assert page.url.endswith(reverse("projects:my-responsibilities"))
    for project, task in tasks:
        expect(page.get_by_test_id("owed-row").filter(has_text=project).filter(has_text=task)).to_have_count(1)
    shoot(page, screenshots_dir, username)
    assert_clean(page)


def walk_liaison(page, screenshots_dir, username, overdue):
    """From the home page's overdue count to the overdue assigned project."""
    user = log_in(page, username)
    expected = set(Project.objects.active().filter(liaison_officer=user).overdue(timezone.localdate())
                   .values_list("name", flat=True))
    assert overdue in expected
    expect(page.get_by_test_id("overdue-count")).to_have_text(str(len(expected)))
    follow(page, page.get_by_test_id("overdue-count"))
    assert set(page.get_by_test_id("project-name").all_inner_texts()) == expected
    shoot(page, screenshots_dir, username)
    assert_clean(page)


# Each test seeds the demo once (demo_db: a live server needs committed data), so the roles are walked in three.
def test_bureau_staff_and_leader(page, screenshots_dir):
    walk_staff(page, screenshots_dir)
    walk_leader(page, screenshots_dir)


def test_every_department_reviewer(page, screenshots_dir):
    for username in REVIEWERS:
        walk_reviewer(page, screenshots_dir, username)


def test_owners_contractor_inspector_and_liaison_officers(page, screenshots_dir):
    walk_owners(page, screenshots_dir)
    walk_owed_tasks(page, screenshots_dir, "contractor", [("湖杭高速公路二期工程", "服务区房建及绿化"),
                                                          ("杭温高速铁路义乌至温州段", "站房工程")])
    walk_owed_tasks(page, screenshots_dir, "inspector", [("衢州机场迁建工程", "飞行校验"),
                                                         ("甬舟铁路金塘海底隧道工程", "静态验收")])
    walk_liaison(page, screenshots_dir, "liaison", "绍兴市城市快速路网二期")
    walk_liaison(page, screenshots_dir, "liaison2", "湖杭高速公路二期工程")
