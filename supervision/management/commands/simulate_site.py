"""Play a realistic day (or several) of a project's smart site through the HTTP ingestion endpoint, as the site's
gateway would: dust peaks in the morning and afternoon, a noisy night, a crane nearing and briefly passing its
rated load moment, an excavation point drifting at a rate that holds for days, wind gusts, a camera seeing a worker
without a helmet (`supervision.sites.simulate`).

    manage.py simulate_site --project 杭温高速铁路义乌至温州段                 # yesterday, as fast as possible
    manage.py simulate_site --project 12 --date 2025-06-10 --days 3 --batch 2000
    manage.py simulate_site --project 12 --date today --speed 60 --url http://127.0.0.1:8000
    manage.py simulate_site --project 12 --register                          # a site without devices gets the
                                                                             # standard set first

It has database access: it registers the standard devices when asked (`--register`, when the project has none)
and rotates the token of each of the project's devices to learn it (the old tokens stop working: a simulator is
for demo and bench sites, not for a site whose real gateway is sending). The tokens are never printed.

`--speed` compresses time: 60 plays a minute of the site a second, 0 sends as fast as the server takes it. A
reading is never sent before its time comes on the real clock (the endpoint refuses readings from the future):
`--date today` catches up to now and then plays on in real time. `--batch` is how many readings (one device at one
time, with one or more values) a request carries at most. Readings go in time order over one keep-alive
connection; a request that fails on the network is sent again (the endpoint stores a batch once however often it
comes)."""

from __future__ import annotations

import datetime
import http.client
import json
import secrets
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from projects.models import Project
from supervision.dangerous.selectors import project_contractors
from supervision.models import Alert, AlertState, Device
from supervision.sites import services
from supervision.sites.simulate import (
    SEED,
    STANDARD_SITE,
    TZ,
    camera_events,
    item,
    probes_of,
    readings,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
RETRIES = 3


class Endpoint:
    """The ingestion endpoint of one project over one keep-alive connection (standard library only)."""

    def __init__(self, url: str, project_id: int, timeout: float = 120) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"--url: not an http(s) address: {url}")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.base = f"{parts.path.rstrip('/')}/api/v1/supervision/ingest/{project_id}"
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self.conn = kind(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, dict]:
        error: Exception | None = None
        for attempt in range(RETRIES):
            try:
                conn = self._connection()
                conn.request("POST", self.base + path, body=body, headers={
                    "Content-Type": content_type, "Accept": "application/json", "Connection": "keep-alive"})
                response = conn.getresponse()
                raw = response.read()
                try:
                    data = json.loads(raw) if raw else {}
                except ValueError:
                    data = {"detail": raw[:200].decode(errors="replace")}
                return response.status, data if isinstance(data, dict) else {"detail": str(data)[:200]}
            except (OSError, http.client.HTTPException) as failure:
                error = failure
                self.close()
                time.sleep(0.5 * (attempt + 1))
        raise CommandError(f"The server at {self.scheme}://{self.host}:{self.port} does not answer: {error}")

    def readings(self, items: list[dict]) -> tuple[int, dict]:
        body = json.dumps({"readings": items}, ensure_ascii=False, separators=(",", ":")).encode()
        return self.post("/readings/", body, "application/json")

    def event(self, fields: dict[str, str], snapshot: bytes | None) -> tuple[int, dict]:
        boundary = f"----sim{secrets.token_hex(12)}"
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        if snapshot is not None:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="snapshot"; filename="snapshot.png"'
                         f"\r\nContent-Type: image/png\r\n\r\n".encode() + snapshot + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.post("/events/", b"".join(parts), f"multipart/form-data; boundary={boundary}")


class Tally:
    def __init__(self) -> None:
        self.requests = self.accepted = self.duplicates = self.alerts = self.events = self.sent = 0
        self.refused: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def readings(self, status: int, data: dict, sent: int) -> None:
        self.requests += 1
        self.sent += sent
        if status not in (200, 400) or "accepted" not in data:
            self.errors[f"{status} {str(data.get('detail', ''))[:120]}"] += 1
            return
        self.accepted += data.get("accepted", 0)
        self.duplicates += data.get("duplicates", 0)
        self.alerts += data.get("alerts_opened", 0)
        for refusal in data.get("refused", []):
            self.refused[refusal.get("code", "?")] += 1

    def event(self, status: int, data: dict) -> None:
        self.requests += 1
        if status == 201:
            self.events += 1
        elif status != 200:
            self.errors[f"{status} {str(data.get('detail', ''))[:120]}"] += 1


class Command(BaseCommand):
    help = ("Play a realistic day of a project's smart site (dust peaks, a noisy night, a crane passing its limit, "
            "a pit drifting, wind gusts) through the HTTP ingestion endpoint, and print what the server accepted.")

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="the project's id or name")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the portal's address")
        parser.add_argument("--date", default="", help="the first day played (YYYY-MM-DD or 'today'; default: "
                                                        "the last --days whole days before today)")
        parser.add_argument("--days", type=int, default=1, help="how many days (default 1)")
        parser.add_argument("--speed", type=float, default=0.0,
                            help="simulated seconds per real second (0: as fast as possible)")
        parser.add_argument("--batch", type=int, default=1000, help="readings per request at most (default 1000)")
        parser.add_argument("--register", action="store_true",
                            help="register the standard devices if the project has none")
        parser.add_argument("--user", default="", help="who registers devices and rotates tokens (default: the "
                                                       "first active superuser)")
        parser.add_argument("--seed", type=int, default=SEED, help="random seed (the same day every time)")
        parser.add_argument("--no-events", action="store_true", help="send no camera events")

    # -- set-up ---------------------------------------------------------------------------------------------
    def _project(self, key: str) -> Project:
        projects = Project.objects.filter(voided_at__isnull=True)
        matches = (projects.filter(pk=int(key)) if key.isdigit() else projects.filter(name=key)
                   or projects.filter(name__icontains=key))
        found = list(matches[:2])
        if len(found) != 1:
            raise CommandError(f"--project: {'no' if not found else 'more than one'} project matches {key!r}.")
        return found[0]

    def _actor(self, username: str):
        users = get_user_model().objects.filter(is_active=True)
        actor = (users.filter(username=username) if username else
                 users.filter(is_superuser=True).order_by("pk")).first()
        if actor is None:
            raise CommandError(f"--user: no active user {username!r}." if username else
                               "No active superuser: name the user who may change the site with --user.")
        return actor

    def _devices(self, project: Project, actor, register: bool) -> list[Device]:
        devices = list(Device.objects.filter(project=project, voided_at__isnull=True).order_by("kind", "pk"))
        if devices:
            return devices
        if not register:
            raise CommandError(f"{project.name} has no smart-site devices: add --register to register the "
                               "standard set.")
        contractors = project_contractors(project=project)
        responsible = contractors[0] if contractors else project.owner
        for spec in STANDARD_SITE:
            services.device_register(actor=actor, project=project, kind=spec.kind, serial=f"SIM{project.pk}-{spec.code}",
                                     name=spec.name, location=spec.location, responsible=responsible,
                                     rated_capacity=spec.rated_capacity, stream_url=spec.stream_url)
        self.stdout.write(f"Registered the standard set of {len(STANDARD_SITE)} devices on {project.name}.")
        return list(Device.objects.filter(project=project, voided_at__isnull=True).order_by("kind", "pk"))

    def _period(self, date: str, days: int) -> tuple[datetime.datetime, datetime.datetime]:
        if days < 1:
            raise CommandError("--days: at least 1.")
        today = timezone.localdate()
        if not date:
            first = today - datetime.timedelta(days=days)
        elif date == "today":
            first = today
        else:
            try:
                first = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: not a date (YYYY-MM-DD): {date!r}") from None
        start = datetime.datetime.combine(first, datetime.time(), TZ)
        oldest = timezone.now() - datetime.timedelta(hours=settings.SITE_INGEST_MAX_AGE_HOURS)
        if start < oldest:
            raise CommandError(f"--date: the endpoint refuses readings older than "
                               f"{settings.SITE_INGEST_MAX_AGE_HOURS} hours; start on {oldest.astimezone(TZ):%Y-%m-%d} "
                               "or later.")
        return start, start + datetime.timedelta(days=days)

    # -- playing --------------------------------------------------------------------------------------------
    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["batch"] < 1:
            raise CommandError("--batch: at least 1.")
        if options["speed"] < 0:
            raise CommandError("--speed: 0 or more.")
        project = self._project(options["project"])
        actor = self._actor(options["user"])
        start, end = self._period(options["date"], options["days"])
        devices = self._devices(project, actor, options["register"])
        tokens = {}
        for device in devices:  # the only way to learn a token: issue a new one
            device, token = services.device_rotate_token(actor=actor, device=device)
            tokens[device.serial] = token
        probes = probes_of(devices)
        events = [] if options["no_events"] else camera_events(probes, start, end, seed=options["seed"])
        self.stdout.write(f"Playing {project.name} (project {project.pk}, {len(devices)} devices) from "
                          f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} to {options['url']} "
                          f"(speed {options['speed'] or 'as fast as possible'}, {options['batch']} readings a "
                          "request) …")
        endpoint = Endpoint(options["url"], project.pk)
        tally = Tally()
        began = time.monotonic()
        try:
            self._play(endpoint, tally, readings(probes, start, end, seed=options["seed"]), events, tokens,
                       start, options["speed"], options["batch"])
        except KeyboardInterrupt:  # Ctrl-C while playing in real time: say what was sent
            self.stdout.write("Interrupted.")
        finally:
            endpoint.close()
        self._summary(project, tally, time.monotonic() - began)

    @staticmethod
    def _due_in(ts: datetime.datetime, start: datetime.datetime, began: float, speed: float) -> float:
        """Seconds until `ts` has come on the simulated clock (`speed`) and on the real one."""
        now = time.monotonic()
        due = (ts - timezone.now()).total_seconds()
        if speed:
            due = max(due, began + (ts - start).total_seconds() / speed - now)
        return due

    def _play(self, endpoint: Endpoint, tally: Tally, stream: Iterator, events: list, tokens: dict,
              start: datetime.datetime, speed: float, batch: int) -> None:
        began = time.monotonic()
        pending: list[dict] = []
        events = list(events)
        last_report = time.monotonic()

        def flush() -> None:
            if pending:
                status, data = endpoint.readings(pending)
                tally.readings(status, data, len(pending))
                pending.clear()

        for serial, ts, values in stream:
            while events and events[0][1] <= ts:
                flush()
                self._event(endpoint, tally, events.pop(0), tokens, start, began, speed)
            pause = self._due_in(ts, start, began, speed)
            if pause > 0:
                flush()  # what is due goes now; this reading waits for its time
                time.sleep(max(0.0, self._due_in(ts, start, began, speed)))
            pending.append(item(serial, ts, values, tokens[serial]))
            if len(pending) >= batch:
                flush()
            if self.verbosity >= 2 and time.monotonic() - last_report > 5:
                last_report = time.monotonic()
                self.stdout.write(f"  {ts.astimezone(TZ):%Y-%m-%d %H:%M}: {tally.accepted} accepted")
        flush()
        for event in events:
            self._event(endpoint, tally, event, tokens, start, began, speed)

    def _event(self, endpoint: Endpoint, tally: Tally, event: tuple, tokens: dict, start: datetime.datetime,
               began: float, speed: float) -> None:
        serial, ts, kind = event
        time.sleep(max(0.0, self._due_in(ts, start, began, speed)))
        note = {"no_helmet": "出入口：1 名工人未戴安全帽", "intrusion": "塔吊回转半径内有人员进入"}.get(kind, "")
        status, data = endpoint.event({"device": serial, "ts": ts.astimezone(TZ).isoformat(), "kind": kind,
                                       "token": tokens[serial], "note": note}, PNG)
        tally.event(status, data)

    def _summary(self, project: Project, tally: Tally, elapsed: float) -> None:
        refused = sum(tally.refused.values())
        reasons = ", ".join(f"{code} {n}" for code, n in tally.refused.most_common())
        self.stdout.write(self.style.SUCCESS(
            f"Done in {elapsed:.1f} s: {tally.requests} requests, {tally.accepted} readings accepted "
            f"({tally.accepted / elapsed if elapsed else 0:.0f}/s), {tally.duplicates} duplicates, {refused} refused"
            f"{f' ({reasons})' if reasons else ''}, {tally.alerts} alerts opened, {tally.events} camera events."))
        for error, n in tally.errors.most_common():
            self.stderr.write(f"{n} × {error}")
        open_alerts = Alert.objects.filter(project=project, state=AlertState.OPEN).select_related("device")
        lines = [f"  {a.get_level_display()} · {a.device.name} · {a.rule_key} · {a.message}" for a in open_alerts[:20]]
        self.stdout.write(f"Open alerts on the site now: {open_alerts.count()}" + ("\n" + "\n".join(lines) if lines
                                                                                  else ""))
        if tally.errors:
            raise CommandError(f"{sum(tally.errors.values())} requests failed.")
