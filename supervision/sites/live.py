"""The reads of a project's live site view (issue 14, point 5): its devices with their latest values, its open
alerts, a chart's points and threshold lines, and what changed since a moment (the event stream).

Query budgets (the page and each poll of the stream must not grow with the site): `site_devices` is two queries
(the devices, then every latest value of the project), `open_alerts` one, `changes` two, `series` one and
`thresholds` one (`engine.effective_rules`), whatever the number of devices, readings or rules.

Charts: raw readings for a span of up to 48 hours; beyond, the hourly rollups (average with minimum and maximum)
up to 90 days and the daily rollups past that — the raw readings of a year would be half a million points a
metric, and on PostgreSQL they are dropped after SITE_READING_RETENTION_DAYS anyway."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    METRIC_KEY_OF,
    METRIC_KEYS,
    METRIC_UNITS,
    Alert,
    AlertLevel,
    AlertState,
    Device,
    Latest,
    Metric,
    Period,
    Reading,
    Rollup,
    Rule,
    RuleKind,
)
from .engine import TZ, effective_rules

RAW_MAX = datetime.timedelta(hours=48)
HOURLY_MAX = datetime.timedelta(days=90)
RANGES: dict[str, datetime.timedelta] = {
    "24h": datetime.timedelta(hours=24), "7d": datetime.timedelta(days=7), "30d": datetime.timedelta(days=30),
    "1y": datetime.timedelta(days=365),
}
# A device that has sent nothing for this long is shown as silent (most report every minute).
SILENT_AFTER = datetime.timedelta(minutes=15)
OPEN_ALERTS_SHOWN = 100
LEVEL_RANK = {"": 0, AlertLevel.WARNING.value: 1, AlertLevel.ALARM.value: 2}


def epoch_ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def metric_label(metric: int) -> str:
    return str(Metric(metric).label) if metric in Metric.values else str(metric)


def url_or_none(name: str, *args: Any) -> str | None:
    """A URL of a page another part of the portal may not have yet (the alert page, the device form)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ------------------------------------------------------------------------------------------------ the cards
@dataclass
class MetricValue:
    key: str
    code: int
    label: str
    unit: str
    value: float | None = None
    ts: datetime.datetime | None = None
    level: str = ""

    @property
    def t(self) -> int | None:
        return epoch_ms(self.ts) if self.ts else None

    @property
    def shown(self) -> str:
        """The value as the page's script writes it: at most two decimals, no trailing zeros."""
        if self.value is None:
            return "—"
        text = f"{self.value:.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text


@dataclass
class DeviceCard:
    device: Device
    values: list[MetricValue] = field(default_factory=list)

    @property
    def level(self) -> str:
        """The worst level of the device's latest values ("" when none crosses one)."""
        return max((v.level for v in self.values), key=lambda lv: LEVEL_RANK.get(lv, 0), default="")

    @property
    def silent(self) -> bool:
        seen = self.device.last_seen_at
        return seen is None or timezone.now() - seen > SILENT_AFTER


def site_devices(project) -> list[DeviceCard]:
    """The project's devices in service, each with the latest value of every metric it reports (empty values
    for a metric it has not sent yet). Two queries."""
    devices = list(Device.objects.filter(project=project, voided_at__isnull=True).select_related("responsible")
                   .order_by("kind", "name", "pk"))
    latest = {(row.device_id, row.metric): row for row in Latest.objects.filter(project=project)}
    cards = []
    for device in devices:
        card = DeviceCard(device)
        for code in device.metrics:
            value = MetricValue(key=METRIC_KEY_OF[code], code=code, label=metric_label(code),
                                unit=METRIC_UNITS.get(code, ""))
            row = latest.get((device.pk, code))
            if row is not None:
                value.value, value.ts, value.level = row.value, row.ts, row.level
            card.values.append(value)
        cards.append(card)
    return cards


def open_alerts(project) -> list[Alert]:
    """The project's open alerts, alarms first, the most recently crossed first within a level (at most
    OPEN_ALERTS_SHOWN; the alerts page lists them all). One query."""
    rank = Case(When(level=AlertLevel.ALARM, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(Alert.objects.filter(project=project, state=AlertState.OPEN).select_related("device", "rule")
                .annotate(rank=rank).order_by("rank", "-last_at", "-pk")[:OPEN_ALERTS_SHOWN])


# ------------------------------------------------------------------------------------- the stream's payloads
def reading_data(row: Latest) -> dict:
    """A latest value as the page's script reads it (event "reading")."""
    return {"device": row.device_id, "metric": METRIC_KEY_OF.get(row.metric, str(row.metric)),
            "label": metric_label(row.metric), "unit": METRIC_UNITS.get(row.metric, ""),
            "ts": row.ts.isoformat(), "t": epoch_ms(row.ts), "value": row.value, "level": row.level}


def alert_data(alert: Alert) -> dict:
    """An alert as the page's script reads it (event "alert"): enough to show it in, or take it out of, the
    open-alerts list."""
    return {"id": alert.pk, "device": alert.device_id, "device_name": alert.device.name,
            "level": alert.level, "level_label": str(alert.get_level_display()), "state": alert.state,
            "rule": alert.rule_key, "rule_label": alert.rule.label, "message": alert.message,
            "metric": METRIC_KEY_OF.get(alert.metric) if alert.metric else None,
            "opened_at": alert.opened_at.isoformat(), "last_at": alert.last_at.isoformat(), "count": alert.count,
            "url": url_or_none("supervision:alert-detail", alert.pk)}


def changes(project_id: int, since: datetime.datetime) -> tuple[list[Latest], list[Alert]]:
    """The latest values and the alerts of the project written after `since` (their `updated_at`): two
    queries, each on its (project, updated_at) index."""
    readings = list(Latest.objects.filter(project_id=project_id, updated_at__gt=since)
                    .order_by("updated_at", "pk"))
    alerts = list(Alert.objects.filter(project_id=project_id, updated_at__gt=since).select_related("device", "rule")
                  .order_by("updated_at", "pk"))
    return readings, alerts


# --------------------------------------------------------------------------------------------------- charts
def parse_metric(device: Device, raw: str | None) -> int:
    """The metric a chart asks for, by its gateway name ("pm10"); the device's first metric when not given.
    ValueError with the message when the device does not measure it."""
    if not raw:
        if not device.metrics:
            raise ValueError(_("This device sends no readings."))
        return device.metrics[0]
    code = METRIC_KEYS.get(raw)
    if code is None or code not in device.metrics:
        raise ValueError(_("This device does not measure %(metric)s; it measures: %(metrics)s.") % {
            "metric": raw[:40], "metrics": ", ".join(METRIC_KEY_OF[m] for m in device.metrics) or "—"})
    return code


def parse_range(raw: str | None) -> datetime.timedelta:
    if not raw:
        return RANGES["24h"]
    if raw not in RANGES:
        raise ValueError(_("Choose one of: %(ranges)s.") % {"ranges": ", ".join(RANGES)})
    return RANGES[raw]


def series(device: Device, metric: int, start: datetime.datetime, end: datetime.datetime) -> dict:
    """The points of one metric of one device between `start` and `end`: raw readings ([t ms, value]) for a span
    of up to 48 hours, else hourly (up to 90 days) or daily rollups ([t ms, average, minimum, maximum]). One
    query."""
    span = end - start
    if span <= RAW_MAX:
        readings = (Reading.objects.filter(device_id=device.pk, metric=metric, ts__gte=start, ts__lte=end)
                    .order_by("ts").values_list("ts", "value"))
        return {"resolution": "raw", "points": [[epoch_ms(ts), value] for ts, value in readings]}
    period, length = ((Period.HOUR, datetime.timedelta(hours=1)) if span <= HOURLY_MAX
                      else (Period.DAY, datetime.timedelta(days=1)))
    rows = (Rollup.objects.filter(device_id=device.pk, metric=metric, period=period, start__gt=start - length,
                                  start__lte=end)
            .order_by("start").values_list("start", "total", "count", "minimum", "maximum"))
    return {"resolution": str(period),
            "points": [[epoch_ms(s), round(total / count, 4) if count else None, low, high]
                       for s, total, count, low, high in rows]}


def _periods(rule: Rule, start: datetime.datetime, end: datetime.datetime) -> list[list[int]]:
    """The spans [from ms, to ms] within start…end during which a time-of-day rule applies (local time)."""
    assert rule.time_from is not None and rule.time_to is not None
    out = []
    day = start.astimezone(TZ).date() - datetime.timedelta(days=1)
    last = end.astimezone(TZ).date()
    while day <= last:
        begin = datetime.datetime.combine(day, rule.time_from, tzinfo=TZ)
        finish_day = day if rule.time_from < rule.time_to else day + datetime.timedelta(days=1)
        finish = datetime.datetime.combine(finish_day, rule.time_to, tzinfo=TZ)
        if finish > start and begin < end:
            out.append([epoch_ms(max(begin, start)), epoch_ms(min(finish, end))])
        day += datetime.timedelta(days=1)
    return out


def _fmt(number: float) -> str:
    return f"{number:.4g}" if abs(number) < 1e6 else f"{number:.0f}"


def thresholds(device: Device, metric: int, start: datetime.datetime | None = None,
               end: datetime.datetime | None = None) -> dict:
    """The warning and alarm lines of the device's rules in force on `metric`, in the metric's unit, for a chart
    from `start` to `end` (default: the last 24 hours and the next 24, so that a live chart can run on):

    - a limit or a cumulative value: its level (a cumulative value is judged by its magnitude: `symmetric`, the
      line is drawn at ± the level);
    - a share of rated capacity: the per cent converted with the device's rated capacity (not drawn without it);
    - a time-of-day limit: the level during its hours only (`periods`, [from ms, to ms] spans);
    - an average over a window: its level, labelled with the window (the line is what the average is judged
      against, not each reading);
    - a rate per day, or an average judged against a reference device: not a line on the value chart; listed in
      `notes` with its levels.
    Each line and note carries the rule's label and source for the legend. One query."""
    now = timezone.now()
    start = start or now - RANGES["24h"]
    end = end or now + RANGES["24h"]
    unit = METRIC_UNITS.get(metric, "")
    lines: list[dict] = []
    notes: list[dict] = []
    levels = ((AlertLevel.WARNING, "warning_level"), (AlertLevel.ALARM, "alarm_level"))
    for rule in effective_rules([device]).get(device.pk, []):
        if rule.metric != metric:
            continue
        base = {"rule": rule.key, "kind": rule.kind, "label": rule.label, "source": rule.source,
                "scope": rule.scope}
        if rule.kind == RuleKind.RATE or (rule.kind == RuleKind.AVERAGE and rule.reference_id is not None) or (
                rule.kind == RuleKind.CAPACITY and not device.rated_capacity):
            parts = []
            for level, attr in levels:
                value = getattr(rule, attr)
                if value is None:
                    continue
                if rule.kind == RuleKind.RATE:
                    text = f"{_fmt(value)} {unit}/d"
                elif rule.kind == RuleKind.CAPACITY:
                    text = f"{_fmt(value)}%"
                else:
                    text = _("%(value)s %(unit)s above the reference device") % {"value": _fmt(value), "unit": unit}
                parts.append(f"{level.label} {text}")
            if rule.kind == RuleKind.CAPACITY:
                parts.append(_("no rated capacity recorded: not drawn"))
            notes.append({**base, "text": "; ".join(parts)})
            continue
        for level, attr in levels:
            value = getattr(rule, attr)
            if value is None:
                continue
            line: dict[str, Any] = {**base, "level": level.value, "level_label": str(level.label), "unit": unit,
                    "symmetric": rule.kind == RuleKind.CUMULATIVE, "periods": None, "window_minutes": None}
            if rule.kind == RuleKind.CAPACITY:
                line["value"] = round(value / 100.0 * (device.rated_capacity or 0), 4)
                detail = _("%(percent)s%% of rated %(rated)s %(unit)s") % {
                    "percent": _fmt(value), "rated": _fmt(device.rated_capacity or 0), "unit": unit}
            else:
                line["value"] = value
                detail = ""
            if rule.kind == RuleKind.AVERAGE:
                line["window_minutes"] = rule.window_minutes or 15
                detail = _("%(minutes)s-minute average") % {"minutes": line["window_minutes"]}
            if rule.time_from is not None and rule.time_to is not None:
                line["periods"] = _periods(rule, start, end)
                hours = f"{rule.time_from:%H:%M}–{rule.time_to:%H:%M}"
                detail = f"{detail}, {hours}" if detail else hours
            if rule.kind == RuleKind.CUMULATIVE:
                detail = _("cumulative, either direction")
            shown = f"{'±' if line['symmetric'] else ''}{_fmt(line['value'])} {unit}".strip()
            line["text"] = f"{level.label} {shown}" + (f" ({detail})" if detail else "")
            lines.append(line)
    return {"lines": lines, "notes": notes}


def chart(device: Device, metric: int, range_key: str, now: datetime.datetime | None = None) -> dict:
    """What the chart of one device's metric over `range_key` draws: its points and its threshold lines."""
    now = now or timezone.now()
    span = RANGES[range_key]
    start = now - span
    data = series(device, metric, start, now)
    return {"device": device.pk, "device_name": device.name, "metric": METRIC_KEY_OF[metric],
            "label": metric_label(metric), "unit": METRIC_UNITS.get(metric, ""), "range": range_key,
            "start": start.isoformat(), "end": now.isoformat(), "start_ms": epoch_ms(start), "end_ms": epoch_ms(now),
            **data, **thresholds(device, metric, start, now + RANGES["24h"])}
