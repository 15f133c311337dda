"""Smart site (智慧工地): the sensors and cameras registered on a project's site, their readings, the threshold
rules they are judged by (as the standards write them), and the alerts the rules raise.

- `Device`: one sensor or camera, with its own API token (only its SHA-256 is stored; rotating it makes a new one).
- `Reading`: one value of one metric of one device at one time, stored once per (device, time, metric). On
  PostgreSQL the table is partitioned by day (declarative range partitioning on `ts`) and old partitions are
  dropped by a periodic task, never deleted row by row; `Rollup` keeps hourly and daily min/avg/max/count and
  exceedances for ever.
- `Rule`: a threshold of a device kind — shipped as a default with its source, tightened per project, or set per
  device (the designer's values for a monitoring point). `RuleState` is the engine's memory per device and rule
  (a window being averaged, since when a condition holds), in the database so that it survives restarts.
- `Alert`: opened when a rule is crossed, one open alert per device and rule however many readings cross it;
  cleared by rule (back under for a set time) or by hand with a note; an alarm can raise a hazard.
- `OverloadEvent`: a crane reading above its rated load moment (the limiter should already have cut hoisting);
  `CameraEvent`: an event a video camera posts (no helmet, intrusion, smoke) with its snapshot."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import TimeStampedModel, VoidableModel


class DeviceKind(models.TextChoices):
    DUST = "dust", _("Dust monitor (PM10/PM2.5)")  # 扬尘监测
    NOISE = "noise", _("Noise monitor")  # 噪声监测
    CRANE = "crane", _("Tower crane monitor")  # 塔吊监测
    PIT = "pit", _("Excavation monitoring point")  # 基坑监测点
    FORMWORK = "formwork", _("Formwork support monitor")  # 高支模监测
    WIND = "wind", _("Wind station")  # 风速仪
    CAMERA = "camera", _("Video camera")  # 视频监控


class Metric(models.IntegerChoices):
    """What a reading measures; the small integer is what the readings table stores."""

    PM10 = 1, "PM10"
    PM25 = 2, "PM2.5"
    LEQ = 10, _("Noise level Leq")
    LMAX = 11, _("Noise maximum Lmax")
    LOAD_MOMENT = 20, _("Load moment")
    WIND_SPEED = 21, _("Wind speed")
    DISPLACEMENT = 30, _("Horizontal displacement")
    SETTLEMENT = 31, _("Settlement")
    STRUT_FORCE = 32, _("Strut axial force")
    AXIAL_FORCE = 33, _("Support axial force")


# The name a gateway uses for each metric in a reading ({"values": {"pm10": 63.2}} or a CSV column "metric").
METRIC_KEYS: dict[str, int] = {
    "pm10": Metric.PM10, "pm25": Metric.PM25, "leq": Metric.LEQ, "lmax": Metric.LMAX,
    "load_moment": Metric.LOAD_MOMENT, "wind_speed": Metric.WIND_SPEED, "displacement": Metric.DISPLACEMENT,
    "settlement": Metric.SETTLEMENT, "strut_force": Metric.STRUT_FORCE, "axial_force": Metric.AXIAL_FORCE,
}
METRIC_KEY_OF: dict[int, str] = {code: key for key, code in METRIC_KEYS.items()}
METRIC_UNITS: dict[int, str] = {
    Metric.PM10: "µg/m³", Metric.PM25: "µg/m³", Metric.LEQ: "dB(A)", Metric.LMAX: "dB(A)",
    Metric.LOAD_MOMENT: "kN·m", Metric.WIND_SPEED: "m/s", Metric.DISPLACEMENT: "mm", Metric.SETTLEMENT: "mm",
    Metric.STRUT_FORCE: "kN", Metric.AXIAL_FORCE: "kN",
}
# The metrics each kind of device reports; a reading of another metric is refused.
KIND_METRICS: dict[str, tuple[int, ...]] = {
    DeviceKind.DUST: (Metric.PM10, Metric.PM25),
    DeviceKind.NOISE: (Metric.LEQ, Metric.LMAX),
    DeviceKind.CRANE: (Metric.LOAD_MOMENT, Metric.WIND_SPEED),
    DeviceKind.PIT: (Metric.DISPLACEMENT, Metric.SETTLEMENT, Metric.STRUT_FORCE),
    DeviceKind.FORMWORK: (Metric.SETTLEMENT, Metric.AXIAL_FORCE),
    DeviceKind.WIND: (Metric.WIND_SPEED,),
    DeviceKind.CAMERA: (),
}


class CameraEventKind(models.TextChoices):
    NO_HELMET = "no_helmet", _("Person without a helmet")  # 未戴安全帽
    INTRUSION = "intrusion", _("Intrusion into a restricted area")  # 区域入侵
    SMOKE = "smoke", _("Smoke or fire")  # 烟火


TOKEN_PREFIX = "sdt_"  # noqa: S105 — every device token starts with it, so that a leaked one is recognisable


class Device(VoidableModel):
    """A sensor or camera on a project's site. A retired device is voided: its readings stay, new ones are
    refused."""

    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="site_devices")
    kind = models.CharField(_("kind"), max_length=10, choices=DeviceKind.choices)
    serial = models.CharField(_("serial number"), max_length=64, unique=True,
                              help_text=_("The identifier the device or its gateway sends with each reading."))
    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location on site"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    responsible = models.ForeignKey("accounts.Organization", verbose_name=_("responsible unit"),
                                    on_delete=models.PROTECT, related_name="site_devices",
                                    help_text=_("The unit that operates the equipment and answers for its alerts."))
    rated_capacity = models.FloatField(_("rated load moment (kN·m)"), null=True, blank=True,
                                       help_text=_("Tower cranes: the rated load moment the load-moment "
                                                   "percentage is computed against."))
    stream_url = models.CharField(_("video stream address"), max_length=300, blank=True,
                                  help_text=_("Cameras: rtsp://, rtmp://, http:// or https:// address."))
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    token_hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    token_rotated_at = models.DateTimeField(_("token issued"), null=True, editable=False)
    token_rotated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("token issued by"), null=True,
                                         on_delete=models.PROTECT, related_name="+", editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"),
                                      on_delete=models.PROTECT, related_name="+")
    last_seen_at = models.DateTimeField(_("last reading"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["project", "kind", "name", "id"]
        verbose_name = _("site device")
        verbose_name_plural = _("site devices")
        indexes = [models.Index(fields=["project", "kind"], name="device_project_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial})"

    def get_absolute_url(self) -> str:
        return reverse("supervision:device-detail", args=[self.pk])

    @property
    def metrics(self) -> tuple[int, ...]:
        return KIND_METRICS.get(self.kind, ())


class Reading(models.Model):
    """One value (partitioned by day on PostgreSQL; see migration 0003). No foreign-key constraint: the readings
    table is the hot path, and devices are voided, never deleted."""

    pk = models.CompositePrimaryKey("device_id", "ts", "metric")
    device = models.ForeignKey(Device, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    ts = models.DateTimeField(_("time"))
    metric = models.SmallIntegerField(_("metric"), choices=Metric.choices)
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self) -> str:
        return f"{self.device_id} {self.ts:%Y-%m-%d %H:%M:%S} {self.metric}={self.value:g}"


class Period(models.TextChoices):
    HOUR = "hour", _("hour")
    DAY = "day", _("day")


class Rollup(models.Model):
    """Min/avg/max/count of one metric of one device over an hour or a day (local time), and how many readings
    crossed a warning or alarm level then. Kept for ever; charts beyond 48 h and scoring read these."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    metric = models.SmallIntegerField(_("metric"), choices=Metric.choices)
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    start = models.DateTimeField(_("start"))
    count = models.PositiveIntegerField(_("readings"), default=0)
    total = models.FloatField(_("sum"), default=0)
    minimum = models.FloatField(_("minimum"))
    maximum = models.FloatField(_("maximum"))
    last_ts = models.DateTimeField(_("last reading at"))
    last_value = models.FloatField(_("last value"))
    warnings = models.PositiveIntegerField(_("readings over a warning level"), default=0)
    alarms = models.PositiveIntegerField(_("readings over an alarm level"), default=0)

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [models.UniqueConstraint(fields=["device", "metric", "period", "start"],
                                               name="one_rollup_per_period")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.metric} {self.period} {self.start:%Y-%m-%d %H:%M}"

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


class Latest(models.Model):
    """The last value of each metric of each device (the live view), and when it changed."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="latest")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    metric = models.SmallIntegerField(_("metric"), choices=Metric.choices)
    ts = models.DateTimeField(_("time"))
    value = models.FloatField(_("value"))
    level = models.CharField(_("level"), max_length=10, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("latest reading")
        verbose_name_plural = _("latest readings")
        constraints = [models.UniqueConstraint(fields=["device", "metric"], name="one_latest_per_metric")]
        indexes = [models.Index(fields=["project", "updated_at"], name="latest_changed_idx")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.metric}={self.value:g}"


class RuleKind(models.TextChoices):
    LIMIT = "limit", _("Limit (optionally by time of day)")
    AVERAGE = "average", _("Average over a window")
    CUMULATIVE = "cumulative", _("Cumulative value")
    RATE = "rate", _("Rate per day")
    CAPACITY = "capacity", _("Share of rated capacity")
    EVENT = "event", _("Camera event")


class Rule(TimeStampedModel):
    """A threshold. Levels are in the metric's unit (per day for a rate, per cent of the rated capacity for a
    capacity rule); a reading crosses a level when it is above it. `key` names the rule across its scopes: a
    project's rule replaces the default with the same key for that project (and may only tighten it), a device's
    rule replaces both for that device."""

    key = models.CharField(_("rule"), max_length=40)
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="site_rules")
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="rules")
    device_kind = models.CharField(_("device kind"), max_length=10, choices=DeviceKind.choices)
    metric = models.SmallIntegerField(_("metric"), choices=Metric.choices, null=True, blank=True)
    event_kind = models.CharField(_("camera event"), max_length=20, choices=CameraEventKind.choices, blank=True)
    kind = models.CharField(_("kind of rule"), max_length=12, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=100)
    warning_level = models.FloatField(_("warning level"), null=True, blank=True)
    alarm_level = models.FloatField(_("alarm level"), null=True, blank=True)
    time_from = models.TimeField(_("applies from"), null=True, blank=True)
    time_to = models.TimeField(_("applies until"), null=True, blank=True,
                               help_text=_("A period that ends before it starts runs over midnight."))
    window_minutes = models.PositiveSmallIntegerField(_("averaging window (minutes)"), null=True, blank=True)
    allowed_per_day = models.PositiveSmallIntegerField(_("exceedances allowed a day"), default=0)
    reference = models.ForeignKey(Device, verbose_name=_("reference device"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+",
                                  help_text=_("Judge the difference to this device's average over the same "
                                              "window (a background monitor) instead of the value itself."))
    sustain_minutes = models.PositiveIntegerField(_("sustained for (minutes)"), default=0)
    clear_minutes = models.PositiveIntegerField(_("clears after (minutes back under)"), default=10)
    raises_hazard = models.BooleanField(_("an alarm raises a hazard"), default=False)
    source = models.CharField(_("source"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["device_kind", "key", "id"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(project__isnull=True, device__isnull=True),
                                    name="one_default_rule_per_key"),
            models.UniqueConstraint(fields=["key", "project"], condition=Q(project__isnull=False,
                                                                           device__isnull=True),
                                    name="one_project_rule_per_key"),
            models.UniqueConstraint(fields=["key", "device"], condition=Q(device__isnull=False),
                                    name="one_device_rule_per_key"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language: a shipped default's name is stored in English and translated here; a
        project's or device's own rule keeps the name it was given."""
        from django.utils.translation import gettext

        return gettext(self.name) if self.name else ""

    @property
    def scope(self) -> str:
        return "device" if self.device_id else "project" if self.project_id else "default"

    def applies_at(self, moment: datetime.time) -> bool:
        """Whether the rule's time of day (if any) covers `moment` (local time)."""
        if self.time_from is None or self.time_to is None:
            return True
        if self.time_from <= self.time_to:
            return self.time_from <= moment < self.time_to
        return moment >= self.time_from or moment < self.time_to


class RuleState(models.Model):
    """The rule engine's memory of one rule on one device: the window being averaged, the day's count of
    exceedances, since when the condition has held (or has been clear)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    rule_key = models.CharField(max_length=40)
    breach_since = models.DateTimeField(null=True)
    breach_level = models.CharField(max_length=10, blank=True)
    clear_since = models.DateTimeField(null=True)
    window_start = models.DateTimeField(null=True)
    window_sum = models.FloatField(default=0)
    window_count = models.PositiveIntegerField(default=0)
    day = models.DateField(null=True)
    day_exceedances = models.PositiveIntegerField(default=0)
    last_ts = models.DateTimeField(null=True)
    # rate rules: the last value of each of the last 26 hours, [[hour start (epoch s), value], …]
    memory = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "rule_key"], name="one_state_per_rule")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.rule_key}"


class AlertLevel(models.TextChoices):
    WARNING = "warning", pgettext_lazy("alert level", "Warning")  # 预警
    ALARM = "alarm", pgettext_lazy("alert level", "Alarm")  # 报警


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert state", "Open")
    CLEARED = "cleared", pgettext_lazy("alert state", "Cleared")


class Alert(TimeStampedModel):
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="site_alerts")
    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="alerts")
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts")
    rule_key = models.CharField(_("rule"), max_length=40)
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices)
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices, default=AlertState.OPEN)
    message = models.CharField(_("message"), max_length=300)
    metric = models.SmallIntegerField(_("metric"), choices=Metric.choices, null=True, blank=True)
    opened_at = models.DateTimeField(_("first crossed at"))
    first_value = models.FloatField(_("first value"), null=True, blank=True)
    worst_value = models.FloatField(_("worst value"), null=True, blank=True)
    worst_at = models.DateTimeField(_("worst at"))
    last_at = models.DateTimeField(_("last crossed at"))
    count = models.PositiveIntegerField(_("readings or events"), default=1)
    level_raised_at = models.DateTimeField(_("raised to alarm at"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cleared by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    clear_note = models.TextField(_("clearing note"), blank=True)
    hazard = models.ForeignKey("supervision.Hazard", verbose_name=_("hazard"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="site_alerts")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("site alert")
        verbose_name_plural = _("site alerts")
        permissions = [("clear_alert", "Can clear smart-site alerts by hand on any project")]
        constraints = [models.UniqueConstraint(fields=["device", "rule_key"], condition=Q(state="open"),
                                               name="one_open_alert_per_rule")]
        indexes = [models.Index(fields=["state", "-opened_at", "-id"], name="alert_board_idx"),
                   models.Index(fields=["project", "state"], name="alert_project_idx"),
                   models.Index(fields=["project", "updated_at"], name="alert_changed_idx")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.message}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:alert-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == AlertState.OPEN


class OverloadEvent(models.Model):
    """A tower crane reading above its rated load moment: the limiter should have cut hoisting off before."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="overloads")
    ts = models.DateTimeField(_("time"))
    value = models.FloatField(_("load moment (kN·m)"))
    percent = models.FloatField(_("share of rated (%)"))
    alert = models.ForeignKey(Alert, null=True, on_delete=models.SET_NULL, related_name="overloads")

    class Meta:
        ordering = ["-ts"]
        verbose_name = _("overload event")
        verbose_name_plural = _("overload events")
        constraints = [models.UniqueConstraint(fields=["device", "ts"], name="one_overload_per_reading")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.ts:%Y-%m-%d %H:%M:%S} {self.percent:.0f}%"


def snapshot_path(instance: "CameraEvent", filename: str) -> str:
    return f"sites/snapshots/{instance.ts:%Y/%m/%d}/{instance.device_id}-{instance.ts:%H%M%S}-{filename[-40:]}"


class CameraEvent(models.Model):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="camera_events")
    ts = models.DateTimeField(_("time"))
    kind = models.CharField(_("event"), max_length=20, choices=CameraEventKind.choices)
    snapshot = models.FileField(_("snapshot"), upload_to=snapshot_path, max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    alert = models.ForeignKey(Alert, null=True, on_delete=models.SET_NULL, related_name="camera_events")

    class Meta:
        ordering = ["-ts"]
        verbose_name = _("camera event")
        verbose_name_plural = _("camera events")
        constraints = [models.UniqueConstraint(fields=["device", "ts", "kind"], name="one_camera_event")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.ts:%Y-%m-%d %H:%M:%S} {self.kind}"
