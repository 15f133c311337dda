"""The maps in a real browser, with no tile server (MAP_TILE_URL empty, the default): bureau staff opens the map of
all projects, every located project is drawn on the plain background, a click opens the project's popup, the colours
switch to status with their legend; then a project's Location tab, where a point is drawn with the tools and saved.
The browser's GCJ-02 formula gives the numbers of its Python twin. Nothing is fetched from outside the portal.

Screenshots: test-artifacts/screenshots/map.png, location.png (and location-saved.png)."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core import policy
from portal.core.demo import DEMO_PASSWORD
from projects.gis import gcj02, geojson
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


def assert_clean(page) -> None:
    """The stylesheets loaded, nothing failed and nothing left the intranet server (no tiles, no CDN)."""
    assert any(url.endswith("leaflet.css") for url in page.request_log.urls)
    assert page.request_log.external() == []
    assert page.request_log.failures == []


def test_the_map_draws_every_project_and_opens_a_popup(page, screenshots_dir):
    log_in(page, "staff")
    located = Project.objects.active().filter(location__isnull=False)
    hospital = Project.objects.get(name="金华市中心医院新院区")
    assert hospital.location["type"] == "Point"

    page.goto(reverse("projects:map"))
    the_map = page.get_by_test_id("project-map")
    expect(the_map).to_have_attribute("data-drawn", str(located.count()))
    assert the_map.evaluate("node => node.classList.contains('gis-plain')")  # no tiles: the plain background
    assert page.locator(".leaflet-tile").count() == 0
    drawn = set(page.locator("path.gis-project").evaluate_all("nodes => nodes.map(n => n.dataset.project)"))
    assert drawn == {str(pk) for pk in located.values_list("pk", flat=True)}
    expect(page.locator(".gis-city")).to_have_count(11)
    # The city names are drawn above the projects, in a pane that takes no clicks, and a project marker on a
    # city's point leaves its name uncovered.
    labels = page.evaluate("""() => {
      const pane = document.querySelector('.leaflet-gis-labels-pane'), css = getComputedStyle(pane);
      const markers = getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex;
      const overlay = getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex;
      return {inPane: pane.querySelectorAll('.gis-city').length, z: +css.zIndex, markers: +markers,
              overlay: +overlay, events: css.pointerEvents};
    }""")
    assert labels["inPane"] == 11 and labels["events"] == "none", labels
    assert labels["z"] > labels["markers"] > labels["overlay"], labels
    # Each name starts below its city's point (the icon's corner), clear of a point marker's radius (7px).
    covered = page.evaluate("""() => [...document.querySelectorAll('.gis-city')].filter((icon) => {
      const point = icon.getBoundingClientRect().top, name = icon.firstElementChild.getBoundingClientRect();
      return name.top - point < 8.5;
    }).map((icon) => icon.textContent)""")
    assert covered == [], covered
    expect(page.get_by_test_id("unlocated-count")).to_have_text(
        str(Project.objects.active().filter(location__isnull=True).count()))

    page.locator(f"path.gis-project[data-project='{hospital.pk}']").first.click()
    popup = page.get_by_test_id("map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text(hospital.name)
    expect(popup).to_contain_text(hospital.code)
    expect(popup).to_contain_text(hospital.owner.name)
    assert popup.get_by_test_id("popup-link").get_attribute("href") == hospital.get_absolute_url()
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # (a string to wait on is eval: CSP)
    page.screenshot(path=str(screenshots_dir / "map.png"), full_page=True)

    # Colour by status: the legend follows and the shapes take the status colours.
    expect(page.get_by_test_id("legend-status")).to_be_hidden()
    page.locator("input[name=colour-by][value=status]").check(force=True)
    expect(page.get_by_test_id("legend-status")).to_be_visible()
    expect(page.get_by_test_id("legend-phase")).to_be_hidden()
    fills = set(page.locator("path.gis-project").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('fill') === 'none' ? n.getAttribute('stroke') : n.getAttribute('fill'))"))
    assert fills <= {"#1e8449", "#d68910", "#c0392b"}, fills

    # The browser's GCJ-02 shift is the Python twin's, both ways.
    there = page.evaluate("PortalGIS.wgs84ToGcj02(120.155, 30.274)")
    assert there == pytest.approx(list(gcj02.wgs84_to_gcj02(120.155, 30.274)), abs=1e-12)
    back = page.evaluate(f"PortalGIS.gcj02ToWgs84({there[0]}, {there[1]})")
    assert back == pytest.approx([120.155, 30.274], abs=1e-9)
    assert_clean(page)


def test_the_plain_map_draws_the_province_outline_under_the_projects(page, screenshots_dir):
    log_in(page, "staff")
    hospital = Project.objects.get(name="金华市中心医院新院区")
    page.goto(reverse("projects:map"))
    the_map = page.get_by_test_id("project-map")
    expect(the_map).to_have_attribute("data-outline", "drawn")
    expect(the_map).to_have_attribute("data-drawn", str(Project.objects.active().filter(location__isnull=False).count()))
    province = page.locator(".leaflet-gis-base-pane path.gis-outline-province")
    expect(province).to_have_count(1)
    expect(page.locator(".leaflet-gis-base-pane path.gis-outline-land")).to_have_count(1)
    facts = page.evaluate("""() => {
      const base = getComputedStyle(document.querySelector('.leaflet-gis-base-pane'));
      const overlay = getComputedStyle(document.querySelector('.leaflet-overlay-pane'));
      const outline = document.querySelector('path.gis-outline-province').getBoundingClientRect();
      const inside = [...document.querySelectorAll('.gis-city')].filter((icon) => {
        const p = icon.getBoundingClientRect();
        return p.left >= outline.left && p.left <= outline.right && p.top >= outline.top && p.top <= outline.bottom;
      }).length;
      return {base: +base.zIndex, overlay: +overlay.zIndex, events: base.pointerEvents, inside,
              width: outline.width, height: outline.height};
    }""")
    assert facts["base"] < facts["overlay"] and facts["events"] == "none", facts  # under the projects, no clicks
    assert facts["inside"] == 11, facts  # every city label lies within the outline's box
    assert facts["width"] > 200 and facts["height"] > 200, facts  # drawn at a size one can read
    # The project on top of the outline still takes the click.
    page.locator(f"path.gis-project[data-project='{hospital.pk}']").first.click()
    expect(page.get_by_test_id("map-popup")).to_contain_text(hospital.name)
    page.screenshot(path=str(screenshots_dir / "map-outline.png"), full_page=True)
    assert [u for u in page.request_log.urls if u.endswith("/static/geo/zhejiang.json")] != []
    assert_clean(page)


def test_with_tiles_no_outline_is_drawn(page, gcj02_tiles):
    log_in(page, "staff")
    page.goto(reverse("projects:map"))
    the_map = page.get_by_test_id("project-map")
    expect(the_map).to_have_attribute("data-drawn", str(Project.objects.active().filter(location__isnull=False).count()))
    assert page.locator("path.gis-outline").count() == 0 and page.locator("path.gis-graticule").count() == 0
    assert the_map.get_attribute("data-outline") is None
    assert not [u for u in page.request_log.urls if u.endswith("zhejiang.json")]


def test_the_location_tab_draws_and_saves_a_point(page, screenshots_dir):
    log_in(page, "staff")
    railway = Project.objects.get(name="杭温高速铁路义乌至温州段")
    assert railway.location["type"] == "LineString"

    page.goto(reverse("projects:location", args=[railway.pk]))
    the_map = page.get_by_test_id("location-map")
    expect(the_map).to_have_attribute("data-drawn", "1")
    expect(page.locator("path.gis-project")).to_have_count(1)
    expect(page.locator(".leaflet-pm-toolbar").first).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "location.png"), full_page=True)

    # Draw a point (the circle-marker tool) near the middle of the map and save.
    page.locator(".leaflet-pm-icon-circle-marker").click()
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    expect(the_map).to_have_attribute("data-drawn", "2")
    expect(page.get_by_test_id("draw-state")).not_to_be_empty()
    with page.expect_navigation():
        page.get_by_test_id("save-location").click()
    railway.refresh_from_db()
    assert railway.location["type"] == "GeometryCollection"
    assert [g["type"] for g in railway.location["geometries"]] == ["LineString", "Point"]
    point = railway.location["geometries"][1]["coordinates"]
    assert geojson.in_china(*point)
    with translation.override("zh-hans"):  # the page's language, whatever an earlier test left active here
        expected = geojson.summary(railway.location)
    expect(page.get_by_test_id("location-summary")).to_have_text(expected)
    expect(page.locator("path.gis-project")).to_have_count(2)
    page.screenshot(path=str(screenshots_dir / "location-saved.png"), full_page=True)
    assert_clean(page)


def test_a_contractor_map_shows_only_its_projects(page):
    log_in(page, "contractor")
    mine = policy.visible(User.objects.get(username="contractor"), Project.objects.active()).filter(
        location__isnull=False)
    page.goto(reverse("projects:map"))
    expect(page.get_by_test_id("project-map")).to_have_attribute("data-drawn", str(mine.count()))
    drawn = set(page.locator("path.gis-project").evaluate_all("nodes => nodes.map(n => n.dataset.project)"))
    assert drawn == {str(pk) for pk in mine.values_list("pk", flat=True)}
    assert 0 < len(drawn) < Project.objects.filter(location__isnull=False).count()


@pytest.fixture
def gcj02_tiles(settings):
    """A 高德-style tile source: GCJ-02, served from the live server itself (the tiles 404, which is all the
    same to the shapes; the request log is not checked here)."""
    settings.MAP_TILE_URL = "/static/no-tiles/{z}/{x}/{y}.png"
    settings.MAP_TILE_CRS = "gcj02"


def test_on_gcj02_tiles_shapes_are_shifted_for_display_and_saved_back_in_wgs84(page, gcj02_tiles):
    log_in(page, "staff")
    hospital = Project.objects.get(name="金华市中心医院新院区")
    lon, lat = hospital.location["coordinates"]
    page.goto(reverse("projects:location", args=[hospital.pk]))
    the_map = page.get_by_test_id("location-map")
    expect(the_map).to_have_attribute("data-drawn", "1")
    shown = the_map.evaluate("""node => { let at = null;
        node.gisMap.eachLayer(l => { if (l instanceof L.CircleMarker && l.options.className === 'gis-project') {
            const p = l.getLatLng(); at = [p.lng, p.lat]; } }); return at; }""")
    assert shown == pytest.approx(list(gcj02.wgs84_to_gcj02(lon, lat)), abs=1e-9)
    assert shown != pytest.approx([lon, lat], abs=1e-4)  # a few hundred metres off: really shifted

    # Saved unchanged, the shape comes back to its WGS84 position: the same location, no new history.
    events = AuditEvent.objects.filter(object_id=str(hospital.pk), changes__has_key="location").count()
    with page.expect_navigation():
        page.get_by_test_id("save-location").click()
    hospital.refresh_from_db()
    assert hospital.location == {"type": "Point", "coordinates": [lon, lat]}
    assert AuditEvent.objects.filter(object_id=str(hospital.pk), changes__has_key="location").count() == events
