"""The smart site's registry, rules and alerts pages, through the pages as each role: registering a device (bad
input refused naming the field, nothing stored; the token shown once, only its hash kept), a new token (the old
one then refused at the ingestion endpoint), editing with a version, retiring with a reason; a project's rules
beside the defaults with their sources (a looser value refused naming the field, a tighter one kept, reset), a
device's own values with their source, the shipped defaults edited by bureau staff; the alert lists (the bureau's
one list of open alerts, a project's, filters, exports, constant queries), one alert cleared by hand with a note
(409 when someone was first) and raised as a hazard. Another organisation's user gets 404 everywhere."""

import datetime
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.models import Organization
from supervision.models import Alert, CameraEvent, Device, Hazard, OverloadEvent, Rule
from supervision.sites import selectors, services
from supervision.sites.ingest import Row, ingest

from .sites_helpers import project, register

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def site():
    return project()


def send(site, device, token, minutes_ago=1, **values):
    ts = (timezone.now() - datetime.timedelta(minutes=minutes_ago)).replace(microsecond=0).isoformat()
    rows = [Row(0, device.serial, token, ts, metric, value) for metric, value in values.items()]
    return ingest(site.pk, rows)


def post_reading(client, site, token, device, minutes_ago=1, **values):
    ts = (timezone.now() - datetime.timedelta(minutes=minutes_ago)).replace(microsecond=0).isoformat()
    return client.post(f"/api/v1/supervision/ingest/{site.pk}/readings/",
                       {"readings": [{"device": device.serial, "ts": ts, "values": values}]},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Device {token}")


def crane_alert(staff, site, serial="TC-P1", load=950.0):
    """A crane and the alert one reading at `load` (of 1000 kN·m rated) opens: 90 % warning, 100 % alarm."""
    device, token = register(staff, site, "crane", serial)
    send(site, device, token, load_moment=load)
    return device, token, Alert.objects.get(device=device)


def wind_alarm(staff, site, serial="WS-P1"):
    """A wind station's alarm (above 13.8 m/s): a rule that raises no hazard by itself."""
    device, token = register(staff, site, "wind", serial)
    send(site, device, token, wind_speed=16.0)
    return Alert.objects.get(device=device)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx)


# ---------------------------------------------------------------------------------------------------- devices
def test_the_device_list_filters_searches_and_exports(en, staff, site):
    register(staff, site, "crane", "TC-L1", name="1号塔吊")
    register(staff, site, "dust", "PM-L1", name="东门扬尘")
    url = reverse("supervision:project-site-devices", args=[site.pk])
    body = en(staff).get(url).content.decode()
    assert "TC-L1" in body and "PM-L1" in body and 'data-testid="device-create"' in body
    body = en(staff).get(url, {"kind": "dust"}).content.decode()
    assert "PM-L1" in body and "TC-L1" not in body
    body = en(staff).get(url, {"q": "塔吊"}).content.decode()
    assert "TC-L1" in body and "PM-L1" not in body
    assert "No devices match." in en(staff).get(url, {"q": "nothing like it"}).content.decode()
    export = en(staff).get(reverse("supervision:project-site-devices-export", args=[site.pk]), {"kind": "crane"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    serials = [r[0] for r in rows[1:]]
    assert "TC-L1" in serials and "PM-L1" not in serials


def test_a_retired_device_is_listed_only_when_asked_for(en, staff, site):
    device, _token = register(staff, site, "noise", "NS-R1")
    services.device_retire(actor=staff, device=device, reason="拆除")
    url = reverse("supervision:project-site-devices", args=[site.pk])
    assert "NS-R1" not in en(staff).get(url).content.decode()
    assert "NS-R1" in en(staff).get(url, {"retired": "on"}).content.decode()


def test_the_device_list_keeps_its_queries_as_devices_grow(client_for, staff, site):
    client = client_for(staff)
    url = reverse("supervision:project-site-devices", args=[site.pk])
    crane_alert(staff, site, "TC-Q0")
    small = queries(client, url)
    for i in range(12):
        crane_alert(staff, site, f"TC-Q{i + 1}")
    assert queries(client, url) == small


def test_registering_with_bad_input_names_the_field_and_stores_nothing(en, staff, site):
    client = en(staff)
    url = reverse("supervision:device-create", args=[site.pk])
    base = {"kind": "crane", "serial": "TC-BAD", "name": "2号塔吊", "location": "西区", "responsible": site.owner_id}
    before = Device.objects.count()
    response = client.post(url, base)
    assert response.status_code == 400
    assert "A tower crane needs its rated load moment." in response.content.decode()
    response = client.post(url, {**base, "kind": "camera", "serial": "CAM-BAD"})
    assert response.status_code == 400
    assert "A camera needs its stream address." in response.content.decode()
    response = client.post(url, {**base, "kind": "camera", "serial": "CAM-BAD", "stream_url": "ftp://x/y"})
    assert "Use an rtsp://, rtmp://, http:// or https:// address." in response.content.decode()
    outsider = Organization.objects.exclude(pk__in=[o.pk for o in services.responsible_units(site)]).first()
    response = client.post(url, {**base, "rated_capacity": "1000", "responsible": outsider.pk})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    response = client.post(url, {**base, "rated_capacity": "1000", "latitude": "30.1"})
    assert "Give both latitude and longitude, or neither." in response.content.decode()
    register(staff, site, "dust", "PM-TAKEN")
    response = client.post(url, {**base, "kind": "dust", "serial": "PM-TAKEN"})
    assert response.status_code == 400
    assert "A device with this serial number is registered already." in response.content.decode()
    assert Device.objects.count() == before + 1  # only PM-TAKEN, registered by the service above


def test_registering_shows_the_token_once_and_keeps_only_its_hash(en, client, staff, site):
    response = en(staff).post(reverse("supervision:device-create", args=[site.pk]), {
        "kind": "crane", "serial": "TC-NEW", "name": "3号塔吊", "location": "北区", "responsible": site.owner_id,
        "rated_capacity": "1200"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "will not be shown again" in body
    device = Device.objects.get(serial="TC-NEW")
    token = body.split('data-testid="device-token">')[1].split("<")[0]
    assert token.startswith("sdt_") and device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (device.token_hash, device.token_hint) and token.startswith(device.token_hint)
    detail = en(staff).get(device.get_absolute_url()).content.decode()
    assert token not in detail and f"{device.token_hint}…" in detail
    assert post_reading(client, site, token, device, load_moment=300).json()["accepted"] == 1


def test_a_new_token_makes_the_old_one_fail_at_the_ingestion_endpoint(en, client, staff, site):
    device, old = register(staff, site, "dust", "PM-ROT")
    url = reverse("supervision:device-token", args=[device.pk])
    confirm = en(staff).get(url)
    assert confirm.status_code == 200 and 'data-testid="token-submit"' in confirm.content.decode()
    assert Device.objects.get(pk=device.pk).token_hash == device.token_hash  # a GET changes nothing
    response = en(staff).post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = response.content.decode().split('data-testid="device-token">')[1].split("<")[0]
    assert new != old
    refused = post_reading(client, site, old, device, pm10=40)
    assert refused.status_code == 400 and refused.json()["refused"][0]["code"] == "wrong_token"
    assert post_reading(client, site, new, device, pm10=40).json()["accepted"] == 1


def test_who_may_register_and_edit(client_for, staff, owner, contractor, leader, other_contractor, site):
    device, _token = register(staff, site, "dust", "PM-WHO")
    create = reverse("supervision:device-create", args=[site.pk])
    assert client_for(contractor).get(create).status_code == 200  # it builds the project
    assert client_for(owner).get(create).status_code == 200
    assert client_for(leader).get(create).status_code == 403  # sees every site, runs none
    detail = client_for(leader).get(device.get_absolute_url())
    assert detail.status_code == 200 and 'data-testid="device-actions"' not in detail.content.decode()
    for name in ("device-edit", "device-token", "device-retire"):
        assert client_for(leader).post(reverse(f"supervision:{name}", args=[device.pk])).status_code == 403
    for url in (reverse("supervision:project-site-devices", args=[site.pk]), create, device.get_absolute_url(),
                reverse("supervision:device-edit", args=[device.pk]),
                reverse("supervision:project-site-devices-export", args=[site.pk])):
        assert client_for(other_contractor).get(url).status_code == 404, url
    assert client_for(other_contractor).post(reverse("supervision:device-token", args=[device.pk])).status_code == 404


def test_editing_checks_the_version(en, contractor, staff, site):
    device, _token = register(staff, site, "crane", "TC-ED")
    url = reverse("supervision:device-edit", args=[device.pk])
    data = {"name": "改名塔吊", "location": "南区", "responsible": site.owner_id, "rated_capacity": "900",
            "version": device.version}
    response = en(contractor).post(url, data)
    assert response.status_code == 302 and response["Location"] == device.get_absolute_url()
    device.refresh_from_db()
    assert (device.name, device.rated_capacity, device.version) == ("改名塔吊", 900.0, 2)
    stale = en(contractor).post(url, {**data, "name": "再改"})  # the version read before the first save
    assert stale.status_code == 409
    assert Device.objects.get(pk=device.pk).name == "改名塔吊"
    refused = en(contractor).post(url, {**data, "rated_capacity": "", "version": device.version})
    assert refused.status_code == 400 and "A tower crane needs its rated load moment." in refused.content.decode()


def test_retiring_needs_a_reason_and_stops_the_readings(en, client, staff, site):
    device, token = register(staff, site, "noise", "NS-RET")
    url = reverse("supervision:device-retire", args=[device.pk])
    assert en(staff).post(url, {"reason": ""}).status_code == 400
    assert Device.objects.get(pk=device.pk).voided_at is None
    response = en(staff).post(url, {"reason": "设备拆除"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.voided_at is not None and device.void_reason == "设备拆除"
    page = en(staff).get(device.get_absolute_url()).content.decode()
    assert 'data-testid="device-retired"' in page and 'data-testid="device-actions"' not in page
    assert post_reading(client, site, token, device, leq=50).json()["refused"][0]["code"] == "retired"


def test_the_device_page_shows_rules_values_alerts_and_overloads(en, staff, contractor, site):
    device, token, alert = crane_alert(staff, site, "TC-OV", load=1100.0)
    assert OverloadEvent.objects.filter(device=device).count() == 1
    page = en(contractor).get(device.get_absolute_url()).content.decode()
    assert 'data-testid="overload-row"' in page and "the limiter should have cut hoisting off before" in page
    assert 'data-key="crane.load_moment" data-scope="default"' in page
    assert "GB 5144-2006" in page  # the source of the default in force
    assert alert.get_absolute_url() in page
    assert 'data-testid="device-latest"' in page and "1100" in page
    assert reverse("supervision:device-rule-edit", args=[device.pk, "crane.load_moment"]) in page


# ------------------------------------------------------------------------------------------------------ rules
def test_the_rules_page_shows_each_rule_with_its_source(en, contractor, leader, other_contractor, site):
    url = reverse("supervision:project-site-rules", args=[site.pk])
    page = en(contractor).get(url).content.decode()
    assert "GB 12523-2011" in page and "GB 50497-2019" in page and "GB 5144-2006" in page
    assert 'data-key="noise.day"' in page and 'data-testid="rule-edit"' in page
    assert 'data-testid="rule-edit"' not in en(leader).get(url).content.decode()
    edit = reverse("supervision:site-rule-edit", args=[site.pk, "crane.load_moment"])
    assert en(leader).post(edit, {"warning_level": 80}).status_code == 403
    assert en(other_contractor).get(url).status_code == 404
    assert en(other_contractor).get(edit).status_code == 404
    assert en(contractor).get(reverse("supervision:site-rule-edit", args=[site.pk, "no.such"])).status_code == 404


def test_a_project_tightens_a_rule_and_a_looser_value_is_refused_naming_the_field(en, contractor, site):
    url = reverse("supervision:site-rule-edit", args=[site.pk, "crane.load_moment"])
    form = en(contractor).get(url)
    assert form.status_code == 200 and "GB 5144-2006" in form.content.decode()
    data = {"warning_level": "85", "alarm_level": "105", "clear_minutes": "5", "sustain_minutes": "0",
            "raises_hazard": "on", "source": "项目塔吊安全专项方案"}
    response = en(contractor).post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "A project may only tighten the default (100)." in body
    assert body.index("A project may only tighten the default (100).") > body.index('id="id_alarm_level"')
    assert not Rule.objects.filter(key="crane.load_moment", project=site).exists()
    assert en(contractor).post(url, {**data, "alarm_level": "95"}).status_code == 302
    rule = Rule.objects.get(key="crane.load_moment", project=site, device__isnull=True)
    assert (rule.warning_level, rule.alarm_level, rule.source) == (85, 95, "项目塔吊安全专项方案")
    page = en(contractor).get(reverse("supervision:project-site-rules", args=[site.pk])).content.decode()
    assert 'data-key="crane.load_moment" data-scope="project"' in page and "项目塔吊安全专项方案" in page
    assert "GB 5144-2006" in page  # the default beside the project's values
    stale = en(contractor).post(url, {**data, "alarm_level": "96", "version": 0})
    assert stale.status_code == 409
    reset = en(contractor).post(reverse("supervision:site-rule-reset", args=[rule.pk]))
    assert reset.status_code == 302
    assert not Rule.objects.filter(key="crane.load_moment", project=site).exists()


def test_a_device_carries_its_own_values_with_their_source(en, staff, contractor, leader, site):
    device, _token = register(staff, site, "pit", "JK-03")
    url = reverse("supervision:device-rule-edit", args=[device.pk, "pit.displacement.total"])
    data = {"warning_level": "28", "alarm_level": "40", "sustain_minutes": "0", "clear_minutes": "60",
            "active": "on", "source": ""}
    response = en(contractor).post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert body.index("This field cannot be blank.") > body.index('id="id_source"')  # on the source field
    assert not Rule.objects.filter(device=device).exists()
    assert en(contractor).post(url, {**data, "source": "基坑监测设计 JK-03 控制值"}).status_code == 302
    rule = Rule.objects.get(device=device, key="pit.displacement.total")
    assert rule.alarm_level == 40  # a device's values may differ either way: the designer sets them
    page = en(contractor).get(device.get_absolute_url()).content.decode()
    assert 'data-key="pit.displacement.total" data-scope="device"' in page and "基坑监测设计 JK-03 控制值" in page
    rules = en(contractor).get(reverse("supervision:project-site-rules", args=[site.pk])).content.decode()
    assert device.get_absolute_url() in rules  # listed among the devices with their own values
    assert en(leader).get(url).status_code == 403
    assert en(contractor).get(reverse("supervision:device-rule-edit", args=[device.pk, "crane.wind"])).status_code == 404
    assert en(leader).post(reverse("supervision:site-rule-reset", args=[rule.pk])).status_code == 403
    assert en(contractor).post(reverse("supervision:site-rule-reset", args=[rule.pk])).status_code == 302
    assert not Rule.objects.filter(device=device, key="pit.displacement.total").exists()


def test_another_organisation_cannot_reset_a_device_rule_it_cannot_see(client_for, staff, other_contractor, site):
    device, _token = register(staff, site, "pit", "JK-04")
    rule = services.rule_set(actor=staff, key="pit.settlement.total", device=device, alarm_level=25,
                             warning_level=17.5, source="设计")
    assert client_for(other_contractor).post(reverse("supervision:site-rule-reset", args=[rule.pk])).status_code == 404
    assert Rule.objects.filter(pk=rule.pk).exists()


def test_the_shipped_defaults_and_their_edit_by_bureau_staff(en, staff, leader, contractor):
    url = reverse("supervision:site-rules-defaults")
    page = en(contractor).get(url).content.decode()
    assert "GB 12523-2011" in page and 'data-testid="default-edit"' not in page
    default = Rule.objects.get(key="wind.speed", project__isnull=True, device__isnull=True)
    edit = reverse("supervision:site-rule-default-edit", args=[default.pk])
    assert en(leader).get(edit).status_code == 403
    assert 'data-testid="default-edit"' in en(staff).get(url).content.decode()
    data = {"warning_level": "10", "alarm_level": "13", "sustain_minutes": "0", "clear_minutes": "15",
            "active": "on", "source": default.source, "version": default.version}
    bad = en(staff).post(edit, {**data, "warning_level": "20"})
    assert bad.status_code == 400 and "The warning level cannot be above the alarm level." in bad.content.decode()
    assert en(staff).post(edit, data).status_code == 302
    default.refresh_from_db()
    assert (default.warning_level, default.alarm_level, default.version) == (10, 13, 2)
    assert en(staff).post(edit, data).status_code == 409  # the version read before


# ----------------------------------------------------------------------------------------------------- alerts
def test_the_bureau_sees_every_open_alert_in_one_list(en, staff, other_contractor, site):
    _device, _token, alert = crane_alert(staff, site, "TC-B1")
    alarm = wind_alarm(staff, site, "WS-B1")
    url = reverse("supervision:site-alerts")
    page = en(staff).get(url, {"q": "B1"}).content.decode()
    assert alert.get_absolute_url() in page and alarm.get_absolute_url() in page and site.name in page
    page = en(staff).get(url, {"q": "B1", "level": "alarm"}).content.decode()
    assert alarm.get_absolute_url() in page and alert.get_absolute_url() not in page
    page = en(staff).get(url, {"q": "B1", "kind": "crane"}).content.decode()
    assert alert.get_absolute_url() in page and alarm.get_absolute_url() not in page
    assert "No alerts match." in en(staff).get(url, {"q": "B1", "project": "没有这个项目"}).content.decode()
    assert alert.get_absolute_url() in en(staff).get(url, {"q": "B1", "project": site.name[:4]}).content.decode()
    today = timezone.localdate()
    assert alert.get_absolute_url() in en(staff).get(url, {"q": "B1", "since": today}).content.decode()
    tomorrow = today + datetime.timedelta(days=1)
    assert "No alerts match." in en(staff).get(url, {"q": "B1", "since": tomorrow}).content.decode()
    Alert.objects.filter(pk=alert.pk).update(state="cleared", cleared_at=timezone.now())
    assert alert.get_absolute_url() not in en(staff).get(url, {"q": "B1"}).content.decode()  # open by default
    assert alert.get_absolute_url() in en(staff).get(url, {"q": "B1", "state": "cleared"}).content.decode()
    assert alert.get_absolute_url() in en(staff).get(url, {"q": "B1", "state": "all"}).content.decode()
    export = en(staff).get(reverse("supervision:site-alerts-export"), {"q": "B1", "state": "all"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 3 and {r[3] for r in rows[1:]} == {"TC-B1", "WS-B1"}
    other = en(other_contractor).get(url, {"state": "all"}).content.decode()
    assert alert.get_absolute_url() not in other and site.name not in other


def test_a_project_lists_its_alerts_and_exports_them(en, staff, contractor, other_contractor, site):
    _device, _token, alert = crane_alert(staff, site, "TC-P2")
    url = reverse("supervision:project-site-alerts", args=[site.pk])
    page = en(contractor).get(url).content.decode()
    assert alert.get_absolute_url() in page and 'data-testid="alert-counts"' in page
    export = en(contractor).get(reverse("supervision:project-site-alerts-export", args=[site.pk]), {"q": "TC-P2"})
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 2 and rows[1][3] == "TC-P2" and rows[1][6] == "GB 5144-2006 6.1.2 力矩限制器：90% 预警，100% 切断起升和增幅方向动作"
    assert en(other_contractor).get(url).status_code == 404
    assert en(other_contractor).get(alert.get_absolute_url()).status_code == 404


def test_the_alert_lists_keep_their_queries_as_alerts_grow(client_for, staff, contractor, site):
    board, project_list = reverse("supervision:site-alerts"), reverse("supervision:project-site-alerts",
                                                                     args=[site.pk])
    crane_alert(staff, site, "TC-C0")
    wind_alarm(staff, site, "WS-C0")
    small = {who.username: (queries(client_for(who), board), queries(client_for(who), project_list))
             for who in (staff, contractor)}
    for i in range(6):
        crane_alert(staff, site, f"TC-C{i + 1}")
        wind_alarm(staff, site, f"WS-C{i + 1}")
    for who in (staff, contractor):
        assert (queries(client_for(who), board), queries(client_for(who), project_list)) == small[who.username]


def test_the_alert_page_shows_the_rule_its_source_and_readings(en, staff, contractor, site):
    device, token, alert = crane_alert(staff, site, "TC-D1", load=920.0)
    send(site, device, token, minutes_ago=0, load_moment=980.0)
    alert.refresh_from_db()
    assert alert.count == 2 and alert.worst_value == pytest.approx(98.0)
    page = en(contractor).get(alert.get_absolute_url()).content.decode()
    assert "GB 5144-2006" in page and 'data-level="warning"' in page and 'data-testid="alert-count">2<' in page
    assert "98 %" in page and "92 %" in page  # worst and first, as a share of the rated load moment
    assert 'data-testid="raise-hazard"' not in page  # a warning raises no hazard
    assert 'data-testid="clear-form"' not in page  # the contractor does not clear alerts by hand


def test_an_alert_is_cleared_by_hand_with_a_note(en, staff, owner, contractor, site):
    _device, _token, alert = crane_alert(staff, site, "TC-CL")
    url = reverse("supervision:alert-clear", args=[alert.pk])
    assert 'data-testid="clear-form"' in en(owner).get(alert.get_absolute_url()).content.decode()
    assert en(contractor).post(url, {"note": "传感器故障", "version": alert.version}).status_code == 403
    response = en(owner).post(url, {"note": "", "version": alert.version})
    assert response.status_code == 400 and "Say why the alert is cleared." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).state == "open"
    assert en(owner).get(url).status_code == 405
    response = en(owner).post(url, {"note": "力矩传感器故障，已更换", "version": alert.version})
    assert response.status_code == 302 and response["Location"] == alert.get_absolute_url()
    alert.refresh_from_db()
    assert (alert.state, alert.cleared_by, alert.clear_note) == ("cleared", owner, "力矩传感器故障，已更换")
    page = en(contractor).get(alert.get_absolute_url()).content.decode()
    assert 'data-state="cleared"' in page and "力矩传感器故障，已更换" in page and owner.get_full_name() in page
    # staff read the page before the owner cleared it: refused, nothing changed
    late = en(staff).post(url, {"note": "误报", "version": alert.version - 1})
    assert late.status_code == 409 and "Someone changed the alert meanwhile" in late.content.decode()
    assert Alert.objects.get(pk=alert.pk).clear_note == "力矩传感器故障，已更换"


def test_clearing_an_alert_the_rule_cleared_meanwhile_is_a_409(en, staff, site):
    _device, _token, alert = crane_alert(staff, site, "TC-CX")
    # the engine clears by rule without a new version, so the version the user read still matches
    Alert.objects.filter(pk=alert.pk).update(state="cleared", cleared_at=timezone.now())
    response = en(staff).post(reverse("supervision:alert-clear", args=[alert.pk]),
                              {"note": "误报", "version": alert.version})
    assert response.status_code == 409 and "The alert is cleared already." in response.content.decode()


def test_an_alarm_raises_a_hazard_with_one_click(en, staff, owner, inspector, site):
    alarm = wind_alarm(staff, site, "WS-HZ")
    url = reverse("supervision:alert-hazard", args=[alarm.pk])
    assert 'data-testid="raise-hazard"' in en(staff).get(alarm.get_absolute_url()).content.decode()
    assert 'data-testid="raise-hazard"' not in en(owner).get(alarm.get_absolute_url()).content.decode()
    assert en(owner).post(url, {"version": alarm.version}).status_code == 403
    before = Hazard.objects.count()
    response = en(staff).post(url, {"version": alarm.version})
    assert response.status_code == 302
    alarm.refresh_from_db()
    hazard = alarm.hazard
    assert Hazard.objects.count() == before + 1 and hazard.source == "smart-site"
    assert hazard.project == site and hazard.responsible == alarm.device.responsible
    page = en(staff).get(alarm.get_absolute_url()).content.decode()
    assert reverse("supervision:hazard-detail", args=[hazard.pk]) in page and hazard.number in page
    assert 'data-testid="raise-hazard"' not in page
    again = en(staff).post(url, {"version": alarm.version - 1})  # a second click from the stale page
    assert again.status_code == 409 and Hazard.objects.count() == before + 1


def test_a_warning_raises_no_hazard(en, staff, site):
    _device, _token, alert = crane_alert(staff, site, "TC-HW")
    response = en(staff).post(reverse("supervision:alert-hazard", args=[alert.pk]), {"version": alert.version})
    assert response.status_code == 400 and "Only an alarm-level alert raises a hazard." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).hazard_id is None


def test_a_camera_event_shows_its_snapshot_on_the_alert_and_the_camera(en, client_for, staff, other_contractor,
                                                                        site):
    camera, token = register(staff, site, "camera", "CAM-01")
    event, alert, _new = services.camera_event(
        project_id=site.pk, serial=camera.serial, token=token, ts=timezone.now() - datetime.timedelta(minutes=1),
        kind="no_helmet", snapshot_file=SimpleUploadedFile("shot.png", PNG, content_type="image/png"))
    snapshot = reverse("supervision:camera-snapshot", args=[event.pk])
    assert snapshot in en(staff).get(alert.get_absolute_url()).content.decode()
    assert snapshot in en(staff).get(camera.get_absolute_url()).content.decode()
    response = client_for(staff).get(snapshot)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert client_for(other_contractor).get(snapshot).status_code == 404
    assert CameraEvent.objects.filter(device=camera).count() == 1


# -------------------------------------------------------------------------------------------------- selectors
def test_the_selectors_show_another_organisation_nothing(staff, other_contractor, site):
    crane_alert(staff, site, "TC-S1")
    assert selectors.device_list(user=staff, project=site).filter(serial="TC-S1").exists()
    assert not selectors.device_list(user=other_contractor, project=site).exists()
    assert not selectors.alert_list(user=other_contractor, project=site, state="").exists()
    assert selectors.project_rule_table(user=staff, project=site)


def test_the_exceedance_summary_counts_readings_over_levels_and_alerts(staff, site):
    device, token, _alert = crane_alert(staff, site, "TC-EX", load=950.0)  # warning
    send(site, device, token, minutes_ago=3, load_moment=500.0)
    send(site, device, token, minutes_ago=0, load_moment=1010.0)  # alarm
    start = timezone.now() - datetime.timedelta(hours=3)
    summary = selectors.exceedance_summary(project=site, start=start, end=timezone.now() + datetime.timedelta(hours=1))
    crane = summary["crane"]
    assert crane["readings"] >= 3 and crane["warnings"] >= 1 and crane["alarms"] >= 1
    assert crane["alerts_warning"] + crane["alerts_alarm"] >= 1
    mine = selectors.exceedance_summary(project=site, start=start, end=timezone.now() + datetime.timedelta(hours=1),
                                        user=staff)
    assert mine["crane"] == crane

