"""Every kind of rule on hand-built series, through the real ingestion path: noise by time of day (GB 12523-2011:
70 dB(A) by day, 55 at night, the night maximum at most 15 above), dust on 15-minute and hourly averages with the
exceedances a day allows and against a background monitor, excavation monitoring on cumulative value and on a
rate sustained for 2 days (GB 50497-2019), a tower crane's load moment at 90 %/100 % of rated with overloads
recorded, camera events; one open alert per device and rule however many readings cross it; clearing by rule
and by hand; a project may only tighten a default."""

import datetime

import pytest
from django.utils import timezone

from portal.core.errors import ApplicationError
from supervision.models import Alert, CameraEvent, OverloadEvent, RuleState
from supervision.sites import services
from supervision.sites.defaults import DEFAULT_RULES

from .sites_helpers import local, minutes, project, register, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return project()


def alerts(device, key=None):
    qs = Alert.objects.filter(device_id=device.pk)
    return list(qs.filter(rule_key=key) if key else qs)


def test_every_default_names_its_source(site):
    from supervision.models import Rule

    defaults = Rule.objects.filter(project__isnull=True, device__isnull=True)
    assert defaults.count() == len(DEFAULT_RULES)
    assert all(rule.source.strip() for rule in defaults)
    assert {r.key for r in defaults if "GB 12523-2011" in r.source} == {"noise.day", "noise.night", "noise.night_max"}


# -- noise: the limit depends on the time of day ----------------------------------------------------------------
def test_noise_at_10_00_and_at_23_00(staff, site):
    device, token = register(staff, site, "noise", "NS-01")
    send(site, device, token, minutes(local(-1, 10), 5, 60), "leq")  # 60 dB(A) by day: under 65 and 70
    assert alerts(device) == []
    send(site, device, token, minutes(local(-1, 23), 5, 60), "leq")  # the same 60 at night: over 55
    (alert,) = alerts(device)
    assert (alert.rule_key, alert.level, alert.count) == ("noise.night", "alarm", 5)
    assert alert.opened_at == local(-1, 23) and alert.first_value == 60


def test_a_day_warning_and_the_night_maximum(staff, site):
    device, token = register(staff, site, "noise", "NS-02")
    send(site, device, token, minutes(local(-1, 10), 3, 67), "leq")  # over the 65 warning, under 70
    send(site, device, token, minutes(local(-1, 10), 3, 80), "lmax")  # Lmax by day: no rule
    send(site, device, token, [(local(-1, 23), 69), (local(-1, 23, 1), 71)], "lmax")  # night: 55 + 15 = 70
    by_key = {a.rule_key: a for a in alerts(device)}
    assert set(by_key) == {"noise.day", "noise.night_max"}
    assert by_key["noise.day"].level == "warning" and by_key["noise.night_max"].level == "alarm"
    assert by_key["noise.night_max"].count == 1 and by_key["noise.night_max"].worst_value == 71


def test_one_open_alert_for_100_consecutive_readings_over_a_limit(staff, site):
    device, token = register(staff, site, "noise", "NS-03")
    result = send(site, device, token, minutes(local(-1, 9), 100, lambda i: 75 + (i % 7)), "leq")
    assert result.accepted == 100 and result.alerts_opened == 1
    (alert,) = alerts(device)
    assert alert.count == 100 and alert.worst_value == 81 and alert.is_open
    assert alert.first_value == 75 and alert.last_at == local(-1, 9) + datetime.timedelta(minutes=99)
    # more readings over the limit in later requests still belong to the same alert
    send(site, device, token, minutes(local(-1, 11), 20, 76), "leq")
    (alert,) = alerts(device)
    assert alert.count == 120


def test_an_alert_clears_when_the_value_stays_under_for_the_set_time_and_a_new_one_opens_after(staff, site):
    device, token = register(staff, site, "noise", "NS-04")
    send(site, device, token, minutes(local(-1, 9), 5, 75), "leq")
    send(site, device, token, minutes(local(-1, 9, 5), 9, 50), "leq")  # 8 minutes under: clear_minutes is 10
    assert alerts(device)[0].is_open
    send(site, device, token, minutes(local(-1, 9, 14), 3, 50), "leq")  # 10 minutes under now
    (alert,) = alerts(device)
    assert not alert.is_open and alert.cleared_by is None and alert.cleared_at == local(-1, 9, 15)
    send(site, device, token, minutes(local(-1, 10), 2, 72), "leq")
    assert [a.state for a in sorted(alerts(device), key=lambda a: a.pk)] == ["cleared", "open"]
    # in one batch: the open alert clears after 10 minutes under, and the next crossing opens another
    send(site, device, token, minutes(local(-1, 10, 2), 12, 50) + minutes(local(-1, 10, 14), 2, 73), "leq")
    assert [a.state for a in sorted(alerts(device), key=lambda a: a.pk)] == ["cleared", "cleared", "open"]


# -- dust: averages over clock windows, exceedances a day, background -------------------------------------------
def test_a_15_minute_average_counts_the_exceedances_a_day_allows(staff, site):
    device, token = register(staff, site, "dust", "PM-01")
    # 08:00–08:59 at 90 µg/m³: four 15-minute windows over 80, the fourth past the 3 a day allows
    send(site, device, token, minutes(local(-1, 8), 45, 90), "pm10")
    assert alerts(device, "dust.pm10.15min") == []  # windows 1–2 judged (each closed by a later reading)
    send(site, device, token, minutes(local(-1, 8, 45), 15, 90), "pm10")
    assert alerts(device, "dust.pm10.15min") == []  # window 3 judged, window 4 still open
    send(site, device, token, [(local(-1, 9), 20)], "pm10")  # closes window 4 (08:45–09:00)
    (alert,) = alerts(device, "dust.pm10.15min")
    assert alert.level == "alarm" and alert.worst_value == 90 and alert.opened_at == local(-1, 9)
    state = RuleState.objects.get(device_id=device.pk, rule_key="dust.pm10.15min")
    assert state.day_exceedances == 4
    # the hourly average (08:00–09:00 = 90) crosses the 80 warning of dust.pm10.hour when its hour closes
    (hourly,) = alerts(device, "dust.pm10.hour")
    assert hourly.level == "warning" and hourly.worst_value == 90


def test_an_average_only_counts_whole_windows(staff, site):
    device, token = register(staff, site, "dust", "PM-02")
    # 14 minutes at 200 and one at 0 average 186.7; then 15 minutes at 10 average 10
    send(site, device, token, minutes(local(-1, 14), 15, lambda i: 0 if i == 14 else 200), "pm10")
    send(site, device, token, minutes(local(-1, 14, 15), 16, 10), "pm10")
    state = RuleState.objects.get(device_id=device.pk, rule_key="dust.pm10.15min")
    assert state.day_exceedances == 1  # only the first window was over 80; the second (avg 10) was not


def test_a_project_may_tighten_the_exceedances_allowed(staff, site):
    services.rule_set(actor=staff, key="dust.pm10.15min", project=site, allowed_per_day=0)
    device, token = register(staff, site, "dust", "PM-03")
    send(site, device, token, minutes(local(-1, 8), 16, 85), "pm10")
    (alert,) = alerts(device, "dust.pm10.15min")
    assert alert.level == "alarm" and alert.rule.project_id == site.pk


def test_a_window_that_ends_without_a_later_reading_is_judged_by_the_sweep(staff, site):
    services.rule_set(actor=staff, key="dust.pm10.15min", project=site, allowed_per_day=0)
    device, token = register(staff, site, "dust", "PM-04")
    send(site, device, token, minutes(local(-1, 8), 10, 120), "pm10")
    assert alerts(device, "dust.pm10.15min") == []
    result = services.sweep(now=local(-1, 8, 20))
    assert result["windows"] >= 1
    (alert,) = alerts(device, "dust.pm10.15min")
    assert alert.opened_at == local(-1, 8, 15) and alert.worst_value == 120


def test_a_site_judged_against_the_background_monitor(staff, site):
    background, bg_token = register(staff, site, "dust", "PM-BG")
    device, token = register(staff, site, "dust", "PM-05")
    services.rule_set(actor=staff, key="dust.pm10.15min", device=device, reference=background, alarm_level=50,
                      warning_level=None, allowed_per_day=0, source="某市扬尘差值考核：高于背景 50 µg/m³")
    send(site, background, bg_token, minutes(local(-1, 8), 30, 100), "pm10")  # a hazy day: 100 everywhere
    send(site, device, token, minutes(local(-1, 8), 16, 130), "pm10")  # 130 − 100 = 30: fine
    assert alerts(device, "dust.pm10.15min") == []
    send(site, device, token, minutes(local(-1, 8, 16), 15, 170), "pm10")  # 08:15–08:30: 170 − 100 = 70
    send(site, device, token, [(local(-1, 8, 31), 20)], "pm10")
    (alert,) = alerts(device, "dust.pm10.15min")
    assert alert.worst_value == pytest.approx(70, abs=3)


# -- excavation monitoring: cumulative and rate sustained ---------------------------------------------------------
def test_a_rate_sustained_for_2_days(staff, site):
    device, token = register(staff, site, "pit", "JK-01")
    start = local(-4, 0)
    hourly = [(start + datetime.timedelta(hours=h), round(h * 4 / 24, 3)) for h in range(0, 24 * 3 + 1)]
    # 4 mm/d from the start: the rate is known from hour 24, has held 2 days at hour 72
    send(site, device, token, hourly[:72], "displacement")
    assert alerts(device, "pit.displacement.rate") == []
    send(site, device, token, hourly[72:], "displacement")
    (alert,) = alerts(device, "pit.displacement.rate")
    assert alert.level == "alarm" and alert.worst_value == pytest.approx(4.0)
    assert alert.opened_at == start + datetime.timedelta(hours=72)
    assert alerts(device, "pit.displacement.total") == []  # 12 mm: under the 21 mm warning


def test_a_rate_that_eases_before_2_days_opens_nothing(staff, site):
    device, token = register(staff, site, "pit", "JK-02")
    start = local(-4, 0)
    values, total = [], 0.0
    for h in range(0, 24 * 4):
        total += (4 if h < 24 * 2 else 0.5) / 24  # 4 mm/d for two days, then 0.5 mm/d
        values.append((start + datetime.timedelta(hours=h), round(total, 4)))
    send(site, device, token, values, "settlement")
    assert alerts(device, "pit.settlement.rate") == []


def test_cumulative_warning_at_70_per_cent_then_alarm(staff, site):
    device, token = register(staff, site, "pit", "JK-03")
    send(site, device, token, [(local(-1, 8), 20.0), (local(-1, 9), -22.0)], "displacement")
    (alert,) = alerts(device, "pit.displacement.total")
    assert alert.level == "warning" and alert.worst_value == 22.0  # the magnitude counts, either direction
    send(site, device, token, [(local(-1, 10), 31.0)], "displacement")
    alert.refresh_from_db()
    assert alert.level == "alarm" and alert.level_raised_at == local(-1, 10) and alert.count == 2


def test_a_device_carries_the_designers_own_values(staff, site):
    device, token = register(staff, site, "pit", "JK-04")
    services.rule_set(actor=staff, key="pit.displacement.total", device=device, warning_level=35, alarm_level=50,
                      source="基坑支护设计说明 第7.3条（一级基坑，控制值 50 mm）")
    send(site, device, token, [(local(-1, 8), 33.0)], "displacement")
    assert alerts(device, "pit.displacement.total") == []


# -- tower crane: share of rated load moment ----------------------------------------------------------------------
def test_crane_at_90_and_100_per_cent_of_rated_and_overloads_recorded(staff, site):
    device, token = register(staff, site, "crane", "TC-01", rated_capacity=2000.0)
    send(site, device, token, [(local(-1, 9), 1790.0)], "load_moment")  # 89.5 %
    assert alerts(device) == []
    send(site, device, token, [(local(-1, 9, 1), 1800.0)], "load_moment")  # 90 %
    (alert,) = alerts(device)
    assert alert.level == "warning"
    send(site, device, token, [(local(-1, 9, 2), 2000.0), (local(-1, 9, 3), 2100.0)], "load_moment")
    (alert,) = alerts(device)
    assert alert.level == "alarm" and alert.worst_value == pytest.approx(105.0) and alert.count == 3
    (overload,) = OverloadEvent.objects.filter(device_id=device.pk)
    assert overload.percent == pytest.approx(105.0) and overload.alert_id == alert.pk


def test_a_project_may_only_tighten_a_default(staff, site):
    with pytest.raises(ApplicationError) as refused:
        services.rule_set(actor=staff, key="crane.load_moment", project=site, warning_level=95, alarm_level=100)
    assert "warning_level" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        services.rule_set(actor=staff, key="noise.night", project=site, active=False)
    assert "active" in refused.value.extra
    rule = services.rule_set(actor=staff, key="crane.load_moment", project=site, warning_level=80, alarm_level=95)
    device, token = register(staff, site, "crane", "TC-02")
    send(site, device, token, [(local(-1, 9), 960.0)], "load_moment")
    (alert,) = alerts(device)
    assert alert.level == "alarm" and alert.rule_id == rule.pk


# -- camera events -------------------------------------------------------------------------------------------------
def test_camera_events_flow_into_alerts_once(staff, site):
    camera, token = register(staff, site, "camera", "CAM-01")
    at = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=40)
    event, alert, new = services.camera_event(project_id=site.pk, serial=camera.serial, token=token, ts=at,
                                              kind="no_helmet")
    assert new and alert.level == "warning" and alert.rule_key == "camera.no_helmet"
    again, same, new_again = services.camera_event(project_id=site.pk, serial=camera.serial, token=token, ts=at,
                                                   kind="no_helmet")
    assert not new_again and again.pk == event.pk and same.pk == alert.pk
    services.camera_event(project_id=site.pk, serial=camera.serial, token=token,
                          ts=at + datetime.timedelta(minutes=1), kind="no_helmet")
    alert.refresh_from_db()
    assert alert.count == 2 and CameraEvent.objects.filter(device=camera).count() == 2
    _, smoke, _ = services.camera_event(project_id=site.pk, serial=camera.serial, token=token,
                                        ts=at + datetime.timedelta(minutes=2), kind="smoke")
    assert smoke.level == "alarm" and smoke.pk != alert.pk
    services.sweep(now=at + datetime.timedelta(minutes=40))  # 30 quiet minutes after the last event
    alert.refresh_from_db()
    assert not alert.is_open


# -- by hand -------------------------------------------------------------------------------------------------------
def test_clearing_by_hand_needs_a_note_and_the_next_crossing_opens_a_new_alert(staff, inspector, site):
    device, token = register(staff, site, "wind", "FS-01")
    send(site, device, token, minutes(local(-1, 9), 3, 15.0), "wind_speed")
    (alert,) = alerts(device)
    with pytest.raises(ApplicationError) as refused:
        services.alert_clear(actor=staff, alert=alert, note=" ")
    assert "note" in refused.value.extra
    services.alert_clear(actor=staff, alert=alert, note="风速仪故障，已更换", version=alert.version)
    alert.refresh_from_db()
    assert not alert.is_open and alert.cleared_by == staff and alert.clear_note == "风速仪故障，已更换"
    with pytest.raises(ApplicationError) as again:
        services.alert_clear(actor=staff, alert=alert, note="again")
    assert again.value.http_status == 409
    send(site, device, token, minutes(local(-1, 9, 5), 2, 15.0), "wind_speed")
    assert len(alerts(device)) == 2
