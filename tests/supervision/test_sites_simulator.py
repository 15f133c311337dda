"""The site simulator: the generator's day has the shapes it promises (dust peaks, a noisy night above 55 dB(A), a
crane nearing and briefly passing its rated load moment, a pit drifting at a rate that holds, wind gusts);
`manage.py simulate_site` plays it through the HTTP endpoint of a live server, which stores the readings and opens
the alerts; and the demo sites show what they should and are seeded once."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import Project
from supervision.models import Alert, CameraEvent, Device, Latest, OverloadEvent, Reading
from supervision.sites import demo
from supervision.sites.simulate import TZ, Probe, Script, camera_events, probes_of, readings

DAY = datetime.datetime(2025, 6, 10, tzinfo=TZ)
PROBES = [Probe("D", "dust"), Probe("N", "noise"), Probe("C", "crane", 1600.0), Probe("P1", "pit", 3000.0, 0),
          Probe("P2", "pit", 3000.0, 1), Probe("F", "formwork", 120.0), Probe("W", "wind"), Probe("V", "camera")]


def series(start=DAY, days=1, script=None):
    """{(serial, metric): [(local time, value)]} of the generator's readings."""
    out = defaultdict(list)
    kwargs = {"script": script} if script else {}
    for serial, ts, values in readings(PROBES, start, start + datetime.timedelta(days=days), **kwargs):
        for metric, value in values.items():
            out[(serial, metric)].append((ts.astimezone(TZ), value))
    return out


def between(points, first, last):
    return [v for t, v in points if first <= t.hour + t.minute / 60 < last]


# ---------------------------------------------------------------------------------------------- the generator
def test_the_day_has_the_promised_shapes():
    day = series()
    assert len(day[("D", "pm10")]) == 1440 and len(day[("P1", "displacement")]) == 144  # a minute; 10 minutes
    assert not any(serial == "V" for serial, _metric in day)  # a camera sends events, not readings
    pm10 = day[("D", "pm10")]
    assert max(between(pm10, 8, 9)) > 100 and max(between(pm10, 14.5, 16)) > 85  # morning and afternoon peaks
    assert max(between(pm10, 0, 6)) < 70 and max(between(pm10, 11, 13)) < 70
    leq = day[("N", "leq")]
    pour = between(leq, 22.5, 24) + between(leq, 0, 1.5)
    assert min(pour) > 55  # the noisy night: every minute of the pour above the night limit
    assert max(between(leq, 2, 6)) < 50  # the rest of the night under the night warning
    assert max(between(leq, 7, 18)) < 65  # the working day under the day warning
    assert max(between(day[("N", "lmax")], 22.5, 24)) > 70  # its peaks past the night maximum
    crane = [(t, v / 1600 * 100) for t, v in day[("C", "load_moment")]]
    over = [t for t, percent in crane if percent >= 100]
    assert 1 <= len(over) <= 3 and all(t.hour == 15 for t in over)  # briefly past the limit, in the afternoon
    near = [t for t, percent in crane if 90 <= percent < 100]
    assert any(t.hour == 10 for t in near)  # nearing it in the morning
    assert max(between(crane, 0, 6)) < 10 and max(between(crane, 19, 24)) < 10  # idle out of hours
    routine = [p for t, p in crane if not (t.hour in (10, 15) and 15 <= t.minute < 50)]
    assert max(routine) < 85
    gusts = [t for t, v in day[("W", "wind_speed")] if v > 10.8]
    assert gusts and all(13.5 <= t.hour + t.minute / 60 < 15.5 for t in gusts)
    assert max(v for _t, v in day[("F", "axial_force")]) / 120 * 100 < 80  # formwork under its warning


def test_a_pit_drifts_at_a_rate_that_holds_for_days():
    days = series(days=4)
    points = days[("P1", "displacement")]
    by_day = [[v for t, v in points if t.date() == (DAY + datetime.timedelta(days=d)).date()] for d in range(4)]
    rates = [by_day[d + 1][0] - by_day[d][0] for d in range(3)]
    assert all(3.0 < rate < 3.8 for rate in rates)  # above GB 50497's example 3 mm/d every day
    second = days[("P2", "displacement")]
    assert second[-1][1] - second[0][1] < 4  # the other point barely moves


def test_the_generator_is_deterministic_and_a_script_switches_the_shapes_off():
    assert series() == series()
    calm = series(script=Script(dust_peaks=False, noisy_night=False, crane_limit=False, gusts=False))
    assert max(v for _t, v in calm[("D", "pm10")]) < 80
    assert max(between(calm[("N", "leq")], 22, 24) + between(calm[("N", "leq")], 0, 6)) < 50
    assert max(v for _t, v in calm[("C", "load_moment")]) / 1600 * 100 < 85
    assert max(v for _t, v in calm[("W", "wind_speed")]) < 10.8


def test_cameras_see_someone_without_a_helmet_each_morning():
    events = camera_events(PROBES, DAY, DAY + datetime.timedelta(days=3))
    helmets = [ts.astimezone(TZ) for _s, ts, kind in events if kind == "no_helmet"]
    assert len(helmets) == 3 and all(t.hour == 9 for t in helmets)
    assert {serial for serial, _ts, _kind in events} == {"V"}


# ------------------------------------------------------------------------------------------------------ demo
@pytest.mark.django_db
def test_the_demo_sites_show_what_they_should():
    hangwen = Project.objects.get(name=demo.HANGWEN)
    devices = {d.serial: d for d in Device.objects.filter(serial__startswith="HW-")}
    assert {d.kind for d in devices.values()} == {"dust", "noise", "crane", "pit", "formwork", "wind", "camera"}
    assert all(d.project_id == hangwen.pk and d.responsible.name == demo.HUADONG for d in devices.values())
    crane = devices["HW-TD-01"]
    (alarm,) = Alert.objects.filter(device=crane, state="open")
    assert alarm.rule_key == "crane.load_moment" and alarm.level == "alarm" and alarm.worst_value >= 100
    assert OverloadEvent.objects.filter(device=crane).exists()
    noise = Alert.objects.get(device=devices["HW-ZS-01"])
    assert noise.level == "warning" and noise.state == "cleared" and noise.cleared_by is None  # by rule
    assert not Alert.objects.filter(device=devices["HW-YC-01"]).exists()  # quiet dust
    pit = Latest.objects.get(device=devices["HW-JK-01"], metric=30)
    assert 19 < pit.value < 21  # just under the cumulative warning of 21 mm
    assert not Alert.objects.filter(device__kind="pit").exists()
    assert CameraEvent.objects.filter(device=devices["HW-SP-01"], kind="no_helmet").count() == 1
    assert Reading.objects.filter(device_id=devices["HW-YC-01"].pk).count() >= 2 * 6 * 60 - 2
    # a site the demo contractor does not take part in, and one of another contractor, both quiet
    for name in (demo.METRO, demo.HOSPITAL):
        site = Project.objects.get(name=name)
        assert Device.objects.filter(project=site).exists()
        assert not Alert.objects.filter(project=site).exists()
    assert Device.objects.filter(project__name=demo.METRO, responsible__name=demo.HUADONG).count() == 0


@pytest.mark.django_db
def test_the_demo_runs_twice_without_adding():
    before = (Device.objects.count(), Reading.objects.count(), Alert.objects.count(), CameraEvent.objects.count())
    assert demo.seed() == {}
    assert (Device.objects.count(), Reading.objects.count(), Alert.objects.count(),
            CameraEvent.objects.count()) == before


@pytest.mark.parametrize("hour", [0, 3, 5, 6, 9, 12, 15, 18, 21, 22, 23])
def test_the_demo_script_crosses_only_where_it_should_at_any_hour(hour):
    """The demo plays the six hours before the moment it is seeded: whatever the hour, its noise crosses the
    warning level of the rule in force only in its episode (never the alarm), and its crane passes 100 % only at
    the end."""
    now = datetime.datetime.combine(datetime.date(2025, 6, 10), datetime.time(hour, 52, 17), TZ)
    script = demo._script(demo.HANGWEN, now)
    probes = [Probe("N", "noise"), Probe("C", "crane", 1600.0), Probe("D", "dust")]
    crossings, crane = [], []
    for serial, ts, values in readings(probes, now - datetime.timedelta(hours=demo.HOURS), now, script=script):
        local = ts.astimezone(TZ)
        if serial == "N":
            night = not 6 <= local.hour < 22
            warning, alarm = (50, 55) if night else (65, 70)
            assert values["leq"] <= alarm
            if values["leq"] > warning:
                crossings.append(local)
            assert not night or values["lmax"] <= 70
        elif serial == "C":
            crane.append(values["load_moment"] / 16)
        else:
            assert values["pm10"] < 80
    assert 15 <= len(crossings) <= 20
    assert crossings[-1] - crossings[0] < datetime.timedelta(minutes=20)
    assert crossings[-1] < now - datetime.timedelta(minutes=30)  # long enough before the end to have cleared
    over = [i for i, percent in enumerate(crane) if percent >= 90]
    assert over == list(range(len(crane) - len(over), len(crane))) and 4 <= len(over) <= 5  # the last minutes
    assert min(crane[i] for i in over) >= 100


# ---------------------------------------------------------------------------------------------- simulate_site
AIRPORT = "衢州机场迁建工程"  # under construction, no smart-site devices in the demo


def simulate(*args: str) -> str:
    out = io.StringIO()
    call_command("simulate_site", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_simulate_site_plays_a_day_through_the_endpoint(demo_db, live_server):
    """Given a site without devices, when the simulator registers the standard set and plays yesterday through the
    live server's endpoint, then every reading is stored once, the day's alerts open (the crane past its limit, the
    noisy night, the dust peaks, the gusts), the camera's event comes in — and playing it again stores nothing."""
    site = Project.objects.get(name=AIRPORT)
    output = simulate("--project", AIRPORT, "--url", live_server.url, "--register", "--batch", "2000")
    devices = list(Device.objects.filter(project=site))
    assert len(devices) == 8 and all(d.serial.startswith(f"SIM{site.pk}-") for d in devices)
    expected = sum(len(values) for _s, _t, values in readings(
        probes_of(sorted(devices, key=lambda d: (d.kind, d.pk))), *played_day()))
    stored = Reading.objects.filter(device_id__in=[d.pk for d in devices]).count()
    assert stored == expected > 12_000
    assert f"{stored} readings accepted" in output and "0 duplicates, 0 refused" in output
    opened = {(a.device.kind, a.rule_key, a.level) for a in Alert.objects.filter(project=site)}
    assert ("crane", "crane.load_moment", "alarm") in opened
    assert ("noise", "noise.night", "alarm") in opened
    assert ("dust", "dust.pm10.15min", "alarm") in opened
    assert ("wind", "wind.speed", "warning") in opened
    assert OverloadEvent.objects.filter(device__project=site).exists()
    assert CameraEvent.objects.filter(device__project=site, kind="no_helmet").count() == 1
    assert "sdt_" not in output  # tokens are never printed

    again = simulate("--project", str(site.pk), "--url", live_server.url, "--batch", "5000")
    assert "0 readings accepted" in again and f"{stored} duplicates" in again
    assert Reading.objects.filter(device_id__in=[d.pk for d in devices]).count() == stored


def played_day():
    from django.utils import timezone

    first = timezone.localdate() - datetime.timedelta(days=1)
    start = datetime.datetime.combine(first, datetime.time(), TZ)
    return start, start + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_simulate_site_says_what_is_wrong():
    with pytest.raises(CommandError, match="no smart-site devices: add --register"):
        simulate("--project", AIRPORT)
    with pytest.raises(CommandError, match="no project matches"):
        simulate("--project", "没有这个项目")
    with pytest.raises(CommandError, match="older than"):
        simulate("--project", AIRPORT, "--date", "2020-01-01")
    with pytest.raises(CommandError, match="--date: not a date"):
        simulate("--project", AIRPORT, "--date", "yesterday")
