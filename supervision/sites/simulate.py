"""A realistic day of a construction site's sensors: the generator behind `manage.py simulate_site`, the demo's
readings and the ingestion benchmark. Pure (no database): given the site's devices and a period it yields what
their gateway would send, in time order, the same every time for the same seed.

The day it plays by default (local time; each device draws its own noise, so two sites differ):
- dust: ~40 µg/m³ of background, a morning peak (earthworks and lorries, ~08:30, PM10 past 100) and an afternoon
  one (~15:15, ~90); PM2.5 a share of PM10;
- noise: 58–63 dB(A) through the working day, a quieter lunch and evening, and a noisy night — a concrete pour
  from 22:30 to 01:30 at 57–61 dB(A), above the 55 dB(A) of GB 12523-2011, its peaks past 70;
- tower crane: lifts of 25–80 % of the rated load moment through working hours, one at ~10:40 nearing the limit
  (93 %) and one at ~15:20 briefly past it (two minutes above 100 %); the wind at the jib;
- excavation points: each drifts at its own steady rate (the first 3.4 mm/d, past GB 50497's example 3 mm/d — a
  rate that holds for days when several are played; the second 0.8 mm/d), its strut force ~50 % of design;
- formwork supports: settlement and axial force rising slowly through a pour;
- wind: light by night, 4–6 m/s in the afternoon, gusts to ~12 m/s between 13:30 and 15:30.

`Script` switches each of these off or adds an `Episode` (a level held for some minutes): the demo uses a calm
script with a few episodes placed where it wants them."""

from __future__ import annotations

import datetime
import math
import random
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
SEED = 20250614

# Seconds between two readings of a device of each kind (an excavation point is measured every 10 minutes).
STEP_SECONDS = {"dust": 60, "noise": 60, "crane": 60, "pit": 600, "formwork": 60, "wind": 60}
# What a device of each kind is rated for when it says nothing (kN·m of a crane, kN of a strut or a support).
DEFAULT_RATED = {"crane": 1600.0, "pit": 3000.0, "formwork": 120.0}


@dataclass(frozen=True)
class DeviceSpec:
    """A device of the standard site (`STANDARD_SITE`), as `device_register` takes it."""

    code: str
    kind: str
    name: str
    location: str
    rated_capacity: float | None = None
    stream_url: str = ""


# The standard set a simulated site has: the demo and `simulate_site --register` register it.
STANDARD_SITE: tuple[DeviceSpec, ...] = (
    DeviceSpec("YC-01", "dust", "扬尘监测仪 1号", "施工主出入口东侧围挡"),
    DeviceSpec("ZS-01", "noise", "噪声监测仪 1号", "场界北侧（临近居民区）"),
    DeviceSpec("TD-01", "crane", "1号塔吊 QTZ160", "主体结构区 A 轴/3 轴", rated_capacity=1600.0),
    DeviceSpec("JK-01", "pit", "基坑监测点 ZQT-1", "基坑北侧冠梁中部", rated_capacity=3000.0),
    DeviceSpec("JK-02", "pit", "基坑监测点 ZQT-2", "基坑东侧阳角", rated_capacity=3000.0),
    DeviceSpec("GZ-01", "formwork", "高支模监测 1区", "地下室顶板高支模区（净高 9.2 m）", rated_capacity=120.0),
    DeviceSpec("FS-01", "wind", "风速仪", "1号塔吊旁气象杆（高 30 m）"),
    DeviceSpec("SP-01", "camera", "出入口摄像机", "施工主出入口", stream_url="rtsp://10.20.1.31:554/stream1"),
)


@dataclass(frozen=True)
class Probe:
    """A device as the generator sees it: its serial, kind, rated capacity (crane load moment, design strut or
    support force) and which of its kind on the site it is (the first excavation point drifts fastest)."""

    serial: str
    kind: str
    rated: float | None = None
    nth: int = 0


@dataclass(frozen=True)
class Episode:
    """Hold a device's main value at `level` (dB(A) of noise, per cent of rated load moment of a crane, µg/m³ of
    PM10, m/s of wind) from `start` for `minutes`; on the `nth` device of `kind` (None: all of them)."""

    kind: str
    start: datetime.datetime
    minutes: float
    level: float
    nth: int | None = 0

    def covers(self, probe: Probe, ts: datetime.datetime) -> bool:
        return (self.kind == probe.kind and (self.nth is None or self.nth == probe.nth)
                and self.start <= ts < self.start + datetime.timedelta(minutes=self.minutes))


@dataclass(frozen=True)
class Script:
    """What the day holds (see the module's doc). `anchor` is when the excavation points stood at `pit_start` mm
    (default: the start of what is played)."""

    dust_peaks: bool = True
    noisy_night: bool = True
    crane_lifts: bool = True
    crane_limit: bool = True
    gusts: bool = True
    pit_rates: tuple[float, ...] = (3.4, 0.8)
    pit_start: tuple[float, ...] = (9.0, 6.0)
    anchor: datetime.datetime | None = None
    episodes: tuple[Episode, ...] = field(default=())


DAY = Script()


def probes_of(devices: Iterable) -> list[Probe]:
    """Probes for devices (anything with serial, kind and rated_capacity), numbered within their kind in the
    order given."""
    seen: dict[str, int] = {}
    out = []
    for device in devices:
        nth = seen.get(device.kind, 0)
        seen[device.kind] = nth + 1
        out.append(Probe(device.serial, device.kind, getattr(device, "rated_capacity", None) or None, nth))
    return out


def _hours(local: datetime.datetime) -> float:
    return local.hour + local.minute / 60 + local.second / 3600


def _bump(h: float, centre: float, width: float) -> float:
    """A smooth peak of height 1 at `centre` (hours of the day), `width` hours wide (one standard deviation)."""
    d = min(abs(h - centre), 24 - abs(h - centre))
    return math.exp(-0.5 * (d / width) ** 2)


class _Signal:
    """One device's values over time: slow noise (an AR(1) process) around the day's shape."""

    def __init__(self, probe: Probe, script: Script, seed: int, anchor: datetime.datetime) -> None:
        self.probe = probe
        self.script = script
        self.rng = random.Random(seed ^ zlib.crc32(probe.serial.encode()))
        self.rated = probe.rated or DEFAULT_RATED.get(probe.kind, 1.0)
        self.anchor = script.anchor or anchor
        self.ar = 0.0
        self.ar2 = 0.0
        self.lift_until = 0.0  # crane: epoch seconds the current lift ends, its level and when the next starts
        self.lift_level = 0.0
        self.next_lift = 0.0
        self.of_kind = {"dust": self._dust, "noise": self._sound, "crane": self._crane, "pit": self._pit,
                        "formwork": self._formwork, "wind": self._wind, "camera": self._camera}[probe.kind]

    def _wobble(self, sigma: float, keep: float = 0.85) -> float:
        self.ar = keep * self.ar + self.rng.gauss(0, sigma) * math.sqrt(1 - keep * keep)
        return self.ar

    def _episode(self, ts: datetime.datetime) -> float | None:
        for episode in self.script.episodes:
            if episode.covers(self.probe, ts):
                return episode.level
        return None

    def values(self, ts: datetime.datetime, local: datetime.datetime) -> dict[str, float]:
        return self.of_kind(ts, _hours(local))

    # -- one method per kind ------------------------------------------------------------------------------------
    def _dust(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        pm10 = 38 + 4 * self.probe.nth + 6 * _bump(h, 19.5, 2.0) + self._wobble(5.0)
        if self.script.dust_peaks:
            pm10 += 72 * _bump(h, 8.5, 0.55) + 55 * _bump(h, 15.25, 0.6)
        held = self._episode(ts)
        if held is not None:
            pm10 = held + self.rng.gauss(0, 2.0)
        pm10 = max(8.0, pm10 + self.rng.gauss(0, 2.5))
        pm25 = max(4.0, 0.42 * pm10 + 4 + self.rng.gauss(0, 1.5))
        return {"pm10": round(pm10, 1), "pm25": round(pm25, 1)}

    def _noise_base(self, h: float) -> float:
        if 7 <= h < 12 or 13 <= h < 18:
            return 60.0
        if 12 <= h < 13:
            return 55.0
        if 6 <= h < 7:
            return 52.0
        if 18 <= h < 21.5:
            return 54.0
        if 21.5 <= h < 22:
            return 47.0
        return 44.5

    def _sound(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        base = self._noise_base(h)
        night = h >= 22 or h < 6
        leq = base + self._wobble(1.4)
        if self.script.noisy_night and (h >= 22.5 or h < 1.5):
            leq = max(56.5, leq - base + 59.5)  # the pour: the concrete pump never stops
        elif 7 <= h < 18:
            leq = min(leq, 63.5)  # a working day under the 65 dB(A) warning
        elif night:
            leq = min(leq, 48.5)  # a quiet night under the 50 dB(A) warning
        held = self._episode(ts)
        if held is not None:
            leq = held + self.rng.gauss(0, 0.4)
        spike = self.rng.expovariate(1 / 3.0)
        lmax = leq + 6 + min(spike, 9.0 if (night and leq < 55) else 16.0)
        return {"leq": round(leq, 1), "lmax": round(lmax, 1)}

    def _crane(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        epoch = ts.timestamp()
        working = 7 <= h < 11.75 or 13 <= h < 18
        percent = 4.0 if not working else 7.0
        if working and self.script.crane_lifts:
            if epoch >= self.next_lift:
                self.lift_level = self.rng.uniform(25, 78)
                self.lift_until = epoch + self.rng.choice((120, 180, 240))
                self.next_lift = epoch + self.rng.uniform(7, 13) * 60
            if epoch < self.lift_until:
                percent = self.lift_level
        if self.script.crane_limit and self.probe.nth == 0:
            for centre, shape in ((10 + 40 / 60, (70, 86, 93, 91, 60)), (15 + 20 / 60, (72, 88, 97, 104.5, 102.2))):
                minute = round((h - centre) * 60)
                if 0 <= minute < len(shape):
                    percent = shape[minute]
        held = self._episode(ts)
        if held is not None:
            percent = held
        percent = max(0.0, percent + self.rng.gauss(0, 0.6 if percent > 85 else 1.0))
        wind = self._wind_at(ts, h) * 1.1
        return {"load_moment": round(percent * self.rated / 100, 1), "wind_speed": round(wind, 1)}

    def _wind_at(self, ts: datetime.datetime, h: float) -> float:
        speed = 2.3 + 2.6 * max(0.0, math.sin(math.pi * (h - 9) / 10)) + self._wobble(0.7)
        if self.script.gusts and 13.5 <= h < 15.5 and self.rng.random() < 0.12:
            speed = self.rng.uniform(10.9, 12.4)
        return max(0.2, min(speed, 12.4))

    def _wind(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        held = self._episode(ts)
        speed = held + self.rng.gauss(0, 0.3) if held is not None else self._wind_at(ts, h)
        return {"wind_speed": round(max(0.0, speed), 1)}

    def _pit(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        nth = self.probe.nth
        rates, starts = self.script.pit_rates or (0.5,), self.script.pit_start or (5.0,)
        rate = rates[min(nth, len(rates) - 1)]
        start = starts[min(nth, len(starts) - 1)]
        days = (ts - self.anchor).total_seconds() / 86400
        displacement = start + rate * days + self.rng.gauss(0, 0.12)
        held = self._episode(ts)
        if held is not None:
            displacement = held
        settlement = 0.55 * displacement + self.rng.gauss(0, 0.1)
        strut = 46 + 0.3 * displacement + 2.5 * _bump(h, 15, 2.5) + self.rng.gauss(0, 0.6)  # warmer struts push
        return {"displacement": round(displacement, 2), "settlement": round(settlement, 2),
                "strut_force": round(strut * self.rated / 100, 1)}

    def _formwork(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        poured = min(1.0, max(0.0, (h - 8) / 9))  # the slab is poured 08:00–17:00
        settlement = 0.6 + 1.8 * poured + self.rng.gauss(0, 0.05)
        axial = 32 + 34 * poured + self._wobble(1.5)
        held = self._episode(ts)
        if held is not None:
            axial = held
        return {"settlement": round(settlement, 2), "axial_force": round(max(0.0, axial) * self.rated / 100, 2)}

    def _camera(self, ts: datetime.datetime, h: float) -> dict[str, float]:
        return {}


def readings(probes: Iterable[Probe], start: datetime.datetime, end: datetime.datetime, *,
             script: Script = DAY, seed: int = SEED, steps: dict[str, int] | None = None,
             ) -> Iterator[tuple[str, datetime.datetime, dict[str, float]]]:
    """(serial, time (UTC), {metric key: value}) of every reading of `probes` in [start, end), in time order
    (devices in the order given at one time). Each device reads on its kind's step (`STEP_SECONDS`, or `steps`),
    on whole multiples of it since midnight UTC; cameras send none."""
    steps = {**STEP_SECONDS, **(steps or {})}
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    signals = [_Signal(p, script, seed, start) for p in probes if p.kind in steps]
    if not signals:
        return
    base = min(steps[s.probe.kind] for s in signals)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = midnight + datetime.timedelta(seconds=-(-(start - midnight).total_seconds() // base) * base)
    ts = first
    tick = datetime.timedelta(seconds=base)
    while ts < end:
        local = ts.astimezone(TZ)
        offset = int((ts - midnight).total_seconds())
        for signal in signals:
            if offset % steps[signal.probe.kind]:
                continue
            yield signal.probe.serial, ts, signal.values(ts, local)
        ts += tick


def camera_events(probes: Iterable[Probe], start: datetime.datetime, end: datetime.datetime, *,
                  seed: int = SEED) -> list[tuple[str, datetime.datetime, str]]:
    """The day's camera events: (serial, time, kind) — a worker without a helmet at the gate around 09:40 and, on
    some days, someone in the crane's swing area at lunch."""
    out = []
    day = start.astimezone(TZ).date()
    last = (end - datetime.timedelta(microseconds=1)).astimezone(TZ).date()
    while day <= last:
        for probe in probes:
            if probe.kind != "camera":
                continue
            rng = random.Random(seed ^ zlib.crc32(f"{probe.serial}{day}".encode()))
            moments = [(datetime.time(9, rng.randint(30, 55), rng.randint(0, 59)), "no_helmet")]
            if rng.random() < 0.5:
                moments.append((datetime.time(12, rng.randint(5, 40), rng.randint(0, 59)), "intrusion"))
            for moment, kind in moments:
                ts = datetime.datetime.combine(day, moment, TZ).astimezone(UTC)
                if start <= ts < end:
                    out.append((probe.serial, ts, kind))
        day += datetime.timedelta(days=1)
    return sorted(out, key=lambda e: e[1])


def item(serial: str, ts: datetime.datetime, values: dict[str, float], token: str | None = None) -> dict:
    """One reading as the ingestion endpoint takes it (local time with its offset, as a gateway sends it)."""
    out = {"device": serial, "ts": ts.astimezone(TZ).isoformat(), "values": values}
    if token is not None:
        out["token"] = token
    return out
