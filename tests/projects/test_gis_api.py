"""/api/v1/projects/map/ and /api/v1/projects/{id}/location/: the FeatureCollection and what it holds, the list's
filters (a bad one is a 400 naming it), who sees which projects, who may change a location, invalid GeoJSON (a 400
naming the problem, nothing changed), the version check, and a query count that does not grow with the projects."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core import policy
from projects.gis import geojson
from projects.gis.services import project_location_set
from projects.models import STAGE_PHASE, Project, ScheduleTask, Stage

pytestmark = pytest.mark.django_db

MAP = "/api/v1/projects/map/"
HANGZHOU = {"type": "Point", "coordinates": [120.155, 30.274]}
ROUTE = {"type": "LineString", "coordinates": [[120.0, 30.0], [120.1, 30.05], [120.2, 30.1]]}


def location_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/location/"


@pytest.fixture
def api(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def owner(db):
    """钱立群 of 之江交通建设投资有限公司, owner (建设单位) of 杭温高铁 and four more demo projects."""
    return User.objects.get(username="owner")


@pytest.fixture
def railway(db):
    """杭温高速铁路义乌至温州段: owned by 之江交通, 华东路桥 (`contractor`) builds it, 浙中建工 has no part in it."""
    return Project.objects.get(name="杭温高速铁路义乌至温州段")


def _ids(response) -> set[int]:
    return {f["properties"]["id"] for f in response.json()["features"]}


# ------------------------------------------------------------------------------------------- the map
def test_the_map_is_a_feature_collection_of_every_located_project_with_its_properties(api, staff, railway):
    response = api(staff).get(MAP)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    located = Project.objects.active().filter(location__isnull=False)
    assert _ids(response) == set(located.values_list("pk", flat=True))
    assert body["without_location"] == Project.objects.active().filter(location__isnull=True).count() >= 2
    feature = next(f for f in body["features"] if f["id"] == railway.pk)
    assert feature["type"] == "Feature" and feature["geometry"] == railway.location
    assert feature["bbox"] == geojson.bbox(railway.location)
    assert feature["properties"] == {
        "id": railway.pk, "code": railway.code, "name": railway.name, "phase": "construction",
        "stage": "under_construction", "status": feature["properties"]["status"], "owner": "之江交通建设投资有限公司",
        "url": f"/projects/{railway.pk}/", "point": geojson.representative_point(railway.location),
    }


def test_status_is_overdue_before_late_tasks_before_on_track(api, staff, railway, owner_org):
    today = timezone.localdate()
    Project.objects.filter(pk=railway.pk).update(planned_finish=today + datetime.timedelta(days=400))
    ScheduleTask.objects.filter(project=railway).delete()
    assert _status(api(staff), railway) == "on_track"

    late = ScheduleTask.objects.create(project=railway, wbs="9", name="桥梁架设", planned_start=today - datetime.timedelta(
        days=30), planned_finish=today - datetime.timedelta(days=1), percent_complete=60)
    assert _status(api(staff), railway) == "late_tasks"

    ScheduleTask.objects.filter(pk=late.pk).update(percent_complete=100)  # finished: not late
    assert _status(api(staff), railway) == "on_track"
    ScheduleTask.objects.filter(pk=late.pk).update(percent_complete=50, voided_at=timezone.now())  # voided: not late
    assert _status(api(staff), railway) == "on_track"

    ScheduleTask.objects.filter(pk=late.pk).update(voided_at=None)
    Project.objects.filter(pk=railway.pk).update(planned_finish=today - datetime.timedelta(days=1))
    assert _status(api(staff), railway) == "overdue"
    Project.objects.filter(pk=railway.pk).update(stage=Stage.HANDOVER)  # handed over: finished, not overdue
    assert _status(api(staff), railway) == "late_tasks"


def _status(client, project) -> str:
    features = client.get(MAP).json()["features"]
    return next(f["properties"]["status"] for f in features if f["id"] == project.pk)


def test_the_map_takes_the_filters_of_the_project_list(api, staff):
    client = api(staff)
    for params in ({"phase": "planning"}, {"stage": "under_construction"}, {"project_type": "water"},
                   {"level": "national"}, {"q": "高速"}, {"overdue": "1"},
                   {"owner": str(Project.objects.get(name="杭温高速铁路义乌至温州段").owner_id)}):
        listed = client.get("/api/v1/projects/", {**params, "page_size": 200}).json()["results"]
        expected = {p["id"] for p in listed if Project.objects.get(pk=p["id"]).location is not None}
        response = client.get(MAP, params)
        assert response.status_code == 200, params
        assert _ids(response) == expected, params
        assert response.json()["without_location"] == len(listed) - len(expected), params
    phases = {f["properties"]["phase"] for f in client.get(MAP, {"phase": "planning"}).json()["features"]}
    assert phases == {"planning"}


def test_the_region_filter_keeps_the_projects_in_that_region(api, staff):
    response = api(staff).get(MAP, {"region": "330300"})
    assert response.status_code == 200
    wenzhou = Project.objects.active().filter(regions__code__startswith="3303", location__isnull=False).distinct()
    assert _ids(response) == set(wenzhou.values_list("pk", flat=True)) != set()


@pytest.mark.parametrize(("params", "field"), [
    ({"phase": "building"}, "phase"), ({"stage": "done"}, "stage"), ({"project_type": "rail"}, "project_type"),
    ({"level": "county"}, "level"), ({"region": "33"}, "region"), ({"owner": "x" * 101}, "owner"),
    ({"overdue": "maybe"}, "overdue"),
])
def test_a_bad_filter_is_a_400_naming_it(api, staff, params, field):
    response = api(staff).get(MAP, params)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_a_voided_project_is_not_on_the_map(api, staff, railway):
    Project.objects.filter(pk=railway.pk).update(voided_at=timezone.now())
    assert railway.pk not in _ids(api(staff).get(MAP))


def test_a_contractor_sees_only_the_projects_of_its_organisation(api, contractor, other_contractor, railway):
    for user in (contractor, other_contractor):
        visible = policy.visible(user, Project.objects.active())
        body = api(user).get(MAP).json()
        assert _ids_of(body) == set(visible.filter(location__isnull=False).values_list("pk", flat=True))
        assert body["without_location"] == visible.filter(location__isnull=True).count()
        assert 0 < len(body["features"]) < Project.objects.filter(location__isnull=False).count()
    assert railway.pk in _ids(api(contractor).get(MAP))
    assert railway.pk not in _ids(api(other_contractor).get(MAP))


def _ids_of(body) -> set[int]:
    return {f["id"] for f in body["features"]}


def test_the_map_needs_a_login(client):
    assert client.get(MAP).status_code in (401, 403)


def _make_projects(n: int, owner_org, *, group=None) -> None:
    """`n` located projects under construction, each with a late schedule task; granted to `group` if given."""
    today = timezone.localdate()
    start = Project.objects.count()
    for i in range(n):
        project = Project.objects.create(
            code=f"2026-330100-48-01-{800000 + start + i:06d}", name=f"查询计数项目{start + i}", project_type="transport",
            level="municipal", stage=Stage.UNDER_CONSTRUCTION, total_investment=Decimal("1000000.00"),
            planned_finish=today + datetime.timedelta(days=30 * (i % 3 - 1)), owner=owner_org,
            location=ROUTE if i % 2 else {"type": "Point", "coordinates": [120 + i / 1000, 30]},
        )
        ScheduleTask.objects.create(project=project, wbs="1", name="土建", planned_start=today - datetime.timedelta(days=60),
                                    planned_finish=today - datetime.timedelta(days=1), percent_complete=i % 100)
        if group is not None:
            assign_perm("projects.view_project", group, project)


@pytest.mark.parametrize("username", ["staff", "contractor"])
def test_the_map_answers_in_the_same_number_of_queries_for_10_and_40_more_projects(api, owner_org, username):
    user = User.objects.get(username=username)
    group = None if username == "staff" else user.organization.group
    counts = []
    for n in (10, 30):  # 10 more, then 40 more in all
        _make_projects(n, owner_org, group=group)
        client = api(user)
        client.get(MAP)  # warm the session and permission caches of this client
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(MAP, {"phase": "construction"})
        assert response.status_code == 200
        counts.append((len(ctx.captured_queries), len(response.json()["features"])))
    (queries_10, features_10), (queries_40, features_40) = counts
    assert features_40 == features_10 + 30
    assert queries_40 == queries_10, ctx.captured_queries


# ------------------------------------------------------------------------------------------- one location
def test_get_location_gives_the_geometry_and_its_facts(api, contractor, railway):
    response = api(contractor).get(location_url(railway))
    assert response.status_code == 200
    assert response.json() == {
        "project_id": railway.pk, "location": railway.location, "version": geojson.fingerprint(railway.location),
        "summary": geojson.summary(railway.location), "positions": geojson.position_count(railway.location),
        "bbox": geojson.bbox(railway.location), "point": geojson.representative_point(railway.location),
    }


def test_the_owner_puts_a_location_it_is_normalised_and_audited(api, owner, railway):
    feature_collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": ROUTE},
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[121, 29], [121.2, 29.1]]}},
    ]}
    response = api(owner).put(location_url(railway), {"location": feature_collection}, content_type="application/json")
    assert response.status_code == 200, response.content
    railway.refresh_from_db()
    assert railway.location == {"type": "MultiLineString", "coordinates": [ROUTE["coordinates"], [[121.0, 29.0], [121.2, 29.1]]]}
    assert response.json()["summary"] == "MultiLineString, 5 positions"
    event = AuditEvent.objects.filter(object_id=str(railway.pk), changes__has_key="location").latest("id")
    assert event.actor == owner
    assert event.changes["location"] == ["LineString, 10 positions", "MultiLineString, 5 positions"]


def test_put_null_clears_and_the_same_location_twice_records_one_event(api, staff, railway):
    client = api(staff)
    url = location_url(railway)
    events = AuditEvent.objects.filter(object_id=str(railway.pk), changes__has_key="location")
    before = events.count()
    assert client.put(url, {"location": HANGZHOU}, content_type="application/json").status_code == 200
    assert client.put(url, {"location": HANGZHOU}, content_type="application/json").status_code == 200
    assert events.count() == before + 1
    response = client.put(url, {"location": None}, content_type="application/json")
    assert response.status_code == 200 and response.json()["location"] is None and response.json()["version"] == ""
    railway.refresh_from_db()
    assert railway.location is None
    assert events.latest("id").changes["location"] == ["Point 120.15500, 30.27400", None]


@pytest.mark.parametrize(("location", "message"), [
    ({"type": "Point", "coordinates": [120, 95]}, "coordinates: latitude 95 is outside −90…90"),
    ({"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30.1]]]},
     "coordinates[0]: Polygon ring 0 is not closed: its last position must repeat the first"),
    ({"type": "LineString", "coordinates": [[120, 30]]}, "coordinates: LineString needs at least 2 positions, got 1"),
    ({"type": "Circle", "coordinates": [120, 30]}, "type: \"Circle\" is not accepted here; use one of Point, "
     "LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon, GeometryCollection, Feature, FeatureCollection"),
    ({"type": "Point", "coordinates": [2.35, 48.85]}, "coordinates: 2.35, 48.85 is outside China (73–136 °E, 3–54 °N)"),
    ('{"type": "Point", "coordinates": [120, 30]', "not valid JSON at line 1 column 43: Expecting ',' delimiter"),
])
def test_invalid_geojson_is_a_400_naming_the_problem_and_changes_nothing(api, owner, railway, location, message):
    before = railway.location
    response = api(owner).put(location_url(railway), {"location": location}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {"location": [message]}
    assert error["message"] == f"The location is not valid GeoJSON: {message}"
    railway.refresh_from_db()
    assert railway.location == before


def test_put_without_location_is_a_400_naming_it(api, owner, railway):
    response = api(owner).put(location_url(railway), {}, content_type="application/json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["location"]


def test_a_stale_version_is_refused_and_the_current_one_accepted(api, owner, staff, railway):
    seen = api(owner).get(location_url(railway)).json()["version"]
    project_location_set(actor=staff, project=railway, geometry=ROUTE)  # someone else saves in between
    response = api(owner).put(location_url(railway), {"location": HANGZHOU, "version": seen},
                              content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale"
    assert response.json()["error"]["fields"] == {
        "version": ["Someone else changed this since you opened it; reload and try again."]}
    railway.refresh_from_db()
    assert railway.location == ROUTE
    response = api(owner).put(location_url(railway), {"location": HANGZHOU, "version": geojson.fingerprint(ROUTE)},
                              content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize(("username", "status"), [("contractor", 403), ("leader", 403), ("builder2", 404),
                                              ("inspector", 404)])
def test_only_who_manages_the_project_may_put_others_see_it_or_get_404(api, railway, username, status):
    """华东路桥 builds the railway but is not its owner; a leader reads everything; 浙中建工 and the inspector have
    no part in it (the inspector is assigned to even-numbered demo projects)."""
    user = User.objects.get(username=username)
    before = railway.location
    client = api(user)
    assert client.get(location_url(railway)).status_code == (404 if status == 404 else 200)
    response = client.put(location_url(railway), {"location": HANGZHOU}, content_type="application/json")
    assert response.status_code == status
    railway.refresh_from_db()
    assert railway.location == before


def test_a_voided_project_location_cannot_be_changed(api, staff, railway):
    Project.objects.filter(pk=railway.pk).update(voided_at=timezone.now())
    response = api(staff).put(location_url(railway), {"location": HANGZHOU}, content_type="application/json")
    assert response.status_code == 403


def test_the_phase_of_each_feature_follows_its_stage(api, staff):
    for feature in api(staff).get(MAP).json()["features"]:
        assert feature["properties"]["phase"] == STAGE_PHASE[feature["properties"]["stage"]].value


def test_the_schema_documents_both_endpoints(api, staff):
    paths = api(staff).get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    assert "get" in paths["/api/v1/projects/map/"]
    assert {"get", "put"} <= set(paths["/api/v1/projects/{project_pk}/location/"])
