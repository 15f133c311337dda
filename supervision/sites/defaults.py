"""The rules every device kind ships with, each with the source it comes from (shown in the UI). A project may
tighten them (lower levels, fewer exceedances allowed, a shorter sustain time); a device may carry its own values
(the designer's control values of an excavation monitoring point), with the document they come from.

Levels are in the metric's unit; a rate is per day; a capacity rule is per cent of the device's rated capacity
(a crane's rated load moment, a strut's or support's design axial force). The figures of provincial dust rules
differ between provinces: the defaults below are one province's kind of rule and say so — set your own."""

import datetime

from django.utils.translation import gettext_noop as _  # names are stored in English; Rule.label translates

from ..models import CameraEventKind, DeviceKind, Metric, RuleKind

DAY_FROM, NIGHT_FROM = datetime.time(6, 0), datetime.time(22, 0)
TWO_DAYS = 2 * 24 * 60

DEFAULT_RULES: list[dict] = [
    # GB 12523-2011 建筑施工场界环境噪声排放标准: 70 dB(A) by day, 55 at night; at night the maximum level may
    # exceed the limit by at most 15 dB(A).
    dict(key="noise.day", device_kind=DeviceKind.NOISE, metric=Metric.LEQ, kind=RuleKind.LIMIT,
         name=_("Noise by day (06:00–22:00)"), warning_level=65, alarm_level=70, time_from=DAY_FROM,
         time_to=NIGHT_FROM, clear_minutes=10, source="GB 12523-2011 表1：昼间 70 dB(A)"),
    dict(key="noise.night", device_kind=DeviceKind.NOISE, metric=Metric.LEQ, kind=RuleKind.LIMIT,
         name=_("Noise at night (22:00–06:00)"), warning_level=50, alarm_level=55, time_from=NIGHT_FROM,
         time_to=DAY_FROM, clear_minutes=10, source="GB 12523-2011 表1：夜间 55 dB(A)"),
    dict(key="noise.night_max", device_kind=DeviceKind.NOISE, metric=Metric.LMAX, kind=RuleKind.LIMIT,
         name=_("Maximum noise at night"), warning_level=None, alarm_level=70, time_from=NIGHT_FROM,
         time_to=DAY_FROM, clear_minutes=10,
         source="GB 12523-2011 4.2：夜间最大声级超过限值的幅度不得高于 15 dB(A)（55 + 15）"),
    # Dust: provinces judge sites on 15-minute or hourly averages and allow a few exceedances a day.
    dict(key="dust.pm10.15min", device_kind=DeviceKind.DUST, metric=Metric.PM10, kind=RuleKind.AVERAGE,
         name=_("PM10, 15-minute average"), warning_level=None, alarm_level=80, window_minutes=15,
         allowed_per_day=3, clear_minutes=15,
         source="省级建设工地扬尘在线监测规定（示例：PM10 15 分钟均值 80 µg/m³，每日超标不超过 3 次）"),
    dict(key="dust.pm10.hour", device_kind=DeviceKind.DUST, metric=Metric.PM10, kind=RuleKind.AVERAGE,
         name=_("PM10, hourly average"), warning_level=80, alarm_level=150, window_minutes=60,
         clear_minutes=60, source="GB 3095-2012 表1 二级 PM10 150 µg/m³（24 h）；预警取省级 80 µg/m³"),
    dict(key="dust.pm25.hour", device_kind=DeviceKind.DUST, metric=Metric.PM25, kind=RuleKind.AVERAGE,
         name=_("PM2.5, hourly average"), warning_level=None, alarm_level=75, window_minutes=60,
         clear_minutes=60, source="GB 3095-2012 表1 二级 PM2.5 75 µg/m³（24 h）"),
    # Tower crane: the load-moment limiter warns at 90 % and cuts hoisting at 100 % of the rated load moment.
    dict(key="crane.load_moment", device_kind=DeviceKind.CRANE, metric=Metric.LOAD_MOMENT,
         kind=RuleKind.CAPACITY, name=_("Crane load moment"), warning_level=90, alarm_level=100,
         clear_minutes=5, raises_hazard=True,
         source="GB 5144-2006 6.1.2 力矩限制器：90% 预警，100% 切断起升和增幅方向动作"),
    dict(key="crane.wind", device_kind=DeviceKind.CRANE, metric=Metric.WIND_SPEED, kind=RuleKind.LIMIT,
         name=_("Wind at the crane"), warning_level=10.8, alarm_level=13.8, clear_minutes=15,
         source="JGJ 196-2010：六级（10.8 m/s）及以上大风停止塔吊作业"),
    dict(key="wind.speed", device_kind=DeviceKind.WIND, metric=Metric.WIND_SPEED, kind=RuleKind.LIMIT,
         name=_("Wind speed"), warning_level=10.8, alarm_level=13.8, clear_minutes=15,
         source="JGJ 80-2016 高处作业：六级（10.8 m/s）及以上强风停止露天高处作业"),
    # Deep excavation, GB 50497-2019: the designer sets a cumulative and a rate control value per point; warn
    # at 70 % of the control value. The figures below are an example grade-1 pit's: set each point's own.
    dict(key="pit.displacement.total", device_kind=DeviceKind.PIT, metric=Metric.DISPLACEMENT,
         kind=RuleKind.CUMULATIVE, name=_("Excavation displacement, cumulative"), warning_level=21,
         alarm_level=30, clear_minutes=60, raises_hazard=True,
         source="GB 50497-2019 表8.0.4（示例控制值 30 mm，预警 70%）"),
    dict(key="pit.displacement.rate", device_kind=DeviceKind.PIT, metric=Metric.DISPLACEMENT, kind=RuleKind.RATE,
         name=_("Excavation displacement, rate"), warning_level=2.1, alarm_level=3, sustain_minutes=TWO_DAYS,
         clear_minutes=12 * 60, raises_hazard=True,
         source="GB 50497-2019 表8.0.4（示例 3 mm/d 连续 2 d，预警 70%）"),
    dict(key="pit.settlement.total", device_kind=DeviceKind.PIT, metric=Metric.SETTLEMENT,
         kind=RuleKind.CUMULATIVE, name=_("Excavation settlement, cumulative"), warning_level=21,
         alarm_level=30, clear_minutes=60, raises_hazard=True,
         source="GB 50497-2019 表8.0.4（示例控制值 30 mm，预警 70%）"),
    dict(key="pit.settlement.rate", device_kind=DeviceKind.PIT, metric=Metric.SETTLEMENT, kind=RuleKind.RATE,
         name=_("Excavation settlement, rate"), warning_level=2.1, alarm_level=3, sustain_minutes=TWO_DAYS,
         clear_minutes=12 * 60, raises_hazard=True,
         source="GB 50497-2019 表8.0.4（示例 3 mm/d 连续 2 d，预警 70%）"),
    dict(key="pit.strut_force", device_kind=DeviceKind.PIT, metric=Metric.STRUT_FORCE, kind=RuleKind.CAPACITY,
         name=_("Strut axial force, share of design value"), warning_level=56, alarm_level=80, clear_minutes=60,
         raises_hazard=True, source="GB 50497-2019 表8.0.4 支撑内力 (60%~80%)f，预警 70%"),
    # Formwork supports (高支模): settlement and the supports' axial force against the special plan's values.
    dict(key="formwork.settlement", device_kind=DeviceKind.FORMWORK, metric=Metric.SETTLEMENT,
         kind=RuleKind.CUMULATIVE, name=_("Formwork support settlement"), warning_level=7, alarm_level=10,
         clear_minutes=30, raises_hazard=True,
         source="JGJ 300-2013 / 高支模专项方案（常用报警值 10 mm，预警 70%）"),
    dict(key="formwork.axial_force", device_kind=DeviceKind.FORMWORK, metric=Metric.AXIAL_FORCE,
         kind=RuleKind.CAPACITY, name=_("Formwork support axial force, share of design value"),
         warning_level=80, alarm_level=100, clear_minutes=30, raises_hazard=True,
         source="JGJ 300-2013 / 高支模专项方案（设计值 100% 报警，80% 预警）"),
    # Cameras: each event is a crossing; the alert clears after a quiet spell.
    dict(key="camera.no_helmet", device_kind=DeviceKind.CAMERA, event_kind=CameraEventKind.NO_HELMET,
         kind=RuleKind.EVENT, name=_("Person without a helmet"), warning_level=1, alarm_level=None,
         clear_minutes=30, source="JGJ 59-2011 建筑施工安全检查标准 3.13（安全帽）"),
    dict(key="camera.intrusion", device_kind=DeviceKind.CAMERA, event_kind=CameraEventKind.INTRUSION,
         kind=RuleKind.EVENT, name=_("Intrusion into a restricted area"), warning_level=1, alarm_level=None,
         clear_minutes=30, source="JGJ 59-2011 建筑施工安全检查标准 3.2（安全管理：危险区域隔离）"),
    dict(key="camera.smoke", device_kind=DeviceKind.CAMERA, event_kind=CameraEventKind.SMOKE,
         kind=RuleKind.EVENT, name=_("Smoke or fire"), warning_level=None, alarm_level=1, clear_minutes=30,
         source="GB 50720-2011 建设工程施工现场消防安全技术规范"),
]


def ensure_default_rules(apps=None) -> int:
    """Create the shipped defaults that are missing (a data migration and the demo call it); returns how many
    were created. An existing default is left as the bureau may have edited it."""
    Rule = (apps.get_model("supervision", "Rule") if apps is not None
            else __import__("supervision.models", fromlist=["Rule"]).Rule)
    have = set(Rule.objects.filter(project__isnull=True, device__isnull=True).values_list("key", flat=True))
    # the names are English msgids (gettext_noop): stored as they are, translated on display by `Rule.label`
    missing = [Rule(**{"sustain_minutes": 0, "allowed_per_day": 0, **spec})
               for spec in DEFAULT_RULES if spec["key"] not in have]
    Rule.objects.bulk_create(missing)
    return len(missing)
