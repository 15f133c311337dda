"""The Location tab (see, save a drawing, upload a file, clear, download; refusals shown naming the problem; who may
do what) and the map of all projects (filters, the projects without a location, what a contractor sees, the map
settings given to the page, query counts); and the system checks of the map settings."""

import datetime
import json
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core import policy
from projects.gis import geojson
from projects.gis.checks import check_map_settings
from projects.gis.selectors import CITY_LABELS
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db

ROUTE = {"type": "LineString", "coordinates": [[120.0, 30.0], [120.1, 30.05], [120.2, 30.1]]}
SITE = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]]}


@pytest.fixture
def web(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def owner(db):
    return User.objects.get(username="owner")


@pytest.fixture
def railway(db):
    """杭温高速铁路义乌至温州段: owned by 之江交通 (`owner`), built by 华东路桥 (`contractor`)."""
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def url(project) -> str:
    return f"/projects/{project.pk}/location/"


def page_json(response, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert match, f"no #{element_id} on the page"
    return json.loads(match.group(1))


def location_events(project):
    return AuditEvent.objects.filter(object_id=str(project.pk), changes__has_key="location")


# ------------------------------------------------------------------------------------------- the Location tab
def test_the_tab_shows_the_geometry_its_facts_and_the_drawing_tools_to_whoever_manages(web, owner, railway):
    response = web(owner).get(url(railway))
    assert response.status_code == 200
    html = response.content.decode()
    assert page_json(response, "gis-location") == railway.location
    assert page_json(response, "gis-config")["tiles"]["url"] == ""
    assert 'data-testid="draw-form"' in html and 'data-testid="upload-form"' in html
    assert 'data-editable="true"' in html and "vendor/leaflet-geoman/leaflet-geoman.min.js" in html
    assert geojson.summary(railway.location) in html
    assert f'name="version" value="{geojson.fingerprint(railway.location)}"' in html
    assert 'aria-current="page">Location<' in html  # the tab bar marks the tab


def test_a_participant_who_does_not_own_the_project_and_a_leader_see_it_without_tools(web, contractor, leader, railway):
    for user in (contractor, leader):
        response = web(user).get(url(railway))
        assert response.status_code == 200
        html = response.content.decode()
        assert page_json(response, "gis-location") == railway.location
        assert 'data-editable="false"' in html
        assert "draw-form" not in html and "upload-form" not in html and "leaflet-geoman" not in html


def _post(client, project, **data):
    data.setdefault("version", geojson.fingerprint(Project.objects.get(pk=project.pk).location))
    return client.post(url(project), data)


def test_saving_a_drawing_stores_the_normalised_geometry_and_records_a_summary(web, owner, railway):
    drawn = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": ROUTE},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [120.3, 30.2]}}]}
    client = web(owner)
    response = _post(client, railway, action="save", geometry=json.dumps(drawn))
    assert response.status_code == 302 and response["Location"] == url(railway)
    railway.refresh_from_db()
    assert railway.location == {"type": "GeometryCollection", "geometries": [ROUTE, {"type": "Point", "coordinates": [120.3, 30.2]}]}
    event = location_events(railway).latest("id")
    assert event.actor == owner
    assert event.changes == {"location": ["LineString, 10 positions", "GeometryCollection (LineString, Point), 4 positions"]}
    page = client.get(url(railway)).content.decode()
    assert "The location was saved." in page
    assert "GeometryCollection (LineString, Point), 4 positions" in page  # the summary, and the history below


def test_uploading_a_file_saves_its_geometry(web, staff, railway):
    body = json.dumps({"type": "Feature", "properties": {"名称": "施工红线"}, "geometry": SITE}, ensure_ascii=False).encode()
    upload = SimpleUploadedFile("红线.geojson", body, content_type="application/geo+json")
    response = _post(web(staff), railway, action="upload", file=upload)
    assert response.status_code == 302
    railway.refresh_from_db()
    assert railway.location == SITE


@pytest.mark.parametrize(("name", "body", "message"), [
    ("site.geojson", b'{"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30.1]]]}',
     "coordinates[0]: Polygon ring 0 is not closed: its last position must repeat the first"),
    ("site.json", b'{"type": "Point", "coordinates": [120, 95]}', "coordinates: latitude 95 is outside −90…90"),
    ("site.geojson", b'{"type": "Point",, }',
     "not valid JSON at line 1 column 18: Expecting property name enclosed in double quotes"),
    ("site.kml", b"<kml/>", "site.kml is not a .geojson or .json file."),
    ("big.geojson", b" " * (2 * 1024 * 1024 + 1), "The file is 2.0 MB; at most 2 MB is accepted."),
])
def test_a_bad_file_is_refused_naming_the_problem_and_nothing_changes(web, owner, railway, name, body, message):
    before = railway.location
    events = location_events(railway).count()
    response = _post(web(owner), railway, action="upload", file=SimpleUploadedFile(name, body))
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    html = response.content.decode()
    assert 'data-testid="location-errors"' in html
    assert message.replace('"', "&quot;").replace("'", "&#x27;") in html
    railway.refresh_from_db()
    assert railway.location == before and location_events(railway).count() == events


@pytest.mark.parametrize(("geometry", "message"), [
    ("", "Draw the location on the map first (a point, a line or an area)."),
    ('{"type": "LineString", "coordinates": [[120, 30]]}', "coordinates: LineString needs at least 2 positions, got 1"),
    ('{"type": "Point", "coordinates": [30.27, 120.15]}',
     "coordinates: latitude 120.15 is outside −90…90 (longitude and latitude swapped? GeoJSON puts the longitude first)"),
])
def test_a_bad_drawing_is_refused_naming_the_problem(web, owner, railway, geometry, message):
    before = railway.location
    response = _post(web(owner), railway, action="save", geometry=geometry)
    assert response.status_code == 200
    assert response.context["form"].errors == {"geometry": [message]}
    railway.refresh_from_db()
    assert railway.location == before


def test_a_page_opened_before_someone_else_saved_is_refused(web, owner, staff, railway):
    stale = geojson.fingerprint(railway.location)
    assert _post(web(staff), railway, action="save", geometry=json.dumps(ROUTE)).status_code == 302
    response = _post(web(owner), railway, action="save", geometry=json.dumps(SITE), version=stale)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "version": ["Someone else changed this since you opened it; reload and try again."]}
    railway.refresh_from_db()
    assert railway.location == ROUTE


def test_clearing_removes_the_location_and_the_download(web, owner, railway):
    client = web(owner)
    assert client.get(url(railway), {"format": "geojson"}).status_code == 200
    response = _post(client, railway, action="clear")
    assert response.status_code == 302
    railway.refresh_from_db()
    assert railway.location is None
    assert location_events(railway).latest("id").changes["location"][1] is None
    page = client.get(url(railway))
    assert page_json(page, "gis-location") is None and "clear-location" not in page.content.decode()
    assert client.get(url(railway), {"format": "geojson"}).status_code == 404


def test_the_download_is_a_geojson_feature(web, contractor, railway):
    response = web(contractor).get(url(railway), {"format": "geojson"})
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == f'attachment; filename="{railway.code}-location.geojson"'
    feature = json.loads(response.content)
    assert feature == {"type": "Feature", "geometry": railway.location,
                       "properties": {"code": railway.code, "name": railway.name}}
    assert geojson.normalize(feature) == railway.location  # uploads again as it is


@pytest.mark.parametrize("username", ["contractor", "leader"])
def test_who_sees_but_does_not_manage_cannot_post(web, railway, username):
    before = railway.location
    response = _post(web(User.objects.get(username=username)), railway, action="save", geometry=json.dumps(ROUTE))
    assert response.status_code == 403
    railway.refresh_from_db()
    assert railway.location == before


def test_another_organisation_gets_404_on_the_tab_the_download_and_a_post(web, other_contractor, railway):
    client = web(other_contractor)
    assert client.get(url(railway)).status_code == 404
    assert client.get(url(railway), {"format": "geojson"}).status_code == 404
    assert client.post(url(railway), {"action": "clear", "version": ""}).status_code == 404
    railway.refresh_from_db()
    assert railway.location is not None


# ------------------------------------------------------------------------------------------- the map page
def test_the_list_links_to_the_map_with_its_filters(web, staff):
    client = web(staff)
    html = client.get("/projects/", {"phase": "planning", "page": "2"}).content.decode()
    link = re.search(r'href="(/projects/map/[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200
    assert 'data-features-url="/api/v1/projects/map/?phase=planning"' in response.content.decode()


def test_the_map_page_passes_the_filters_to_the_api_and_lists_the_projects_without_location(web, staff):
    response = web(staff).get("/projects/map/", {"phase": "planning", "sort": "name"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-features-url="/api/v1/projects/map/?phase=planning"' in html
    unlocated = Project.objects.active().in_phase("planning").filter(location__isnull=True)
    assert response.context["unlocated_count"] == unlocated.count() >= 2
    for project in unlocated:
        assert f'href="/projects/{project.pk}/location/">{project.name}</a>' in html
    config = page_json(response, "gis-config")
    assert config["center"] == [120.15, 29.2] and config["zoom"] == 7 and config["tiles"]["crs"] == "wgs84"
    assert set(config["colours"]["phase"]) == {"planning", "construction", "operation"}
    assert set(config["colours"]["status"]) == {"on_track", "late_tasks", "overdue"}


def test_an_invalid_filter_is_shown_and_the_map_falls_back_to_everything_like_the_list(web, staff):
    response = web(staff).get("/projects/map/", {"region": "33x"})
    assert response.status_code == 200
    assert 'data-features-url="/api/v1/projects/map/"' in response.content.decode()
    assert response.context["form"].errors == {"region": ["Enter a six-digit division code."]}


def test_a_contractor_map_page_names_only_its_own_projects(web, contractor, owner_org):
    mine = policy.visible(contractor, Project.objects.active())
    elsewhere = Project.objects.create(code="2026-330100-48-01-870001", name="他人的未定位项目", project_type="transport",
                                       level="municipal", stage=Stage.PROPOSAL, total_investment=Decimal(1),
                                       owner=owner_org)
    response = web(contractor).get("/projects/map/")
    assert response.context["unlocated_count"] == mine.filter(location__isnull=True).count()
    assert elsewhere.name not in response.content.decode()


@override_settings(MAP_TILE_URL="https://tiles.example.gov.cn/vec_w/{z}/{x}/{y}.png", MAP_TILE_CRS="gcj02",
                   MAP_TILE_ATTRIBUTION="© 天地图", MAP_TILE_SUBDOMAINS="01234567", MAP_CENTER=["121.5", "29.9"],
                   MAP_ZOOM="9")
def test_the_tile_settings_reach_the_page_as_json(web, staff):
    config = page_json(web(staff).get("/projects/map/"), "gis-config")
    assert config["tiles"] == {"url": "https://tiles.example.gov.cn/vec_w/{z}/{x}/{y}.png", "overlay_url": "",
                               "attribution": "© 天地图", "subdomains": "01234567", "crs": "gcj02", "max_zoom": 18}
    assert config["center"] == [121.5, 29.9] and config["zoom"] == 9


def test_the_script_holds_no_tile_server_or_coordinates_of_its_own():
    script = (Path(settings.BASE_DIR) / "static" / "js" / "gis.js").read_text()
    assert not re.search(r"https?://", script)
    assert "120.15" not in script and "29.2" not in script


def _more_projects(n, owner_org, group=None):
    start = Project.objects.count()
    for i in range(n):
        project = Project.objects.create(
            code=f"2026-330100-48-01-{860000 + start + i:06d}", name=f"地图页计数项目{start + i}", project_type="water",
            level="municipal", stage=Stage.PROPOSAL if i % 2 else Stage.UNDER_CONSTRUCTION,
            total_investment=Decimal(1), owner=owner_org, location=ROUTE if i % 3 else None,
            planned_finish=timezone.localdate() - datetime.timedelta(days=i))
        if group is not None:
            assign_perm("projects.view_project", group, project)


@pytest.mark.parametrize("username", ["staff", "contractor"])
def test_the_map_page_and_the_tab_answer_in_the_same_number_of_queries_for_more_projects(web, owner_org, username):
    user = User.objects.get(username=username)
    group = None if username == "staff" else user.organization.group
    project = policy.visible(user, Project.objects.active()).filter(location__isnull=False).first()
    counts = []
    for n in (10, 30):
        _more_projects(n, owner_org, group)
        client = web(user)
        client.get("/projects/map/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/projects/map/").status_code == 200
        with CaptureQueriesContext(connection) as tab:
            assert client.get(url(project)).status_code == 200
        counts.append((len(ctx.captured_queries), len(tab.captured_queries)))
    assert counts[0] == counts[1], counts


# ------------------------------------------------------------------------------------------- settings
def test_the_default_map_settings_pass_the_checks():
    assert check_map_settings() == []


@pytest.mark.parametrize(("overrides", "error_id"), [
    ({"MAP_TILE_CRS": "bd09"}, "gis.E001"),
    ({"MAP_CENTER": ["east", "29"]}, "gis.E002"),
    ({"MAP_CENTER": ["29.2", "120.15", "0"]}, "gis.E002"),
    ({"MAP_CENTER": ["120.15", "95"]}, "gis.E002"),
    ({"MAP_ZOOM": "seven"}, "gis.E003"),
    ({"MAP_TILE_MAX_ZOOM": "30"}, "gis.E003"),
    ({"MAP_TILE_URL": "https://tiles.example.gov.cn/tile.png"}, "gis.E004"),
    ({"MAP_TILE_OVERLAY_URL": "ftp://tiles/{z}/{x}/{y}.png"}, "gis.E004"),
])
def test_a_map_setting_the_portal_cannot_use_is_refused_by_the_checks(overrides, error_id):
    with override_settings(**overrides):
        errors = check_map_settings()
    assert [e.id for e in errors] == [error_id]
    assert next(iter(overrides)) in errors[0].msg


def test_gcj02_is_accepted_by_the_checks():
    with override_settings(MAP_TILE_CRS="gcj02", MAP_TILE_URL="/tiles/{z}/{x}/{y}.png"):
        assert check_map_settings() == []


# ------------------------------------------------------------------------------------------- the province outline
OUTLINE = Path(settings.BASE_DIR) / "static" / "geo" / "zhejiang.json"


def _inside(point, polygon) -> bool:
    """Ray casting over a GeoJSON polygon's rings (holes count as outside)."""
    x, y = point
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def _in_multipolygon(point, geometry, margin: float = 0.0) -> bool:
    """Inside, or within `margin` degrees of the coast (a city centre on the water's edge)."""
    if any(_inside(point, polygon) for polygon in geometry["coordinates"]):
        return True
    x, y = point
    for polygon in geometry["coordinates"]:
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
                dx, dy = x2 - x1, y2 - y1
                t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / ((dx * dx + dy * dy) or 1)))
                if math.hypot(x - x1 - t * dx, y - y1 - t * dy) <= margin:
                    return True
    return False


def test_the_page_config_names_the_outline_and_the_file_is_served(web, staff, railway):
    for response in (web(staff).get("/projects/map/"), web(staff).get(url(railway))):
        assert page_json(response, "gis-config")["outline_url"] == "/static/geo/zhejiang.json"
    assert finders.find("geo/zhejiang.json") == str(OUTLINE)


def test_the_outline_is_small_public_domain_and_holds_every_city_of_the_province():
    assert OUTLINE.stat().st_size < 50_000  # drawn on every map page without tiles
    collection = json.loads(OUTLINE.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and "Natural Earth" in collection["source"]
    kinds = {f["properties"]["kind"]: f["geometry"] for f in collection["features"]}
    province, land = kinds["province"], kinds["land"]
    assert province["type"] == land["type"] == "MultiPolygon"
    assert geojson.normalize(province)  # a geometry the portal itself accepts (closed rings, in China, valid)
    for name, lon, lat in CITY_LABELS:  # 舟山 is on an island: the islands are part of the province
        assert _in_multipolygon((lon, lat), province, margin=0.005), name  # 舟山's centre is on the quay
        assert not _in_multipolygon((lon, lat), land), name
    for name, lon, lat in (("上海", 121.47, 31.23), ("苏州", 120.62, 31.30), ("黄山", 118.34, 29.71),
                           ("上饶", 117.94, 28.45), ("宁德", 119.55, 26.67)):
        assert not _in_multipolygon((lon, lat), province), name
        assert _in_multipolygon((lon, lat), land), name
    west, south, east, north = geojson.bbox(province)
    assert 117.9 < west < 118.1 and 27.0 < south < 27.3 and 122.6 < east < 123.3 and 31.1 < north < 31.3
    licence = (OUTLINE.parent / "README.md").read_text(encoding="utf-8")
    assert "public domain" in licence and "Natural Earth" in licence


def test_the_script_draws_the_outline_under_the_projects_and_only_without_tiles():
    script = (Path(settings.BASE_DIR) / "static" / "js" / "gis.js").read_text()
    background = script[script.index("function plainBackground"):script.index("function createMap")]
    assert "outline(map, config, shift)" in background  # called for the plain background only
    assert 'pane: "gis-base"' in script and 'base.style.zIndex = "350"' in script  # under overlay (400)
