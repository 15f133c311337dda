"""Reads of the smart site for the pages, the API and performance scoring: devices, the rules in force and where
each comes from, alerts, a device's overload and camera events, and a project's exceedances over a period. Each
read is narrowed to what the user may see (`portal.core.policy`) and joins what its callers render, so a list
costs the same few queries however long it is."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.core import policy
from projects.models import Project

from ..models import (
    METRIC_UNITS,
    Alert,
    AlertLevel,
    AlertState,
    CameraEvent,
    Device,
    DeviceKind,
    Latest,
    Metric,
    OverloadEvent,
    Period,
    Rollup,
    Rule,
    RuleKind,
)
from .engine import effective_rules

ALERT_STATES = ("open", "cleared")


# -------------------------------------------------------------------------------------------------- devices
def _open_alerts(level: str = "") -> Coalesce:
    alerts = Alert.objects.filter(device=OuterRef("pk"), state=AlertState.OPEN)
    if level:
        alerts = alerts.filter(level=level)
    return Coalesce(Subquery(alerts.order_by().values("device").annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def device_list(*, user: User, project: Project | None = None, kind: str = "", q: str = "",
                retired: bool = False) -> QuerySet[Device]:
    """The devices `user` may see (of `project` when given; retired ones only when `retired`), with their
    responsible unit and their open alerts counted (`open_alerts`, `open_alarms`)."""
    qs = policy.visible(user, Device.objects.all())
    if project is not None:
        qs = qs.filter(project=project)
    if not retired:
        qs = qs.filter(voided_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if q := (q or "").strip():
        qs = qs.filter(Q(serial__icontains=q) | Q(name__icontains=q) | Q(location__icontains=q)
                       | Q(responsible__name__icontains=q))
    return (qs.select_related("project", "responsible")
            .annotate(open_alerts=_open_alerts(), open_alarms=_open_alerts(AlertLevel.ALARM))
            .order_by("kind", "name", "id"))


def latest_values(*, user: User, device: Device) -> list[dict]:
    """The last value of each metric of `device`, with its unit and the level it crossed."""
    rows = Latest.objects.filter(device__in=policy.visible(user, Device.objects.filter(pk=device.pk))
                                 ).order_by("metric")
    return [{"metric": Metric(r.metric).label, "value": r.value, "unit": METRIC_UNITS.get(r.metric, ""),
             "ts": r.ts, "level": r.level} for r in rows]


def overload_events(*, user: User, device: Device, limit: int = 50) -> list[OverloadEvent]:
    """A crane's readings above its rated load moment, newest first (the limiter should have cut hoisting)."""
    return list(OverloadEvent.objects.filter(
        device__in=policy.visible(user, Device.objects.filter(pk=device.pk))).select_related("alert")[:limit])


def camera_events(*, user: User, device: Device | None = None, alert: Alert | None = None,
                  limit: int = 50) -> list[CameraEvent]:
    """A camera's events (of `device`, or of `alert`), newest first, with their snapshots."""
    qs = CameraEvent.objects.filter(device__in=policy.visible(user, Device.objects.all()))
    if device is not None:
        qs = qs.filter(device=device)
    if alert is not None:
        qs = qs.filter(alert=alert)
    return list(qs.select_related("alert")[:limit])


# ---------------------------------------------------------------------------------------------------- rules
def rule_unit(rule: Rule) -> str:
    """The unit of a rule's levels: per cent of the rated capacity, per day for a rate, else the metric's."""
    if rule.kind == RuleKind.CAPACITY:
        return "%"
    if rule.kind == RuleKind.EVENT:
        return ""
    unit = METRIC_UNITS.get(rule.metric or 0, "")
    return f"{unit}/d" if rule.kind == RuleKind.RATE else unit


def _duration(minutes: int | None) -> str:
    if not minutes:
        return "—"
    if minutes % 1440 == 0:
        return _("%(n)d d") % {"n": minutes // 1440}
    if minutes % 60 == 0:
        return _("%(n)d h") % {"n": minutes // 60}
    return _("%(n)d min") % {"n": minutes}


def rule_values(rule: Rule) -> dict:
    """A rule's values as a table shows them, with their units ("—" where the rule has none). A camera rule's
    levels are marks: each event is a crossing of the level it names."""
    unit = rule_unit(rule)
    if rule.kind == RuleKind.EVENT:
        warning = "✓" if rule.alarm_level is None and rule.warning_level is not None else "—"
        alarm = "✓" if rule.alarm_level is not None else "—"
    else:
        warning, alarm = (("—" if v is None else f"{v:g} {unit}".strip()) for v in (rule.warning_level,
                                                                                     rule.alarm_level))
    window = "—"
    if rule.window_minutes:
        window = _("%(n)d-minute average") % {"n": rule.window_minutes}
        if rule.reference is not None:
            window += " " + _("above %(device)s") % {"device": rule.reference.name}
    return {
        "warning": warning, "alarm": alarm,
        "hours": (f"{rule.time_from:%H:%M}–{rule.time_to:%H:%M}" if rule.time_from is not None
                  and rule.time_to is not None else _("all day")),
        "window": window, "allowed": str(rule.allowed_per_day) if rule.kind == RuleKind.AVERAGE else "—",
        "sustain": _duration(rule.sustain_minutes), "clear": _duration(rule.clear_minutes),
        "hazard": rule.raises_hazard, "source": rule.source, "active": rule.active, "label": rule.label,
    }


@dataclass
class RuleRow:
    """One rule key of a device kind on a project: the shipped default, the project's own values if it set
    any, and the devices that carry their own."""

    default: Rule
    own: Rule | None = None
    devices: list[Rule] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.default.key

    @property
    def in_force(self) -> Rule:
        return self.own or self.default

    @property
    def scope(self) -> str:
        return "project" if self.own is not None else "default"

    @property
    def default_values(self) -> dict:
        return rule_values(self.default)

    @property
    def own_values(self) -> dict | None:
        return rule_values(self.own) if self.own is not None else None


@dataclass
class KindRules:
    kind: str
    label: str
    devices: int
    rows: list[RuleRow]


def default_rules(*, user: User, kind: str = "") -> QuerySet[Rule]:
    """The shipped defaults (with the bureau's changes), by device kind and key."""
    qs = policy.visible(user, Rule.objects.filter(project__isnull=True, device__isnull=True))
    if kind:
        qs = qs.filter(device_kind=kind)
    return qs.select_related("changed_by").order_by("device_kind", "key")


def default_rule(key: str) -> Rule | None:
    return Rule.objects.filter(key=key, project__isnull=True, device__isnull=True).first()


def project_rule(*, user: User, project: Project, key: str) -> Rule | None:
    """The project's own values of rule `key`, if it set any."""
    return policy.visible(user, Rule.objects.filter(key=key, project=project, device__isnull=True)).first()


def project_rule_table(*, user: User, project: Project) -> list[KindRules]:
    """Per device kind, each rule key with its default values, the project's own values if any (the one in
    force, with its source) and the project's devices that carry their own values. Two queries."""
    devices = policy.visible(user, Device.objects.filter(project=project, voided_at__isnull=True))
    rules = policy.visible(user, Rule.objects.filter(
        Q(project__isnull=True, device__isnull=True) | Q(project=project, device__isnull=True)
        | Q(device__in=devices))).select_related("device", "reference", "changed_by").order_by(
        "device_kind", "key", "device__name", "id")
    rows: dict[str, RuleRow] = {}
    own: dict[str, Rule] = {}
    per_device: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.device_id is not None:
            per_device.setdefault(rule.key, []).append(rule)
        elif rule.project_id is not None:
            own[rule.key] = rule
        else:
            rows[rule.key] = RuleRow(default=rule)
    for key, row in rows.items():
        row.own = own.get(key)
        row.devices = per_device.get(key, [])
    counts = dict(devices.order_by().values_list("kind").annotate(n=Count("pk")))
    table = []
    for kind, label in DeviceKind.choices:
        kind_rows = [r for r in rows.values() if r.default.device_kind == kind]
        if kind_rows:
            table.append(KindRules(kind=kind, label=str(label), devices=counts.get(kind, 0), rows=kind_rows))
    return table


@dataclass
class DeviceRule:
    """One rule key of a device: the rule in force (None: switched off for it) and the values of each scope."""

    default: Rule
    project: Rule | None
    device: Rule | None
    in_force: Rule | None

    @property
    def key(self) -> str:
        return self.default.key

    @property
    def shown(self) -> Rule:
        """The values to show: those in force, or (switched off) the most specific ones."""
        return self.in_force or self.device or self.project or self.default

    @property
    def scope(self) -> str:
        return self.shown.scope

    @property
    def values(self) -> dict:
        return rule_values(self.shown)


def device_rules(*, user: User, device: Device) -> list[DeviceRule]:
    """The rules of `device`, key by key: which one is in force (`engine.effective_rules`, as the rule engine
    judges) and where it comes from (the shipped default, the project's values or the device's own). Two
    queries."""
    in_force = {r.key: r.pk for r in effective_rules([device]).get(device.pk, [])}
    chain = policy.visible(user, Rule.objects.filter(
        Q(project__isnull=True, device__isnull=True, device_kind=device.kind)
        | Q(project_id=device.project_id, device__isnull=True, device_kind=device.kind)
        | Q(device=device))).select_related("reference").order_by("key", "id")
    defaults: dict[str, Rule] = {}
    projects: dict[str, Rule] = {}
    own: dict[str, Rule] = {}
    by_pk: dict[int, Rule] = {}
    for rule in chain:
        {"default": defaults, "project": projects, "device": own}[rule.scope][rule.key] = rule
        by_pk[rule.pk] = rule
    return [DeviceRule(default=rule, project=projects.get(key), device=own.get(key),
                       in_force=by_pk.get(in_force[key]) if key in in_force else None)
            for key, rule in sorted(defaults.items())]


def device_rule_chain(*, user: User, device: Device, key: str) -> DeviceRule | None:
    """Rule `key` of `device` (None when its kind has no such rule)."""
    for row in device_rules(user=user, device=device):
        if row.key == key:
            return row
    return None


# --------------------------------------------------------------------------------------------------- alerts
def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def alert_list(*, user: User, state: str = AlertState.OPEN, level: str = "", project: Project | None = None,
               project_name: str = "", kind: str = "", device: Device | None = None, q: str = "",
               since: datetime.date | None = None, until: datetime.date | None = None) -> QuerySet[Alert]:
    """The alerts `user` may see — the open ones unless `state` says otherwise ("" for all) — filtered, newest
    first, with what a row shows joined."""
    qs = policy.visible(user, Alert.objects.all())
    if state:
        qs = qs.filter(state=state)
    if level:
        qs = qs.filter(level=level)
    if project is not None:
        qs = qs.filter(project=project)
    if project_name := (project_name or "").strip():
        qs = qs.filter(project__name__icontains=project_name)
    if kind:
        qs = qs.filter(device__kind=kind)
    if device is not None:
        qs = qs.filter(device=device)
    if since:
        qs = qs.filter(opened_at__gte=_day_start(since))
    if until:
        qs = qs.filter(opened_at__lt=_day_start(until + datetime.timedelta(days=1)))
    if q := (q or "").strip():
        qs = qs.filter(Q(message__icontains=q) | Q(device__name__icontains=q) | Q(device__serial__icontains=q)
                       | Q(device__location__icontains=q) | Q(rule__name__icontains=q) | Q(rule_key__icontains=q))
    return qs.select_related("project", "device", "device__responsible", "rule", "cleared_by", "hazard").order_by(
        "-opened_at", "-id")


def alert_counts(alerts: QuerySet[Alert]) -> dict[str, int]:
    """{"warning", "alarm", "open", "open_alarm"} of a filtered list: one query."""
    open_q = Q(state=AlertState.OPEN)
    return alerts.order_by().aggregate(
        warning=Count("pk", filter=Q(level=AlertLevel.WARNING)), alarm=Count("pk", filter=Q(level=AlertLevel.ALARM)),
        open=Count("pk", filter=open_q), open_alarm=Count("pk", filter=open_q & Q(level=AlertLevel.ALARM)))


def alert_unit(alert: Alert) -> str:
    """The unit of an alert's values (those of its rule)."""
    return rule_unit(alert.rule)


# ------------------------------------------------------------------------------------------------- scoring
def exceedance_summary(*, project: Project, start: datetime.datetime, end: datetime.datetime,
                       user: User | None = None) -> dict[str, dict[str, int]]:
    """Per device kind of `project`, over [start, end): the devices that reported, their readings, how many of
    them crossed a warning level only and how many an alarm level (hourly rollups), and the alerts opened (by level). For
    performance scoring; `user` narrows it to what they may see (scoring itself passes none). Two queries."""
    devices: QuerySet[Device] = Device.objects.filter(project=project)
    if user is not None:
        devices = policy.visible(user, devices)
    out: dict[str, dict[str, int]] = {}

    def entry(kind: str) -> dict[str, int]:
        return out.setdefault(kind, {"devices": 0, "readings": 0, "warnings": 0, "alarms": 0,
                                     "alerts_warning": 0, "alerts_alarm": 0})

    readings = (Rollup.objects.filter(device__in=devices.values("pk"), period=Period.HOUR, start__gte=start,
                                      start__lt=end)
                .values("device__kind").annotate(devices=Count("device", distinct=True), readings=Sum("count"),
                                                 warnings=Sum("warnings"), alarms=Sum("alarms")).order_by())
    for row in readings:
        e = entry(row["device__kind"])
        e.update(devices=row["devices"], readings=row["readings"] or 0, warnings=row["warnings"] or 0,
                 alarms=row["alarms"] or 0)
    alerts = (Alert.objects.filter(device__in=devices.values("pk"), opened_at__gte=start, opened_at__lt=end)
              .values("device__kind").annotate(warning=Count("pk", filter=Q(level=AlertLevel.WARNING)),
                                               alarm=Count("pk", filter=Q(level=AlertLevel.ALARM))).order_by())
    for row in alerts:
        e = entry(row["device__kind"])
        e.update(alerts_warning=row["warning"], alerts_alarm=row["alarm"])
    return out
