"""Quality & safety oversight at scale (issue #13), beside the plain Django + DRF ceiling: p50/p95 of the hazard
board, a project's quality & safety page, the inspection board and the hazards API list, and the ceiling's ping
and 50-row list, under the same load driver, interleaved; the "Supervision (issue #13)" section of REPORT.md.
Run by bench/supervision.sh; stdlib only for `measure` and `report` (`sessions` runs inside the portal).

    supervision_bench.py sessions --out FILE          (portal env) browser sessions of the bench users + a project
    supervision_bench.py measure --base URL --ceiling URL --ceiling-token T --sessions FILE --out FILE
                                 [--conns 10] [--duration 20] [--warmup 3] [--runs 2] [--only "KEYS"]
    supervision_bench.py report --results FILE --sessions FILE --report REPORT.md [--db NAME] [--elapsed S]

`measure`: each round fetches every target once, in order: `warmup` seconds thrown away, then `duration` seconds
kept, `conns` threads each with its own keep-alive connection requesting back to back; every request's own time
is recorded, with its status and X-Query-Count. Between targets it waits (at most 10 s) for the CPUs to calm.
"""

from __future__ import annotations

import argparse
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

TARGET_P95_MS = 300.0
# key, title, who, path ({project}: the bench contractor's project with the most hazards), kind
SCENARIOS = [
    ("s0_ping", "portal ping (baseline)", "bench_staff", "/api/v1/ping/", "api"),
    ("s1_hazard_board", "hazard board /supervision/hazards/", "bench_staff", "/supervision/hazards/", "html"),
    ("s2_project_quality", "a project's quality & safety page", "bench_contractor", "/supervision/projects/{project}/",
     "html"),
    ("s3_inspection_board", "inspection board /supervision/inspections/board/", "bench_staff",
     "/supervision/inspections/board/", "html"),
    ("s4_hazards_api", "hazards API list, 50 rows", "bench_staff", "/api/v1/supervision/hazards/?page_size=50", "api"),
    ("s5_hazards_api_company", "hazards API list, 50 rows (company: object access)", "bench_contractor",
     "/api/v1/supervision/hazards/?page_size=50", "api"),
]
CEILING = [
    ("c0_ceiling_ping", "DRF ceiling ping", "/api/ping/"),
    ("c1_ceiling_list", "DRF ceiling list, 50 rows", "/api/projects/?page=2"),
]
SIDE = {"s0_ping": "c0_ceiling_ping", "s4_hazards_api": "c1_ceiling_list", "s5_hazards_api_company": "c1_ceiling_list"}


# ------------------------------------------------------------------------------------------------- sessions
def sessions(out: Path) -> None:
    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from portal.core import policy
    from portal.core.sessions import SessionStore
    from projects.models import Project
    from supervision.scale import counts

    result: dict = {"sessions": {}, "counts": counts()}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["bench_staff", "bench_contractor"])}
    for name, user in users.items():
        s = SessionStore()
        s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "portal.core.permcache.CachedModelBackend",
                  "_auth_user_hash": user.get_session_auth_hash(), "portal_session_started": time.time()})
        s.create()
        result["sessions"][name] = s.session_key
    contractor = users.get("bench_contractor")
    if contractor is not None:
        project = (policy.visible(contractor, Project.objects.active()).annotate(n=Count("hazards"))
                   .order_by("-n", "pk").values_list("pk", "n").first())
        result["project"], result["project_hazards"] = project if project else (None, 0)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


# -------------------------------------------------------------------------------------------------- measure
def _cpu_busy() -> float:
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:8]]
    return (sum(parts) - parts[3] - parts[4]) / os.sysconf("SC_CLK_TCK")


def _quiet(max_wait: float = 10.0) -> None:
    ncpu = os.cpu_count() or 1
    end = time.monotonic() + max_wait
    while time.monotonic() < end:
        a = _cpu_busy()
        time.sleep(0.5)
        if (_cpu_busy() - a) / 0.5 / ncpu < 0.25:
            return


def _load(url: str, headers: dict, conns: int, seconds: float) -> list[tuple[float, int, str]]:
    """`conns` threads requesting `url` back to back for `seconds`: [(ms, status, X-Query-Count)]."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    samples: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status, queries = response.status, response.getheader("X-Query-Count", "")
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                status, queries = 0, ""
            mine.append(((time.perf_counter() - t0) * 1000, status, queries))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def measure(args) -> None:
    info = json.loads(Path(args.sessions).read_text())
    targets = []
    only = set(args.only.split())
    for key, title, who, path, _kind in SCENARIOS:
        if only and key not in only:
            continue
        sid = info["sessions"].get(who)
        if not sid or ("{project}" in path and not info.get("project")):
            continue
        targets.append((key, title, who, args.base + path.format(project=info.get("project")),
                        {"Cookie": f"sessionid={sid}", "Accept-Language": "zh-hans"}))
    if args.ceiling:
        for key, title, path in CEILING:
            if only and key not in only:
                continue
            targets.append((key, title, "ceiling token", args.ceiling + path,
                            {"Authorization": f"Token {args.ceiling_token}"}))
    results: dict = {"conns": args.conns, "duration": args.duration, "warmup": args.warmup, "runs": args.runs,
                     "rounds": []}
    for r in range(args.runs):
        round_: dict = {}
        for key, title, who, url, headers in targets:
            _quiet()
            _load(url, headers, args.conns, args.warmup)
            t0, c0 = time.monotonic(), _cpu_busy()
            samples = _load(url, headers, args.conns, args.duration)
            elapsed, cpu = time.monotonic() - t0, _cpu_busy() - c0
            round_[key] = {"title": title, "who": who, "url": url, "elapsed": elapsed, "cpu_s": cpu,
                           "samples": samples}
            ms = sorted(s[0] for s in samples)
            print(f"round {r + 1} {key}: {len(ms)} requests, p50 {_pct(ms, 50):.0f} ms, p95 {_pct(ms, 95):.0f} ms",
                  flush=True)
        results["rounds"].append(round_)
    Path(args.out).write_text(json.dumps(results))


def _pct(ms: list[float], p: float) -> float:
    if not ms:
        return float("nan")
    k = max(0, min(len(ms) - 1, round(p / 100 * len(ms) + 0.5) - 1))
    return ms[k]


# --------------------------------------------------------------------------------------------------- report
def _summary(results: dict) -> dict[str, dict]:
    """Per target: the kept samples of every round together (p50/p95/p99), rps per round (median), failures,
    the X-Query-Counts seen, machine CPU ms per request."""
    out: dict[str, dict] = {}
    for round_ in results["rounds"]:
        for key, run in round_.items():
            s = out.setdefault(key, {"title": run["title"], "who": run["who"], "url": run["url"], "ms": [],
                                     "rps": [], "failures": 0, "queries": set(), "cpu_ms": []})
            s["ms"] += [x[0] for x in run["samples"]]
            s["rps"].append(len(run["samples"]) / run["elapsed"] if run["elapsed"] else 0.0)
            s["failures"] += sum(1 for x in run["samples"] if x[1] != 200)
            s["queries"] |= {x[2] for x in run["samples"] if x[2]}
            if run["samples"]:
                s["cpu_ms"].append(run["cpu_s"] * 1000 / len(run["samples"]))
    for s in out.values():
        s["ms"].sort()
        s["p50"], s["p95"], s["p99"] = (_pct(s["ms"], p) for p in (50, 95, 99))
        s["rps_median"] = statistics.median(s["rps"]) if s["rps"] else 0.0
        s["cpu_median"] = statistics.median(s["cpu_ms"]) if s["cpu_ms"] else float("nan")
    return out


def report(args) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from load_report import section

    results = json.loads(Path(args.results).read_text())
    info = json.loads(Path(args.sessions).read_text())
    summary = _summary(results)
    counts = info.get("counts", {})
    now = datetime.datetime.now().astimezone()
    lines = [
        "## Supervision (issue #13)",
        "",
        f"`bash bench/supervision.sh` on {now:%Y-%m-%d %H:%M %Z}, database `{args.db}` (seed_demo + seed_scale: "
        f"{counts.get('hazards', 0):,} hazards ({counts.get('open_hazards', 0):,} open), "
        f"{counts.get('samples', 0):,} samples ({counts.get('failed_samples', 0):,} failed), "
        f"{counts.get('rectifications', 0):,} rectifications, {counts.get('inspection_plans', 0):,} inspection plans, "
        f"{counts.get('dangerous_works', 0):,} dangerous works, {counts.get('tender_lots', 0):,} lots, "
        f"{counts.get('contracts', 0):,} contracts, {counts.get('accountability_records', 0):,} accountability "
        "records — supervision/scale.py), the portal's gunicorn as `make bench` runs it (`portal.settings.bench`, "
        f"{os.environ.get('BENCH_WORKERS', '?')} sync workers) and the DRF ceiling (bench/ceiling/, the same "
        f"worker count) side by side under one load driver (`bench/supervision_bench.py`): {results['conns']} "
        f"connections back to back, {results['warmup']} s warm-up + {results['duration']} s kept, "
        f"{results['runs']} interleaved rounds. Project page: project {info.get('project')} "
        f"({info.get('project_hazards', 0)} hazards), the bench contractor's project with the most. "
        f"{os.cpu_count()} CPUs shared by server, PostgreSQL, Redis and the driver. Whole run {args.elapsed} s.",
        "",
        "| target | as | requests/s (median of rounds) | p50 ms | p95 ms | p99 ms | failures | queries | "
        "machine CPU ms/req | p95 < 300 ms |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for key, s in summary.items():
        target = "" if key.startswith(("c", "s0")) else ("PASS" if s["p95"] < TARGET_P95_MS else "FAIL")
        lines.append(
            f"| `{key}` {s['title']} | {s['who']} | {s['rps_median']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | "
            f"{s['p99']:.0f} | {s['failures']} | {', '.join(sorted(s['queries'])) or '—'} | "
            f"{s['cpu_median']:.1f} | {target} |")
    pairs = [(k, c) for k, c in SIDE.items() if k in summary and c in summary]
    if pairs:
        lines += ["", "Side by side with the ceiling (portal ÷ ceiling, same driver, same rounds):", "",
                  "| portal | ceiling | rps ratio | p50 ratio |", "|---|---|---:|---:|"]
        for k, c in pairs:
            a, b = summary[k], summary[c]
            lines.append(f"| `{k}` | `{c}` | {a['rps_median'] / b['rps_median']:.2f} | "
                         f"{a['p50'] / b['p50']:.2f} |")
    lines += ["", "At 10 connections back to back the latency includes the queue behind the other 9 requests; "
              "machine CPU per request (all programs) is the figure least affected by other load."]
    section(Path(args.report), "supervision", lines)


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sessions")
    s.add_argument("--out", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--base", required=True)
    m.add_argument("--ceiling", default="")
    m.add_argument("--ceiling-token", default="")
    m.add_argument("--sessions", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--conns", type=int, default=10)
    m.add_argument("--duration", type=float, default=20)
    m.add_argument("--warmup", type=float, default=3)
    m.add_argument("--runs", type=int, default=2)
    m.add_argument("--only", default="", help="space-separated target keys (default: all)")
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--sessions", required=True)
    r.add_argument("--report", required=True)
    r.add_argument("--db", default="?")
    r.add_argument("--elapsed", type=int, default=0)
    args = p.parse_args()
    if args.cmd == "sessions":
        sessions(Path(args.out))
    elif args.cmd == "measure":
        measure(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
