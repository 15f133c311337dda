"""Interleaved wrk runs against one or more endpoints, with CPU accounting; stdlib only (any python3).

    python3 compare.py --out DIR --target 'LABEL|URL|HEADER' [--target ...] [--server NAME=PID ...]
                       [--database NAME ...] [--runs 3] [--duration 20] [--warmup 5] [--conns 10] [--threads 2]

Round r (1..runs) fetches every target once, in the order given: a `warmup`-second wrk run that is thrown away,
then a `duration`-second run with --latency that is kept. HEADER is one 'Name: value' header (or empty).
Before the first round each target is fetched once with urllib: status, body size and X-Query-Count if any.

CPU accounting over each kept run (from /proc): the machine's busy CPU seconds, each --server's process tree
(gunicorn master + workers), PostgreSQL backends of each --database, and wrk's own CPU (rusage of the child).
Before each warm-up it waits (at most --quiet-max s) for the machine to be less than 25 % busy.
'other %' = what the machine spent beyond those, as a share of all CPUs: other programs disturbing the run.

Writes DIR/runs.json (every run, raw wrk output included) and DIR/summary.md (per run and median per target).
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:8]]
    return (sum(parts) - parts[3] - parts[4]) / TICK


def proc_table() -> dict[int, tuple[int, float, str]]:
    """pid -> (ppid, cpu seconds, cmdline)."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        f = stat[stat.rindex(")") + 2:].split()
        out[int(pid)] = (int(f[1]), (int(f[11]) + int(f[12])) / TICK, cmd)
    return out


def snapshot(servers: dict[str, int], databases: list[str]) -> dict:
    table = proc_table()
    cats: dict[int, str] = {}
    for name, root in servers.items():
        for pid, (ppid, _, _) in table.items():
            if pid == root or ppid == root:
                cats[pid] = f"server:{name}"
    for pid, (_, _, cmd) in table.items():
        if pid in cats or not cmd.startswith("postgres"):
            continue
        db = next((d for d in databases if f" {d} " in cmd), None)
        if db:
            cats[pid] = f"pg:{db}"
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"t": time.monotonic(), "busy": machine_busy(), "children": ru.ru_utime + ru.ru_stime,
            "procs": {pid: (cats[pid], table[pid][1]) for pid in cats},
            "loadavg": Path("/proc/loadavg").read_text().split()[:3]}


def account(a: dict, b: dict) -> dict:
    wall = b["t"] - a["t"]
    ncpu = os.cpu_count() or 1
    by: dict[str, float] = {}
    for pid, (cat, cpu) in b["procs"].items():
        if pid in a["procs"]:  # a process that started or ended in between is not counted
            by[cat] = by.get(cat, 0.0) + cpu - a["procs"][pid][1]
    wrk = b["children"] - a["children"]
    busy = b["busy"] - a["busy"]
    other = max(0.0, busy - sum(by.values()) - wrk)
    return {"wall_s": round(wall, 2), "busy_pct": round(100 * busy / (wall * ncpu), 1),
            "other_pct": round(100 * other / (wall * ncpu), 1), "wrk_cpu_s": round(wrk, 2),
            "cpu_s": {k: round(v, 2) for k, v in sorted(by.items())},
            "loadavg_before": a["loadavg"], "loadavg_after": b["loadavg"]}


UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNIT[m.group(2)]


def parse_wrk(out: str) -> dict:
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        res[f"p{pct}_ms"] = round(ms(m.group(1)), 2) if m else None
    m = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", out)
    read = float(m.group(1)) * {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[m.group(2)]
    res["bytes_per_response"] = round(read / max(res["requests"], 1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True)) if m else {}
    return res


def quiet(max_wait: float, threshold: float = 0.25) -> tuple[float, float]:
    """Waits (at most max_wait s) until the machine is less than `threshold` busy over 2 s; returns (waited, busy %)."""
    start, ncpu = time.monotonic(), os.cpu_count() or 1
    while True:
        b0, t0 = machine_busy(), time.monotonic()
        time.sleep(2)
        share = (machine_busy() - b0) / ((time.monotonic() - t0) * ncpu)
        waited = time.monotonic() - start
        if share < threshold or waited >= max_wait:
            return round(waited, 1), round(100 * share, 1)


def wrk(args, url: str, header: str, seconds: int, latency: bool) -> str:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}", f"-d{seconds}s", "--timeout", "30s"]
    if header:
        cmd += ["-H", header]
    if latency:
        cmd.append("--latency")
    return subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout


def probe(url: str, header: str) -> dict:
    req = urllib.request.Request(url)
    if header:
        k, v = header.split(":", 1)
        req.add_header(k.strip(), v.strip())
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
        out = {"status": r.status, "body_bytes": len(body), "content_type": r.headers.get("Content-Type"),
               "queries": r.headers.get("X-Query-Count")}
    out["ms"] = round((time.perf_counter() - t) * 1000, 1)
    try:
        data = json.loads(body)
        if isinstance(data, dict) and "results" in data:
            out["rows"], out["count"] = len(data["results"]), data.get("count")
    except ValueError:
        pass
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--target", action="append", required=True, help="LABEL|URL|HEADER")
    p.add_argument("--server", action="append", default=[], help="NAME=PID of a gunicorn master")
    p.add_argument("--database", action="append", default=[])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--conns", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pause", type=float, default=2.0, help="seconds between runs")
    p.add_argument("--quiet-max", type=float, default=10.0,
                   help="before each warm-up, wait at most this long for the machine to be < 25 %% busy over 2 s")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    targets = [dict(zip(("label", "url", "header"), (t.split("|", 2) + ["", ""])[:3], strict=True)) for t in args.target]
    servers = {k: int(v) for k, v in (s.split("=", 1) for s in args.server)}

    for t in targets:
        t["probe_before"] = [probe(t["url"], t["header"]) for _ in range(3)]
        print(f"{t['label']:28} {t['probe_before'][-1]}", flush=True)
    runs = []
    for r in range(1, args.runs + 1):
        for t in targets:
            waited, share = quiet(args.quiet_max)
            if args.warmup:
                wrk(args, t["url"], t["header"], args.warmup, latency=False)
            a = snapshot(servers, args.database)
            raw = wrk(args, t["url"], t["header"], args.duration, latency=True)
            b = snapshot(servers, args.database)
            row = {"label": t["label"], "round": r, **parse_wrk(raw), **account(a, b),
                   "quiet_wait_s": waited, "busy_before_pct": share, "raw": raw}
            runs.append(row)
            print(f"[{time.strftime('%T')}] r{r} {t['label']:28} {row['rps']:7.1f} rps  p50 {row['p50_ms']:7.1f}  "
                  f"p99 {row['p99_ms']:7.1f} ms  non2xx {row['non_2xx']}  sock {row['socket_errors']}  "
                  f"other {row['other_pct']} %  load {' '.join(row['loadavg_after'])}", flush=True)
            (out / "runs.json").write_text(json.dumps({"targets": targets, "runs": runs}, indent=1))
            time.sleep(args.pause)
    for t in targets:
        t["probe_after"] = [probe(t["url"], t["header"]) for _ in range(3)]
    (out / "runs.json").write_text(json.dumps({"targets": targets, "runs": runs}, indent=1))

    lines = [f"wrk -t{args.threads} -c{args.conns}, {args.duration} s per run after a {args.warmup} s warm-up, "
             f"{args.runs} interleaved rounds.", "",
             "| target | round | rps | p50 ms | p99 ms | non-2xx | socket errors | other % | load after |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in runs:
        errs = sum(row["socket_errors"].values())
        lines.append(f"| {row['label']} | {row['round']} | {row['rps']:.1f} | {row['p50_ms']:.1f} | "
                     f"{row['p99_ms']:.1f} | {row['non_2xx']} | {errs} | {row['other_pct']} | "
                     f"{' '.join(row['loadavg_after'])} |")
    lines += ["", "| target | median rps | median p50 ms | median p99 ms | errors | body bytes | queries |",
              "|---|---|---|---|---|---|---|"]
    for t in targets:
        mine = [row for row in runs if row["label"] == t["label"]]
        med = {k: statistics.median(row[k] for row in mine) for k in ("rps", "p50_ms", "p99_ms")}
        errs = sum(row["non_2xx"] + sum(row["socket_errors"].values()) for row in mine)
        pb = t["probe_before"][-1]
        lines.append(f"| {t['label']} | {med['rps']:.1f} | {med['p50_ms']:.1f} | {med['p99_ms']:.1f} | {errs} | "
                     f"{pb['body_bytes']} | {pb.get('queries') or '-'} |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
