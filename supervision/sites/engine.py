"""The rule engine: judges readings and camera events against a device's effective rules, with its memory
(`RuleState`) and its open alerts loaded beforehand, and says what to write back. It touches no database itself
except to read a reference device's average; `ingest` and the periodic sweep load, lock and save around it.

How each kind of rule judges (a level is crossed when the judged value is above it — at or above it for a share
of rated capacity):
- limit: the value, during the rule's hours of the day (outside them the rule counts as not crossed);
- cumulative: the value's magnitude (a monitoring point reports its total change since the initial reading);
- capacity: the value as a per cent of the device's rated capacity; a crane's reading above 100 % is also an
  overload event (the limiter should have cut hoisting);
- rate: the change per day against the value at least 24 hours earlier (the state keeps the last value of each
  of the last 26 hours);
- average: the mean of a clock-aligned window (15 min, an hour …) judged when the window has closed, optionally
  as the difference to a reference device's mean over the same window; the day's exceedances are counted and
  only those beyond `allowed_per_day` count as crossings;
- event: every camera event of the rule's kind is a crossing.

A crossing that has held for the rule's `sustain_minutes` opens an alert — one open alert per device and rule,
which counts the further crossings, keeps the worst and rises from warning to alarm; once the judged value has
stayed under for `clear_minutes` the alert clears by rule."""

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

from ..models import (
    METRIC_UNITS,
    Alert,
    AlertLevel,
    AlertState,
    Device,
    DeviceKind,
    Metric,
    Rule,
    RuleKind,
    RuleState,
)

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
WARNING, ALARM = AlertLevel.WARNING.value, AlertLevel.ALARM.value
RANK = {"": 0, WARNING: 1, ALARM: 2}
DAY = 86400.0
RATE_MEMORY_HOURS = 26


def classify(rule: Rule, judged: float) -> str:
    """The level `judged` crosses ("" for none)."""
    if rule.kind == RuleKind.CAPACITY:
        if rule.alarm_level is not None and judged >= rule.alarm_level:
            return ALARM
        if rule.warning_level is not None and judged >= rule.warning_level:
            return WARNING
        return ""
    if rule.alarm_level is not None and judged > rule.alarm_level:
        return ALARM
    if rule.warning_level is not None and judged > rule.warning_level:
        return WARNING
    return ""


def window_start(ts: datetime.datetime, minutes: int) -> datetime.datetime:
    """The start of the clock-aligned window of `minutes` (local time) that holds `ts`."""
    local = ts.astimezone(TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = int((local - midnight).total_seconds()) // (minutes * 60) * minutes * 60
    return midnight + datetime.timedelta(seconds=offset)


def effective_rules(devices: Iterable[Device]) -> dict[int, list[Rule]]:
    """Each device's rules in force: the defaults of its kind, replaced key by key by its project's rules, then by
    its own. An inactive rule at the most specific scope switches the key off. One query."""
    from django.db.models import Q

    devices = list(devices)
    if not devices:
        return {}
    kinds = {d.kind for d in devices}
    projects = {d.project_id for d in devices}
    rules = list(Rule.objects.filter(
        Q(project__isnull=True, device__isnull=True, device_kind__in=kinds)
        | Q(project_id__in=projects, device__isnull=True) | Q(device_id__in=[d.pk for d in devices])))
    defaults: dict[str, dict[str, Rule]] = {}
    by_project: dict[int, dict[str, Rule]] = {}
    by_device: dict[int, dict[str, Rule]] = {}
    for rule in rules:
        if rule.device_id is not None:
            by_device.setdefault(rule.device_id, {})[rule.key] = rule
        elif rule.project_id is not None:
            by_project.setdefault(rule.project_id, {})[rule.key] = rule
        else:
            defaults.setdefault(rule.device_kind, {})[rule.key] = rule
    out: dict[int, list[Rule]] = {}
    for device in devices:
        merged = dict(defaults.get(device.kind, {}))
        merged.update({k: r for k, r in by_project.get(device.project_id, {}).items()
                       if r.device_kind == device.kind})
        merged.update(by_device.get(device.pk, {}))
        out[device.pk] = [r for _k, r in sorted(merged.items()) if r.active]
    return out


def describe(rule: Rule, judged: float | None) -> str:
    """The alert's message: the judged value against the level, in numbers and units (the rule's name is shown
    beside it, in the reader's language)."""
    if judged is None:
        return ""
    level = rule.alarm_level if rule.alarm_level is not None else rule.warning_level
    if rule.kind == RuleKind.CAPACITY:
        return f"{judged:.1f}% ≥ {level:g}%" if level is not None else f"{judged:.1f}%"
    unit = METRIC_UNITS.get(rule.metric or 0, "")
    if rule.kind == RuleKind.RATE:
        unit = f"{unit}/d"
    label = {"average": "avg ", "rate": "rate "}.get(str(rule.kind), "")
    return f"{label}{judged:.2f} {unit} > {rule.warning_level if rule.warning_level is not None else level:g}"


class Engine:
    """One pass over a batch of readings (or the sweep) for devices whose rows are locked by the caller."""

    def __init__(self, devices: dict[int, Device], rules: dict[int, list[Rule]],
                 states: dict[tuple[int, str], RuleState], alerts: dict[tuple[int, str], Alert],
                 reference_average: Callable[[int, int, datetime.datetime, datetime.datetime], float | None]
                 | None = None) -> None:
        self.devices = devices
        self.states = states
        self.alerts = alerts
        self.reference_average = reference_average or (lambda *_a: None)
        self.by_metric: dict[tuple[int, int], list[Rule]] = {}
        self.by_event: dict[tuple[int, str], Rule] = {}
        for device_id, device_rules in rules.items():
            for rule in device_rules:
                if rule.kind == RuleKind.EVENT:
                    self.by_event[(device_id, rule.event_kind)] = rule
                elif rule.metric is not None:
                    self.by_metric.setdefault((device_id, rule.metric), []).append(rule)
        self.touched: dict[tuple[int, str], RuleState] = {}
        self.new_alerts: list[Alert] = []
        self.changed_alerts: dict[int, Alert] = {}
        self.raised: list[Alert] = []  # opened at, or risen to, alarm level in this pass
        self.overloads: list[tuple[int, datetime.datetime, float, float]] = []

    # -- state ------------------------------------------------------------------------------------------------
    def state(self, device_id: int, key: str) -> RuleState:
        state = self.states.get((device_id, key))
        if state is None:
            state = RuleState(device_id=device_id, rule_key=key, memory={})
            self.states[(device_id, key)] = state
        self.touched[(device_id, key)] = state
        return state

    # -- readings ---------------------------------------------------------------------------------------------
    def reading(self, device: Device, ts: datetime.datetime, metric: int, value: float,
                local: datetime.datetime | None = None) -> str:
        """Judge one new reading (in time order per device); returns the highest level the reading itself
        crosses (for the rollups' exceedance counts and the live view)."""
        rules = self.by_metric.get((device.id, metric))
        if not rules:
            return ""
        worst = ""
        for rule in rules:
            kind = rule.kind
            if kind == RuleKind.AVERAGE:
                raw = classify(rule, value)
                if RANK[raw] > RANK[worst]:
                    worst = raw
                self._average(device, rule, ts, value, local or ts.astimezone(TZ))
                continue
            if kind == RuleKind.LIMIT:
                if rule.time_from is not None:
                    local = local or ts.astimezone(TZ)
                    if not rule.applies_at(local.time()):
                        self._judge(device, rule, ts, "", value)
                        continue
                judged = value
            elif kind == RuleKind.CUMULATIVE:
                judged = abs(value)
            elif kind == RuleKind.CAPACITY:
                if not device.rated_capacity:
                    continue
                judged = value / device.rated_capacity * 100.0
                if judged > 100.0 and device.kind == DeviceKind.CRANE and metric == Metric.LOAD_MOMENT:
                    self.overloads.append((device.id, ts, value, judged))
            elif kind == RuleKind.RATE:
                rate = self._rate(device, rule, ts, value)
                if rate is None:
                    continue
                judged = rate
            else:
                continue
            level = classify(rule, judged)
            if kind != RuleKind.RATE and RANK[level] > RANK[worst]:
                worst = level
            self._judge(device, rule, ts, level, judged)
        return worst

    def _rate(self, device: Device, rule: Rule, ts: datetime.datetime, value: float) -> float | None:
        state = self.state(device.id, rule.key)
        memory = state.memory.setdefault("h", [])
        epoch = ts.timestamp()
        hour = int(epoch // 3600 * 3600)
        if memory and hour < memory[-1][0]:
            return None  # late: older than what the rate was judged on
        if memory and memory[-1][0] == hour:
            memory[-1][1] = value
        else:
            memory.append([hour, value])
            del memory[:-RATE_MEMORY_HOURS]
        reference = None
        for entry in reversed(memory):
            if entry[0] <= epoch - DAY:
                reference = entry
                break
        if reference is None:
            return None
        return abs(value - reference[1]) / ((epoch - reference[0]) / DAY)

    def _average(self, device: Device, rule: Rule, ts: datetime.datetime, value: float,
                 local: datetime.datetime) -> None:
        state = self.state(device.id, rule.key)
        # window_start(), inlined: the start of the clock window of `local` (a reading's time in local time)
        seconds = (local.hour * 3600 + local.minute * 60 + local.second) % ((rule.window_minutes or 15) * 60)
        start = local - datetime.timedelta(seconds=seconds, microseconds=local.microsecond)
        if state.window_start is None:
            state.window_start, state.window_sum, state.window_count = start, value, 1
        elif start == state.window_start:
            state.window_sum += value
            state.window_count += 1
        elif start > state.window_start:
            self.close_window(device, rule, state)
            state.window_start, state.window_sum, state.window_count = start, value, 1
        # an older window than the one being averaged has been judged already: the reading is only stored

    def close_window(self, device: Device, rule: Rule, state: RuleState) -> None:
        """Judge the window `state` holds (it has ended) and empty it."""
        if state.window_start is None or not state.window_count:
            state.window_start = None
            return
        start = state.window_start
        end = start + datetime.timedelta(minutes=rule.window_minutes or 15)
        judged = state.window_sum / state.window_count
        state.window_start, state.window_sum, state.window_count = None, 0.0, 0
        self.touched[(device.id, rule.key)] = state
        if rule.reference_id is not None:
            background = self.reference_average(rule.reference_id, rule.metric or 0, start, end)
            if background is None:
                return  # no background reading for that window: not judged
            judged = judged - background
        level = classify(rule, judged)
        day = start.astimezone(TZ).date()
        if state.day != day:
            state.day, state.day_exceedances = day, 0
        if level:
            state.day_exceedances += 1
            if state.day_exceedances <= rule.allowed_per_day:
                level = ""  # an exceedance the day still allows
        self._judge(device, rule, end, level, judged)

    # -- camera events ----------------------------------------------------------------------------------------
    def event(self, device: Device, ts: datetime.datetime, kind: str) -> Alert | None:
        rule = self.by_event.get((device.id, kind))
        if rule is None:
            return None
        self._judge(device, rule, ts, ALARM if rule.alarm_level is not None else WARNING, None)
        return self.alerts.get((device.id, rule.key))

    # -- the common part: open, count, raise, clear ------------------------------------------------------------
    def _judge(self, device: Device, rule: Rule, ts: datetime.datetime, level: str, judged: float | None) -> None:
        key = (device.id, rule.key)
        state = self.state(*key)
        if state.last_ts is None or ts > state.last_ts:
            state.last_ts = ts
        alert = self.alerts.get(key)
        if level:
            state.clear_since = None
            if state.breach_since is None:
                state.breach_since, state.breach_level = ts, level
            elif RANK[level] > RANK[state.breach_level]:
                state.breach_level = level
            if rule.sustain_minutes and ts - state.breach_since < datetime.timedelta(minutes=rule.sustain_minutes):
                return
            if alert is None:
                alert = Alert(project_id=device.project_id, device_id=device.id, rule=rule, rule_key=rule.key,
                              level=level, state=AlertState.OPEN, metric=rule.metric, opened_at=ts,
                              first_value=judged, worst_value=judged, worst_at=ts, last_at=ts, count=1,
                              message=describe(rule, judged)[:300])
                self.alerts[key] = alert
                self.new_alerts.append(alert)
                if level == ALARM:
                    alert.level_raised_at = ts
                    self.raised.append(alert)
                return
            alert.count += 1
            if ts > alert.last_at:
                alert.last_at = ts
            if judged is not None and (alert.worst_value is None or judged > alert.worst_value):
                alert.worst_value, alert.worst_at = judged, ts
                alert.message = describe(rule, judged)[:300]
            if level == ALARM and alert.level == WARNING:
                alert.level, alert.level_raised_at = ALARM, ts
                self.raised.append(alert)
            self._changed(alert)
            return
        state.breach_since, state.breach_level = None, ""
        if alert is None:
            return
        if state.clear_since is None:
            state.clear_since = ts
        if ts - state.clear_since >= datetime.timedelta(minutes=rule.clear_minutes):
            self.clear(alert, ts)
            state.clear_since = None

    def clear(self, alert: Alert, at: datetime.datetime) -> None:
        alert.state, alert.cleared_at = AlertState.CLEARED, at
        self.alerts.pop((alert.device_id, alert.rule_key), None)
        self._changed(alert)

    def _changed(self, alert: Alert) -> None:
        if alert.pk is not None:
            self.changed_alerts[alert.pk] = alert

    def summary(self) -> dict[str, Any]:
        return {"opened": len(self.new_alerts), "changed": len(self.changed_alerts), "raised": len(self.raised)}
