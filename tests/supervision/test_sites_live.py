"""The live site view (issue 14, point 5): the project's "Smart site" page with its devices' latest values, the
open alerts and a chart per sensor metric; the chart JSON with its thresholds in the metric's unit; the event
stream under WSGI (the embedded demo, the test client) and under ASGI (production: an async generator), each
yielding the reading and the alert of an ingestion; and the ASGI application's body limit (a 50 MB ingestion
refused with 413 before its body is read, as under WSGI)."""

import asyncio
import datetime
import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.db import close_old_connections, connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from projects.models import Project
from supervision.models import Alert, AlertState, Latest
from supervision.sites import live, services, stream

from .sites_helpers import project, register, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return project()


@pytest.fixture
def bare_site(owner):
    """A project of the owner's with no device (the demo's sites have theirs)."""
    return (Project.objects.filter(owner=owner.organization, voided_at__isnull=True, site_devices__isnull=True)
            .order_by("pk").first())


@pytest.fixture
def crane(staff, site):
    return register(staff, site, "crane", "LIVE-TC-01", name="1号塔吊")


def page(site) -> str:
    return reverse("supervision:project-site", args=[site.pk])


def stream_url(site) -> str:
    return reverse("supervision:project-site-stream", args=[site.pk])


def series_url(device, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("supervision:device-series", args=[device.pk]) + (f"?{query}" if query else "")


def moment(minutes_ago: float) -> datetime.datetime:
    return timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=minutes_ago)


def events(chunks) -> list[tuple[str, dict | None, str | None]]:
    """(event, data, id) of each block of an event stream."""
    out = []
    for block in b"".join(chunks).decode().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":"):
                name, _sep, value = line.partition(": ")
                fields[name] = value
        if "event" in fields or "id" in fields:
            out.append((fields.get("event", ""), json.loads(fields["data"]) if "data" in fields else None,
                        fields.get("id")))
    return out


# ----------------------------------------------------------------------------------------------------- the page
@pytest.mark.parametrize("who", ["owner", "contractor", "staff"])
def test_the_page_shows_each_device_its_latest_values_the_charts_and_the_open_alerts(request, who, client_for, site,
                                                                                      crane):
    device, token = crane
    send(site, device, token, [(moment(2), 500.0), (moment(1), 950.0)], "load_moment")  # 95 %: a warning
    send(site, device, token, [(moment(1), 4.5)], "wind_speed")
    alert = Alert.objects.get(device=device, state=AlertState.OPEN)
    assert (alert.rule_key, alert.level) == ("crane.load_moment", "warning")

    response = client_for(request.getfixturevalue(who)).get(page(site))

    assert response.status_code == 200
    html = response.content.decode()
    assert "1号塔吊" in html and 'data-testid="site-subtabs"' in html
    assert f'data-value="{device.pk}:load_moment"' in html and "950" in html and "level-warning" in html
    assert f'data-alert-id="{alert.pk}"' in html and alert.message in html
    assert len(re.findall(rf'<figure class="site-chart" data-chart data-device="{device.pk}"', html)) == 2
    assert series_url(device, metric="load_moment").replace("&", "&amp;") in html or \
        series_url(device, metric="load_moment") in html
    assert f'data-stream-url="{stream_url(site)}?since=' in html
    assert "vendor/echarts/echarts.min.js" in html and "js/site-live.js" in html and "css/site-live.css" in html
    assert "<script>" not in html.replace('<script id="site-live-labels" type="application/json">', "")


def test_another_organisations_user_gets_404_on_the_page_the_stream_and_the_series(client_for, other_contractor,
                                                                                   site, crane):
    client = client_for(other_contractor)
    assert client.get(page(site)).status_code == 404
    assert client.get(stream_url(site)).status_code == 404
    response = client.get(series_url(crane[0], metric="load_moment"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_site_without_devices_says_how_to_register_one(client_for, owner, bare_site):
    site = bare_site
    html = client_for(owner).get(page(site)).content.decode()
    assert 'data-testid="site-empty"' in html
    assert "No device is registered on this site yet." in html or "本工地尚未登记设备" in html
    assert f"/api/v1/supervision/ingest/{site.pk}/readings/" in html
    try:
        create = reverse("supervision:device-create", args=[site.pk])
    except NoReverseMatch:  # the registry's pages come with another part
        create = None
    if create:
        assert create in html
    assert "site-live.js" not in html  # nothing to keep current


# ------------------------------------------------------------------------------------------------ the series
def test_the_series_gives_the_readings_and_the_thresholds_in_the_metrics_unit(en, owner, site, crane):
    device, token = crane
    send(site, device, token, [(moment(30 - i), 400.0 + i) for i in range(30)], "load_moment")

    body = en(owner).get(series_url(device, metric="load_moment", range="24h")).json()

    assert (body["metric"], body["unit"], body["resolution"], body["range"]) == ("load_moment", "kN·m", "raw", "24h")
    assert len(body["points"]) == 30 and body["points"][-1][1] == 429.0
    assert body["points"] == sorted(body["points"])
    lines = {(line["rule"], line["level"]): line for line in body["lines"]}
    # the capacity rule's 90 % / 100 % of the rated 1000 kN·m, in kN·m
    warning, alarm = lines[("crane.load_moment", "warning")], lines[("crane.load_moment", "alarm")]
    assert (warning["value"], alarm["value"]) == (900.0, 1000.0)
    assert "90% of rated 1000 kN·m" in warning["text"] and warning["source"].startswith("GB 5144-2006")
    assert warning["label"] == "Crane load moment" and warning["periods"] is None
    wind = en(owner).get(series_url(device, metric="wind_speed")).json()  # the default range: 24 h
    assert [(line["level"], line["value"]) for line in wind["lines"]] == [("warning", 10.8), ("alarm", 13.8)]
    assert wind["points"] == [] and wind["range"] == "24h"


def test_time_of_day_average_and_cumulative_rules_are_drawn_as_they_judge(en, owner, staff, site):
    noise, _t = register(staff, site, "noise", "LIVE-NS-01")
    body = en(owner).get(series_url(noise, metric="leq")).json()
    day = [line for line in body["lines"] if line["rule"] == "noise.day" and line["level"] == "alarm"][0]
    night = [line for line in body["lines"] if line["rule"] == "noise.night" and line["level"] == "alarm"][0]
    assert (day["value"], night["value"]) == (70, 55)
    assert "06:00–22:00" in day["text"] and "22:00–06:00" in night["text"]
    # each period is 16 h by day, 8 h at night (clipped to the chart's span at its ends)
    hours = {round((b - a) / 3_600_000) for a, b in day["periods"][1:-1]}
    assert hours <= {16} and all(b > a for a, b in night["periods"])
    start, end = body["start_ms"], body["end_ms"] + 24 * 3_600_000
    assert all(start <= a < b <= end for a, b in day["periods"] + night["periods"])

    dust, _t = register(staff, site, "dust", "LIVE-PM-01")
    pm10 = en(owner).get(series_url(dust, metric="pm10")).json()
    averages = {(line["rule"], line["level"]): line for line in pm10["lines"]}
    assert averages[("dust.pm10.15min", "alarm")]["window_minutes"] == 15
    assert "15-minute average" in averages[("dust.pm10.15min", "alarm")]["text"]
    assert "60-minute average" in averages[("dust.pm10.hour", "warning")]["text"]

    pit, _t = register(staff, site, "pit", "LIVE-PIT-01")
    displacement = en(owner).get(series_url(pit, metric="displacement")).json()
    total = [line for line in displacement["lines"] if line["rule"] == "pit.displacement.total"]
    assert [(line["value"], line["symmetric"]) for line in total] == [(21, True), (30, True)]
    rate = [note for note in displacement["notes"] if note["rule"] == "pit.displacement.rate"][0]
    assert "3 mm/d" in rate["text"] and rate["source"].startswith("GB 50497-2019")


def test_beyond_48_hours_the_chart_reads_the_hourly_then_the_daily_rollups(en, owner, site, crane):
    device, token = crane
    send(site, device, token, [(moment(90 - i), 300.0 + (i % 3) * 100) for i in range(60)], "load_moment")
    week = en(owner).get(series_url(device, metric="load_moment", range="7d")).json()
    assert week["resolution"] == "hour" and 1 <= len(week["points"]) <= 3
    assert all(len(p) == 4 and p[2] <= p[1] <= p[3] for p in week["points"])
    assert min(p[2] for p in week["points"]) == 300.0 and max(p[3] for p in week["points"]) == 500.0
    year = en(owner).get(series_url(device, metric="load_moment", range="1y")).json()
    assert year["resolution"] == "day" and 1 <= len(year["points"]) <= 2
    assert round(sum(p[1] for p in year["points"]) / len(year["points"])) == 400


@pytest.mark.parametrize(("params", "field"), [
    ({"metric": "pm10"}, "metric"),  # a crane does not measure dust
    ({"metric": "nonsense"}, "metric"),
    ({"metric": "load_moment", "range": "2w"}, "range"),
    ({"range": "all"}, "range"),
])
def test_a_bad_metric_or_range_is_refused_400_naming_the_field(en, owner, crane, params, field):
    response = en(owner).get(series_url(crane[0], **params))
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [field] and error["message"] == error["fields"][field][0]


def test_the_page_reads_the_same_number_of_queries_for_2_and_for_8_devices(client_for, owner, staff, bare_site):
    site = bare_site
    client = client_for(owner)
    counts = []
    for size in (2, 8):
        have = site.site_devices.filter(serial__startswith="LIVE-Q-").count()
        for n in range(have, size):
            device, token = register(staff, site, "crane", f"LIVE-Q-{n}")
            send(site, device, token, [(moment(1), 950.0)], "load_moment")  # a latest value and an alert each
        client.get(page(site))  # the session's first-request writes are not the page's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page(site))
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="site-device"') == size
        assert response.content.decode().count('data-testid="site-alert"') == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --------------------------------------------------------------------------------------------------- the stream
def _open_stream(client, site, **headers):
    response = client.get(stream_url(site), **headers)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache" and response["X-Accel-Buffering"] == "no"
    return response


def test_under_wsgi_the_stream_sends_the_reading_and_the_alert_of_an_ingestion(client_for, owner, site, crane,
                                                                                settings):
    settings.SITE_STREAM_SECONDS, settings.SITE_STREAM_POLL_SECONDS = 1.5, 0.05
    device, token = crane
    response = _open_stream(client_for(owner), site)
    body = iter(response.streaming_content)
    opening = next(body)
    assert b"\nretry: " in opening and b"\nid: " in opening

    # given the page is listening, when an alarm-level crane reading comes in (100 % of the rated load moment)
    send(site, device, token, [(moment(0.5), 1000.0)], "load_moment")
    seen: list = []
    for chunk in body:  # to its end (SITE_STREAM_SECONDS): the test client then closes it as a server would
        seen += [(e, d, i) for e, d, i in events([chunk]) if d and d.get("device") == device.pk]

    # then the stream has sent both, each with a cursor to resume from
    reading = [d for e, d, _i in seen if e == "reading"][0]
    alert = [d for e, d, _i in seen if e == "alert"][0]
    assert (reading["device"], reading["metric"], reading["value"], reading["level"]) == (
        device.pk, "load_moment", 1000.0, "alarm")
    stored = Alert.objects.get(device=device, state=AlertState.OPEN)
    assert (alert["id"], alert["level"], alert["state"], alert["rule"]) == (stored.pk, "alarm", "open",
                                                                             "crane.load_moment")
    assert alert["device_name"] == "1号塔吊" and alert["message"] == stored.message
    assert all(i and i.isdigit() for e, _d, i in seen if e in ("reading", "alert"))
    assert [e for e, _d, _i in seen].count("reading") == 1  # sent once, though the stream looked again and again


def test_the_stream_resumes_from_last_event_id_and_ends_after_its_time(client_for, owner, site, crane, settings):
    settings.SITE_STREAM_SECONDS, settings.SITE_STREAM_POLL_SECONDS = 0.3, 0.05
    device, token = crane
    written = timezone.now() - datetime.timedelta(seconds=30)
    send(site, device, token, [(moment(1), 300.0)], "load_moment", at=written)
    assert Latest.objects.get(device=device, metric=20).updated_at == written
    client = client_for(owner)

    before = stream.encode_cursor(written - datetime.timedelta(seconds=5))
    resumed = events(_open_stream(client, site, HTTP_LAST_EVENT_ID=before).streaming_content)
    assert [(e, d["value"]) for e, d, _i in resumed if e == "reading" and d["device"] == device.pk] == [
        ("reading", 300.0)]

    after = stream.encode_cursor(written + datetime.timedelta(seconds=15))  # past it by more than the overlap
    assert not [e for e, d, _i in events(_open_stream(client, site, HTTP_LAST_EVENT_ID=after).streaming_content)
                if e == "reading" and d["device"] == device.pk]

    long_ago = stream.encode_cursor(timezone.now() - datetime.timedelta(hours=2))
    assert [e for e, _d, _i in events(_open_stream(client, site, HTTP_LAST_EVENT_ID=long_ago).streaming_content)
            ] == ["stale"]


def test_an_alert_cleared_by_hand_leaves_the_list_through_the_stream(client_for, owner, site, crane, settings):
    settings.SITE_STREAM_SECONDS, settings.SITE_STREAM_POLL_SECONDS = 0.3, 0.05
    device, token = crane
    send(site, device, token, [(moment(1), 950.0)], "load_moment")
    alert = Alert.objects.get(device=device, state=AlertState.OPEN)
    cursor = stream.encode_cursor(timezone.now())
    services.alert_clear(actor=owner, alert=alert, note="塔吊已卸载，力矩恢复正常", version=alert.version)
    seen = events(_open_stream(client_for(owner), site, HTTP_LAST_EVENT_ID=cursor).streaming_content)
    assert [(d["id"], d["state"]) for e, d, _i in seen if e == "alert" and d["device"] == device.pk] == [
        (alert.pk, "cleared")]


def test_a_warning_risen_to_alarm_reaches_the_stream(client_for, owner, site, crane, settings):
    settings.SITE_STREAM_SECONDS, settings.SITE_STREAM_POLL_SECONDS = 0.3, 0.05
    device, token = crane
    send(site, device, token, [(moment(3), 950.0)], "load_moment")
    alert = Alert.objects.get(device=device, state=AlertState.OPEN)
    Alert.objects.filter(pk=alert.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=1))
    cursor = stream.encode_cursor(timezone.now())
    send(site, device, token, [(moment(2), 1000.0)], "load_moment")  # the same alert rises to alarm
    assert Alert.objects.get(pk=alert.pk).level == "alarm"
    seen = events(_open_stream(client_for(owner), site, HTTP_LAST_EVENT_ID=cursor).streaming_content)
    assert [(d["id"], d["level"]) for e, d, _i in seen if e == "alert" and d["device"] == device.pk] == [
        (alert.pk, "alarm")]


def test_a_poll_reads_two_queries_however_many_devices_changed(staff, bare_site):
    site = bare_site
    counts = []
    for size in (2, 8):
        start = timezone.now() - datetime.timedelta(seconds=1)
        for n in range(size):
            device, token = register(staff, site, "crane", f"LIVE-P{size}-{n}")
            send(site, device, token, [(moment(1), 950.0)], "load_moment")
        poller = stream.Poller(site.pk, start, "zh-hans")
        with CaptureQueriesContext(connection) as queries:
            chunk = poller.poll()
        assert chunk.count(b"event: reading") == size + (2 if size == 8 else 0)  # the 2 of the first round
        assert chunk.count(b"event: alert") == size + (2 if size == 8 else 0)
        assert poller.poll() == b""  # nothing new: nothing sent twice
        counts.append(len(queries))
    assert counts == [2, 2]


@pytest.mark.usefixtures("demo_db")
def test_under_asgi_the_stream_is_an_async_generator_sending_the_same_events(settings):
    """ASGI (production): the async view and its async generator, through Django's AsyncClient (an ASGIRequest);
    the polls run on the event loop's thread pool, so the data are committed (demo_db) first."""
    settings.SITE_STREAM_SECONDS, settings.SITE_STREAM_POLL_SECONDS = 3, 0.05
    from portal.accounts.models import User

    site, staff, owner = project(), User.objects.get(username="staff"), User.objects.get(username="owner")
    device, token = register(staff, site, "crane", "LIVE-ASGI-01", name="2号塔吊")
    cursor = stream.encode_cursor(timezone.now() - datetime.timedelta(seconds=1))
    # the gateway's post through the ASGI application (its body limit lets a normal body through)
    payload = json.dumps({"readings": [{"device": device.serial, "ts": moment(0.5).isoformat(),
                                        "values": {"load_moment": 1000.0}}]}).encode()
    status, body, _asked = asgi_post(reverse("supervision-ingest-readings", args=[site.pk]), payload, [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        (b"authorization", f"Device {token}".encode())])
    assert status == 200 and json.loads(body)["accepted"] == 1
    client = AsyncClient()
    client.force_login(owner)

    async def first_events():
        response = await client.get(stream_url(site), headers={"Last-Event-ID": cursor})
        assert response.status_code == 200 and response.is_async
        assert response["Content-Type"].startswith("text/event-stream")
        seen: list = []
        content = response.streaming_content
        try:
            async for chunk in content:
                seen += [(e, d, i) for e, d, i in events([chunk]) if d and d.get("device") == device.pk]
                if {"reading", "alert"} <= {e for e, _d, _i in seen}:
                    break
        finally:
            await content.aclose()
        return seen

    seen = async_to_sync(first_events)()
    reading = [d for e, d, _i in seen if e == "reading"][0]
    alert = [d for e, d, _i in seen if e == "alert"][0]
    assert (reading["device"], reading["value"], reading["level"]) == (device.pk, 1000.0, "alarm")
    assert (alert["device_name"], alert["level"], alert["state"]) == ("2号塔吊", "alarm", "open")


def asgi_post(path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes, int]:
    """POST through portal.asgi.application (what uvicorn serves): (status, answer, how many body messages the
    application took from the client). The body comes in one message — or, when the headers declare it larger,
    in 64 KB messages without end."""
    from portal.asgi import application

    delivered, sent = [], []
    declared_larger = any(name == b"content-length" and int(value) > len(body) for name, value in headers)

    async def receive():
        if declared_larger:
            delivered.append(65536)
            return {"type": "http.request", "body": b"x" * 65536, "more_body": True}
        if not delivered:
            delivered.append(len(body))
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # then only a disconnect could come: the client waits for the answer

    async def send_(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 50000),
             "server": ("testserver", 80)}
    # As Django's test clients do: the request's start and end must not close the test's connection (it runs
    # here, in the test's thread, inside the test's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        async_to_sync(application)(scope, receive, send_)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    start = [m for m in sent if m["type"] == "http.response.start"][0]
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], answer, len(delivered)


def test_the_asgi_application_refuses_a_50_mb_ingestion_413_without_reading_its_body(site):
    path = reverse("supervision-ingest-readings", args=[site.pk])
    status, body, asked = asgi_post(path, b"", [(b"content-type", b"application/json"),
                                                (b"content-length", str(50 * 1024 * 1024).encode())])
    assert (status, asked) == (413, 0)
    error = json.loads(body)["error"]
    assert error["code"] == "too_large" and error["fields"] == {"body": [error["message"]]}
    # a body sent without a length (chunked) is not read either, as under WSGI: nothing to take in
    status, body, asked = asgi_post(path, b"", [(b"content-type", b"application/json"),
                                                (b"transfer-encoding", b"chunked")])
    assert (status, asked) == (400, 0) and list(json.loads(body)["error"]["fields"]) == ["body"]


def test_the_live_page_of_a_voided_or_missing_project_is_404(client_for, staff):
    assert client_for(staff).get(reverse("supervision:project-site", args=[2_147_483_000])).status_code == 404
    assert Project.objects.exists()


def test_series_of_devices_in_the_live_module_is_one_query(site, crane, staff):
    device, _token = crane
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        live.series(device, 20, now - datetime.timedelta(hours=24), now)
    assert len(queries) == 1
