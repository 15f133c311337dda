"""The map of all projects asks for its geometries at the map's zoom (issue #10): once on opening, again only when
the zoom crosses into another detail level (never on a pan), with every project still drawn; the browser
revalidates with the ETag."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from projects.gis import simplify
from projects.models import Project

from .test_map import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo_db")]

API = "/api/v1/projects/map/"


def _map_requests(page) -> list[str]:
    return [url for url in page.request_log.urls if API in url]


def test_the_map_asks_again_only_when_the_zoom_crosses_a_detail_level(page):
    log_in(page, "staff")
    located = str(Project.objects.active().filter(location__isnull=False).count())
    page.goto(reverse("projects:map"))
    the_map = page.get_by_test_id("project-map")
    expect(the_map).to_have_attribute("data-drawn", located)
    expect(the_map).not_to_have_attribute("data-loading", "true")
    province_top = simplify.LEVELS[0].max_zoom
    zoom = the_map.evaluate("node => node.gisMap.getZoom()")
    assert zoom <= province_top  # the whole province: the province level
    expect(the_map).to_have_attribute("data-level", "0")
    asked = _map_requests(page)
    assert len(asked) == 1 and "zoom=" in asked[0], asked

    # Panning and zooming within the level: nothing asked.
    the_map.evaluate("node => node.gisMap.panBy([200, 120], {animate: false})")
    the_map.evaluate(f"node => node.gisMap.setZoom({province_top}, {{animate: false}})")
    page.wait_for_timeout(300)
    assert len(_map_requests(page)) == 1

    # Into a city: the city level, every project still drawn.
    the_map.evaluate(f"node => node.gisMap.setZoom({province_top + 2}, {{animate: false}})")
    expect(the_map).to_have_attribute("data-level", "1")
    expect(the_map).to_have_attribute("data-drawn", located)
    asked = _map_requests(page)
    assert len(asked) == 2 and asked[1].endswith(f"zoom={province_top + 2}"), asked

    # Streets: the stored geometries.
    the_map.evaluate("node => node.gisMap.setZoom(15, {animate: false})")
    expect(the_map).to_have_attribute("data-level", "2")
    expect(the_map).to_have_attribute("data-drawn", located)

    # Back to the province: asked again (the browser revalidates its copy), drawn again, clickable.
    the_map.evaluate("node => node.gisMap.setZoom(7, {animate: false})")
    expect(the_map).to_have_attribute("data-level", "0")
    expect(the_map).not_to_have_attribute("data-loading", "true")
    expect(the_map).to_have_attribute("data-drawn", located)
    assert len(_map_requests(page)) == 4
    drawn = set(page.locator("path.gis-project").evaluate_all("nodes => nodes.map(n => n.dataset.project)"))
    assert drawn == {str(pk) for pk in Project.objects.active().filter(location__isnull=False).values_list("pk", flat=True)}
    assert_clean(page)
