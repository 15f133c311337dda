"""The region picker of the project form in a real browser, by keyboard only: a name typed in the search box and
Enter adds the region as a named chip (its code goes into the form's field), a chip's button removes it, an unknown
name is said so, and the saved project has the regions picked.

Screenshot: test-artifacts/screenshots/region-picker.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.accounts.models import Organization, OrganizationKind
from projects.models import Project

from .test_map import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]


def test_regions_are_picked_by_name_with_the_keyboard(page, screenshots_dir):
    log_in(page, "staff")
    owner = Organization.objects.filter(kind=OrganizationKind.OWNER).order_by("pk").first()
    page.goto(reverse("projects:create"))
    codes = page.locator("input[name=region_codes]")
    search = page.get_by_placeholder("西湖区")
    expect(codes).to_be_hidden()  # the script keeps the codes field (it is submitted) and shows the search box
    expect(search).to_be_visible()
    assert page.locator("label[for=id_region_codes_search]").count() == 1

    page.fill("#id_code", "2026-330100-48-01-900882")
    page.fill("#id_name", "区划选择浏览器测试工程")
    page.select_option("#id_project_type", "municipal")
    page.select_option("#id_level", "municipal")
    page.fill("#id_total_investment", "12.5")
    page.select_option("#id_owner", str(owner.pk))

    chosen = page.get_by_test_id("region-chosen")
    search.focus()
    page.keyboard.type("西湖区")  # more than one in China: the box says so and adds nothing
    page.keyboard.press("Enter")
    expect(page.locator(".region-message")).to_contain_text("3")  # 杭州 and 南昌 have one, 武汉 a 东西湖区
    expect(chosen.locator("li")).to_have_count(0)
    page.keyboard.press("Control+A")
    page.keyboard.type("杭州市 · 西湖区")
    page.keyboard.press("Enter")
    expect(chosen.locator("li")).to_have_text(["杭州市 · 西湖区（330106）×"])
    page.keyboard.type("330782")  # a code works too
    page.keyboard.press("Enter")
    page.keyboard.type("宁波市 · 海曙区（330203）")  # what a pick from the browser's list puts in the box
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty box: Enter does not submit the half-filled form
    expect(chosen.locator("li")).to_have_count(3)
    assert codes.input_value() == "330106 330782 330203"
    page.keyboard.type("火星市")
    page.keyboard.press("Enter")
    expect(page.locator(".region-message")).to_contain_text("火星市")

    remove = chosen.locator("li[data-code='330203'] button")
    assert "宁波市 · 海曙区（330203）" in remove.get_attribute("aria-label")
    remove.focus()
    page.keyboard.press("Enter")
    expect(chosen.locator("li")).to_have_count(2)
    assert codes.input_value() == "330106 330782"
    page.screenshot(path=str(screenshots_dir / "region-picker.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    project = Project.objects.get(code="2026-330100-48-01-900882")
    assert sorted(project.regions.values_list("code", flat=True)) == ["330106", "330782"]
    assert page.request_log.external() == [] and page.request_log.failures == []  # no CDN
    assert any(url.endswith("js/regions.js") for url in page.request_log.urls)
