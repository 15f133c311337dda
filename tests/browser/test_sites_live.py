"""The live site page in a real browser (issue 14: "a browser test that sees an alert appear live"): the owner
opens the smart-site page of 杭温高铁 with a tower crane that has an hour of calm readings; its chart draws with
the load-moment warning and alarm lines; then the crane's gateway posts an alarm-level reading (100 % of the rated
load moment) to the ingestion endpoint of the live server, and — without a reload — the alarm appears in the
open-alerts list, highlighted, and the crane's card turns to alarm.

Assertions are on data and data-testid attributes, never on translated labels. Screenshots go to
test-artifacts/screenshots/site-live-*.png."""

import datetime
import json
import time
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.core.demo import DEMO_PASSWORD
from supervision.models import Alert, AlertState
from supervision.sites import ingest, services
from supervision.sites.ingest import Row

from ..supervision.sites_helpers import project
from .test_accessibility import axe_violations, describe

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
    page.screenshot(path=str(screenshots_dir / f"site-live-{name}.png"), full_page=True)


def post_readings(base_url: str, site, token: str, readings: list[dict]) -> dict:
    """What the crane's gateway does: POST its readings with its token. SQLite (in the test) may refuse a write
    while the page's stream reads: the request is atomic and idempotent, so it is sent again."""
    url = base_url + reverse("supervision-ingest-readings", args=[site.pk])
    data = json.dumps({"readings": readings}).encode()
    for attempt in range(5):
        request = urllib.request.Request(url, data=data, method="POST", headers={  # noqa: S310 (the live server)
            "Content-Type": "application/json", "Authorization": f"Device {token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live server)
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == 4:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


def test_an_alarm_posted_by_a_crane_appears_in_the_open_page_without_reloading(page, live_server, screenshots_dir,
                                                                               settings):
    settings.SITE_STREAM_SECONDS, settings.SITE_STREAM_POLL_SECONDS = 20, 0.2
    site = project()
    staff = User.objects.get(username="staff")
    crane, token = services.device_register(
        actor=staff, project=site, kind="crane", serial="LIVE-BROWSER-TC", name="3号塔吊", location="北区 3# 塔吊",
        responsible=site.owner, rated_capacity=1000.0)
    now = timezone.now().replace(second=0, microsecond=0)
    calm = [Row(i, crane.serial, token, (now - datetime.timedelta(minutes=60 - i)).isoformat(), "load_moment",
                450.0 + (i % 10) * 20) for i in range(60)]
    assert ingest.ingest(site.pk, calm).accepted == 60
    assert not Alert.objects.filter(device=crane).exists()

    # the owner opens the site's live page: the stream connects, the crane's chart draws with its thresholds
    log_in(page, "owner")
    page.goto(reverse("supervision:project-site", args=[site.pk]))
    root = page.get_by_test_id("site-live")
    expect(root).to_have_attribute("data-stream", "live")
    chart = page.locator(f"figure[data-device='{crane.pk}'][data-metric='load_moment']")
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_attribute("data-state", "drawn")
    expect(chart.locator("[data-legend] li")).to_have_count(2)  # 90 % warning, 100 % alarm, with their source
    expect(chart.locator("[data-legend]")).to_contain_text("GB 5144-2006")
    card = page.locator(f"[data-testid=site-device][data-device='{crane.pk}']")
    expect(card).to_contain_text("3号塔吊")
    assert "level-alarm" not in (card.get_attribute("class") or "")
    alerts = page.get_by_test_id("site-alerts")
    expect(alerts.locator("[data-testid=site-alert]:has-text('3号塔吊')")).to_have_count(0)
    shoot(page, screenshots_dir, "calm")
    url_before = page.url

    # the crane's gateway posts a reading at 100 % of its rated load moment
    sent_at = time.monotonic()
    result = post_readings(live_server.url, site, token, [
        {"device": crane.serial, "ts": timezone.now().isoformat(), "values": {"load_moment": 1000.0}}])
    assert result["accepted"] == 1 and result["alerts_opened"] == 1
    alert = Alert.objects.get(device=crane, state=AlertState.OPEN)
    assert alert.level == "alarm"

    # the alarm appears in the open page, highlighted, without a reload; the crane's value turns to alarm
    item = alerts.locator(f"[data-alert-id='{alert.pk}']")
    expect(item).to_be_visible(timeout=5000)
    shown_after = time.monotonic() - sent_at
    expect(item).to_have_attribute("data-level", "alarm")
    expect(item.locator("[data-alert-device]")).to_have_text("3号塔吊")
    assert "is-fresh" in (item.get_attribute("class") or "")
    value = card.locator("[data-value$=':load_moment']")
    expect(value.locator("[data-number]")).to_have_text("1000")
    assert "level-alarm" in (value.get_attribute("class") or "")
    assert "level-alarm" in (card.get_attribute("class") or "")
    assert page.url == url_before and shown_after < 5, shown_after
    shoot(page, screenshots_dir, "alarm")
    violations = axe_violations(page)  # WCAG 2 A/AA, as the other pages (tests/browser/test_accessibility.py)
    assert not violations, describe(page.url, violations)

    # the range picker reads the hourly rollups
    chart.locator("[data-range='7d']").click()
    expect(chart.locator("[data-range='7d']")).to_have_attribute("aria-pressed", "true")
    expect(chart).to_have_attribute("data-state", "drawn")
    assert page.request_log.external() == []
