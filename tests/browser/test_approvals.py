"""The approvals pages in a real browser: the 发改 reviewer finds the urgent items of the review queue by their
amber and red lights, opens one and records a decision; bureau staff and the applicant walk their pages.

Assertions are on data, data-testid attributes and states, never on translated labels. Screenshots go to
test-artifacts/screenshots/approvals-*.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from approvals import services
from approvals.demo import FORM, _backdate, _upload_all
from approvals.models import ApprovalCase, ApprovalStage, ItemReview, ReviewState
from portal.accounts.models import User
from portal.core.demo import DEMO_PASSWORD
from projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("home")), page.url


def shoot(page, screenshots_dir, name: str) -> None:
    page.screenshot(path=str(screenshots_dir / f"approvals-{name}.png"), full_page=True)


def assert_clean(page) -> None:
    """The stylesheet loaded, nothing failed and nothing left the intranet server."""
    assert any(url.endswith(".css") for url in page.request_log.urls)
    assert page.request_log.external() == []
    assert page.request_log.failures == []


@pytest.fixture
def urgent_case():
    """A land-use planning case of 杭绍台高速 accepted 18 working days ago: the 发改 items, limited to 20 and 10
    working days, are amber (2 left) and red (overdue)."""
    owner, staff = User.objects.get(username="owner"), User.objects.get(username="staff")
    case = services.case_create(actor=owner, project=Project.objects.get(name="杭绍台高速公路台州段"),
                                stage=ApprovalStage.LAND_USE_PLANNING, form_data=FORM)
    _upload_all(case, owner)  # every document in: a plain acceptance, clocks from today
    services.case_submit(actor=owner, case=case)
    case = services.case_accept(actor=staff, case=case)
    _backdate(case, 18)
    return ApprovalCase.objects.get(pk=case.pk)


def test_reviewer_decides_an_urgent_item_from_the_queue(page, screenshots_dir, urgent_case):
    reviewer = User.objects.get(username="reviewer")
    log_in(page, "reviewer")
    expect(page.get_by_test_id("review-card")).to_be_visible()
    shoot(page, screenshots_dir, "home-reviewer")

    with page.expect_navigation():
        page.get_by_test_id("nav-review-queue").click()
    assert page.url.endswith(reverse("approvals:queue"))
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(ItemReview.objects.filter(
        department=reviewer.organization, state__in=[ReviewState.PENDING, ReviewState.IN_REVIEW]).count())
    lights = [rows.nth(i).get_by_test_id("light").get_attribute("data-light") for i in range(rows.count())]
    assert lights[:2] == ["red", "amber"], lights  # most urgent first
    expect(page.locator("main")).not_to_contain_text("用地预审与选址意见书")  # 自然资源's item of the same case
    shoot(page, screenshots_dir, "queue")

    red = urgent_case.reviews.select_related("item").get(department=reviewer.organization, item__code="LY04")
    with page.expect_navigation():
        rows.first.get_by_test_id("queue-item").click()
    assert page.url.endswith(red.get_absolute_url())
    form = page.get_by_test_id("decision-form")
    expect(form).to_be_visible()
    shoot(page, screenshots_dir, "review")

    form.locator("input[name=decision][value=approve_with_conditions]").check()
    form.locator("textarea[name=opinion]").fill("节能措施基本可行，同意。")
    form.locator("textarea[name=conditions]").fill("开工前补充能耗在线监测方案。")
    with page.expect_navigation():
        page.get_by_test_id("decision-submit").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.get_by_test_id("review-state")).to_have_attribute("data-state", ReviewState.APPROVED_WITH_CONDITIONS.value)
    expect(page.get_by_test_id("decision-form")).to_have_count(0)
    red.refresh_from_db()
    assert red.state == ReviewState.APPROVED_WITH_CONDITIONS and red.reviewer == reviewer
    assert red.conditions == "开工前补充能耗在线监测方案。"
    shoot(page, screenshots_dir, "review-decided")
    assert_clean(page)


def test_bureau_staff_walk_the_board_a_case_statistics_and_catalogue(page, screenshots_dir, urgent_case):
    log_in(page, "staff")
    expect(page.get_by_test_id("approvals-card")).to_be_visible()
    assert int(page.get_by_test_id("lights-red").inner_text()) >= 2  # 衢州机场 and the urgent case
    shoot(page, screenshots_dir, "home-staff")

    with page.expect_navigation():
        page.get_by_test_id("nav-approvals").click()
    expect(page.get_by_test_id("case-row")).to_have_count(ApprovalCase.objects.count())
    expect(page.locator("[data-testid=case-row] [data-light=red]")).to_have_count(2)
    shoot(page, screenshots_dir, "board")

    deficient = ApprovalCase.objects.get(project__name="衢州机场迁建工程")
    with page.expect_navigation():
        page.get_by_test_id("case-number").filter(has_text=deficient.number).click()
    expect(page.get_by_test_id("case-moves").get_by_test_id("move-halt")).to_be_visible()
    expect(page.get_by_test_id("commitment-row").first).to_have_class("row-overdue")
    expect(page.get_by_test_id("review-row")).to_have_count(deficient.reviews.count())
    shoot(page, screenshots_dir, "case")

    waiting = ApprovalCase.objects.get(project__name="湖杭高速公路二期工程")
    page.goto(waiting.get_absolute_url())
    # a document is missing: the button is disabled and says why, before anyone clicks
    expect(page.get_by_test_id("move-accept")).to_be_disabled()
    expect(page.get_by_test_id("why-accept")).to_contain_text("缺少材料")
    shoot(page, screenshots_dir, "case-refused")

    page.goto(reverse("approvals:statistics"))
    expect(page.get_by_test_id("project-elapsed")).to_be_visible()
    shoot(page, screenshots_dir, "statistics")
    page.goto(reverse("approvals:catalogue"))
    expect(page.get_by_test_id("catalogue-table")).to_have_count(4)
    shoot(page, screenshots_dir, "catalogue")
    assert_clean(page)


def test_applicant_sees_its_cases_and_opens_a_new_application(page, screenshots_dir):
    owner = User.objects.get(username="owner")
    log_in(page, "owner")
    expect(page.get_by_test_id("my-cases-card")).to_be_visible()
    with page.expect_navigation():
        page.get_by_test_id("nav-approvals").click()
    expect(page.get_by_test_id("case-row")).to_have_count(ApprovalCase.objects.filter(
        applicant=owner.organization).count())
    shoot(page, screenshots_dir, "mine")

    with page.expect_navigation():
        page.get_by_test_id("new-application").click()
    page.locator("select[name=project]").select_option(label="杭绍台高速公路台州段")
    page.locator("select[name=stage]").select_option(ApprovalStage.LAND_USE_PLANNING.value)
    page.locator("textarea[name=scale]").fill("双向四车道，全长 52 公里")
    page.locator("input[name=land_area]").fill("-1")
    page.locator("input[name=location]").fill("浙江省台州市")
    page.locator("input[name=contact]").fill("钱立群")
    page.locator("input[name=phone]").fill("12345")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    expect(page.locator(".has-error")).to_have_count(2)  # land area and phone
    shoot(page, screenshots_dir, "new-errors")
    page.request_log.failures.clear()  # the refused form answers 400 on purpose

    page.locator("input[name=land_area]").fill("2380000")
    page.locator("input[name=phone]").fill("13800000001")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    case = ApprovalCase.objects.get(project__name="杭绍台高速公路台州段")
    assert page.url.endswith(case.get_absolute_url())
    expect(page.get_by_test_id("move-submit")).to_be_visible()
    expect(page.get_by_test_id("document-row")).to_have_count(services.stage_documents(case.stage).count())
    shoot(page, screenshots_dir, "case-draft")
    assert_clean(page)
