"""Smart-site ingestion at province scale (issue #14): sustained readings/s through the HTTP endpoint with every rule
checked, p50/p95 of the requests, errors, the database's count against what the server said it accepted, the time
from a reading crossing an alarm level to the alert showing in an open browser under that load, and the portal's
ping beside the plain Django + DRF ceiling's. Run by bench/sites.sh; writes the "Smart site (issue #14)" section of
REPORT.md.

    sites_bench.py setup  --out DIR [--sites 200]               (portal env) the bench sites, their tokens, a probe
    sites_bench.py bodies --out DIR [--per-request 2000] [--per-site 12000]
                                                                (portal env) pre-encoded request bodies
    sites_bench.py drive  --out DIR --base URL --phase NAME [--conns 6] [--warmup 5] [--duration 40]
                          [--pids PID,…] [--db NAME]             (stdlib) the load; DIR/NAME.json
    sites_bench.py latency --out DIR --base URL [--samples 10] [--after 8]
                                                                (portal env + Playwright) alert → browser
    sites_bench.py count  --out DIR --label NAME                (portal env) the bench devices' readings
    sites_bench.py ping   --out DIR --base URL [--ceiling URL --ceiling-token T]   (stdlib)
    sites_bench.py profile --out DIR [--requests 40]            (portal env) the endpoint under cProfile
    sites_bench.py report --out DIR --report REPORT.md [--elapsed S]

The load: each site's readings come from the simulator's generator (`supervision.sites.simulate`: a realistic day,
dust peaks, a noisy night, cranes passing their limit, drifting pits — so rules open and clear alerts as they
would), one reading a minute per sensor (an excavation point every 10 minutes), continuing after the latest reading
already stored so that nothing is a duplicate. Every request carries one site's next readings in time order, each
with its device's token. A connection takes the next site that has no request in flight, so that one site's
requests never overlap and arrive in order (as one gateway's would)."""

from __future__ import annotations

import argparse
import collections
import datetime
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_NAME = "智慧工地压测项目"
PROBE_NAME = "智慧工地压测项目·告警时延探针"
# A bench site: 10 devices (the camera sends no readings: 9 report, ~13.6 values a minute).
SITE_KINDS = [("YC-01", "dust"), ("YC-02", "dust"), ("ZS-01", "noise"), ("TD-01", "crane"), ("TD-02", "crane"),
              ("JK-01", "pit"), ("JK-02", "pit"), ("GZ-01", "formwork"), ("FS-01", "wind"), ("SP-01", "camera")]
RATED = {"crane": 1600.0, "pit": 3000.0, "formwork": 120.0}
TARGET_RATE = 20_000
TARGET_LATENCY_S = 2.0


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


# ---------------------------------------------------------------------------------------------------- setup
def setup(args) -> None:
    """The bench projects (bulk-created beside the demo's), 10 devices each, fresh tokens for all of them (issued
    as `device_rotate_token` does: a new random token, its SHA-256 stored), the probe site for the browser figure,
    the readings' day partitions, and a browser session of bureau staff."""
    _django()
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from portal.accounts.models import User
    from portal.core.sessions import SessionStore
    from projects.models import Project
    from supervision.models import TOKEN_PREFIX, Device
    from supervision.sites import partitions
    from supervision.sites.ingest import token_hash
    from supervision.sites.services import new_token

    staff = User.objects.get(username="staff")
    template = Project.objects.get(name="杭温高速铁路义乌至温州段")
    now = timezone.now()
    with transaction.atomic():
        have = set(Project.objects.filter(name__startswith=BENCH_NAME).values_list("name", flat=True))
        names = [f"{BENCH_NAME}{i:03d}" for i in range(1, args.sites + 1)] + [PROBE_NAME]
        Project.objects.bulk_create([
            Project(code=f"2024-330100-48-01-{880001 + i:06d}", name=name, project_type=template.project_type,
                    level=template.level, stage=template.stage, total_investment=Decimal("2000000000"),
                    planned_start=template.planned_start, planned_finish=template.planned_finish,
                    owner=template.owner, description=f"{name}：智慧工地接入压测用项目。")
            for i, name in enumerate(names) if name not in have])
        projects = {p.name: p for p in Project.objects.filter(name__in=names)}
        wanted = []
        for i, name in enumerate(names[:-1], 1):
            for code, kind in SITE_KINDS:
                wanted.append((projects[name], f"BS{i:04d}-{code}", kind))
        wanted.append((projects[PROBE_NAME], "BS-PROBE-TD", "crane"))
        existing = set(Device.objects.filter(serial__in=[w[1] for w in wanted]).values_list("serial", flat=True))
        Device.objects.bulk_create([
            Device(project=project, kind=kind, serial=serial, name=f"{kind} {serial}", location="压测工区",
                   responsible_id=project.owner_id, rated_capacity=RATED.get(kind),
                   stream_url="rtsp://10.0.0.9/stream1" if kind == "camera" else "", token_hash="-", token_hint="-",
                   registered_by=staff)
            for project, serial, kind in wanted if serial not in existing], batch_size=2000)
        devices = list(Device.objects.filter(serial__in=[w[1] for w in wanted]))
        tokens = {}
        for device in devices:
            token = new_token()
            tokens[device.serial] = token
            device.token_hash, device.token_hint = token_hash(token), token[:len(TOKEN_PREFIX) + 4]
            device.token_rotated_at, device.token_rotated_by = now, staff
        Device.objects.bulk_update(devices, ["token_hash", "token_hint", "token_rotated_at", "token_rotated_by"],
                                   batch_size=2000)
    today = now.date()
    partitions.ensure(today - datetime.timedelta(days=8), today + datetime.timedelta(days=2))
    by_serial = {d.serial: d for d in devices}
    sites = []
    for i, name in enumerate(names[:-1], 1):
        sites.append({"project": projects[name].pk, "devices": [
            [f"BS{i:04d}-{code}", kind, RATED.get(kind), tokens[f"BS{i:04d}-{code}"], by_serial[f"BS{i:04d}-{code}"].pk]
            for code, kind in SITE_KINDS]})
    probe = by_serial["BS-PROBE-TD"]
    session = SessionStore()
    session.update({"_auth_user_id": str(staff.pk), "_auth_user_backend": "portal.core.permcache.CachedModelBackend",
                    "_auth_user_hash": staff.get_session_auth_hash(), "portal_session_started": time.time()})
    session.create()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sites.json").write_text(json.dumps({
        "sites": sites, "probe": {"project": probe.project_id, "serial": probe.serial, "token": tokens[probe.serial],
                                  "device": probe.pk, "name": probe.name},
        "session": session.session_key, "staff": staff.pk}))
    print(f"{len(sites)} bench sites × {len(SITE_KINDS)} devices, tokens issued; probe site {probe.project_id}")


# --------------------------------------------------------------------------------------------------- bodies
def bodies(args) -> None:
    """Each site's next `per_site` readings (values), after the latest reading of any bench device (so that no
    run repeats a time), cut into requests of about `per_request` values and encoded once (orjson)."""
    _django()
    import orjson
    from django.db.models import Max
    from django.utils import timezone

    from supervision.models import Reading
    from supervision.sites import simulate

    out = Path(args.out)
    info = json.loads((out / "sites.json").read_text())
    ids = [d[4] for s in info["sites"] for d in s["devices"]]
    now = timezone.now()
    latest = Reading.objects.filter(device_id__in=ids).aggregate(m=Max("ts"))["m"]
    start = now - datetime.timedelta(days=6, hours=12)
    if latest is not None and latest + datetime.timedelta(minutes=1) > start:
        start = latest + datetime.timedelta(minutes=1)
    start = start.replace(second=0, microsecond=0)
    per_minute = 13.6
    span = datetime.timedelta(minutes=int(args.per_site / per_minute * 1.2) + 60)
    if start + span > now - datetime.timedelta(minutes=10):
        print(f"the bench sites' readings reach {latest}: no room for {span} more before now — re-create the "
              "database (BENCH_KEEP_DB=0)", file=sys.stderr)
        sys.exit(3)
    index, blob, offset = [], bytearray(), 0
    started = time.monotonic()
    for number, site in enumerate(info["sites"]):
        probes = [simulate.Probe(serial, kind, rated, nth) for nth, (serial, kind, rated, _t, _pk)
                  in _numbered(site["devices"])]
        tokens = {d[0]: d[3] for d in site["devices"]}
        items, values, made = [], 0, 0
        for serial, ts, reading in simulate.readings(probes, start, start + span, seed=simulate.SEED + number):
            items.append({"device": serial, "ts": ts.astimezone(simulate.TZ).isoformat(), "values": reading,
                          "token": tokens[serial]})
            values += len(reading)
            if values >= args.per_request:
                made += values
                body = orjson.dumps({"readings": items})
                index.append([number, site["project"], offset, len(body), values, len(items)])
                blob += body
                offset += len(body)
                items, values = [], 0
                if made >= args.per_site:
                    break
    (out / "bodies.bin").write_bytes(bytes(blob))
    (out / "bodies.json").write_text(json.dumps({"start": start.isoformat(), "span_minutes": span.total_seconds() / 60,
                                                 "per_request": args.per_request, "bodies": index}))
    (out / "cursor.json").write_text(json.dumps({}))
    total = sum(b[4] for b in index)
    print(f"{len(index)} bodies, {total:,} readings, {offset / 1e6:.0f} MB, from {start:%Y-%m-%d %H:%M} "
          f"({time.monotonic() - started:.0f} s)")


def _numbered(devices):
    seen: dict[str, int] = {}
    for device in devices:
        nth = seen.get(device[1], 0)
        seen[device[1]] = nth + 1
        yield nth, device


# ---------------------------------------------------------------------------------------------------- drive
def _server_cpu(pids: str, worker_pids: str, db: str) -> dict:
    """A snapshot: machine-wide busy CPU seconds, this driver's, and each server / worker / PostgreSQL process's."""
    sys.path.insert(0, str(ROOT / "bench"))
    from cpu import machine_busy, processes

    busy, total = machine_busy()
    own = os.times()
    server = processes({int(p) for p in pids.split(",") if p}, db)
    worker = processes({int(p) for p in worker_pids.split(",") if p}, db)
    for pid, (kind, cpu) in worker.items():
        if kind == "gunicorn":
            server[pid] = ["worker", cpu]
    return {"busy": busy, "total": total, "client": own.user + own.system, "processes": server,
            "postmaster_children": _postmaster_children()}


def _postmaster_children() -> float:
    """CPU seconds of the PostgreSQL backends that have ended (the postmaster's reaped children): under ASGI with
    CONN_MAX_AGE=0 a request's backend starts and ends between two snapshots."""
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            if not cmdline.endswith(b"bin/postgres"):
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[13]) + int(fields[14])) / tick
    return 0.0


def _cpu_delta(a: dict, b: dict) -> dict:
    """CPU seconds spent between two snapshots, by whom: a process that started in between counts whole; a
    PostgreSQL backend that ended in between through the postmaster's children's time (counted as the bench
    database's: its request connections are the ones that come and go; other databases' backends still running
    count as other programs)."""
    shares = {"server": 0.0, "worker": 0.0, "postgres": b["postmaster_children"] - a["postmaster_children"],
              "postgres_other": 0.0}
    for pid, (kind, cpu) in b["processes"].items():
        key = {"gunicorn": "server", "postgres_bench": "postgres"}.get(kind, kind)
        shares[key] = shares.get(key, 0.0) + cpu - (a["processes"][pid][1] if pid in a["processes"] else 0.0)
    shares["client"] = b["client"] - a["client"]
    shares["machine"] = b["busy"] - a["busy"]
    shares["wall_cpus"] = b["total"] - a["total"]
    shares["others"] = max(0.0, shares["machine"] - sum(shares[k] for k in (
        "server", "worker", "postgres", "client")))  # postgres_other included
    return shares


def drive(args) -> None:
    out = Path(args.out)
    meta = json.loads((out / "bodies.json").read_text())
    blob = (out / "bodies.bin").read_bytes()
    cursor_file = out / "cursor.json"
    cursor = {int(k): v for k, v in json.loads(cursor_file.read_text() or "{}").items()}
    per_site: dict[int, list] = {}
    for number, project, offset, length, values, items in meta["bodies"]:
        per_site.setdefault(number, []).append((project, offset, length, values, items))
    parts = urllib.parse.urlsplit(args.base)
    lock = threading.Lock()
    samples: list[tuple] = []
    began = time.monotonic()
    stop = began + args.warmup + args.duration
    ran_out = threading.Event()

    # Sites ready for their next request: a connection takes the first, sends its next body and puts it back at
    # the end once answered — one site's requests never overlap and keep their order, and a connection that a
    # less busy server process answers faster is not left idle (uvicorn's processes do not share connections
    # evenly).
    ready = collections.deque(n for n in sorted(per_site) if cursor.get(n, 0) < len(per_site[n]))

    def worker(me: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        rows = []
        while time.monotonic() < stop:
            with lock:
                if not ready:
                    ran_out.set()
                    break
                number = ready.popleft()
                at = cursor.get(number, 0)
                cursor[number] = at + 1
            project, offset, length, values, items = per_site[number][at]
            body = blob[offset:offset + length]
            t0 = time.monotonic()
            try:
                conn.request("POST", f"/api/v1/supervision/ingest/{project}/readings/", body=body,
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                raw = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
                status, raw = 0, str(error).encode()
            t1 = time.monotonic()
            with lock:
                if at + 1 < len(per_site[number]):
                    ready.append(number)
            try:
                data = json.loads(raw) if status in (200, 400) else {}
            except ValueError:
                data = {}
            rows.append((t0 - began, (t1 - t0) * 1000, status, values, data.get("accepted", 0),
                         data.get("duplicates", 0), len(data.get("refused", ())), data.get("alerts_opened", 0),
                         "" if status == 200 else raw[:200].decode(errors="replace"), items))
        conn.close()
        with lock:
            samples.extend(rows)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.conns)]
    for t in threads:
        t.start()
    time.sleep(args.warmup)
    cpu0 = _server_cpu(args.pids, args.worker_pids, args.db)
    window0, wall0 = time.monotonic() - began, time.time()
    time.sleep(max(0.0, stop - time.monotonic()))
    cpu1 = _server_cpu(args.pids, args.worker_pids, args.db)
    window1, wall1 = time.monotonic() - began, time.time()
    for t in threads:
        t.join()
    cursor_file.write_text(json.dumps(cursor))
    result = {"phase": args.phase, "conns": args.conns, "warmup": args.warmup, "duration": args.duration,
              "window": [window0, window1], "wall": [wall0, wall1], "cpu": _cpu_delta(cpu0, cpu1),
              "ran_out": ran_out.is_set(),
              "samples": samples}
    (out / f"{args.phase}.json").write_text(json.dumps(result))
    s = _phase_summary(result)
    print(f"{args.phase}: {s['rate']:,.0f} readings/s accepted in the window ({s['requests']} requests, p50 "
          f"{s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, {s['errors']} errors, {s['accepted_total']:,} accepted in all)"
          + (" — RAN OUT OF BODIES" if ran_out.is_set() else ""))


def _phase_summary(result: dict) -> dict:
    w0, w1 = result["window"]
    kept = [s for s in result["samples"] if w0 <= s[0] + s[1] / 1000 <= w1]
    ok = [s for s in result["samples"] if s[2] == 200]
    errors = [s for s in result["samples"] if s[2] != 200]
    accepted = sum(s[4] for s in kept)
    return {
        "requests": len(kept), "rate": accepted / (w1 - w0) if w1 > w0 else 0.0,
        "reports_rate": sum(s[9] if len(s) > 9 else 0 for s in kept) / (w1 - w0) if w1 > w0 else 0.0,
        "requests_rate": len(kept) / (w1 - w0) if w1 > w0 else 0.0,
        "p50": _pct([s[1] for s in kept], 50), "p95": _pct([s[1] for s in kept], 95),
        "p99": _pct([s[1] for s in kept], 99), "max": max((s[1] for s in kept), default=float("nan")),
        "errors": len(errors), "error_kinds": sorted({f"{s[2]} {s[8][:80]}" for s in errors})[:5],
        "accepted_total": sum(s[4] for s in result["samples"]), "sent_total": sum(s[3] for s in ok),
        "duplicates": sum(s[5] for s in result["samples"]), "refused": sum(s[6] for s in result["samples"]),
        "alerts": sum(s[7] for s in result["samples"]), "all_requests": len(result["samples"]),
        "values_per_request": statistics.mean([s[3] for s in kept]) if kept else 0,
        "cpu": result["cpu"], "ran_out": result.get("ran_out", False),
    }


# -------------------------------------------------------------------------------------------------- latency
OBSERVER = """() => {
  window.__seen = {};
  const list = document.querySelector('[data-alert-list]') || document.body;
  const mark = (node) => {
    if (node.nodeType !== 1) return;
    const items = node.matches('[data-alert-id]') ? [node] : node.querySelectorAll('[data-alert-id]');
    items.forEach((li) => { if (!(li.dataset.alertId in window.__seen)) window.__seen[li.dataset.alertId] = Date.now(); });
  };
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(mark)))
    .observe(list, {childList: true, subtree: true});
  return document.querySelector('[data-site-live]') ? document.querySelector('[data-site-live]').dataset.stream : null;
}"""


def latency(args) -> None:
    """Staff's browser on the probe site's live page (or, without the page, a Python client on its event stream);
    while the load runs, the probe crane's gateway posts a reading at 105 % of its rated load moment and the time
    until the alert is in the page's open-alerts list is taken; the alert is then cleared by hand for the next
    sample."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    _django()
    from django.urls import NoReverseMatch, reverse

    from portal.accounts.models import User
    from supervision.models import Alert, AlertState
    from supervision.sites import services

    out = Path(args.out)
    info = json.loads((out / "sites.json").read_text())
    probe = info["probe"]
    staff = User.objects.get(pk=info["staff"])
    time.sleep(args.after)
    try:
        page_path = reverse("supervision:project-site", args=[probe["project"]])
    except NoReverseMatch:
        page_path = None
    parts = urllib.parse.urlsplit(args.base)
    samples, notes = [], []

    def post_crossing() -> tuple[float, float, dict]:
        ts = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        body = json.dumps({"readings": [{"device": probe["serial"], "token": probe["token"], "ts": ts.isoformat(),
                                         "values": {"load_moment": RATED["crane"] * 1.05}}]}).encode()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        sent = time.time()
        conn.request("POST", f"/api/v1/supervision/ingest/{probe['project']}/readings/", body=body,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = json.loads(response.read() or b"{}")
        answered = time.time()
        conn.close()
        return sent, answered, data

    def open_alert() -> Alert | None:
        return Alert.objects.filter(device_id=probe["device"], state=AlertState.OPEN).first()

    def clear() -> None:
        alert = open_alert()
        if alert is not None:
            services.alert_clear(actor=staff, alert=alert, note="压测：告警时延采样后手动解除", version=alert.version)

    clear()
    if page_path is not None:
        from playwright.sync_api import sync_playwright

        args_ = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"),
                                         headless=True, args=args_)
            page_base = args.page_base or args.base  # the live service; the gateway posts to the ingestion one
            context = browser.new_context(base_url=page_base, locale="zh-CN", timezone_id="Asia/Shanghai")
            context.add_cookies([{"name": "sessionid", "value": info["session"], "url": page_base}])
            page = context.new_page()
            page.goto(page_path, timeout=60_000)
            page.wait_for_selector("[data-site-live][data-stream=live]", timeout=60_000)
            page.evaluate(OBSERVER)
            for _ in range(args.samples):
                sent, answered, data = post_crossing()
                alert = open_alert()
                if alert is None:
                    notes.append(f"no alert opened: {data}")
                    continue
                page.wait_for_function(f"() => window.__seen && window.__seen['{alert.pk}']", timeout=30_000)
                seen = page.evaluate(f"() => window.__seen['{alert.pk}']") / 1000
                samples.append({"post_s": answered - sent, "shown_s": seen - sent, "alert": alert.pk,
                                "sent_at": sent})
                print(f"alert {alert.pk}: POST {1000 * (answered - sent):.0f} ms, in the page after "
                      f"{1000 * (seen - sent):.0f} ms", flush=True)
                clear()
                time.sleep(args.gap)
            browser.close()
        how = "browser"
    else:
        how = "stream"
        samples, notes = _latency_stream(args, info, post_crossing, open_alert, clear)
    (out / "latency.json").write_text(json.dumps({"how": how, "page": page_path, "samples": samples,
                                                  "notes": notes}))


def _latency_stream(args, info, post_crossing, open_alert, clear):
    """Without the live page: a small SSE client on `supervision:project-site-stream`, timing the `alert` event."""
    from django.urls import reverse

    parts = urllib.parse.urlsplit(args.page_base or args.base)
    path = reverse("supervision:project-site-stream", args=[info["probe"]["project"]])
    samples, notes = [], []
    for _ in range(args.samples):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.request("GET", path, headers={"Cookie": f"sessionid={info['session']}", "Accept": "text/event-stream"})
        response = conn.getresponse()
        sent, answered, data = post_crossing()
        alert = open_alert()
        event, seen = None, None
        while alert is not None and seen is None:
            line = response.fp.readline().decode().strip()
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "alert" and f'"id":{alert.pk}' in line.replace(" ", ""):
                seen = time.time()
        conn.close()
        if seen is None:
            notes.append(f"no alert opened: {data}")
            continue
        samples.append({"post_s": answered - sent, "shown_s": seen - sent, "alert": alert.pk, "sent_at": sent})
        clear()
        time.sleep(args.gap)
    return samples, notes


# ------------------------------------------------------------------------------------------- count, ping
def count(args) -> None:
    _django()
    from supervision.models import Alert, OverloadEvent, Reading

    out = Path(args.out)
    info = json.loads((out / "sites.json").read_text())
    ids = [d[4] for s in info["sites"] for d in s["devices"]]
    counts = {"readings": Reading.objects.filter(device_id__in=ids).count(),
              "alerts": Alert.objects.filter(device_id__in=ids).count(),
              "open_alerts": Alert.objects.filter(device_id__in=ids, state="open").count(),
              "overloads": OverloadEvent.objects.filter(device_id__in=ids).count(),
              "all_readings": Reading.objects.count()}
    path = out / "counts.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[args.label] = counts
    path.write_text(json.dumps(data))
    print(f"{args.label}: {counts}")


def ping(args) -> None:
    """`/api/v1/ping/` of the portal (as bureau staff's session; on each server named) beside the ceiling's
    `/api/ping/`, interleaved rounds."""
    sys.path.insert(0, str(ROOT / "bench"))
    from supervision_bench import _load

    out = Path(args.out)
    info = json.loads((out / "sites.json").read_text())
    targets = [(f"portal ({name})", base + "/api/v1/ping/", {"Cookie": f"sessionid={info['session']}"})
               for name, _sep, base in (p.partition("=") for p in args.portal)]
    if args.ceiling:
        targets.append(("ceiling", args.ceiling + "/api/ping/", {"Authorization": f"Token {args.ceiling_token}"}))
    result: dict = {}
    for _round in range(args.rounds):
        for name, url, headers in targets:
            _load(url, headers, args.conns, 2)
            samples = _load(url, headers, args.conns, args.duration)
            ms = [s[0] for s in samples if s[1] == 200]
            result.setdefault(name, []).append({"rps": len(ms) / args.duration, "p50": _pct(ms, 50),
                                                "failures": sum(1 for s in samples if s[1] != 200)})
            print(f"{name} ping: {len(ms) / args.duration:.0f}/s, p50 {_pct(ms, 50):.1f} ms")
    (out / "ping.json").write_text(json.dumps(result))


# -------------------------------------------------------------------------------------------------- profile
def profile(args) -> None:
    """The endpoint's view in this process under cProfile, through the whole WSGI stack (as bench/profiling.py):
    `requests` of the prepared bodies after 3 unprofiled ones; where the time goes, by package and function."""
    import cProfile
    import io
    import pstats

    _django()
    from django.core.handlers.wsgi import WSGIHandler

    sys.path.insert(0, str(ROOT / "bench"))
    from profiling import package_of

    out = Path(args.out)
    meta = json.loads((out / "bodies.json").read_text())
    blob = (out / "bodies.bin").read_bytes()
    cursor = {int(k): v for k, v in json.loads((out / "cursor.json").read_text() or "{}").items()}
    per_site: dict[int, list] = {}
    for number, project, offset, length, values, _items in meta["bodies"]:
        per_site.setdefault(number, []).append((project, offset, length, values))
    todo = []
    for number in sorted(per_site):
        at = cursor.get(number, 0)
        if at < len(per_site[number]):
            todo.append(per_site[number][at])
            cursor[number] = at + 1
        if len(todo) >= args.requests + 3:
            break
    (out / "cursor.json").write_text(json.dumps(cursor))
    app = WSGIHandler()

    def call(project, offset, length) -> int:
        body = blob[offset:offset + length]
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/supervision/ingest/{project}/readings/",
                   "QUERY_STRING": "", "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
                   "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
                   "wsgi.run_once": False}
        status = []
        response = app(environ, lambda s, h, *a: status.append(s))
        payload = b"".join(response)
        if hasattr(response, "close"):
            response.close()
        return int(status[0].split()[0]) if status else 0 if payload else 0

    from celery import current_app

    with current_app.producer_or_acquire():  # the broker connection, as a running worker process has it
        pass
    for project, offset, length, _v in todo[:3]:
        call(project, offset, length)
    profiler = cProfile.Profile()
    values = 0
    t0 = time.perf_counter()
    profiler.enable()
    for project, offset, length, v in todo[3:]:
        call(project, offset, length)
        values += v
    profiler.disable()
    elapsed = time.perf_counter() - t0
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    functions = []
    for (filename, line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        package = package_of(filename, name)
        by_package[package] = by_package.get(package, 0.0) + tottime
        functions.append((tottime, cumtime, f"{Path(filename).name}:{line} {name}", package))
    functions.sort(reverse=True)
    cumulative = sorted(((c, f, p) for _t, c, f, p in functions if "supervision" in p or "site" in f), reverse=True)
    total = sum(by_package.values()) or 1.0
    result = {"requests": len(todo) - 3, "values": values, "elapsed": elapsed,
              "us_per_value": elapsed / values * 1e6 if values else 0,
              "packages": sorted(((p, t / total) for p, t in by_package.items()), key=lambda x: -x[1]),
              "top": [(f, t, c, p) for t, c, f, p in functions[:args.top]],
              "cumulative": [(f, c, p) for c, f, p in cumulative[:args.top]]}
    (out / f"profile{('_' + args.label) if args.label else ''}.json").write_text(json.dumps(result))
    print(f"{result['requests']} requests, {values:,} readings in {elapsed:.2f} s under cProfile: "
          f"{result['us_per_value']:.1f} µs a reading (in-process, one core)")
    for package, share in result["packages"][:8]:
        print(f"  {100 * share:5.1f} %  {package}")
    for f, t, c, _p in result["top"][:args.top]:
        print(f"  own {1000 * t:7.1f} ms  cum {1000 * c:7.1f} ms  {f}")


# --------------------------------------------------------------------------------------------------- report
def report(args) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from load_report import section

    out = Path(args.out)
    env = json.loads((out / "env.json").read_text()) if (out / "env.json").exists() else {}
    meta = json.loads((out / "bodies.json").read_text())
    counts = json.loads((out / "counts.json").read_text()) if (out / "counts.json").exists() else {}
    info = json.loads((out / "sites.json").read_text())
    phases = {}
    for name in ("ingest", "browser"):
        path = out / f"{name}.json"
        if path.exists():
            phases[name] = _phase_summary(json.loads(path.read_text()))
    now = datetime.datetime.now().astimezone()
    n_sites = len(info["sites"])
    lines = [
        "## Smart site (issue #14)", "",
        f"`bash bench/sites.sh` on {now:%Y-%m-%d %H:%M %Z} (whole run {args.elapsed} s), database `{env.get('db', '?')}` "
        f"(migrate + seed_demo, then {n_sites} bench sites × {len(SITE_KINDS)} devices bulk-created beside the demo's "
        f"and every token issued anew — `bench/sites_bench.py setup`). Ingestion: {env.get('server_desc', '?')}; "
        f"`portal.settings.bench` (production settings over loopback HTTP), PostgreSQL {env.get('pg', '?')} and "
        f"Redis on the same machine; {os.cpu_count()} CPUs ({env.get('cpu_model', '?')}) shared by server, database, "
        f"Celery worker, the load driver and (second phase) Chromium. {env.get('celery_desc', '')}",
        "",
        f"Load (`sites_bench.py drive`): the simulator's generator (`supervision/sites/simulate.py`) played from "
        f"{meta['start'][:16]} on, one reading a minute per sensor, in request bodies of ~{meta['per_request']:,} "
        "readings (values) of one site, encoded before the run; each reading carries its device's token; "
        f"{env.get('conns', '?')} keep-alive connections back to back, each taking the next site with no request in "
        "flight (a site's requests never overlap and arrive in time order, as one gateway's). Every reading is validated, its token "
        "checked, deduplicated, COPYed into its day partition, judged by the device's rules (limits by time of day, "
        "15-min and hourly averages with exceedances a day, cumulative, rate, share of rated capacity), and rolled "
        "up (hour, day) and into the latest values, one transaction per request.",
        "",
        "| phase | readings/s accepted | requests/s | readings a request | p50 ms | p95 ms | p99 ms | errors | "
        "alerts opened | CPUs: server | PostgreSQL | Celery worker | driver | other programs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in phases.items():
        cpu = s["cpu"]
        span = cpu.get("wall_cpus", 0) / (os.cpu_count() or 1) or 1  # the window's wall seconds
        title = {"ingest": "ingestion only", "browser": "ingestion + Chromium on the live page"}[name]
        lines.append(
            f"| {title} | **{s['rate']:,.0f}** | {s['requests_rate']:.1f} | {s['values_per_request']:,.0f} | "
            f"{s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['errors']} | {s['alerts']:,} | "
            + " | ".join(f"{cpu.get(k, 0) / span:.2f}" for k in ("server", "postgres", "worker", "client",
                                                                 "others")) + " |")
    lines += ["", "CPUs: cores used on average over the measured window (the machine has "
              f"{os.cpu_count()}); \"other programs\" is what the machine spent beyond the processes named (in the "
              "second phase: Chromium and the latency probe; otherwise other work on the machine, which the "
              "figures then understate the portal by)."]
    main = phases.get("ingest")
    if main:
        verdict = "PASS" if main["rate"] >= TARGET_RATE else "FAIL"
        cpu = main["cpu"]
        per = {k: cpu.get(k, 0) / (main["rate"] * (cpu.get("wall_cpus", 0) / (os.cpu_count() or 1)) or 1) * 1e6
               for k in ("server", "postgres", "worker")}
        lines += ["", f"Target ≥ {TARGET_RATE:,} readings/s sustained with rules checked: **{verdict}** "
                  f"({main['rate']:,.0f}/s over the {env.get('duration', '?')} s window after "
                  f"{env.get('warmup', '?')} s of warm-up — {main['rate'] / 3300:.1f} × the province's burst of "
                  "3,300/s. A reading is one value — one metric of one device at one time — as the readings table "
                  f"stores it; the sensors' reports carrying them came at {main['reports_rate']:,.0f}/s. CPU a "
                  f"reading: server {per['server']:.0f} µs, PostgreSQL {per['postgres']:.0f} µs, Celery worker "
                  f"{per['worker']:.0f} µs.)"]
        if main["error_kinds"]:
            lines.append(f"Errors: {'; '.join(main['error_kinds'])}.")
    disturbed = [_phase_summary(json.loads(path.read_text())) for path in sorted(out.glob("ingest_disturbed_*.json"))]
    if disturbed:
        lines += ["", "Measured again: " + "; ".join(
            f"an attempt at {d['rate']:,.0f}/s while other programs took "
            f"{d['cpu']['others'] / (d['cpu']['wall_cpus'] / (os.cpu_count() or 1) or 1):.2f} CPUs" for d in disturbed)
            + " (more than SITES_DISTURBED of the machine)."]
    if main and main["cpu"].get("others", 0) > 0.15 * main["cpu"].get("wall_cpus", 0):
        lines += ["", "**Disturbed**: other programs took "
                  f"{main['cpu']['others'] / (main['cpu']['wall_cpus'] / (os.cpu_count() or 1)):.2f} of the CPUs "
                  "during the measured window; the figures understate the portal."]
    before, after = counts.get("before"), counts.get("after")
    if before and after:
        accepted = sum(p["accepted_total"] for p in [*phases.values(), *disturbed])
        stored = after["readings"] - before["readings"]
        lines += ["", f"Stored = accepted: the bench devices' readings in the database grew by **{stored:,}**; "
                  f"the server answered {accepted:,} accepted "
                  f"({'equal' if stored == accepted else 'NOT EQUAL'}), "
                  f"{sum(p['duplicates'] for p in [*phases.values(), *disturbed])} duplicates, "
                  f"{sum(p['refused'] for p in [*phases.values(), *disturbed])} refused. Alerts of the bench devices: "
                  f"{before['alerts']:,} → {after['alerts']:,} ({after['open_alerts']:,} open), overload events "
                  f"{before['overloads']:,} → {after['overloads']:,}; the readings table holds "
                  f"{after['all_readings']:,} rows."]
    lat = json.loads((out / "latency.json").read_text()) if (out / "latency.json").exists() else None
    if lat:
        wall = json.loads((out / "browser.json").read_text()).get("wall") if (out / "browser.json").exists() else None
        loaded = [s for s in lat["samples"] if not wall or wall[0] <= s.get("sent_at", 0) <= wall[1]]
        shown = [s["shown_s"] for s in loaded]
        posts = [s["post_s"] for s in loaded]
        where = ("Chromium (Debian's, through Playwright) on the probe site's live page "
                 f"`supervision:project-site` ({lat['page']}), logged in as bureau staff, a MutationObserver "
                 "timing the alert's entry in the open-alerts list" if lat["how"] == "browser" else
                 "a small Python SSE client on `supervision:project-site-stream` (the live page did not exist yet), "
                 "timing the `alert` event")
        ok = shown and max(shown) <= TARGET_LATENCY_S
        lines += ["", f"Alert to browser under that load ({where}): the probe crane's gateway posts one reading at "
                  "105 % of the rated load moment while the load runs; measured from sending it to the alert "
                  f"showing. {len(shown)} samples taken while the load's measured window ran (the alert cleared "
                  f"by hand between them; {len(lat['samples']) - len(shown)} taken outside it left out): "
                  f"median **{statistics.median(shown):.2f} s**, worst **{max(shown):.2f} s** "
                  f"(the POST itself: median {statistics.median(posts):.2f} s, worst {max(posts):.2f} s). "
                  f"Target ≤ {TARGET_LATENCY_S:g} s: **{'PASS' if ok else 'FAIL'}**."
                  if shown else f"Alert to browser: no sample ({'; '.join(lat['notes'])})."]
    ping_path = out / "ping.json"
    if ping_path.exists():
        pings = json.loads(ping_path.read_text())
        rps = {name: statistics.median(r["rps"] for r in rounds) for name, rounds in pings.items()}
        ceiling = rps.pop("ceiling", None)
        parts = [f"`{name}` {value:,.0f}/s" + (f" (× {value / ceiling:.2f} of the ceiling)" if ceiling else "")
                 for name, value in rps.items()]
        lines += ["", "Ping beside the plain Django + DRF ceiling (`bench/ceiling/` on gunicorn, "
                  f"{env.get('workers', '?')} sync workers; 10 connections back to back, the servers idle otherwise, "
                  f"median of {len(next(iter(pings.values())))} interleaved rounds): portal `/api/v1/ping/` as "
                  f"bureau staff: {', '.join(parts)}"
                  + (f"; ceiling `/api/ping/` {ceiling:,.0f}/s." if ceiling else ".")]
    path = out / "profile_run.json"
    if path.exists():
        prof = json.loads(path.read_text())
        lines += ["", f"Profile of the endpoint (`sites_bench.py profile`: {prof['requests']} more of the bodies through "
                  "the WSGI stack in one process under cProfile, after the run): "
                  f"{prof['us_per_value']:.1f} µs a reading on one core with the wait for PostgreSQL (cProfile's own "
                  "overhead included), by package: "
                  + ", ".join(f"{p} {100 * s:.0f} %" for p, s in prof["packages"][:6]) + ". Most own time: "
                  + "; ".join(f"`{f}` {1000 * t / prof['requests']:.1f} ms/req" for f, t, _c, _p in prof["top"][:6])
                  + "."]
    lines += ["", "One setting of this run differs from what the repository gives by itself, and production needs it "
              "too: the Celery worker starts with `-I supervision.sites.tasks` — nothing imports that module at a "
              "worker's start (autodiscovery reads `supervision.tasks`; the tendering part's plugin imports its "
              "own), so without it the worker refuses `supervision.sites.alerts_raised` (and the sweep and "
              "partition tasks) as unregistered. The uvicorn processes run with `CONN_MAX_AGE=0`, as "
              "docker-compose's live service: under ASGI Django runs each request in a thread of its own, so a kept "
              "connection is never reused and stays open after its thread has gone (with CONN_MAX_AGE=60, 15 s of "
              "pings on 2 uvicorn workers left 97 idle connections and then failed a quarter of the requests with "
              "PostgreSQL's \"sorry, too many clients already\"); a new connection for every request is also why "
              "the portal's ping is slower on uvicorn than on gunicorn above."]
    section(Path(args.report), "sites", lines)


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--out", required=True)
    s.add_argument("--sites", type=int, default=200)
    s = sub.add_parser("bodies")
    s.add_argument("--out", required=True)
    s.add_argument("--per-request", type=int, default=2000)
    s.add_argument("--per-site", type=int, default=12000)
    s = sub.add_parser("drive")
    s.add_argument("--out", required=True)
    s.add_argument("--base", required=True)
    s.add_argument("--phase", required=True)
    s.add_argument("--conns", type=int, default=6)
    s.add_argument("--warmup", type=float, default=5)
    s.add_argument("--duration", type=float, default=40)
    s.add_argument("--pids", default="", help="the server's master pid(s)")
    s.add_argument("--worker-pids", default="", help="the Celery workers' pids")
    s.add_argument("--db", default="sites_bench")
    s = sub.add_parser("latency")
    s.add_argument("--out", required=True)
    s.add_argument("--base", required=True)
    s.add_argument("--page-base", default="", help="where the browser opens the live page (default: --base)")
    s.add_argument("--samples", type=int, default=10)
    s.add_argument("--after", type=float, default=8)
    s.add_argument("--gap", type=float, default=1.0)
    s = sub.add_parser("count")
    s.add_argument("--out", required=True)
    s.add_argument("--label", required=True)
    s = sub.add_parser("ping")
    s.add_argument("--out", required=True)
    s.add_argument("--portal", action="append", default=[], help="NAME=URL of a portal server (repeatable)")
    s.add_argument("--ceiling", default="")
    s.add_argument("--ceiling-token", default="")
    s.add_argument("--conns", type=int, default=10)
    s.add_argument("--duration", type=float, default=8)
    s.add_argument("--rounds", type=int, default=2)
    s = sub.add_parser("profile")
    s.add_argument("--out", required=True)
    s.add_argument("--requests", type=int, default=30)
    s.add_argument("--top", type=int, default=15)
    s.add_argument("--label", default="")
    s = sub.add_parser("report")
    s.add_argument("--out", required=True)
    s.add_argument("--report", required=True)
    s.add_argument("--elapsed", type=int, default=0)
    args = p.parse_args()
    {"setup": setup, "bodies": bodies, "drive": drive, "latency": latency, "count": count, "ping": ping,
     "profile": profile, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
