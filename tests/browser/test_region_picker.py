"""The region picker in a real browser. On the project form, by keyboard only: a name typed in the search box and
Enter adds the region as a named chip (its code goes into the form's field), a chip's button removes it, an unknown
name is said so, and the saved project has the regions picked. On the project list's filter (and the map's): one
region, a pick replaces it, the query string keeps the code, and the list of divisions is fetched only when the
search box is first used.

Screenshots: test-artifacts/screenshots/region-picker.png, region-filter.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.accounts.models import Organization, OrganizationKind, User
from portal.core.models import Region
from portal.core.views import PAGE_SIZE
from projects.models import Project
from projects.selectors import project_list

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


def options_requests(page) -> list[str]:
    return [url for url in page.request_log.urls if url.endswith(reverse("projects:region-options"))]


def test_the_list_filter_picks_one_region_by_name_and_fetches_the_list_only_when_used(page, screenshots_dir):
    log_in(page, "staff")
    page.goto(reverse("projects:list"))
    codes = page.locator("input[name=region]")
    search = page.locator("#id_region_search")
    expect(codes).to_be_hidden()
    expect(search).to_be_visible()
    assert page.locator("label[for=id_region_search]").count() == 1  # the bar's label now names the search box
    assert options_requests(page) == []  # the page came without the list, and has not asked for it yet

    chosen = page.locator("[data-region-picker][data-single] [data-testid=region-chosen]")
    search.focus()
    expect(page.locator("[data-region-picker][data-single]")).to_have_attribute("data-list", "ready")
    assert len(options_requests(page)) == 1
    assert page.locator("#id_region_list option").count() == Region.objects.count()
    page.keyboard.type("浙江省 · 湖州市")
    page.keyboard.press("Enter")  # picks; the filter is not sent yet
    expect(chosen.locator("li")).to_have_text(["浙江省 · 湖州市（330500）×"])
    page.keyboard.type("浙江省 · 杭州市")
    page.keyboard.press("Enter")  # one region: a pick replaces the one before
    expect(chosen.locator("li")).to_have_text(["浙江省 · 杭州市（330100）×"])
    assert codes.input_value() == "330100"
    assert page.url.endswith(reverse("projects:list"))

    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    assert "region=330100" in page.url  # the query string is the code, as before
    staff = User.objects.get(username="staff")
    expected = project_list(user=staff, search="", filters={"region": "330100"}).count()
    expect(page.get_by_test_id("project-row")).to_have_count(min(expected, PAGE_SIZE))
    expect(chosen.locator("li")).to_have_text(["浙江省 · 杭州市（330100）×"])  # named again, from the page
    page.screenshot(path=str(screenshots_dir / "region-filter.png"), full_page=True)

    # The map keeps the filter (the list's link carries the query string) and takes a region the same way.
    with page.expect_navigation():
        page.get_by_test_id("map-link").click()
    the_map = page.get_by_test_id("project-map")
    located = project_list(user=staff, search="", filters={"region": "330100"}).filter(location__isnull=False)
    expect(the_map).to_have_attribute("data-drawn", str(located.count()))
    expect(chosen.locator("li")).to_have_text(["浙江省 · 杭州市（330100）×"])
    chosen.locator("li[data-code='330100'] button").click()  # removed: the whole province again
    assert page.locator("input[name=region]").input_value() == ""
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    everywhere = project_list(user=staff, search="", filters={}).filter(location__isnull=False)
    expect(page.get_by_test_id("project-map")).to_have_attribute("data-drawn", str(everywhere.count()))
    assert page.request_log.external() == [] and page.request_log.failures == []
