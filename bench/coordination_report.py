"""The "Coordination (issue #12)" section of bench/REPORT.md, from what bench/coordination.sh leaves in its OUT:
per scenario the latency (every request's own timing after the warm-up), throughput, X-Query-Count during the
load and in the single requests before/after it, CPU shares, and the issue #12 targets (constant query count,
p95 < 300 ms at 10 users back to back). Written between `<!-- section:coordination -->` markers, which run.sh's
report carries over.

    coordination_report.py --out DIR --report REPORT.md --scenarios "a_ping m_… n_… o_…" --db NAME --elapsed S
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_report import section  # noqa: E402
from report import fmt_queries, machine, run_stats, verdict  # noqa: E402
from scenarios import BY_KEY  # noqa: E402

TARGET_P95_MS = 300.0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--report", required=True)
    p.add_argument("--scenarios", required=True)
    p.add_argument("--db", default="?")
    p.add_argument("--elapsed", type=int, default=0)
    args = p.parse_args()
    out = Path(args.out)
    warmup = float(os.environ.get("BENCH_WARMUP", 3))
    keys = args.scenarios.split()
    runs = {k: run_stats(out, f"{k}@1", warmup) for k in keys}
    before = json.loads((out / "probe_before.json").read_text())
    after = json.loads((out / "probe_after.json").read_text())
    cold = json.loads((out / "cold.json").read_text()) if (out / "cold.json").exists() else {}
    m = machine()
    now = datetime.datetime.now().astimezone()
    counts = cold.get("counts", {})
    lines = [
        "## Coordination (issue #12)",
        "",
        f"`bash bench/coordination.sh` on {now:%Y-%m-%d %H:%M %Z}, database `{args.db}` (seed_demo + seed_scale: "
        f"{counts.get('issue_items', '?'):,} issue items, {counts.get('open_issue_items', '?'):,} open, "
        f"{counts.get('issue_ratings', '?'):,} ratings, {counts.get('callbacks', '?'):,} call-backs — "
        "coordination/scale.py), gunicorn with "
        f"{os.environ.get('BENCH_WORKERS', '?')} sync workers and `portal.settings.bench` as in `make bench`; "
        f"{os.environ.get('BENCH_USERS', '10')} locust users back to back for {os.environ.get('BENCH_DURATION', '20')} s "
        f"per scenario, the first {warmup:g} s left out. {m['nproc']} CPUs ({m['cpu']}), {m['memory']}; server, "
        f"PostgreSQL, Redis and locust share the CPUs. Whole run {args.elapsed} s.",
        "",
        "| scenario | as | path | requests | rps | p50 ms | p95 ms | p99 ms | failures | queries (load) | "
        "queries (before / after) | server ms/req | other programs' CPU % |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for k in keys:
        r, sc = runs[k], BY_KEY[k]
        cpu = r["cpu"] or {}
        qb = [x["queries"] for x in before.get(k, [])]
        qa = [x["queries"] for x in after.get(k, [])]
        lines.append(
            f"| `{k}` | {sc.username} | `{r['path']}` | {r['requests']} | {r['rps']:.1f} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['p99']:.0f} | {r['failures']} | {fmt_queries(r['queries'])} | "
            f"{fmt_queries(qb)} / {fmt_queries(qa)} | {cpu.get('server_ms_per_request', float('nan')):.1f} | "
            f"{cpu.get('disturbance', float('nan')):.0f} |")
    lines += ["", "Targets of issue #12 (10 users back to back, 200,000 issue items):", "",
              "| page | p95 < 300 ms | constant query count |", "|---|---|---|"]
    for k in keys:
        if k == "a_ping":
            continue
        r = runs[k]
        all_q = set(r["queries"]) | {x["queries"] for x in before.get(k, []) + after.get(k, [])}
        lines.append(f"| `{k}` | {verdict(r['p95'] < TARGET_P95_MS)} ({r['p95']:.0f} ms) | "
                     f"{verdict(len(set(r['queries'])) <= 1)} ({fmt_queries(sorted(all_q))} with the cold first "
                     "request) |")
    disturbed = {k: runs[k]["cpu"]["disturbance"] for k in keys if runs[k]["cpu"]}
    worst = max(disturbed.values(), default=0.0)
    if worst > float(os.environ.get("BENCH_DISTURBED", 15)):
        lines += ["", f"**Disturbed**: other programs used up to {worst:.0f} % of the machine's CPUs during these runs "
                  "(the last column), so the latency and throughput understate the portal; the server's own CPU per "
                  "request (gunicorn + PostgreSQL, \"server ms/req\") is the figure least affected. At 10 users back to "
                  "back a page meets p95 < 300 ms only if the server sustains roughly 10 ÷ 0.3 ≈ 35–40 requests/s of "
                  "it, i.e. about 2 CPUs ÷ 40 ≈ 50 ms of CPU per request or less, locust's share included."]
    if cold:
        lines += ["", f"The statistics computed without the cache (in one process, bench_staff, the default 12 months "
                  f"over all {counts.get('issue_items', '?'):,} issues): {', '.join(str(x) for x in cold['ms'])} ms, "
                  f"{cold['queries']} queries (the page serves them from the cache for 5 minutes: "
                  "`coordination.stats.closure_statistics_cached`; the first request after that recomputes them)."]
    section(Path(args.report), "coordination", lines)


if __name__ == "__main__":
    main()
