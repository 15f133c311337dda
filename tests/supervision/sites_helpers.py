"""Shared by the smart-site tests: a site with registered devices, and readings sent through the real ingestion
path (`supervision.sites.ingest.ingest`, the function behind the HTTP endpoint)."""

import datetime

from django.utils import timezone

from projects.models import Project
from supervision.sites import ingest, services
from supervision.sites.ingest import Row

PROJECT = "杭温高速铁路义乌至温州段"


def project() -> Project:
    return Project.objects.get(name=PROJECT)


def register(actor, site: Project, kind: str, serial: str, **extra):
    values = {"name": f"{kind} {serial}", "location": "北区", "responsible": site.owner, **extra}
    if kind == "crane":
        values.setdefault("rated_capacity", 1000.0)
    if kind == "camera":
        values.setdefault("stream_url", "rtsp://10.0.0.8/stream1")
    return services.device_register(actor=actor, project=site, kind=kind, serial=serial, **values)


def now() -> datetime.datetime:
    """A moment on a whole minute, so that hand-built series fall on clock windows."""
    return timezone.now().replace(second=0, microsecond=0)


def local(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A local (Asia/Shanghai) time `day_offset` days from today."""
    today = timezone.localdate() + datetime.timedelta(days=day_offset)
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(hour, minute)))


def send(site: Project, device, token: str, points, metric: str, *, at: datetime.datetime | None = None):
    """Ingest (time, value) points of one metric of one device; returns the ingestion result."""
    rows = [Row(i, device.serial, token, ts.isoformat(), metric, value) for i, (ts, value) in enumerate(points)]
    return ingest.ingest(site.pk, rows, now=at or timezone.now())


def minutes(start: datetime.datetime, count: int, value, step: int = 1):
    """`count` points a minute (or `step` minutes) apart from `start`; `value` a number or a function of i."""
    return [(start + datetime.timedelta(minutes=i * step), value(i) if callable(value) else value)
            for i in range(count)]
