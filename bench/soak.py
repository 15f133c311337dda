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
import sys
import threading
import time
import urllib.error
import urllib.request

from stack import Stack, log

MINUTES = float(os.environ.get("SOAK_MINUTES", "60"))
POLL = float(os.environ.get("SOAK_POLL_SECONDS", "3"))
VISIBILITY = int(os.environ.get("SOAK_VISIBILITY_TIMEOUT", "300"))
STEADY_EVERY = 10.0  # one marker task every 10 s
BURST = 20  # markers sent just before each kill, and again while the worker is down


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
    log(f"Starting the embedded stack (scripts/run.sh) for {MINUTES:g} minutes")
    stack = Stack(DEADLINE_SCAN_SECONDS="60", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY))
    try:
        stack.start()
        return soak(stack)
    finally:
        stack.stop(keep=os.environ.get("SOAK_KEEP") == "1")


def soak(stack: Stack) -> int:
    stack.django()
    from portal.core.models import Heartbeat, TaskRecord
    from portal.core.tasks import probe

    sent: list[str] = []

    def send(n: int, tag: str) -> None:
        for _ in range(n):
            key = f"soak-{len(sent):05d}-{tag}"
            probe.delay(key)
            sent.append(key)

    poller = WebPoller(stack.url)
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
            kill = stack.kill_worker()
            send(BURST, f"during-kill{len(kills) + 1}")  # the worker was down: these waited in Redis
            kills.append(kill)
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

    worker_log = stack.log_text("worker.log")
    sup_log = stack.log_text("supervisord.log")
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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
