"""Third-party inspection in a real browser: the inspector of 衡正 (a testing agency) opens a sample assigned to
his agency, first forgets the report file (the form refuses it, nothing changes), then records the failed test
with its report; the rectification opens for 华东路桥, whose contractor submits the measures taken from the
rectification list. The sample ends "failed", the rectification "submitted".

Assertions are on data, data-testid attributes and states, never on translated labels. Screenshots go to
test-artifacts/screenshots/inspection-*.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.core.demo import DEMO_PASSWORD
from portal.core.services import today
from supervision.models import Rectification, RectificationState, Sample, SampleState

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(reverse("home")), page.url


def shoot(page, screenshots_dir, name: str) -> None:
    page.screenshot(path=str(screenshots_dir / f"inspection-{name}.png"), full_page=True)


def test_inspector_records_a_failure_and_the_contractor_rectifies(page, screenshots_dir, tmp_path):
    sample = Sample.objects.filter(state=SampleState.ASSIGNED, agency__name="衡正工程检测有限公司").order_by(
        "pk").first()
    report = tmp_path / "检测报告.pdf"
    report.write_bytes(PDF)

    # ---- the inspector finds the sample among his agency's and records a failure
    log_in(page, "inspector")
    page.goto(reverse("supervision:inspection-agency-samples") + "?state=assigned")
    row = page.get_by_test_id("sample-row").filter(has_text=sample.number)
    with page.expect_navigation():
        row.get_by_test_id("sample-number").click()
    expect(page.get_by_test_id("sample-state")).to_have_attribute("data-state", SampleState.ASSIGNED.value)
    with page.expect_navigation():
        page.get_by_test_id("sample-result").click()
    form = page.get_by_test_id("inspection-form")
    form.locator("input[name=passed][value=fail]").check()
    form.locator("input[name=tested_on]").fill(today().isoformat())
    form.locator("input[name=report_number]").fill("HZJC-2025-0931")
    form.locator("textarea[name=values]").fill("抗压强度 (MPa) = 39.6")
    form.locator("textarea[name=conclusion]").fill("标养试件抗压强度39.6MPa，低于设计C50，判定不合格。")
    with page.expect_navigation():
        page.get_by_test_id("submit").click()
    expect(page.locator(".has-error")).to_have_count(1)  # the report file
    sample.refresh_from_db()
    assert sample.state == SampleState.ASSIGNED
    form = page.get_by_test_id("inspection-form")
    form.locator("input[name=passed][value=fail]").check()
    form.locator("input[name=report]").set_input_files(str(report))
    with page.expect_navigation():
        page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("sample-state")).to_have_attribute("data-state", SampleState.FAILED.value)
    rect = Rectification.objects.get(sample=sample)
    assert rect.state == RectificationState.OPEN and rect.responsible.name == "华东路桥建设集团有限公司"
    shoot(page, screenshots_dir, "failed")
    page.context.clear_cookies()

    # ---- the contractor submits the rectification from the list
    log_in(page, "contractor")
    expect(page.get_by_test_id("inspections-card")).to_be_visible()
    page.goto(reverse("supervision:inspection-rectifications") + "?state=open")
    row = page.get_by_test_id("rectification-row").filter(has_text=rect.number)
    with page.expect_navigation():
        row.get_by_test_id("rectification-number").click()
    expect(page.get_by_test_id("rect-state")).to_have_attribute("data-state", RectificationState.OPEN.value)
    with page.expect_navigation():
        page.get_by_test_id("move-submit").click()
    page.get_by_test_id("inspection-form").locator("textarea[name=measures]").fill("钻芯复核，对5号墩承台加固处理。")
    with page.expect_navigation():
        page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("rect-state")).to_have_attribute("data-state", RectificationState.SUBMITTED.value)
    rect.refresh_from_db()
    assert rect.state == RectificationState.SUBMITTED and rect.measures.startswith("钻芯复核")
    shoot(page, screenshots_dir, "submitted")
    assert page.request_log.external() == []
