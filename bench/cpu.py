"""CPU accounting around a scenario, from /proc: who used the machine while it ran.

    cpu.py snap OUTFILE GUNICORN_PID[,PID…]
        A snapshot: machine-wide busy CPU seconds (/proc/stat) and the CPU seconds of each gunicorn process
        (master and workers; several masters, or Celery workers, comma-separated) and each PostgreSQL process
        (backends of the bench database apart).
    cpu.py quiet OUTFILE [--threshold 0.25] [--max-wait 60]
        Waits until the machine is quiet — less than `threshold` of all CPUs busy over 2 s while the portal is
        idle — or `max-wait` seconds have passed; records how long it waited and how busy the machine was.

report.py subtracts two snapshots per process (a process that ended between them is not counted). What the
machine spent that is neither gunicorn, nor PostgreSQL, nor locust (which reports its own CPU time) was spent by
other programs: a warning that the scenario's numbers are disturbed.
"""

import argparse
import json
import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds since boot, all CPUs."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:8]]
    total = sum(parts) / TICK
    return total - (parts[3] + parts[4]) / TICK, total


def processes(gunicorn_pids: set[int], database: str) -> dict[str, list]:
    """pid → [category, CPU seconds] for gunicorn and PostgreSQL processes."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK
        if int(pid) in gunicorn_pids or ppid in gunicorn_pids:
            out[pid] = ["gunicorn", cpu]
        elif cmdline.startswith("postgres"):
            out[pid] = ["postgres_bench" if f" {database} " in cmdline else "postgres_other", cpu]
    return out


def cmd_snap(args) -> None:
    busy, total = machine_busy()
    snap = {"time": time.time(), "busy": busy, "total": total, "nproc": os.cpu_count(),
            "processes": processes({int(p) for p in args.gunicorn_pid.split(",")}, args.database)}
    Path(args.out).write_text(json.dumps(snap))


def cmd_quiet(args) -> None:
    start = time.monotonic()
    while True:
        b0, t0 = machine_busy()
        time.sleep(2)
        b1, t1 = machine_busy()
        share = max(0.0, (b1 - b0) / max(t1 - t0, 1e-9))
        waited = time.monotonic() - start
        if share < args.threshold or waited >= args.max_wait:
            break
    Path(args.out).write_text(json.dumps({"waited_s": round(waited, 1), "busy_share": round(share, 3)}))
    print(f"machine {100 * share:.0f} % busy before the scenario (waited {waited:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("snap")
    p.add_argument("out")
    p.add_argument("gunicorn_pid", help="gunicorn master pid(s), comma-separated")
    p.add_argument("--database", default="portal_bench")
    p = sub.add_parser("quiet")
    p.add_argument("out")
    p.add_argument("--threshold", type=float, default=0.25)
    p.add_argument("--max-wait", type=float, default=60)
    args = parser.parse_args()
    {"snap": cmd_snap, "quiet": cmd_quiet}[args.cmd](args)


if __name__ == "__main__":
    main()
