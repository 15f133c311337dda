"""The inspection API on the demo: the lists narrowed to what the caller may see at a constant number of queries,
another organisation's user answered 404, a result without its report 400 naming `report` with nothing changed, a
stale version 409, and the chain failure → submit → re-inspection → verify through the endpoints."""

import importlib.util
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal.core.services import today
from supervision.models import Rectification, RectificationState, Sample, SampleState


def _helpers():
    path = Path(__file__).with_name("test_inspections_services.py")
    spec = importlib.util.spec_from_file_location("inspection_service_tests_api", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


h = _helpers()
pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision/inspections"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner2(db):
    return h.User.objects.get(username="owner2")


def test_lists_show_only_what_the_caller_sees(contractor, owner2, staff):
    mine = {r["project"] for r in api(contractor).get(f"{BASE}/samples/").json()["results"]}
    assert mine == {h.hangwen().pk}
    theirs = {r["project"] for r in api(owner2).get(f"{BASE}/samples/").json()["results"]}
    assert h.hangwen().pk not in theirs and theirs
    # the demo's failed samples: 杭温's pier, 环湖大堤's fill and 衢州机场's terminal columns
    assert len({r["project"] for r in api(staff).get(f"{BASE}/rectifications/").json()["results"]}) == 3
    sample = Sample.objects.filter(plan__project=h.hangwen()).first()
    assert api(owner2).get(f"{BASE}/samples/{sample.pk}/").status_code == 404
    rect = Rectification.objects.get(project=h.hangwen())
    assert api(owner2).post(f"{BASE}/rectifications/{rect.pk}/submit/", {"measures": "x"},
                            format="json").status_code == 404


def test_the_agency_sees_its_samples_with_mine(inspector):
    rows = api(inspector).get(f"{BASE}/samples/", {"mine": "true"}).json()["results"]
    assert rows and all(r["agency"]["name"] == h.HENGZHENG for r in rows)


def test_a_result_without_its_report_is_400_naming_report(inspector):
    sample = Sample.objects.filter(state=SampleState.ASSIGNED, agency__name=h.HENGZHENG).first()
    answer = api(inspector).post(f"{BASE}/samples/{sample.pk}/result/", {
        "passed": "false", "report_number": "R-1", "tested_on": today().isoformat(), "conclusion": "不合格"},
        format="multipart")
    assert answer.status_code == 400 and list(answer.json()["error"]["fields"]) == ["report"]
    sample.refresh_from_db()
    assert sample.state == SampleState.ASSIGNED


def test_the_chain_through_the_api_and_a_stale_version(contractor, staff, inspector):
    h.qualify_agencies()
    rect = Rectification.objects.get(project=h.hangwen(), state=RectificationState.OPEN)
    stale = api(contractor).post(f"{BASE}/rectifications/{rect.pk}/submit/",
                                 {"measures": "加固", "version": rect.version + 5}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    answer = api(contractor).post(f"{BASE}/rectifications/{rect.pk}/submit/",
                                  {"measures": "钻芯复核，承台加固", "version": rect.version}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "submitted"
    assert {m["name"]: m["enabled"] for m in api(staff).get(
        f"{BASE}/rectifications/{rect.pk}/").json()["moves"]} == {"reject": True, "verify": False}
    taken = api(staff).post(f"{BASE}/samples/", {"plan": rect.sample.plan_id, "location": "5号墩承台",
                                                 "taken_on": today().isoformat(), "retest_of": rect.sample_id},
                            format="json")
    assert taken.status_code == 201, taken.json()
    retest = taken.json()["id"]
    assert api(staff).post(f"{BASE}/samples/{retest}/assign/", {}, format="json").status_code == 200
    sample = Sample.objects.get(pk=retest)
    agency_user = inspector if sample.agency.name == h.HENGZHENG else staff.__class__.objects.get(username="admin")
    result = api(agency_user).post(f"{BASE}/samples/{retest}/result/", {
        "passed": "true", "report_number": "R-2", "tested_on": today().isoformat(), "report": h.pdf()},
        format="multipart")
    assert result.status_code == 200, result.json()
    verified = api(staff).post(f"{BASE}/rectifications/{rect.pk}/verify/", {}, format="json")
    assert verified.status_code == 200 and verified.json()["state"] == "closed"
    again = api(staff).post(f"{BASE}/rectifications/{rect.pk}/verify/", {}, format="json")
    assert again.status_code == 409


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lists_keep_a_constant_query_count(staff, inspector):
    client = api(staff)
    urls = [f"{BASE}/samples/", f"{BASE}/rectifications/", f"{BASE}/deliveries/", f"{BASE}/plans/"]
    [_queries(client, u) for u in urls]  # warm: the caller's permissions are read once, then cached
    before = [_queries(client, u) for u in urls]
    h.qualify_agencies()
    plan = h.make_plan(staff, required=5)
    hengzheng = h.Organization.objects.get(name=h.HENGZHENG)
    for _ in range(3):
        h.record(inspector, h.assign_to(staff, h.take(staff, plan), hengzheng), passed=False)
    assert [_queries(client, u) for u in urls] == before
