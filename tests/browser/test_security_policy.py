"""The Content-Security-Policy in a real browser: the pages that used inline script (the language switch, the
error pages' "back" link) and the Swagger UI (drf-spectacular's sidecar, split so its init script is a file) work
with `script-src 'self'`, offline, and Chromium reports no violation (the `page` fixture fails on any)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]


def log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    form = page.locator(f"form[action='{reverse('login')}']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_swagger_ui_renders_under_the_policy_without_leaving_the_server(page):
    log_in(page, "staff")
    page.goto(reverse("api-docs"))
    # The schema is generated on first request: give it time.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("重点工程建设管理局门户 API", timeout=90_000)
    expect(page.locator(".opblock").first).to_be_visible()  # the operations, from the schema it fetched
    assert page.request_log.external() == []
    assert page.request_log.failures == []


def test_the_language_switch_submits_without_inline_script(page):
    log_in(page, "staff")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    with page.expect_navigation():
        page.locator("select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_error_pages_back_link_goes_back_without_inline_script(page):
    log_in(page, "staff")
    page.goto(reverse("projects:list"))
    page.goto("/projects/999999999/")  # no referer from this server: the link goes back in history
    back = page.get_by_test_id("error-back")
    expect(back).to_have_attribute("data-history-back", "")
    with page.expect_navigation():
        back.click()
    assert page.url.endswith(reverse("projects:list"))
