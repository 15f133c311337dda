"""Taking readings in: many per request, each judged on its own, stored once, rules checked, all in one
transaction — so a process killed mid-batch leaves nothing of it, and the gateway's retry stores it whole.

A reading names its device by serial number and carries the device's token (or the request does, in an
`Authorization: Device <token>` header). Refused, each with its reason and the others still stored: an unknown
device, a device of another project or retired, a missing or wrong token, a metric the device does not measure,
a value that is not a number, a time that is not one, too far in the future or too old. A reading already stored
(same device, time and metric) counts as a duplicate and changes nothing.

The path, per request: lock the batch's devices (one query, in id order, so that two requests for one device
queue instead of both judging it), find which of the readings are stored already (one range query), write the new
ones (COPY on PostgreSQL; one bulk INSERT elsewhere), judge them (`engine`), and write the engine's memory, the
alerts, the latest values, the hourly and daily rollups and the devices' last contact — about ten queries
whatever the batch's size."""

import csv
import datetime
import hashlib
import hmac
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    KIND_METRICS,
    METRIC_KEYS,
    Alert,
    AlertState,
    Device,
    DeviceKind,
    OverloadEvent,
    Period,
    Reading,
    RuleState,
)
from . import partitions
from .engine import TZ, Engine, effective_rules

UTC = datetime.UTC
LEVEL_RANK = {"": 0, "warning": 1, "alarm": 2}


class BadRequest(Exception):
    """The request as a whole cannot be read (not JSON, not CSV, no readings …)."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(slots=True)
class Row:
    index: int
    serial: Any  # as sent: checked to be a non-empty string
    token: Any
    ts: Any
    metric: Any
    value: Any


@dataclass
class Result:
    accepted: int = 0
    duplicates: int = 0
    refused: list[dict] = field(default_factory=list)
    alerts_opened: int = 0
    alarms: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "refused": self.refused,
                "alerts_opened": self.alerts_opened}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- reading the body -----------------------------------------------------------------------------------------
def parse_json(body: bytes) -> list[Row]:
    """`{"readings": [...]}` or a bare list; a reading is `{"device", "ts", "values": {metric: value}}` or
    `{"device", "ts", "metric", "value"}`, with an optional "token"."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise BadRequest(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    if isinstance(data, dict):
        data = data.get("readings")
    if not isinstance(data, list):
        raise BadRequest(_('Send a list of readings, or an object with a "readings" list.'), "readings")
    rows: list[Row] = []
    append = rows.append
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            append(Row(index, "", None, None, None, None))
            continue
        serial, token, ts = item.get("device"), item.get("token"), item.get("ts")
        values = item.get("values")
        if isinstance(values, dict):
            if not values:
                append(Row(index, serial, token, ts, None, None))
            for metric, value in values.items():
                append(Row(index, serial, token, ts, metric, value))
        else:
            append(Row(index, serial, token, ts, item.get("metric"), item.get("value")))
    return rows


CSV_COLUMNS = ("device", "ts", "metric", "value")


def parse_csv(body: bytes) -> list[Row]:
    """A header line naming at least device, ts, metric and value (token optional); a reading per line. A
    refusal's index is the line number."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(_("The CSV is not UTF-8 text.")) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise BadRequest(_("The CSV header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)},
                         "header")
    at = {name: header.index(name) for name in (*CSV_COLUMNS, "token") if name in header}
    width = max(at.values()) + 1
    token_at = at.get("token")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append(Row(line, cells[at["device"]].strip(), cells[token_at].strip() if token_at is not None
                        else None, cells[at["ts"]].strip(), cells[at["metric"]].strip(), cells[at["value"]].strip()))
    return rows


# -- checking each reading ------------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _time(raw: Any) -> datetime.datetime | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            return None
        try:
            return datetime.datetime.fromtimestamp(raw, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)  # a gateway's local time
    return moment.astimezone(UTC)


class Refusals:
    def __init__(self) -> None:
        self.items: list[dict] = []
        self.seen: set[int] = set()

    def add(self, row: Row, code: str, field_name: str, message: str) -> None:
        if row.index in self.seen:
            return  # one reason per reading is enough
        self.seen.add(row.index)
        self.items.append({"index": row.index, "device": row.serial if isinstance(row.serial, str) else None,
                           "field": field_name, "code": code, "reason": message})


def ingest(project_id: int, rows: Sequence[Row], *, header_token: str | None = None,
           now: datetime.datetime | None = None) -> Result:
    """Store and judge `rows` posted for project `project_id`; see the module's doc."""
    now = now or timezone.now()
    result = Result()
    if len(rows) > settings.SITE_INGEST_MAX_READINGS:
        raise BadRequest(_("At most %(n)d readings in one request.") % {"n": settings.SITE_INGEST_MAX_READINGS},
                         "readings")
    future = now + datetime.timedelta(seconds=settings.SITE_INGEST_FUTURE_SECONDS)
    oldest = now - datetime.timedelta(hours=settings.SITE_INGEST_MAX_AGE_HOURS)
    serials = {r.serial for r in rows if isinstance(r.serial, str) and r.serial}
    refusals = Refusals()
    with transaction.atomic():
        devices = {d.serial: d for d in Device.objects.select_for_update(of=("self",)).filter(serial__in=serials)
                   .only("id", "serial", "project_id", "kind", "rated_capacity", "token_hash", "voided_at",
                         "name").order_by("pk")} if serials else {}
        hashes: dict[str, str] = {}
        times: dict[Any, datetime.datetime | None] = {}
        good: dict[tuple[int, datetime.datetime, int], tuple[Row, float]] = {}
        dup_in_batch = 0
        for row in rows:
            serial = row.serial
            if not isinstance(serial, str) or not serial:
                refusals.add(row, "no_device", "device", _("Name the device (its serial number)."))
                continue
            device = devices.get(serial)
            if device is None:
                refusals.add(row, "unknown_device", "device", _("Unknown device."))
                continue
            if device.project_id != project_id:
                refusals.add(row, "other_project", "device", _("The device belongs to another project."))
                continue
            if device.voided_at is not None:
                refusals.add(row, "retired", "device", _("The device is retired."))
                continue
            token = row.token if isinstance(row.token, str) and row.token else header_token
            if not token:
                refusals.add(row, "no_token", "token", _("No device token: send it in the reading or in the "
                                                         "Authorization header."))
                continue
            digest = hashes.get(token)
            if digest is None:
                digest = hashes[token] = token_hash(token)
            if not hmac.compare_digest(digest, device.token_hash):
                refusals.add(row, "wrong_token", "token", _("The token is not this device's."))
                continue
            metric = METRIC_KEYS.get(row.metric) if isinstance(row.metric, str) else None
            if metric is None or metric not in KIND_METRICS.get(device.kind, ()):
                refusals.add(row, "bad_metric", "metric",
                             _("This device does not measure %(metric)s.") % {"metric": str(row.metric)[:40]})
                continue
            value = _number(row.value)
            if value is None:
                refusals.add(row, "not_a_number", "value", _("The value is not a number."))
                continue
            raw = row.ts
            try:
                ts = times[raw]
            except KeyError:
                ts = times[raw] = _time(raw)
            except TypeError:  # an unhashable time (a list …)
                ts = None
            if ts is None:
                refusals.add(row, "bad_time", "ts", _("The time is not an ISO 8601 time or a Unix timestamp."))
                continue
            if ts > future:
                refusals.add(row, "future", "ts", _("The time is in the future."))
                continue
            if ts < oldest:
                refusals.add(row, "too_old", "ts", _("The reading is older than %(hours)d hours.")
                             % {"hours": settings.SITE_INGEST_MAX_AGE_HOURS})
                continue
            key = (device.pk, ts, metric)
            if key in good:
                dup_in_batch += 1
                continue
            good[key] = (row, value)
        # a reading refused for one metric is refused whole: drop its other values
        if refusals.seen:
            good = {k: v for k, v in good.items() if v[0].index not in refusals.seen}
        result.refused = refusals.items
        if not good:
            result.duplicates = dup_in_batch
            return result
        stored = _stored(good)
        new = sorted((k for k in good if k not in stored), key=lambda k: (k[0], k[1], k[2]))
        result.duplicates = dup_in_batch + len(good) - len(new)
        if not new:
            return result
        used = {d.pk: d for d in devices.values() if d.pk in {k[0] for k in new}}
        _write_readings([(k[0], k[1], k[2], good[k][1]) for k in new])
        engine = judge(used, [(k[0], k[1], k[2], good[k][1]) for k in new], now)
        result.accepted = len(new)
        result.alerts_opened = len(engine.new_alerts)
        result.alarms = [a.pk for a in engine.raised]
        if result.alarms:
            from .tasks import alerts_raised

            ids = list(result.alarms)
            transaction.on_commit(lambda: alerts_raised.delay(ids))
    return result


def _stored(good: dict) -> set:
    """The keys of `good` already in the readings table (one range query over the batch's devices and times)."""
    device_ids = {k[0] for k in good}
    first = min(k[1] for k in good)
    last = max(k[1] for k in good)
    rows = Reading.objects.filter(device_id__in=device_ids, ts__gte=first, ts__lte=last).values_list(
        "device_id", "ts", "metric")
    return {(d, t, m) for d, t, m in rows if (d, t, m) in good}


def _write_readings(rows: list[tuple[int, datetime.datetime, int, float]]) -> None:
    if connection.vendor != "postgresql":  # the demo's SQLite: one executemany
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.executemany("INSERT OR IGNORE INTO supervision_reading (device_id, ts, metric, value) "
                               "VALUES (%s, %s, %s, %s)", [(d, adapt(t), m, v) for d, t, m, v in rows])
        return
    first = min(row[1] for row in rows).astimezone(UTC).date()
    last = max(row[1] for row in rows).astimezone(UTC).date()
    partitions.cover({first + datetime.timedelta(days=n) for n in range((last - first).days + 1)})
    stamps: dict[datetime.datetime, str] = {}  # a batch's readings share few distinct times
    for _d, t, _m, _v in rows:
        if t not in stamps:
            stamps[t] = t.isoformat()
    buffer = io.StringIO("".join(f"{d}\t{stamps[t]}\t{m}\t{v!r}\n" for d, t, m, v in rows))
    with connection.cursor() as cursor:
        cursor.copy_expert("COPY supervision_reading (device_id, ts, metric, value) FROM STDIN", buffer)


# -- judging and writing back ---------------------------------------------------------------------------------
def reference_average(device_id: int, metric: int, start: datetime.datetime, end: datetime.datetime) -> float | None:
    from django.db.models import Avg

    return Reading.objects.filter(device_id=device_id, metric=metric, ts__gte=start, ts__lt=end).aggregate(
        v=Avg("value"))["v"]


def load_engine(devices: dict[int, Device]) -> Engine:
    """The engine for `devices` (locked by the caller) with their rules, memory and open alerts."""
    ids = list(devices)
    states = {(s.device_id, s.rule_key): s for s in RuleState.objects.filter(device_id__in=ids)}
    alerts = {(a.device_id, a.rule_key): a for a in Alert.objects.filter(device_id__in=ids, state=AlertState.OPEN)}
    return Engine(devices, effective_rules(devices.values()), states, alerts, reference_average)


def judge(devices: dict[int, Device], rows: Iterable[tuple[int, datetime.datetime, int, float]],
          now: datetime.datetime) -> Engine:
    """Judge new readings (sorted by device and time) and write back everything they change."""
    engine = load_engine(devices)
    hours: dict[tuple, list] = {}
    latest: dict[tuple[int, int], tuple] = {}
    local_of: dict[datetime.datetime, tuple[datetime.datetime, datetime.datetime]] = {}
    for device_id, ts, metric, value in rows:
        device = devices[device_id]
        known = local_of.get(ts)
        if known is None:
            local = ts.astimezone(TZ)
            known = local_of[ts] = (local, local.replace(minute=0, second=0, microsecond=0))
        local, hour = known
        level = engine.reading(device, ts, metric, value, local)
        key = (device_id, metric, hour)
        agg = hours.get(key)
        if agg is None:
            hours[key] = [1, value, value, value, ts, value, int(level == "warning"), int(level == "alarm")]
        else:
            agg[0] += 1
            agg[1] += value
            if value < agg[2]:
                agg[2] = value
            if value > agg[3]:
                agg[3] = value
            if ts >= agg[4]:
                agg[4], agg[5] = ts, value
            if level == "warning":
                agg[6] += 1
            elif level == "alarm":
                agg[7] += 1
        current = latest.get((device_id, metric))
        if current is None or ts >= current[0]:
            latest[(device_id, metric)] = (ts, value, level, device.project_id)
    save(engine)
    _write_rollups(hours)
    _write_latest(latest, now)
    Device.objects.filter(pk__in=list(devices)).update(last_seen_at=now)
    return engine


def save(engine: Engine) -> None:
    """Write back the engine's memory, new and changed alerts, and overload events."""
    if engine.changed_alerts:  # first: an alert cleared in this batch makes room for the one reopened after it
        _update_alerts(list(engine.changed_alerts.values()))
    if engine.new_alerts:
        Alert.objects.bulk_create(engine.new_alerts)
    if engine.touched:
        RuleState.objects.bulk_create(
            list(engine.touched.values()), update_conflicts=True, unique_fields=["device", "rule_key"],
            update_fields=["breach_since", "breach_level", "clear_since", "window_start", "window_sum",
                           "window_count", "day", "day_exceedances", "last_ts", "memory"], batch_size=500)
    if engine.overloads:
        OverloadEvent.objects.bulk_create(
            [OverloadEvent(device_id=d, ts=t, value=v, percent=p,
                           alert=engine.alerts.get((d, "crane.load_moment")))
             for d, t, v, p in engine.overloads], ignore_conflicts=True)


ALERT_COLUMNS = (("level", "text"), ("state", "text"), ("message", "text"), ("worst_value", "float8"),
                 ("worst_at", "timestamptz"), ("last_at", "timestamptz"), ("count", "int"),
                 ("level_raised_at", "timestamptz"), ("cleared_at", "timestamptz"), ("updated_at", "timestamptz"))


def _update_alerts(alerts: list[Alert]) -> None:
    """The engine's changes to open alerts in one statement (Django's bulk_update builds a CASE per row and
    field: it was a quarter of a batch's time)."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for alert in sorted(alerts, key=lambda a: a.pk):
        alert.updated_at = now
        rows.append((alert.pk, *(adapt(v) if isinstance(v, datetime.datetime) else v
                                  for v in (getattr(alert, name) for name, _t in ALERT_COLUMNS))))
    names = [name for name, _t in ALERT_COLUMNS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            one = "(%s, " + ", ".join(f"%s::{t}" for _n, t in ALERT_COLUMNS) + ")"
            cursor.execute(
                "UPDATE supervision_alert AS a SET " + ", ".join(f"{n} = v.{n}" for n in names)  # noqa: S608
                + " FROM (VALUES " + ", ".join([one] * len(rows)) + ") AS v(id, " + ", ".join(names) + ")"
                " WHERE a.id = v.id", [value for row in rows for value in row])
        else:
            cursor.executemany("UPDATE supervision_alert SET " + ", ".join(f"{n} = %s" for n in names)  # noqa: S608
                               + " WHERE id = %s", [(*row[1:], row[0]) for row in rows])


def _write_rollups(hours: dict[tuple, list]) -> None:
    if not hours:
        return
    days: dict[tuple, list] = {}
    for (device_id, metric, hour), agg in hours.items():
        key = (device_id, metric, hour.replace(hour=0))
        other = days.get(key)
        if other is None:
            days[key] = list(agg)
            continue
        other[0] += agg[0]
        other[1] += agg[1]
        other[2] = min(other[2], agg[2])
        other[3] = max(other[3], agg[3])
        if agg[4] >= other[4]:
            other[4], other[5] = agg[4], agg[5]
        other[6] += agg[6]
        other[7] += agg[7]
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    rows = [(d, m, Period.HOUR.value, start, *agg) for (d, m, start), agg in hours.items()]
    rows += [(d, m, Period.DAY.value, start, *agg) for (d, m, start), agg in days.items()]
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    t = "supervision_rollup"
    sql_head = (f"INSERT INTO {t} (device_id, metric, period, start, count, total, minimum, maximum, "  # noqa: S608
                "last_ts, last_value, warnings, alarms) VALUES ")
    sql_tail = (f" ON CONFLICT (device_id, metric, period, start) DO UPDATE SET count = {t}.count + EXCLUDED.count, "
                f"total = {t}.total + EXCLUDED.total, minimum = {least}({t}.minimum, EXCLUDED.minimum), "
                f"maximum = {greatest}({t}.maximum, EXCLUDED.maximum), "
                f"last_value = CASE WHEN EXCLUDED.last_ts >= {t}.last_ts THEN EXCLUDED.last_value "
                f"ELSE {t}.last_value END, last_ts = {greatest}({t}.last_ts, EXCLUDED.last_ts), "
                f"warnings = {t}.warnings + EXCLUDED.warnings, alarms = {t}.alarms + EXCLUDED.alarms")
    _values_upsert(sql_head, sql_tail, rows, 12)


def _write_latest(latest: dict[tuple[int, int], tuple], now: datetime.datetime) -> None:
    t = "supervision_latest"
    rows = sorted((d, p, m, ts, v, level, now) for (d, m), (ts, v, level, p) in latest.items())
    _values_upsert(f"INSERT INTO {t} (device_id, project_id, metric, ts, value, level, updated_at) VALUES ",  # noqa: S608
                   f" ON CONFLICT (device_id, metric) DO UPDATE SET ts = EXCLUDED.ts, value = EXCLUDED.value, "
                   f"level = EXCLUDED.level, updated_at = EXCLUDED.updated_at WHERE {t}.ts <= EXCLUDED.ts",
                   rows, 7)


def _values_upsert(head: str, tail: str, rows: list[tuple], width: int, chunk: int = 1000) -> None:
    """INSERT … VALUES (…), (…) … ON CONFLICT …, `chunk` rows a statement (SQLite allows 32,766 parameters)."""
    ops = connection.ops
    one = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for at in range(0, len(rows), chunk):
            part = rows[at:at + chunk]
            params: list = []
            for row in part:
                params.extend(ops.adapt_datetimefield_value(v) if isinstance(v, datetime.datetime) else
                              (v.isoformat() if isinstance(v, datetime.date) else v) for v in row)
            cursor.execute(head + ", ".join([one] * len(part)) + tail, params)


def kinds_with_readings() -> list[str]:
    return [k for k in DeviceKind.values if KIND_METRICS.get(k)]


def group_refusals(refused: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in refused:
        counts[item["code"]] += 1
    return dict(counts)
