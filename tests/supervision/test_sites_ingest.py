"""Ingestion through the HTTP endpoint: each reading judged on its own (unknown device, wrong token, another
project's device, a token of device X for device Y, not a number, an unknown metric, a time in the future or too
old — refused with its reason while the good ones are stored), a batch sent twice stores nothing new, CSV as JSON,
a request over the size limit refused with 413 before it is read, and the readings' rollups and latest values."""

import datetime

import pytest
from django.utils import timezone

from supervision.models import Alert, Latest, Reading, Rollup
from supervision.sites import services

from .sites_helpers import project, register

pytestmark = pytest.mark.django_db


def url(site):
    return f"/api/v1/supervision/ingest/{site.pk}/readings/"


def post(client, site, readings, **headers):
    return client.post(url(site), {"readings": readings}, content_type="application/json", **headers)


@pytest.fixture
def site():
    return project()


@pytest.fixture
def crane(staff, site):
    return register(staff, site, "crane", "TC-01")


@pytest.fixture
def dust(staff, site):
    return register(staff, site, "dust", "PM-01")


def reading(device, token, minutes_ago=1, **values):
    ts = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=minutes_ago)
    return {"device": device.serial, "token": token, "ts": ts.isoformat(), "values": values or {"pm10": 40}}


def test_each_reading_is_judged_on_its_own_and_the_good_ones_are_stored(client, staff, site, crane, dust):
    (crane_device, crane_token), (dust_device, dust_token) = crane, dust
    other_site = type(site).objects.exclude(pk=site.pk).filter(voided_at__isnull=True).first()
    foreign, foreign_token = register(staff, other_site, "dust", "PM-ELSEWHERE")
    now = timezone.now()
    batch = [
        reading(dust_device, dust_token, 3, pm10=41, pm25=20),                          # 0 good (two values)
        {"device": "NO-SUCH", "token": dust_token, "ts": now.isoformat(), "values": {"pm10": 1}},   # 1
        reading(dust_device, "sdt_wrong", 2, pm10=1),                                   # 2 wrong token
        reading(foreign, foreign_token, 2, pm10=1),                                     # 3 another project's
        reading(dust_device, crane_token, 2, pm10=1),                                   # 4 X's token for Y
        reading(dust_device, dust_token, 2, pm10="lots"),                               # 5 not a number
        reading(dust_device, dust_token, 2, pm10=True),                                 # 6 not a number either
        reading(dust_device, dust_token, 2, noise=60),                                  # 7 not its metric
        {**reading(dust_device, dust_token), "ts": (now + datetime.timedelta(hours=1)).isoformat()},  # 8 future
        {**reading(dust_device, dust_token), "ts": (now - datetime.timedelta(days=30)).isoformat()},  # 9 old
        {**reading(dust_device, dust_token), "ts": "yesterday"},                        # 10 not a time
        reading(crane_device, crane_token, 1, load_moment=500, wind_speed=4.5),         # 11 good
        {"device": dust_device.serial, "ts": now.isoformat(), "values": {"pm10": 1}},   # 12 no token
    ]
    response = post(client, site, batch)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 4 and body["duplicates"] == 0
    reasons = {r["index"]: (r["code"], r["field"]) for r in body["refused"]}
    assert reasons == {1: ("unknown_device", "device"), 2: ("wrong_token", "token"),
                       3: ("other_project", "device"), 4: ("wrong_token", "token"),
                       5: ("not_a_number", "value"), 6: ("not_a_number", "value"), 7: ("bad_metric", "metric"),
                       8: ("future", "ts"), 9: ("too_old", "ts"), 10: ("bad_time", "ts"),
                       12: ("no_token", "token")}
    assert all(r["reason"] for r in body["refused"])
    assert Reading.objects.filter(device_id=dust_device.pk).count() == 2
    assert Reading.objects.filter(device_id=crane_device.pk).count() == 2
    assert not Reading.objects.filter(device_id=foreign.pk).exists()


def test_a_batch_sent_twice_stores_nothing_new(client, site, dust):
    device, token = dust
    batch = [reading(device, token, m, pm10=30 + m, pm25=10) for m in range(1, 31)]
    first = post(client, site, batch).json()
    assert first["accepted"] == 60
    again = post(client, site, batch).json()
    assert again == {"accepted": 0, "duplicates": 60, "refused": [], "alerts_opened": 0}
    # a retry that overlaps: only the new half is stored
    overlap = batch[15:] + [reading(device, token, 40 + m, pm10=50) for m in range(10)]
    third = post(client, site, overlap).json()
    assert third["accepted"] == 10 and third["duplicates"] == 30
    assert Reading.objects.filter(device_id=device.pk).count() == 70
    hour_rollups = Rollup.objects.filter(device_id=device.pk, metric=1, period="hour")
    assert sum(r.count for r in hour_rollups) == 40  # each PM10 reading counted once, retries or not
    assert sum(r.count for r in Rollup.objects.filter(device_id=device.pk, metric=1, period="day")) == 40


def test_the_same_reading_twice_in_one_batch_is_stored_once(client, site, dust):
    device, token = dust
    one = reading(device, token, 5, pm10=33)
    body = post(client, site, [one, one]).json()
    assert body["accepted"] == 1 and body["duplicates"] == 1


def test_the_header_token_serves_every_reading_and_a_reading_token_wins(client, site, dust, crane):
    device, token = dust
    readings = [{"device": device.serial, "ts": (timezone.now() - datetime.timedelta(minutes=m)).isoformat(),
                 "values": {"pm10": 20}} for m in range(1, 4)]
    body = post(client, site, readings, HTTP_AUTHORIZATION=f"Device {token}").json()
    assert body["accepted"] == 3
    crane_device, crane_token = crane
    mixed = [{"device": crane_device.serial, "token": crane_token, "ts": timezone.now().isoformat(),
              "values": {"wind_speed": 3}}]
    assert post(client, site, mixed, HTTP_AUTHORIZATION=f"Device {token}").json()["accepted"] == 1


def test_csv_from_a_gateway(client, site, dust):
    device, token = dust
    ts = (timezone.now() - datetime.timedelta(minutes=2)).replace(microsecond=0)
    body = ("device,ts,metric,value,token\n"
            f"{device.serial},{ts.isoformat()},pm10,55.5,{token}\n"
            f"{device.serial},{ts.isoformat()},pm25,21,{token}\n"
            f"{device.serial},{ts.isoformat()},pm10,x,{token}\n"
            f"GHOST,{ts.isoformat()},pm10,1,{token}\n")
    response = client.post(url(site), body, content_type="text/csv")
    data = response.json()
    # a CSV line is one value: lines 2 and 3 are stored, line 4 (not a number) and line 5 (no such device) refused
    assert response.status_code == 200 and data["accepted"] == 2
    assert {(r["index"], r["code"]) for r in data["refused"]} == {(4, "not_a_number"), (5, "unknown_device")}


def test_csv_without_its_columns_is_refused_naming_them(client, site):
    response = client.post(url(site), "device,time,value\nA,1,2\n", content_type="text/csv")
    assert response.status_code == 400
    assert "metric" in response.json()["error"]["fields"]["header"][0]


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"), (b'{"readings": 5}', "readings"), (b"[]", "readings"), (b'"text"', "readings"),
])
def test_a_body_that_cannot_be_read_is_a_400_naming_it(client, site, body, field):
    response = client.post(url(site), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_unknown_project_is_a_404_and_other_content_types_a_415(client, site):
    assert client.post("/api/v1/supervision/ingest/999999/readings/", {"readings": []},
                       content_type="application/json").status_code == 404
    assert client.post(url(site), b"<xml/>", content_type="application/xml").status_code == 415


def test_a_request_over_the_size_limit_is_refused_with_413_before_it_is_read(client, site, dust, settings):
    device, token = dust
    settings.SITE_INGEST_MAX_BYTES = 2_000
    batch = [reading(device, token, m, pm10=30) for m in range(1, 40)]
    response = post(client, site, batch)
    assert response.status_code == 413
    assert "body" in response.json()["error"]["fields"]
    assert not Reading.objects.filter(device_id=device.pk).exists()


def test_a_50_mb_request_is_refused_by_its_declared_length(client, site):
    # The declared length decides: the view answers before reading a byte of it.
    response = client.generic("POST", url(site), b"[]", content_type="application/json",
                              CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413


def test_a_retired_device_and_a_rotated_token_are_refused(client, staff, site, dust):
    device, token = dust
    device, new_token = services.device_rotate_token(actor=staff, device=device)
    body = post(client, site, [reading(device, token, 2, pm10=10)]).json()
    assert body["refused"][0]["code"] == "wrong_token"
    assert post(client, site, [reading(device, new_token, 2, pm10=10)]).json()["accepted"] == 1
    services.device_retire(actor=staff, device=device, reason="拆除")
    assert post(client, site, [reading(device, new_token, 3, pm10=10)]).json()["refused"][0]["code"] == "retired"


def test_only_the_hash_of_a_token_is_kept(site, dust):
    device, token = dust
    device.refresh_from_db()
    assert token.startswith("sdt_") and token not in (device.token_hash, device.token_hint)
    assert len(device.token_hash) == 64 and token.startswith(device.token_hint)


def test_latest_values_and_rollups_follow_the_readings(client, site, crane):
    device, token = crane
    base = timezone.now().replace(minute=30, second=0, microsecond=0) - datetime.timedelta(hours=2)
    points = [{"device": device.serial, "token": token, "ts": (base + datetime.timedelta(minutes=m)).isoformat(),
               "values": {"load_moment": 100.0 + m}} for m in range(0, 60, 10)]
    assert post(client, site, points).json()["accepted"] == 6
    latest = Latest.objects.get(device_id=device.pk, metric=20)
    assert latest.value == 150.0 and latest.project_id == site.pk
    # an older reading arriving late does not replace the latest value
    late = [{"device": device.serial, "token": token, "ts": (base - datetime.timedelta(minutes=5)).isoformat(),
             "values": {"load_moment": 7.0}}]
    assert post(client, site, late).json()["accepted"] == 1
    assert Latest.objects.get(device_id=device.pk, metric=20).value == 150.0
    hours = Rollup.objects.filter(device_id=device.pk, metric=20, period="hour").order_by("start")
    assert [h.count for h in hours] == [4, 3]
    assert (hours[0].minimum, hours[0].maximum, hours[0].last_value) == (7.0, 120.0, 120.0)  # late: not the last
    assert hours[1].average == 140.0 and hours[1].last_value == 150.0


def test_the_ingestion_answers_in_a_constant_number_of_queries(client, site, dust, django_assert_max_num_queries):
    device, token = dust
    small = [reading(device, token, m, pm10=20) for m in range(1, 3)]
    big = [reading(device, token, m, pm10=20, pm25=9) for m in range(10, 400)]
    with django_assert_max_num_queries(14):
        assert post(client, site, small).json()["accepted"] == 2
    with django_assert_max_num_queries(14):
        assert post(client, site, big).json()["accepted"] == 780
    assert not Alert.objects.filter(device_id=device.pk).exists()
