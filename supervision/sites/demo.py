"""Demo smart sites: three projects' sites with their sensors and the last six hours of readings, played through
the real ingestion path (`ingest.ingest`, rules judged) from the simulator's generator (`simulate`), calm but for
what the demo wants to show:

- 杭温高铁 (华东路桥 builds it; the demo `contractor` sees it): the standard site — dust, noise, a tower crane, two
  excavation points, a formwork monitor, a wind station, a camera. Its crane is past its rated load moment in the
  last minutes (an open alarm, overload events; the rule raises a hazard), its noise crossed the warning level
  three hours ago for twenty minutes (cleared by rule), its first excavation point stands just under the
  cumulative warning, its dust is quiet; the camera saw a worker without a helmet a few minutes ago.
- 杭州地铁十二号线 (not 华东路桥's): a metro station's pit with two monitoring points, dust, noise and wind, quiet.
- 浙大一院余杭院区二期 (浙中建工 builds it): a building site's crane, formwork, dust and noise, quiet.

Registered by bureau staff through `services.device_register`; the tokens are thrown away (`simulate_site`
rotates them). Deterministic but for the clock (the six hours end now). Idempotent: nothing is done when the
demo devices exist."""

import datetime
from dataclasses import replace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from projects.models import Project

from ..dangerous.selectors import project_contractors
from ..models import Alert, Device
from . import services
from .defaults import ensure_default_rules
from .ingest import Row, ingest
from .simulate import STANDARD_SITE, TZ, Episode, Script, item, probes_of, readings

HANGWEN = "杭温高速铁路义乌至温州段"
METRO = "杭州地铁十二号线一期工程"
HOSPITAL = "浙江大学医学院附属第一医院余杭院区二期"
HUADONG = "华东路桥建设集团有限公司"
HOURS = 6

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

# project, serial prefix, where on the project the site is, the standard devices it has (codes), responsible unit
SITES = [
    (HANGWEN, "HW", "义乌站站房工区", ("YC-01", "ZS-01", "TD-01", "JK-01", "JK-02", "GZ-01", "FS-01", "SP-01"), HUADONG),
    (METRO, "HZ12", "星桥站明挖基坑", ("YC-01", "ZS-01", "JK-01", "JK-02", "FS-01"), None),
    (HOSPITAL, "ZY", "住院楼工区", ("YC-01", "ZS-01", "TD-01", "GZ-01"), None),
]


def _serials() -> list[str]:
    return [f"{prefix}-{code}" for _n, prefix, _w, codes, _r in SITES for code in codes]


def _script(name: str, now: datetime.datetime) -> Script:
    anchor = now - datetime.timedelta(hours=HOURS)
    calm = Script(dust_peaks=False, noisy_night=False, crane_limit=False, gusts=False, anchor=anchor)
    if name != HANGWEN:
        return replace(calm, pit_rates=(0.3, 0.15), pit_start=(11.8, 5.4))
    # a twenty-minute noise warning three hours ago, between the warning and alarm levels of the rule in force
    # then (day 65/70 dB(A), night 50/55), never across 06:00 or 22:00
    noisy = (now - datetime.timedelta(hours=3)).replace(second=0, microsecond=0)
    local = noisy.astimezone(TZ)
    if local.hour in (5, 21) and local.minute >= 35:
        noisy -= datetime.timedelta(minutes=40)
    night = not 6 <= noisy.astimezone(TZ).hour < 22
    lifted = now.replace(second=0, microsecond=0) - datetime.timedelta(minutes=4)
    return replace(calm, pit_rates=(0.4, 0.2), pit_start=(19.7, 7.3), episodes=(
        Episode("noise", noisy, 20, 52.6 if night else 67.4),
        Episode("crane", lifted, 10, 104.0),
    ))


def _responsible(project: Project, name: str | None):
    if name:
        return next(o for o in services.responsible_units(project) if o.name == name)
    contractors = project_contractors(project=project)
    return contractors[0] if contractors else project.owner


@transaction.atomic
def seed() -> dict:
    if Device.objects.filter(serial__in=_serials()).exists():
        return {}
    ensure_default_rules()
    staff = User.objects.get(username="staff")
    now = timezone.now()
    start = now - datetime.timedelta(hours=HOURS)
    specs = {spec.code: spec for spec in STANDARD_SITE}
    registered = stored = 0
    for name, prefix, where, codes, unit in SITES:
        project = Project.objects.filter(name=name, voided_at__isnull=True).first()
        if project is None:
            continue
        responsible = _responsible(project, unit)
        devices, tokens = [], {}
        for code in codes:
            spec = specs[code]
            device, token = services.device_register(
                actor=staff, project=project, kind=spec.kind, serial=f"{prefix}-{code}", name=spec.name,
                location=f"{where} · {spec.location}", responsible=responsible, rated_capacity=spec.rated_capacity,
                stream_url=spec.stream_url)
            devices.append(device)
            tokens[device.serial] = token
            registered += 1
        rows = []
        for index, (serial, ts, values) in enumerate(readings(probes_of(devices), start, now,
                                                              script=_script(name, now))):
            reading = item(serial, ts, values, tokens[serial])
            rows += [Row(index, serial, reading["token"], reading["ts"], metric, value)
                     for metric, value in values.items()]
        stored += ingest(project.pk, rows, now=now).accepted
        camera = next((d for d in devices if d.kind == "camera"), None)
        if camera is not None:
            services.camera_event(project_id=project.pk, serial=camera.serial, token=tokens[camera.serial],
                                  ts=(now - datetime.timedelta(minutes=12)).replace(microsecond=0),
                                  kind="no_helmet", note="出入口：1 名工人未戴安全帽进入施工区",
                                  snapshot_file=SimpleUploadedFile("snapshot.png", PNG, content_type="image/png"))
    return {"site_devices": registered, "site_readings": stored, "site_alerts": Alert.objects.count()}
