"""The smart site's API: devices (registration with a token shown once that works at the ingestion endpoint, a new
token refusing the old one, edits with their version, retiring, latest values and rules in force, raw readings and
rollups), rules (defaults seen by all, a project's tightening, a loosening refused naming the field, a device's own
values, reset), alerts (filters, clearing with a note, raising a hazard from an alarm, their refusals); bad input is
a 400 naming the parameter, another organisation gets 404, a contractor sees only its projects' sites, and the lists
keep their query counts."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project
from supervision.models import Alert, Device, Hazard, Rule
from supervision.sites import services

from .sites_helpers import minutes, now, project, register, send

pytestmark = pytest.mark.django_db
DEVICES = "/api/v1/supervision/site-devices/"
RULES = "/api/v1/supervision/site-rules/"
ALERTS = "/api/v1/supervision/site-alerts/"
JSON = "application/json"


@pytest.fixture
def site():
    return project()


@pytest.fixture
def hidden_site(contractor):
    """A live project neither A's contractor nor A's owner may see."""
    seen = set(policy.visible(contractor, Project.objects.all()).values_list("pk", flat=True))
    seen |= set(policy.visible(User.objects.get(username="owner"), Project.objects.all()).values_list("pk", flat=True))
    return Project.objects.filter(voided_at__isnull=True).exclude(pk__in=seen).order_by("pk").first()


@pytest.fixture
def owner2():
    return User.objects.get(username="owner2")


def ingest_url(site):
    return f"/api/v1/supervision/ingest/{site.pk}/readings/"


def post_reading(site, serial, token, **values):
    ts = (timezone.now() - datetime.timedelta(seconds=30)).replace(microsecond=0)
    body = {"readings": [{"device": serial, "token": token, "ts": ts.isoformat(), "values": values}]}
    return Client().post(ingest_url(site), body, content_type=JSON)


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def crane_body(site, serial="API-TC-01", **overrides):
    return {"project": site.pk, "kind": "crane", "serial": serial, "name": "1号塔吊", "location": "北区 3 号楼",
            "responsible": site.owner_id, "rated_capacity": 1000.0, **overrides}


def alarm(staff, site, serial="API-TC-A", value=1050.0):
    """A crane on `site` and the alert one reading of `value` kN·m (of 1000 rated) opens."""
    device, token = register(staff, site, "crane", serial)
    result = send(site, device, token, [(now() - datetime.timedelta(minutes=1), value)], "load_moment")
    assert result.accepted == 1 and result.alerts_opened == 1
    return device, token, Alert.objects.get(device=device)


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        assert response.status_code == 200, response.content
    return len(ctx), response.json()["count"]


# ---------------------------------------------------------------------------------------------------- devices
def test_registering_returns_the_token_once_and_it_works_at_the_ingestion_endpoint(client_for, staff, site):
    client = client_for(staff)
    response = client.post(DEVICES, crane_body(site), content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["token"]
    assert token.startswith("sdt_") and body["token_hint"] == token[:8]
    assert body["kind"] == "crane" and body["responsible_id"] == site.owner_id and body["retired"] is False
    assert [m["key"] for m in body["metrics"]] == ["load_moment", "wind_speed"]
    device = Device.objects.get(pk=body["id"])
    assert device.token_hash != token and token not in device.token_hash

    detail = client.get(f"{DEVICES}{device.pk}/").json()
    assert "token" not in detail and detail["token_hint"] == token[:8]

    stored = post_reading(site, device.serial, token, load_moment=950)
    assert stored.status_code == 200 and stored.json()["accepted"] == 1
    detail = client.get(f"{DEVICES}{device.pk}/").json()
    assert [(v["metric"], v["value"], v["level"], v["unit"]) for v in detail["latest"]] == [
        ("load_moment", 950.0, "warning", "kN·m")]
    assert detail["open_alerts"] == 1
    rules = {r["key"]: r for r in detail["rules"]}
    assert set(rules) == {"crane.load_moment", "crane.wind"}
    assert rules["crane.load_moment"]["scope"] == "default"
    assert rules["crane.load_moment"]["source"].startswith("GB 5144-2006")
    assert (rules["crane.load_moment"]["warning_level"], rules["crane.load_moment"]["alarm_level"]) == (90, 100)


def test_a_new_token_is_shown_once_and_the_old_one_is_refused(client_for, staff, site):
    device, old = register(staff, site, "crane", "API-TC-ROT")
    response = client_for(staff).post(f"{DEVICES}{device.pk}/rotate-token/", content_type=JSON)
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old and response.json()["version"] == device.version + 1
    refused = post_reading(site, device.serial, old, load_moment=100)
    assert refused.status_code == 400 and refused.json()["refused"][0]["code"] == "wrong_token"
    assert post_reading(site, device.serial, new, load_moment=100).json()["accepted"] == 1


def test_registering_refuses_bad_input_naming_the_field_and_stores_nothing(client_for, staff, site, hidden_site,
                                                                          contractor, leader):
    client = client_for(staff)
    register(staff, site, "dust", "API-TAKEN")
    before = Device.objects.count()
    cases = [
        ({"serial": ""}, "serial"),
        ({"rated_capacity": None}, "rated_capacity"),
        ({"rated_capacity": -5}, "rated_capacity"),
        ({"kind": "submarine"}, "kind"),
        ({"project": "abc"}, "project"),
        ({"project": 10**30}, "project"),
        ({"responsible": 99999999}, "responsible"),
        ({"latitude": 30.5}, "longitude"),
        ({"latitude": 200, "longitude": 120}, "latitude"),
        ({"kind": "noise", "stream_url": "rtsp://x/1", "rated_capacity": None}, "stream_url"),
        ({"kind": "camera", "rated_capacity": None}, "stream_url"),
        ({"serial": "API-TAKEN"}, "serial"),
    ]
    for override, field in cases:
        response = client.post(DEVICES, crane_body(site, **override), content_type=JSON)
        assert response.status_code == 400, (override, response.content)
        assert field in fields(response), (override, response.json())
    # a unit that takes no part in the project
    other_unit = hidden_site.owner_id
    response = client.post(DEVICES, crane_body(site, responsible=other_unit), content_type=JSON)
    assert response.status_code == 400 and "responsible" in fields(response)
    # a project the contractor does not see is not a choice; the leader registers nothing
    response = client_for(contractor).post(DEVICES, crane_body(hidden_site), content_type=JSON)
    assert response.status_code == 400 and "project" in fields(response)
    assert client_for(leader).post(DEVICES, crane_body(site), content_type=JSON).status_code == 403
    assert Device.objects.count() == before
    # the contractor builds the site: it registers there
    response = client_for(contractor).post(DEVICES, crane_body(site, serial="API-BY-CONTRACTOR",
                                                               responsible=contractor.organization_id),
                                           content_type=JSON)
    assert response.status_code == 201 and response.json()["responsible_name"] == contractor.organization.name


def test_the_list_filters_and_keeps_its_queries(client_for, staff, site):
    client = client_for(staff)
    register(staff, site, "noise", "API-N-00")
    small, n = count_queries(client, DEVICES, {"project": site.pk})
    for i in range(1, 8):
        device, _token = register(staff, site, "noise" if i % 2 else "dust", f"API-N-{i:02}")
    alarm(staff, site)
    large, m = count_queries(client, DEVICES, {"project": site.pk})
    assert m == n + 8 and large == small
    body = client.get(DEVICES, {"project": site.pk, "kind": "crane", "q": "API-"}).json()
    assert [d["serial"] for d in body["results"]] == ["API-TC-A"] and body["results"][0]["open_alerts"] == 1
    assert client.get(DEVICES, {"q": "API-N-0"}).json()["count"] == 8
    services.device_retire(actor=staff, device=device, reason="拆除")
    assert client.get(DEVICES, {"q": "API-N-0"}).json()["count"] == 7
    retired = client.get(DEVICES, {"q": "API-N-0", "retired": "true"}).json()
    assert [(d["serial"], d["retired"]) for d in retired["results"]] == [(device.serial, True)]
    for params, field in [({"project": "abc"}, "project"), ({"kind": "submarine"}, "kind"),
                          ({"retired": "perhaps"}, "retired"), ({"project": "9" * 30}, "project")]:
        response = client.get(DEVICES, params)
        assert response.status_code == 400 and field in fields(response), params


def test_a_contractor_sees_only_its_projects_devices(client_for, staff, contractor, site, hidden_site):
    mine, _t = register(staff, site, "noise", "API-MINE")
    theirs, _t = register(staff, hidden_site, "noise", "API-THEIRS", responsible=hidden_site.owner)
    client = client_for(contractor)
    serials = {d["serial"] for d in client.get(DEVICES, {"page_size": 200}).json()["results"]}
    assert mine.serial in serials and theirs.serial not in serials
    assert client.get(f"{DEVICES}{mine.pk}/").status_code == 200
    for url in (f"{DEVICES}{theirs.pk}/", f"{DEVICES}{theirs.pk}/readings/", f"{DEVICES}{theirs.pk}/rollups/"):
        assert client.get(url).status_code == 404
    assert client_for(staff).get(f"{DEVICES}{theirs.pk}/").status_code == 200


def test_another_organisation_gets_404_and_changes_nothing(client_for, staff, site, owner2):
    device, _token = register(staff, site, "crane", "API-TC-404")
    client = client_for(owner2)
    url = f"{DEVICES}{device.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "x"}, content_type=JSON).status_code == 404
    assert client.post(url + "rotate-token/", content_type=JSON).status_code == 404
    assert client.post(url + "retire/", {"reason": "x"}, content_type=JSON).status_code == 404
    assert client.get(url + "readings/").status_code == 404
    assert client.get(url + "rollups/").status_code == 404
    assert client.get(f"{DEVICES}abc/").status_code == 404
    assert client.get(f"{DEVICES}{2**70}/").status_code == 404
    device.refresh_from_db()
    assert device.name == "crane API-TC-404" and device.voided_at is None and device.version == 1


def test_editing_a_device_with_its_version(client_for, staff, contractor, leader, site):
    device, _token = register(staff, site, "crane", "API-TC-EDIT")
    url = f"{DEVICES}{device.pk}/"
    client = client_for(contractor)
    response = client.patch(url, {"name": "2号塔吊", "latitude": "28.123456", "longitude": "120.654321",
                                  "rated_capacity": 1200, "version": 1}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["latitude"], body["rated_capacity"], body["version"]) == (
        "2号塔吊", "28.123456", 1200.0, 2)
    stale = client.patch(url, {"name": "3号塔吊", "version": 1}, content_type=JSON)
    assert stale.status_code == 409 and "version" in fields(stale)
    for data, field in [({"latitude": None}, "latitude"), ({"rated_capacity": 0}, "rated_capacity"),
                        ({"stream_url": "rtsp://cam/1"}, "stream_url"), ({"responsible": 99999999}, "responsible"),
                        ({"version": "x"}, "version")]:
        response = client.patch(url, data, content_type=JSON)
        assert response.status_code == 400 and field in fields(response), (data, response.content)
    assert client_for(leader).patch(url, {"name": "x"}, content_type=JSON).status_code == 403
    device.refresh_from_db()
    assert device.name == "2号塔吊" and device.version == 2


def test_retiring_a_device(client_for, staff, owner, site):
    device, token = register(staff, site, "dust", "API-PM-RET")
    url = f"{DEVICES}{device.pk}/"
    client = client_for(owner)
    response = client.post(url + "retire/", {"reason": " "}, content_type=JSON)
    assert response.status_code == 400 and "reason" in fields(response)
    response = client.post(url + "retire/", {"reason": "设备拆除"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["retired"] is True
    assert response.json()["void_reason"] == "设备拆除"
    refused = post_reading(site, device.serial, token, pm10=40)
    assert refused.status_code == 400 and refused.json()["refused"][0]["code"] == "retired"
    for again in (client.post(url + "retire/", {"reason": "再次"}, content_type=JSON),
                  client.patch(url, {"name": "x"}, content_type=JSON),
                  client.post(url + "rotate-token/", content_type=JSON)):
        assert again.status_code == 409
    assert client.get(url).status_code == 200  # its history stays readable


def test_raw_readings_and_rollups(client_for, staff, site):
    device, token = register(staff, site, "crane", "API-TC-SER")
    start = now() - datetime.timedelta(hours=3)
    send(site, device, token, minutes(start, 180, lambda i: 100.0 + i), "load_moment")
    send(site, device, token, minutes(start, 3, 4.0), "wind_speed")
    client = client_for(staff)
    url = f"{DEVICES}{device.pk}/"
    body = client.get(url + "readings/", {"page_size": 5}).json()  # the first metric, the last 24 h
    assert body["count"] == 180
    assert [r["value"] for r in body["results"]] == [279.0, 278.0, 277.0, 276.0, 275.0]
    window = {"metric": "load_moment", "from": (start + datetime.timedelta(minutes=10)).isoformat(),
              "to": (start + datetime.timedelta(minutes=19)).isoformat()}
    body = client.get(url + "readings/", window).json()
    assert body["count"] == 10 and body["results"][0]["value"] == 119.0
    assert client.get(url + "readings/", {"metric": "wind_speed"}).json()["count"] == 3
    day = timezone.localdate().isoformat()
    assert client.get(url + "readings/", {"from": day, "to": day}).status_code == 200

    too_long = client.get(url + "readings/", {"from": (start - datetime.timedelta(days=3)).isoformat()})
    assert too_long.status_code == 400
    assert f"{url}rollups/" in fields(too_long)["from"][0]
    for params, field in [({"metric": "pm10"}, "metric"), ({"metric": "weight"}, "metric"),
                          ({"from": "yesterday"}, "from"), ({"to": "2025-02-30"}, "to"),
                          ({"to": "99999-01-01"}, "to"), ({"from": (start + datetime.timedelta(hours=1)).isoformat(),
                                                           "to": start.isoformat()}, "from")]:
        response = client.get(url + "readings/", params)
        assert response.status_code == 400 and field in fields(response), (params, response.content)

    hours = client.get(url + "rollups/", {"metric": "load_moment"}).json()
    assert sum(r["count"] for r in hours["results"]) == 180 and all(r["period"] == "hour" for r in hours["results"])
    assert hours["results"][0]["maximum"] == 279.0
    assert hours["results"][0]["start"] > hours["results"][-1]["start"]  # newest first
    days = client.get(url + "rollups/", {"metric": "load_moment", "period": "day"}).json()
    assert sum(r["count"] for r in days["results"]) == 180
    assert days["results"][-1]["minimum"] == 100.0
    for params, field in [({"period": "week"}, "period"), ({"metric": "pm25"}, "metric"),
                          ({"from": "13/01/2025"}, "from")]:
        response = client.get(url + "rollups/", params)
        assert response.status_code == 400 and field in fields(response), params


# ------------------------------------------------------------------------------------------------------ rules
def test_the_defaults_are_seen_by_every_signed_in_user(client_for, reviewer):
    body = client_for(reviewer).get(RULES, {"scope": "default", "page_size": 200}).json()
    defaults = Rule.objects.filter(project__isnull=True, device__isnull=True)
    assert body["count"] == defaults.count() > 0
    noise = next(r for r in body["results"] if r["key"] == "noise.night")
    assert (noise["alarm_level"], noise["time_from"], noise["time_to"]) == (55.0, "22:00:00", "06:00:00")
    assert noise["source"].startswith("GB 12523-2011") and noise["metric"] == "leq" and noise["unit"] == "dB(A)"
    rule = defaults.get(key="noise.night")
    assert client_for(reviewer).get(f"{RULES}{rule.pk}/").json()["key"] == "noise.night"


def test_a_project_tightens_a_default_and_may_not_loosen_it(en, client_for, owner, contractor, site):
    client = client_for(owner)
    before = Rule.objects.count()
    loose = en(owner).post(RULES, {"key": "noise.night", "project": site.pk, "alarm_level": 60},
                           content_type=JSON)
    assert loose.status_code == 400
    assert fields(loose) == {"alarm_level": ["A project may only tighten the default (55)."]}
    assert Rule.objects.count() == before
    response = client.post(RULES, {"key": "noise.night", "project": site.pk, "warning_level": 45,
                                   "alarm_level": 50, "source": "项目夜间施工许可"}, content_type=JSON)
    assert response.status_code == 201, response.content
    rule = response.json()
    assert (rule["scope"], rule["project_id"], rule["alarm_level"], rule["version"]) == ("project", site.pk, 50, 1)
    assert rule["time_from"] == "22:00:00"  # the default's other values carried over
    again = client.post(RULES, {"key": "noise.night", "project": site.pk, "alarm_level": 52, "version": 1},
                        content_type=JSON)
    assert again.status_code == 200 and again.json()["id"] == rule["id"] and again.json()["version"] == 2
    stale = client.post(RULES, {"key": "noise.night", "project": site.pk, "alarm_level": 51, "version": 1},
                        content_type=JSON)
    assert stale.status_code == 409
    listed = client_for(contractor).get(RULES, {"project": site.pk, "scope": "project", "kind": "noise"}).json()
    assert [(r["id"], r["key"]) for r in listed["results"] if r["key"] == "noise.night"] == [(rule["id"],
                                                                                             "noise.night")]
    assert all(r["scope"] == "project" and r["project_id"] == site.pk for r in listed["results"])
    for data, field in [({"key": "noise.never", "project": site.pk}, "key"),
                        ({"key": "noise.night"}, "project"),
                        ({"key": "noise.night", "project": site.pk, "device": 1}, "project"),
                        ({"key": "noise.night", "project": "x"}, "project"),
                        ({"key": "noise.night", "project": site.pk, "time_from": "25:00"}, "time_from"),
                        ({"key": "noise.night", "project": site.pk, "warning_level": 54, "alarm_level": 50},
                         "warning_level"),
                        ({"key": "noise.night", "project": site.pk, "window_minutes": 7}, "window_minutes"),
                        ({"key": "noise.night", "project": site.pk, "allowed_per_day": -1}, "allowed_per_day")]:
        response = client.post(RULES, data, content_type=JSON)
        assert response.status_code == 400 and field in fields(response), (data, response.content)


def test_a_device_carries_its_own_values(client_for, staff, owner, site, owner2):
    device, _token = register(staff, site, "pit", "API-PIT-01")
    client = client_for(owner)
    response = client.post(RULES, {"key": "pit.displacement.total", "device": device.pk, "warning_level": 28,
                                   "alarm_level": 40, "source": "基坑设计图纸 S-03"}, content_type=JSON)
    assert response.status_code == 201, response.content
    rule = response.json()
    assert (rule["scope"], rule["device_id"], rule["alarm_level"]) == ("device", device.pk, 40)
    detail = client.get(f"{DEVICES}{device.pk}/").json()
    in_force = {r["key"]: r for r in detail["rules"]}
    assert (in_force["pit.displacement.total"]["scope"], in_force["pit.displacement.total"]["source"]) == (
        "device", "基坑设计图纸 S-03")
    wrong_kind = client.post(RULES, {"key": "noise.night", "device": device.pk, "alarm_level": 50},
                             content_type=JSON)
    assert wrong_kind.status_code == 400 and "key" in fields(wrong_kind)
    # a device's rule is seen with its device: not by another organisation
    assert client_for(owner2).get(f"{RULES}{rule['id']}/").status_code == 404
    assert rule["id"] not in {r["id"] for r in client_for(owner2).get(RULES, {"scope": "device"}).json()["results"]}
    assert client_for(owner2).patch(f"{RULES}{rule['id']}/", {"alarm_level": 1}, content_type=JSON).status_code == 404


def test_changing_and_resetting_rules(client_for, staff, owner, leader, owner2, site):
    rule = services.rule_set(actor=owner, key="crane.wind", project=site, warning_level=9.0, alarm_level=12.0)
    url = f"{RULES}{rule.pk}/"
    client = client_for(owner)
    response = client.patch(url, {"alarm_level": 11.0, "version": rule.version}, content_type=JSON)
    assert response.status_code == 200 and response.json()["alarm_level"] == 11.0
    assert client.patch(url, {"alarm_level": 10.0, "version": rule.version}, content_type=JSON).status_code == 409
    loose = client.patch(url, {"alarm_level": 20.0}, content_type=JSON)
    assert loose.status_code == 400 and "alarm_level" in fields(loose)
    assert client_for(leader).patch(url, {"alarm_level": 10.0}, content_type=JSON).status_code == 403
    assert client_for(owner2).get(url).status_code == 404
    assert client_for(owner2).post(url + "reset/", content_type=JSON).status_code == 404

    default = Rule.objects.get(key="crane.wind", project__isnull=True, device__isnull=True)
    assert client.patch(f"{RULES}{default.pk}/", {"alarm_level": 13.0}, content_type=JSON).status_code == 403
    response = client_for(staff).patch(f"{RULES}{default.pk}/", {"alarm_level": 13.5, "version": default.version},
                                       content_type=JSON)
    assert response.status_code == 200 and response.json()["alarm_level"] == 13.5
    assert client_for(staff).post(f"{RULES}{default.pk}/reset/", content_type=JSON).status_code == 403

    assert client_for(leader).post(url + "reset/", content_type=JSON).status_code == 403
    assert client.post(url + "reset/", content_type=JSON).status_code == 204
    assert not Rule.objects.filter(pk=rule.pk).exists()
    assert client.get(url).status_code == 404


def test_the_rule_list_keeps_its_queries(client_for, staff, owner, site):
    client = client_for(owner)  # scoped: the projects and devices the owner sees
    services.rule_set(actor=owner, key="crane.wind", project=site, warning_level=9.0, alarm_level=12.0)
    small, n = count_queries(client, RULES, {"project": site.pk})
    for i in range(4):
        device, _token = register(staff, site, "pit", f"API-PIT-Q{i}")
        services.rule_set(actor=owner, key="pit.settlement.total", device=device, warning_level=20.0 + i,
                          alarm_level=30.0 + i, source="设计图纸")
    services.rule_set(actor=owner, key="wind.speed", project=site, warning_level=10.0, alarm_level=12.0)
    large, m = count_queries(client, RULES, {"project": site.pk})
    assert m == n + 5 and large == small
    assert count_queries(client, RULES, {"project": site.pk, "scope": "device"})[1] == 4


def test_rule_filters_are_checked(client_for, staff):
    client = client_for(staff)
    for params, field in [({"scope": "galaxy"}, "scope"), ({"kind": "submarine"}, "kind"),
                          ({"project": "abc"}, "project"), ({"device": "-1"}, "device")]:
        response = client.get(RULES, params)
        assert response.status_code == 400 and field in fields(response), params
    body = client.get(RULES, {"kind": "crane", "scope": "default"}).json()
    assert {r["key"] for r in body["results"]} == {"crane.load_moment", "crane.wind"}


# ----------------------------------------------------------------------------------------------------- alerts
def test_the_alert_list_filters_and_keeps_its_queries(client_for, staff, site):
    client = client_for(staff)
    alarm(staff, site, "API-TC-L0")
    small, n = count_queries(client, ALERTS, {"project": site.pk})
    for i in range(1, 6):
        alarm(staff, site, f"API-TC-L{i}", value=950.0 if i % 2 else 1050.0)
    large, m = count_queries(client, ALERTS, {"project": site.pk})
    assert m == n + 5 and large == small
    body = client.get(ALERTS, {"project": site.pk, "state": "open", "level": "warning", "kind": "crane"}).json()
    assert sorted(a["device_serial"] for a in body["results"]) == ["API-TC-L1", "API-TC-L3", "API-TC-L5"]
    assert client.get(ALERTS, {"q": "API-TC-L4"}).json()["count"] == 1
    assert client.get(ALERTS, {"q": "API-TC-\x00L4"}).json()["count"] == 1  # a NUL is no 500 on PostgreSQL
    today = timezone.localdate()
    assert client.get(ALERTS, {"q": "API-TC-L", "opened_from": (today - datetime.timedelta(days=1)).isoformat(),
                               "opened_to": today.isoformat()}).json()["count"] == 6
    assert client.get(ALERTS, {"q": "API-TC-L", "opened_to": (today - datetime.timedelta(days=2)).isoformat()}
                      ).json()["count"] == 0
    assert client.get(ALERTS, {"q": "API-TC-L", "opened_from": (today + datetime.timedelta(days=1)).isoformat()}
                      ).json()["count"] == 0
    # an offset Python reads but PostgreSQL would refuse is taken as the moment it names
    assert client.get(ALERTS, {"q": "API-TC-L", "opened_from": "2000-01-01T08:00:00+20:59"}).json()["count"] == 6
    device = Device.objects.get(serial="API-TC-L2")
    assert [a["device_id"] for a in client.get(ALERTS, {"device": device.pk}).json()["results"]] == [device.pk]
    newest = client.get(ALERTS, {"project": site.pk}).json()["results"]
    assert [a["opened_at"] for a in newest] == sorted((a["opened_at"] for a in newest), reverse=True)
    for params, field in [({"state": "sleeping"}, "state"), ({"level": "red"}, "level"), ({"kind": "x"}, "kind"),
                          ({"project": "x"}, "project"), ({"device": "1.5"}, "device"),
                          ({"opened_from": "last week"}, "opened_from"), ({"opened_to": "2025-13-01"}, "opened_to")]:
        response = client.get(ALERTS, params)
        assert response.status_code == 400 and field in fields(response), params


def test_an_alert_in_detail(client_for, staff, site):
    _device, _token, alert = alarm(staff, site)
    body = client_for(staff).get(f"{ALERTS}{alert.pk}/").json()
    assert (body["level"], body["state"], body["rule_key"], body["rule_scope"]) == (
        "alarm", "open", "crane.load_moment", "default")
    assert body["rule_source"].startswith("GB 5144-2006") and body["rule_name"]
    assert (body["first_value"], body["worst_value"], body["count"], body["hazard_number"]) == (105.0, 105.0, 1, None)
    assert body["may_clear"] is True and body["may_raise_hazard"] is True


def test_a_contractor_sees_only_its_projects_alerts(client_for, staff, contractor, site, hidden_site):
    _d, _t, mine = alarm(staff, site, "API-TC-C1")
    theirs_device, token = register(staff, hidden_site, "crane", "API-TC-C2", responsible=hidden_site.owner)
    send(hidden_site, theirs_device, token, [(now() - datetime.timedelta(minutes=1), 1100.0)], "load_moment")
    theirs = Alert.objects.get(device=theirs_device)
    client = client_for(contractor)
    ids = {a["id"] for a in client.get(ALERTS, {"page_size": 200}).json()["results"]}
    assert mine.pk in ids and theirs.pk not in ids
    assert client.get(f"{ALERTS}{theirs.pk}/").status_code == 404
    assert client.post(f"{ALERTS}{theirs.pk}/clear/", {"note": "x"}, content_type=JSON).status_code == 404
    body = client.get(f"{ALERTS}{mine.pk}/").json()
    assert body["may_clear"] is False and body["may_raise_hazard"] is False


def test_clearing_an_alert_by_hand(en, client_for, staff, owner, contractor, site, owner2):
    _device, _token, alert = alarm(staff, site)
    url = f"{ALERTS}{alert.pk}/clear/"
    assert client_for(owner2).post(url, {"note": "x"}, content_type=JSON).status_code == 404
    # the unit that answers for the crane may not close its own alarm
    assert client_for(contractor).post(url, {"note": "已处理"}, content_type=JSON).status_code == 403
    response = en(owner).post(url, {"version": alert.version}, content_type=JSON)
    assert response.status_code == 400 and fields(response) == {"note": ["Say why the alert is cleared."]}
    stale = client_for(owner).post(url, {"note": "传感器故障", "version": alert.version + 5}, content_type=JSON)
    assert stale.status_code == 409
    response = client_for(owner).post(url, {"note": "传感器故障，已更换", "version": alert.version},
                                      content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["clear_note"], body["cleared_by_id"]) == ("cleared", "传感器故障，已更换", owner.pk)
    again = en(staff).post(url, {"note": "再次"}, content_type=JSON)
    assert again.status_code == 409 and again.json()["error"]["message"] == "The alert is cleared already."
    assert client_for(staff).get(ALERTS, {"state": "cleared", "device": alert.device_id}).json()["count"] == 1


def test_raising_a_hazard_from_an_alarm(client_for, staff, owner, site):
    _d, _t, warning = alarm(staff, site, "API-TC-W", value=950.0)
    assert warning.level == "warning"
    response = client_for(staff).post(f"{ALERTS}{warning.pk}/hazard/", {}, content_type=JSON)
    assert response.status_code == 400 and "level" in fields(response)
    _d, _t, alert = alarm(staff, site, "API-TC-H")
    url = f"{ALERTS}{alert.pk}/hazard/"
    assert client_for(owner).post(url, {}, content_type=JSON).status_code == 403
    assert client_for(staff).post(url, {"version": 99}, content_type=JSON).status_code == 409
    before = Hazard.objects.count()
    response = client_for(staff).post(url, {"version": alert.version}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    hazard = Hazard.objects.get(pk=body["hazard_id"])
    assert body["hazard_number"] == hazard.number and Hazard.objects.count() == before + 1
    assert hazard.project_id == site.pk and hazard.responsible_id == site.owner_id
    assert body["may_raise_hazard"] is False
    again = client_for(staff).post(url, {}, content_type=JSON)
    assert again.status_code == 409 and Hazard.objects.count() == before + 1
    listed = client_for(staff).get(ALERTS, {"device": alert.device_id}).json()["results"][0]
    assert listed["hazard_number"] == hazard.number


def test_labels_follow_the_request_language(en, staff, site):
    _d, _t, alert = alarm(staff, site)
    english = en(staff).get(f"{ALERTS}{alert.pk}/").json()
    assert (english["level_display"], english["rule_name"], english["device_kind_display"]) == (
        "Alarm", "Crane load moment", "Tower crane monitor")


# ------------------------------------------------------------------------------------------------ concurrency
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_clears_of_one_alert_at_once_one_wins_one_is_told(demo_db):
    staff, owner = User.objects.get(username="staff"), User.objects.get(username="owner")
    site = project()
    _d, _t, alert = alarm(staff, site, "API-TC-RACE", value=950.0)
    clients = []
    for user in (staff, owner):
        client = Client()
        client.force_login(user)
        clients.append((user.username, client))
    barrier = threading.Barrier(len(clients))
    outcomes = []

    def clear(label, client):
        try:
            barrier.wait()
            response = client.post(f"{ALERTS}{alert.pk}/clear/", {"note": f"{label} 处理", "version": alert.version},
                                   content_type=JSON)
            outcomes.append((response.status_code, label))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clear, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(code for code, _label in outcomes) == [200, 409]
    winner = next(label for code, label in outcomes if code == 200)
    alert.refresh_from_db()
    assert alert.state == "cleared" and alert.cleared_by.username == winner and alert.version == 2
