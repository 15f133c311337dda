"""Soak run of the embedded stack (not a CI test): `bash scripts/run.sh` — supervisor, the embedded Redis, web,
Celery worker and beat on SQLite — in a temporary var dir on a free port, for SOAK_MINUTES (60) with the deadline
scan every minute. The worker is killed with SIGKILL twice (at 1/3 and 2/3 of the run); the web is polled every
few seconds; marker tasks (core.probe, one Heartbeat row each) are sent steadily and in bursts just before each kill
and while the worker is down, and at the end every one must have run. Prints uptime %, worker restarts and tasks
sent/completed/lost; exits 1 when a task is lost, the worker did not come back or the web missed a poll.

    .venv/bin/python bench/soak.py                      # 60 minutes
    SOAK_MINUTES=3 .venv/bin/python bench/soak.py       # a quick check

Environment: SOAK_MINUTES (60), SOAK_POLL_SECONDS (3), SOAK_VISIBILITY_TIMEOUT (300: how long a task a killed
worker had taken waits before Redis hands it out again, found by a scan every 100 s; the embedded default is 20 min,
shortened here so those come back within the run), SOAK_KEEP=1 keeps the temporary var dir.
Tasks are acknowledged after they run (acks_late), and the task ledger (portal.core.taskledger) records each one:
a task the killed worker finished but had not acknowledged is delivered again and skipped; one the broker lost is
sent again by the ledger sweep. The marker counts its runs: each must have run exactly once.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINUTES = float(os.environ.get("SOAK_MINUTES", "60"))
POLL = float(os.environ.get("SOAK_POLL_SECONDS", "3"))
VISIBILITY = int(os.environ.get("SOAK_VISIBILITY_TIMEOUT", "300"))
STEADY_EVERY = 10.0  # one marker task every 10 s
BURST = 20  # markers sent just before each kill, and again while the worker is down


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebPoller(threading.Thread):
    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.ok, self.failed, self.stop = url, 0, 0, threading.Event()
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=10) as r:  # follows the login redirect
                    good = r.status < 500
            except urllib.error.HTTPError as e:
                good = e.code < 500
                if not good:
                    self.failures.append(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC HTTP {e.code}")
            except OSError as e:
                good = False
                self.failures.append(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC {e}")
            if good:
                self.ok += 1
            else:
                self.failed += 1
            self.stop.wait(POLL)


def main() -> int:
    var = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    port = free_port()
    env = dict(
        os.environ,
        PORTAL_VAR_DIR=str(var),
        PORT=str(port),
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DEADLINE_SCAN_SECONDS="60",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
    )
    env.pop("CELERY_BROKER_URL", None)
    env.pop("DATABASE_URL", None)
    os.environ.update(env)
    ctl = [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(ROOT / "scripts/supervisord.conf")]

    def worker_pid() -> int:
        out = subprocess.run([*ctl, "pid", "worker"], capture_output=True, text=True, env=env).stdout.strip()
        return int(out) if out.isdigit() and int(out) > 0 else 0

    log(f"Starting the embedded stack (scripts/run.sh) on port {port}, var dir {var}, {MINUTES:g} minutes")
    stack_log = open(var / "run.out", "w")  # noqa: SIM115
    stack = subprocess.Popen(  # noqa: S603
        ["bash", str(ROOT / "scripts/run.sh")], cwd=ROOT, env=env, stdout=stack_log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    while time.monotonic() - started < 600:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if stack.poll() is not None:
                log(f"run.sh exited with {stack.returncode}; see {var / 'run.out'}")
                return 1
            time.sleep(1)
    while not worker_pid() and time.monotonic() - started < 660:
        time.sleep(1)
    log(f"Stack up after {time.monotonic() - started:.0f} s; worker pid {worker_pid()}")

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from portal.core.models import Heartbeat, TaskRecord
    from portal.core.tasks import probe

    sent: list[str] = []

    def send(n: int, tag: str) -> None:
        for _ in range(n):
            key = f"soak-{len(sent):05d}-{tag}"
            probe.delay(key)
            sent.append(key)

    poller = WebPoller(url)
    poller.start()
    t0 = time.monotonic()
    duration = MINUTES * 60
    kills_at = [duration / 3, 2 * duration / 3]
    kills: list[dict] = []
    next_steady = 0.0
    while (now := time.monotonic() - t0) < duration:
        if now >= next_steady:
            send(1, "steady")
            next_steady += STEADY_EVERY
        if kills_at and now >= kills_at[0]:
            kills_at.pop(0)
            send(BURST, f"before-kill{len(kills) + 1}")
            old = worker_pid()
            os.kill(old, signal.SIGKILL)
            killed_at = time.monotonic()
            log(f"SIGKILL worker pid {old}")
            send(BURST, f"during-kill{len(kills) + 1}")  # the worker is down: these wait in Redis
            new = 0
            while time.monotonic() - killed_at < 120:
                new = worker_pid()
                if new and new != old:
                    break
                time.sleep(0.5)
            back = time.monotonic() - killed_at
            kills.append({"old": old, "new": new if new != old else 0, "back_s": back})
            log(f"worker back as pid {new} after {back:.1f} s" if new and new != old else "worker NOT back")
        time.sleep(0.5)
    log(f"Run over; waiting for the last tasks (up to {VISIBILITY + 300} s: tasks a killed worker had taken "
        "come back after the visibility timeout)")
    drain_until = time.monotonic() + VISIBILITY + 300
    done: dict[str, int] = {}
    while time.monotonic() < drain_until:
        done = dict(Heartbeat.objects.filter(name__startswith="soak-").values_list("name", "runs"))
        if all(k in done for k in sent):
            break
        time.sleep(2)
    poller.stop.set()
    poller.join()

    worker_log = (var / "log" / "worker.log").read_text(errors="replace")
    sup_log = (var / "log" / "supervisord.log").read_text(errors="replace")
    scans = len(re.findall(r"Task core\.deadline_scan\[[^\]]+\] succeeded", worker_log))
    restarts = len(re.findall(r"exited: worker \(terminated by SIGKILL", sup_log))
    other_exits = [line for line in sup_log.splitlines() if "exited:" in line and "SIGKILL" not in line]
    ledger = list(TaskRecord.objects.filter(name="core.probe").values_list("args", "resends", "deliveries"))
    resent = sorted(a[0] for a, r, _ in ledger if r and a and a[0] in set(sent))
    skipped = sum(max(0, d - 1) for _, _, d in ledger)
    lost = [k for k in sent if k not in done]
    twice = [k for k in sent if done.get(k, 0) > 1]
    polls = poller.ok + poller.failed
    uptime = 100.0 * poller.ok / polls if polls else 0.0

    os.killpg(stack.pid, signal.SIGTERM)
    try:
        stack.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(stack.pid, signal.SIGKILL)

    ok = not lost and not twice and len([k for k in kills if k["new"]]) == 2 and poller.failed == 0
    print(
        "\n==> Soak result\n"
        f"duration:           {MINUTES:g} min (deadline scan every 60 s: {scans} ran, drain included)\n"
        f"web uptime:         {uptime:.2f} % ({poller.ok} of {polls} polls every {POLL:g} s answered)\n"
        f"worker kills:       {len(kills)} (SIGKILL); restarts by supervisor: {restarts}; back after "
        + ", ".join(f"{k['back_s']:.1f} s" for k in kills) + "\n"
        f"other exits:        {len(other_exits)}\n"
        f"tasks sent:         {len(sent)}\n"
        f"tasks completed:    {len([k for k in sent if k in done])} (one row each; ran twice: {len(twice)})\n"
        f"ledger re-sends:    {len(resent)} (tasks no worker took, sent again by the ledger sweep"
        + (": " + ", ".join(resent[:10]) if resent else "") + ")\n"
        f"deliveries skipped: {skipped} (a second delivery of a task already run, skipped by the ledger)\n"
        f"tasks lost:         {len(lost)}\n"
        f"result:             {'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    if poller.failures:
        print("web failures:\n  " + "\n  ".join(poller.failures[:20]))
    if other_exits:
        print("other exits:\n  " + "\n  ".join(other_exits[:20]))
    if lost:
        print("lost: " + ", ".join(lost[:50]))
    if os.environ.get("SOAK_KEEP") == "1":
        print(f"var dir kept: {var}")
    else:
        shutil.rmtree(var, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
