"""The map of all projects at a zoom (issue #10): geometries simplified per detail level (valid GeoJSON, rings
closed with ≥ 4 positions, lines ≥ 2, inside the original's bbox), `zoom` (a bad one is a 400 naming it), the
ETag (304 on a repeat, another after a change or for a user who sees other projects), the gzip encoding, the
permissions and a query count that does not grow with the projects."""

import datetime
import gzip
import json
import math
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from portal.accounts.models import User
from portal.core import policy
from projects.gis import geojson, simplify
from projects.gis.services import project_location_set
from projects.models import Project, ScheduleTask, Stage

MAP = "/api/v1/projects/map/"
PROVINCE, CITY, FULL = simplify.LEVELS


# ------------------------------------------------------------------------------------------- shapes
def _walk(n: int, seed: int, start=(120.0, 29.5), step=0.0004) -> list[list[float]]:
    """A wandering line of `n` positions (a road as surveyed: a position every ≈ 40 m, 7 decimals)."""
    rng = random.Random(seed)
    lon, lat = start
    heading = rng.uniform(0, 2 * math.pi)
    out = []
    for _ in range(n):
        heading += rng.uniform(-0.3, 0.3)
        lon += step * math.cos(heading)
        lat += step * math.sin(heading)
        out.append([round(lon, 7), round(lat, 7)])
    return out


def _circle(cx: float, cy: float, r: float, n: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    ring = [[round(cx + r * (1 + rng.uniform(-0.002, 0.002)) * math.cos(2 * math.pi * i / n), 7),
             round(cy + r * (1 + rng.uniform(-0.002, 0.002)) * math.sin(2 * math.pi * i / n), 7)] for i in range(n)]
    return [*ring, ring[0]]


def _shapes() -> dict[str, dict]:
    line = _walk(3000, 1)
    site = {"type": "Polygon", "coordinates": [_circle(120.5, 30.0, 0.05, 800, 2),
                                               _circle(120.5, 30.0, 0.01, 200, 3),  # a hole seen in a city
                                               _circle(120.52, 30.02, 0.0004, 12, 4)]}  # one too small to see
    return {name: geojson.normalize(shape) for name, shape in {
        "line": {"type": "LineString", "coordinates": line},
        "site": site,
        "tiny site": {"type": "Polygon", "coordinates": [_circle(121.0, 29.0, 0.00002, 30, 5)]},
        "short line": {"type": "LineString", "coordinates": [[121.1, 29.1], [121.100001, 29.100002],
                                                              [121.100003, 29.100001]]},
        "point": {"type": "Point", "coordinates": [120.1234567, 30.7654321]},
        "lines": {"type": "MultiLineString", "coordinates": [_walk(500, 6), _walk(40, 7, start=(121, 28))]},
        "sites": {"type": "MultiPolygon", "coordinates": [site["coordinates"][:1], [_circle(119.5, 28.5, 0.2, 400, 8)]]},
        "mixed": {"type": "GeometryCollection", "geometries": [
            {"type": "MultiPoint", "coordinates": [[120.0, 30.0], [120.00001, 30.00001]]},
            {"type": "LineString", "coordinates": _walk(300, 9)}]},
    }.items()}


def _decimals(x: float) -> int:
    text = repr(x)
    return len(text.split(".")[1]) if "." in text else 0


@pytest.mark.parametrize("level", [PROVINCE, CITY], ids=lambda level: level.key)
@pytest.mark.parametrize("name", list(_shapes()))
def test_a_simplified_geometry_is_valid_and_keeps_its_parts_inside_the_original(name, level):
    original = _shapes()[name]
    simple = simplify.simplify(original, level)
    # Valid: the stored-geometry rules accept it, unchanged (closed rings of ≥ 4 positions with an area and RFC 7946
    # orientation, lines of ≥ 2 distinct positions), and it is still the same kind of thing with the same parts.
    assert geojson.normalize(json.loads(json.dumps(simple))) == simple
    assert _structure(simple) == _structure(original)
    west, south, east, north = geojson.bbox(original)
    for lon, lat in geojson.positions(simple):
        assert west <= lon <= east and south <= lat <= north
    for kind, coordinates in geojson._parts(simple):
        if kind == "LineString":
            assert len(coordinates) >= 2 and any(p != coordinates[0] for p in coordinates)
        if kind == "Polygon":
            for ring in coordinates:
                assert len(ring) >= 4 and ring[0] == ring[-1]
    if name not in ("tiny site", "short line", "point"):  # those keep their stored digits rather than collapse or
        # leave the original's box (a point's box is the point)
        assert max(_decimals(x) for p in geojson.positions(simple) for x in p) <= level.decimals
    if name == "line" or name in ("site", "sites") and level is PROVINCE:
        assert geojson.position_count(simple) < geojson.position_count(original) / 3
    # The stored geometry is left as it was.
    assert original == _shapes()[name]


def _structure(geometry: dict) -> list:
    """The types and the number of parts, not the positions."""
    if geometry["type"] == geojson.COLLECTION:
        return [_structure(g) for g in geometry["geometries"]]
    parts = [c for _k, c in geojson._parts(geometry)]
    return [geometry["type"], len(parts)]


def test_the_levels_simplify_less_as_the_map_zooms_in():
    line = _shapes()["line"]
    counts = [geojson.position_count(simplify.simplify(line, level)) for level in simplify.LEVELS]
    assert counts[0] < counts[1] < counts[2] == 3000
    assert simplify.simplify(line, FULL) is line
    assert [simplify.level_for(z).key for z in (None, 0, 7, 9, 10, 13, 14, 22)] == [
        "full", "province", "province", "province", "city", "city", "full", "full"]


def test_holes_too_small_for_the_level_are_dropped_and_the_others_kept():
    site = _shapes()["site"]
    assert len(simplify.simplify(site, PROVINCE)["coordinates"]) == 2
    assert len(simplify.simplify(site, CITY)["coordinates"]) == 3


def test_a_site_smaller_than_the_rounding_grid_keeps_its_stored_corners():
    tiny = _shapes()["tiny site"]
    ring = simplify.simplify(tiny, PROVINCE)["coordinates"][0]
    assert len(ring) >= 4 and ring[0] == ring[-1] and geojson._signed_area(ring) > 0
    assert all(p in tiny["coordinates"][0] for p in ring)


# ------------------------------------------------------------------------------------------- the API
@pytest.fixture
def api(client_for):
    def make(user, **headers):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.defaults.update(headers)
        return client

    return make


@pytest.fixture
def railway(db):
    """Owned by 之江交通, built by 华东路桥 (`contractor`); 浙中建工 (`other_contractor`) has no part in it."""
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def _feature(body: dict, pk: int) -> dict:
    return next(f for f in body["features"] if f["id"] == pk)


@pytest.mark.django_db
def test_a_zoom_gives_the_geometries_simplified_for_it(api, staff, railway):
    road = geojson.normalize({"type": "LineString", "coordinates": _walk(2000, 11, start=(120.3, 29.2))})
    project_location_set(actor=staff, project=railway, geometry=road)
    client = api(staff)
    full = client.get(MAP)
    province = client.get(MAP, {"zoom": "7"})
    city = client.get(MAP, {"zoom": "12"})
    street = client.get(MAP, {"zoom": "16"})
    assert {r.status_code for r in (full, province, city, street)} == {200}
    assert len(province.content) < len(city.content) < len(full.content) == len(street.content)
    assert _feature(full.json(), railway.pk)["geometry"] == road  # no zoom: the stored geometry (unchanged API)
    assert _feature(street.json(), railway.pk)["geometry"] == road
    simple = _feature(province.json(), railway.pk)
    assert simple["geometry"] == simplify.simplify(road, PROVINCE)
    assert simple["geometry"]["coordinates"][0] == [round(c, 4) for c in road["coordinates"][0]]
    assert 2 <= len(simple["geometry"]["coordinates"]) < 2000 / 5
    # The bbox still holds the whole stored geometry; the properties are the same at every zoom (the point to
    # the level's decimals).
    west, south, east, north = simple["bbox"]
    stored = geojson.bbox(road)
    assert west <= stored[0] and south <= stored[1] and east >= stored[2] and north >= stored[3]
    stored_properties = _feature(full.json(), railway.pk)["properties"]
    assert simple["properties"] == {**stored_properties, "point": [round(c, 4) for c in stored_properties["point"]]}
    assert {f["id"] for f in province.json()["features"]} == {f["id"] for f in full.json()["features"]}
    assert province.json()["without_location"] == full.json()["without_location"]
    # The whole geometry of one project stays at its own address.
    assert client.get(f"/api/v1/projects/{railway.pk}/location/").json()["location"] == road


@pytest.mark.django_db
@pytest.mark.parametrize("zoom", ["-1", "23", "100", "seven", "7.5", "1e1", " 7", "0x7"])
def test_a_bad_zoom_is_a_400_naming_it(api, staff, zoom):
    response = api(staff).get(MAP, {"zoom": zoom})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["zoom"]


@pytest.mark.django_db
@pytest.mark.parametrize("zoom", ["0", "9", "10", "22"])
def test_every_zoom_from_0_to_22_is_taken(api, staff, zoom):
    assert api(staff).get(MAP, {"zoom": zoom}).status_code == 200


@pytest.mark.django_db
def test_a_repeat_with_the_etag_is_a_304_without_a_body(api, staff):
    client = api(staff)
    first = client.get(MAP, {"zoom": "8"})
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    again = client.get(MAP, {"zoom": "8"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    # Another zoom level, other filters or another language is another answer.
    assert client.get(MAP, {"zoom": "12"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(MAP, {"zoom": "8", "phase": "planning"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(MAP, {"zoom": "8"}, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    # A zoom of the same level is the same answer.
    assert client.get(MAP, {"zoom": "5"}, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
def test_the_etag_changes_when_a_location_changes_and_the_answer_follows(api, staff, railway):
    client = api(staff)
    before = client.get(MAP)
    point = {"type": "Point", "coordinates": [120.5, 29.5]}
    project_location_set(actor=staff, project=railway, geometry=point)
    after = client.get(MAP, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert _feature(after.json(), railway.pk)["geometry"] == point
    project_location_set(actor=staff, project=railway, geometry=None)  # cleared: off the map, counted without
    cleared = client.get(MAP, HTTP_IF_NONE_MATCH=after["ETag"])
    assert cleared.status_code == 200
    assert railway.pk not in {f["id"] for f in cleared.json()["features"]}
    assert cleared.json()["without_location"] == after.json()["without_location"] + 1


@pytest.mark.django_db
def test_the_status_follows_the_schedule_and_the_date_through_the_etag(api, staff, railway):
    """The status changes without the project being saved (a task falls late): the ETag and the answer follow."""
    today = timezone.localdate()
    Project.objects.filter(pk=railway.pk).update(planned_finish=today + datetime.timedelta(days=400))
    ScheduleTask.objects.filter(project=railway).delete()
    client = api(staff)
    on_track = client.get(MAP)
    assert _feature(on_track.json(), railway.pk)["properties"]["status"] == "on_track"
    ScheduleTask.objects.create(project=railway, wbs="9", name="桥梁架设", planned_start=today - datetime.timedelta(days=30),
                                planned_finish=today - datetime.timedelta(days=1), percent_complete=60)
    late = client.get(MAP, HTTP_IF_NONE_MATCH=on_track["ETag"])
    assert late.status_code == 200 and _feature(late.json(), railway.pk)["properties"]["status"] == "late_tasks"
    Project.objects.filter(pk=railway.pk).update(planned_finish=today - datetime.timedelta(days=1))
    overdue = client.get(MAP, HTTP_IF_NONE_MATCH=late["ETag"])
    assert overdue.status_code == 200 and _feature(overdue.json(), railway.pk)["properties"]["status"] == "overdue"
    Project.objects.filter(pk=railway.pk).update(stage=Stage.OPERATING)
    operating = client.get(MAP, HTTP_IF_NONE_MATCH=overdue["ETag"])
    assert operating.status_code == 200 and _feature(operating.json(), railway.pk)["properties"]["stage"] == "operating"


@pytest.mark.django_db
def test_users_who_see_other_projects_get_other_etags_and_never_each_others_map(api, contractor, other_contractor,
                                                                                railway, staff, leader):
    mine = api(contractor).get(MAP, {"zoom": "7"})
    theirs = api(other_contractor).get(MAP, {"zoom": "7"})
    assert mine["ETag"] != theirs["ETag"]
    assert railway.pk in {f["id"] for f in mine.json()["features"]}
    # 浙中建工 holding 华东路桥's ETag (a shared proxy, a copied header) gets its own map, without the railway.
    again = api(other_contractor).get(MAP, {"zoom": "7"}, HTTP_IF_NONE_MATCH=mine["ETag"])
    assert again.status_code == 200
    ids = {f["id"] for f in again.json()["features"]}
    visible = policy.visible(other_contractor, Project.objects.active()).filter(location__isnull=False)
    assert ids == set(visible.values_list("pk", flat=True)) and railway.pk not in ids
    # Two users who see every project still have their own validators (the user is part of it).
    assert api(staff).get(MAP)["ETag"] != api(leader).get(MAP)["ETag"]


@pytest.mark.django_db
def test_the_map_is_gzipped_for_a_client_that_accepts_it(api, staff):
    plain = api(staff).get(MAP)
    packed = api(staff, HTTP_ACCEPT_ENCODING="gzip, deflate, br").get(MAP)
    assert plain.get("Content-Encoding") is None and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
    assert json.loads(plain.content)["type"] == "FeatureCollection"


def _make_projects(n: int, owner_org, *, group=None) -> None:
    today = timezone.localdate()
    start = Project.objects.count()
    for i in range(n):
        project = Project.objects.create(
            code=f"2026-330100-48-01-{700000 + start + i:06d}", name=f"缩放计数项目{start + i}", project_type="transport",
            level="municipal", stage=Stage.UNDER_CONSTRUCTION, total_investment=Decimal("1000000.00"),
            planned_finish=today + datetime.timedelta(days=30 * (i % 3 - 1)), owner=owner_org,
            location=({"type": "LineString", "coordinates": _walk(200, i)} if i % 2
                      else {"type": "Point", "coordinates": [120 + i / 1000, 30]}),
        )
        ScheduleTask.objects.create(project=project, wbs="1", name="土建", planned_start=today - datetime.timedelta(days=60),
                                    planned_finish=today - datetime.timedelta(days=1), percent_complete=i % 100)
        if group is not None:
            assign_perm("projects.view_project", group, project)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["leader", "contractor"])
def test_the_zoomed_map_and_its_304_take_the_same_queries_for_10_and_40_more_projects(api, owner_org, username):
    user = User.objects.get(username=username)
    group = None if username == "leader" else user.organization.group
    counts = []
    for n in (10, 30):
        _make_projects(n, owner_org, group=group)
        client = api(user)
        client.get(MAP)  # warm the session and permission caches of this client
        with CaptureQueriesContext(connection) as built:
            response = client.get(MAP, {"zoom": "7", "phase": "construction"})
        with CaptureQueriesContext(connection) as cached:
            again = client.get(MAP, {"zoom": "7", "phase": "construction"})
        with CaptureQueriesContext(connection) as revalidated:
            not_modified = client.get(MAP, {"zoom": "7", "phase": "construction"}, HTTP_IF_NONE_MATCH=response["ETag"])
        assert (response.status_code, again.status_code, not_modified.status_code) == (200, 200, 304)
        assert again.content == response.content
        counts.append((len(built), len(cached), len(revalidated), len(response.json()["features"])))
    (built_10, cached_10, revalidated_10, features_10), (built_40, cached_40, revalidated_40, features_40) = counts
    assert features_40 == features_10 + 30
    assert (built_40, cached_40, revalidated_40) == (built_10, cached_10, revalidated_10)
    assert cached_40 == revalidated_40 == built_40 - 1  # a cached answer or a 304: no geometry is read
