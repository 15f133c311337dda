"""The load test's and the scale-out runs' sections of bench/REPORT.md, from what bench/load.sh and bench/scaleout.sh
leave in their output directory (plain Python: no Django).

    load_report.py load     --out DIR --run RUN --report REPORT.md   (bench/load.sh)
    load_report.py scaleout --out DIR --run RUN --curve "w1 w2 w4" --checks checks.json --report REPORT.md
    load_report.py rps      --out DIR --run RUN                       (prints the steady requests/s; for scripts)

Each writes its own section of REPORT.md, between `<!-- section:load -->` / `<!-- section:scaleout -->` and the
matching end marker, replacing that section if it is there and appending it otherwise; report.py (`make bench`)
keeps these sections when it rewrites the rest. Each prints a short summary. Percentiles are exact (from every
request's own timing), as in report.py.
"""

import argparse
import collections
import csv
import datetime
import email
import email.header
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import machine, percentile  # noqa: E402

TARGET_ERROR_RATE = 0.1  # % of requests
TARGET_P95_MS = float(os.environ.get("LOAD_P95_MS", 1000))  # per page, at the DOMAIN peak with think time
LOGIN_NAMES = ("login", "login (form)")


def section(report: Path, key: str, lines: list[str]) -> None:
    """Replaces (or appends) the section `key` of the report."""
    begin, end = f"<!-- section:{key} -->", f"<!-- /section:{key} -->"
    body = "\n".join([begin, *lines, end])
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: body, text)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + body + "\n"
    report.write_text(text, encoding="utf-8")


def run_stats(out: Path, run: str) -> dict:
    raw = json.loads((out / f"{run}_samples.json").read_text())
    samples = sorted(raw["samples"])  # start, ms, ok, name, queries, role
    if not samples:
        raise SystemExit(f"{run}: no request was made (see {out}/{run}_locust.log)")
    pages: dict[str, list] = collections.defaultdict(list)
    roles: dict[str, list] = collections.defaultdict(list)
    for s in samples:
        pages[s[3]].append(s)
        roles[s[5]].append(s)
    # The steady window starts when the last user has logged in (the logins, a password hash each, come first).
    logins = [s for s in samples if s[3] == "login"]
    start = max(s[0] + s[1] / 1000 for s in logins) if logins else samples[0][0]
    end = max(s[0] + s[1] / 1000 for s in samples)
    steady = [s for s in samples if s[0] >= start and s[3] not in LOGIN_NAMES]

    def summary(rows: list) -> dict:
        ok = sorted(r[1] for r in rows if r[2])
        queries = [r[4] for r in rows if r[4] >= 0]
        return {
            "requests": len(rows),
            "failures": sum(1 for r in rows if not r[2]),
            "p50": percentile(ok, 50),
            "p95": percentile(ok, 95),
            "p99": percentile(ok, 99),
            "max": ok[-1] if ok else float("nan"),
            "queries": (min(queries), max(queries)) if queries else None,
        }

    failures = []
    path = out / f"{run}_failures.csv"
    if path.exists():
        with path.open(newline="") as fh:
            failures = [(r["Name"], r["Error"], int(r["Occurrences"])) for r in csv.DictReader(fh)]
    return {
        "run": run,
        "think": raw.get("think"),
        "write_share": raw.get("write_share"),
        "all": summary(samples),
        "pages": {name: summary(rows) for name, rows in pages.items()},
        "roles": {role: summary(rows) for role, rows in roles.items()},
        "steady_rps": len(steady) / (end - start) if end > start else float("nan"),
        "steady_p50": percentile(sorted(s[1] for s in steady if s[2]), 50),
        "steady_p95": percentile(sorted(s[1] for s in steady if s[2]), 95),
        "steady_seconds": end - start,
        "seconds": end - samples[0][0],
        "locust_cpu_s": raw.get("locust_cpu_s", 0.0),
        "cpu": cpu_use(out, run, raw.get("locust_cpu_s", 0.0), len(samples)),
        "failure_messages": failures,
    }


def cpu_use(out: Path, run: str, locust_cpu: float, requests: int) -> dict | None:
    try:
        a = json.loads((out / f"{run}_cpu_start.json").read_text())
        b = json.loads((out / f"{run}_cpu_end.json").read_text())
    except OSError:
        return None
    capacity = b["total"] - a["total"]
    d = {"busy": b["busy"] - a["busy"], "gunicorn": 0.0, "postgres_bench": 0.0, "postgres_other": 0.0}
    for pid, (category, cpu) in b["processes"].items():
        before = a["processes"].get(pid)
        d[category] += max(0.0, cpu - (before[1] if before and before[0] == category else 0.0))
    d["locust"] = locust_cpu
    d["other"] = max(0.0, d["busy"] - d["gunicorn"] - d["postgres_bench"] - d["postgres_other"] - d["locust"])
    shares = {k: 100 * v / capacity for k, v in d.items()}
    shares["server_ms_per_request"] = 1000 * (d["gunicorn"] + d["postgres_bench"]) / max(requests, 1)
    return shares


def fmt_q(q: tuple[int, int] | None) -> str:
    if not q:
        return "–"
    return str(q[0]) if q[0] == q[1] else f"{q[0]}–{q[1]}"


def cpu_line(c: dict | None) -> str:
    if not c:
        return "CPU: not recorded."
    return (
        f"CPU (share of the whole machine over the run): busy {c['busy']:.0f} %: server processes (gunicorn and "
        f"Celery) {c['gunicorn']:.0f} %, the bench database's PostgreSQL {c['postgres_bench']:.0f} %, locust "
        f"{c['locust']:.0f} %, other programs {c['other'] + c['postgres_other']:.0f} %"
        + (
            " — **disturbed**: other programs shared the CPUs; latency is worse than the portal alone would give."
            if c["other"] + c["postgres_other"] > 15
            else "."
        )
    )


def num(value) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def load_lines(s: dict, env: dict) -> list[str]:
    a = s["all"]
    rate = 100 * a["failures"] / max(a["requests"], 1)
    pages = sorted(s["pages"].items(), key=lambda kv: -kv[1]["requests"])
    measured = [(n, p) for n, p in pages if p["requests"] >= 20 and p["p95"] == p["p95"]]
    over = [(n, p) for n, p in measured if p["p95"] > TARGET_P95_MS]
    slowest = max(measured, key=lambda kv: kv[1]["p95"], default=None)
    think = s["think"] or [0, 0]
    lines = [
        "| page | requests | failed | p50 ms | p95 ms | p99 ms | max ms | queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, p in pages:
        lines.append(
            f"| {name} | {p['requests']:,} | {p['failures']} | {p['p50']:.0f} | {p['p95']:.0f} | "
            f"{p['p99']:.0f} | {p['max']:.0f} | {fmt_q(p['queries'])} |"
        )
    lines += ["", "| role | requests | failed | p50 ms | p95 ms |", "|---|---:|---:|---:|---:|"]
    for role, p in sorted(s["roles"].items()):
        lines.append(
            f"| {role or '?'} | {p['requests']:,} | {p['failures']} | {p['p50']:.0f} | {p['p95']:.0f} |"
        )
    head = [
        f"- {a['requests']:,} requests in {s['seconds'] / 60:.1f} min ({s['steady_rps']:.1f} requests/s once every "
        f"user had logged in), think time {think[0]:g}–{think[1]:g} s, writes on {100 * (s['write_share'] or 0):g} % "
        "of the pages that offer one.",
        f"- Error rate {rate:.3f} % ({a['failures']} failed) — target < {TARGET_ERROR_RATE} %: "
        f"{verdict(rate < TARGET_ERROR_RATE)}.",
        f"- p95 per page ≤ {TARGET_P95_MS:.0f} ms (pages with ≥ 20 requests): "
        + (
            f"{verdict(not over)}; slowest {slowest[0]} {slowest[1]['p95']:.0f} ms"
            + ("; over: " + ", ".join(f"{n} {p['p95']:.0f} ms" for n, p in over) if over else "")
            + "."
            if slowest
            else "no page had 20 requests."
        ),
        f"- {cpu_line(s['cpu'])}",
        f"- Set-up: {env}",
    ]
    if s["failure_messages"]:
        lines += ["", "Failures (locust's list):", "", "| page | error | times |", "|---|---|---:|"]
        for name, error, n in s["failure_messages"][:15]:
            lines.append(f"| {name} | {error[:120].replace('|', '/')} | {n} |")
    return head + [""] + lines


def machine_line() -> str:
    m = machine()
    return (
        f"{m['nproc']} CPUs ({m['cpu']}), {m['memory']}; Python {m['python']}, Django {m['django']}, gunicorn "
        f"{m['gunicorn']}, locust {m['locust']}; server, PostgreSQL, Redis and locust on the same CPUs."
    )


def cmd_load(args) -> None:
    out = Path(args.out)
    s = run_stats(out, args.run)
    env = (
        f"{os.environ.get('LOAD_USERS', '?')} users spawned at {os.environ.get('LOAD_SPAWN_RATE', '?')}/s, "
        f"{os.environ.get('LOAD_WEB', '1')} gunicorn × {os.environ.get('LOAD_WORKERS', '?')} sync workers, "
        + (
            f"{os.environ['LOAD_CELERY']} Celery workers on Redis"
            if os.environ.get("LOAD_CELERY", "0") != "0"
            else "Celery tasks run in the web process (eager)"
        )
        + ", settings `portal.settings.bench` (production over plain HTTP), database `portal_bench` at DOMAIN "
        "scale (3,000 projects, 20,000 organisations, 10,000 users"
        + (f", {int(os.environ['LOAD_CASES']):,} open approval cases" if os.environ.get("LOAD_CASES") else "")
        + ")"
    )
    now = datetime.datetime.now().astimezone()
    lines = [
        "## Load: every role at the DOMAIN peak",
        "",
        f"`bash bench/load.sh` on {now:%Y-%m-%d %H:%M %Z} ({machine_line()}) Each simulated person logs in through "
        "the login form, then walks its role's pages with a pause between them; the mix of roles and pages is in "
        "`bench/load_locustfile.py`. Latencies in ms over the whole run, logins included (their own rows).",
        "",
        *load_lines(s, env),
        "",
    ]
    section(Path(args.report), "load", lines)
    a = s["all"]
    worst = max(
        ((n, p) for n, p in s["pages"].items() if p["requests"] >= 20),
        key=lambda kv: kv[1]["p95"],
        default=(None, None),
    )
    print(
        f"load {args.run}: {a['requests']:,} requests, {a['failures']} failed "
        f"({100 * a['failures'] / max(a['requests'], 1):.3f} %, target < {TARGET_ERROR_RATE} %: "
        f"{'PASS' if 100 * a['failures'] / max(a['requests'], 1) < TARGET_ERROR_RATE else 'FAIL'}), "
        f"{s['steady_rps']:.1f} req/s steady, p95 all {a['p95']:.0f} ms"
        + (
            f", slowest page {worst[0]} p95 {worst[1]['p95']:.0f} ms (target {TARGET_P95_MS:.0f})"
            if worst[0]
            else ""
        )
    )


def mail_messages(mail_dir: Path, until: float | None = None) -> list[tuple[str, str, str]]:
    """(to, subject, text) of every message the file e-mail backend wrote (one file per connection, messages
    separated by a line of dashes), in the files last written no later than `until` (epoch seconds)."""
    found = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        if until is not None and path.stat().st_mtime > until:
            continue
        for chunk in path.read_text(encoding="utf-8", errors="replace").split("\n" + "-" * 79 + "\n"):
            if not chunk.strip():
                continue
            msg = email.message_from_string(chunk.lstrip("\n"))
            subject = str(email.header.make_header(email.header.decode_header(msg.get("Subject", ""))))
            found.append((msg.get("To", ""), subject, str(msg.get_payload())))
    return found


def cmd_scaleout(args) -> None:
    out = Path(args.out)
    s = run_stats(out, args.run)
    checks = json.loads(Path(args.checks).read_text()) if args.checks and Path(args.checks).exists() else {}
    # The e-mails of the scale-out run: those written before the checks (the curve's rounds, after them, write more).
    until = Path(args.checks).stat().st_mtime if args.checks and Path(args.checks).exists() else None
    mails = mail_messages(out / "var" / "mail", until)
    twice = {k: n for k, n in collections.Counter(mails).items() if n > 1}
    checks["emails"] = len(mails)
    checks["emails_twice"] = len(twice)
    env = (
        f"{os.environ.get('LOAD_USERS', '?')} users, 2 gunicorn instances × {os.environ.get('LOAD_WORKERS', '?')} "
        f"sync workers (users split between them), {os.environ.get('LOAD_CELERY', '2')} Celery worker processes "
        "(solo pool) on one Redis, one PostgreSQL"
    )
    now = datetime.datetime.now().astimezone()
    ok = (
        checks.get("escalation_duplicates") == 0
        and checks.get("notification_duplicates") == 0
        and checks.get("task_errors") == 0
        and not twice
        and not {k for k in (checks.get("ledger") or {}) if k != "done"}
        and checks.get("notifications_emailed") == len(mails)
        and checks.get("queue_left", 0) == 0
    )
    lines = [
        "## Scale-out: two web servers and two Celery workers",
        "",
        f"`bash bench/scaleout.sh` on {now:%Y-%m-%d %H:%M %Z} ({machine_line()}) The load test's people (same "
        f"locustfile) against two gunicorn instances on different ports, with the Celery tasks (e-mails of the "
        f"notifications the writes make, the deadline scan) run by two worker processes. Before the run the "
        f"escalation records and digests are emptied, so the scan has everything to do; during it "
        f"`core.deadline_scan` is sent {checks.get('scans_sent', '?')} times, in pairs, so that both workers scan "
        "at the same moment.",
        "",
        "### Nothing twice",
        "",
        "| check (database and mail after the run) | found | result |",
        "|---|---:|---|",
        f"| escalation rows per item and due date above one | {checks.get('escalation_duplicates', '?')} | "
        f"{verdict(checks.get('escalation_duplicates') == 0)} |",
        f"| notifications per recipient and event key above one | {checks.get('notification_duplicates', '?')} | "
        f"{verdict(checks.get('notification_duplicates') == 0)} |",
        f"| tasks that raised in a worker (e.g. two scans writing the same rows) | {checks.get('task_errors', '?')} | "
        f"{verdict(checks.get('task_errors') == 0)} |",
        f"| identical e-mails (recipient, subject and text) | {len(twice)} | {verdict(not twice)} |",
        f"| e-mails sent = notifications marked e-mailed | {len(mails)} = {checks.get('notifications_emailed', '?')} "
        f"| {verdict(checks.get('notifications_emailed') == len(mails))} |",
        f"| tasks left in the queue after the drain | {checks.get('queue_left', '?')} | "
        f"{verdict(checks.get('queue_left', 0) == 0)} |",
        *ledger_rows(checks),
        "| payments | no payment model in the portal yet (`funding` is an empty app) | n/a |",
        "",
        f"Escalation rows after the run: {num(checks.get('escalations'))}; digests: {num(checks.get('digests'))}; "
        f"notifications created during the run: {num(checks.get('notifications_new'))}; deadline scans run per "
        f"worker: {checks.get('scans_by_worker', '?')}; tasks run per worker: {checks.get('tasks_by_worker', '?')}.",
        "",
        "### The load test on two web servers",
        "",
        *load_lines(s, env),
        "",
    ]
    curve = [run_stats(out, r) for r in args.curve.split()] if args.curve else []
    if curve:
        lines += [
            "### Throughput by web processes",
            "",
            "The same people with no think time (each requests its next page as soon as the last one answered), "
            f"{os.environ.get('CURVE_USERS', '?')} users for {os.environ.get('CURVE_SECONDS', '?')} s per round, "
            "one gunicorn with 1, 2, 4 … sync workers and Celery eager; requests/s and latency counted once every "
            "user has logged in (logins left out). On 2 CPUs shared by the server, PostgreSQL and locust, "
            "throughput should grow until the CPUs are full and then stay flat.",
            "",
            "| web processes | requests/s | p50 ms | p95 ms | failed | machine busy | server | PostgreSQL | locust "
            "| other | server ms/request |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in curve:
            c = r["cpu"] or {}
            workers = re.sub(r"\D", "", r["run"]) or "?"
            lines.append(
                f"| {workers} | {r['steady_rps']:.1f} | {r['steady_p50']:.0f} | {r['steady_p95']:.0f} | "
                f"{r['all']['failures']} | {c.get('busy', 0):.0f} % | {c.get('gunicorn', 0):.0f} % | "
                f"{c.get('postgres_bench', 0):.0f} % | {c.get('locust', 0):.0f} % | "
                f"{c.get('other', 0) + c.get('postgres_other', 0):.0f} % | {c.get('server_ms_per_request', 0):.1f} |"
            )
        lines.append("")
    section(Path(args.report), "scaleout", lines)
    a = s["all"]
    print(
        f"scale-out {args.run}: {a['requests']:,} requests, {a['failures']} failed; duplicates: escalations "
        f"{checks.get('escalation_duplicates')}, notifications {checks.get('notification_duplicates')}, "
        f"e-mails {len(twice)}; task errors {checks.get('task_errors')}; e-mails {len(mails)} / emailed "
        f"{checks.get('notifications_emailed')} → {'PASS' if ok else 'FAIL'}"
    )
    for r in curve:
        print(
            f"  {r['run']}: {r['steady_rps']:.1f} req/s, p95 {r['steady_p95']:.0f} ms, "
            f"{r['all']['failures']} failed, machine {(r['cpu'] or {}).get('busy', 0):.0f} % busy"
        )


def ledger_rows(checks: dict) -> list[str]:
    """The task ledger's view (portal.core.taskledger), when the schema has one: every task sent during the run
    done, none failed or waiting, and how many a worker received twice (the second delivery skipped)."""
    states = checks.get("ledger")
    if states is None:
        return []
    open_ = {k: v for k, v in states.items() if k != "done"}
    return [
        f"| task ledger: tasks sent during the run by state (all must be done) | "
        f"{', '.join(f'{k} {v}' for k, v in sorted(states.items())) or 'none'} | {verdict(not open_)} |",
        f"| task ledger: tasks delivered twice (the second delivery skipped) | "
        f"{checks.get('ledger_delivered_twice', '?')} | for information |",
    ]


def cmd_rps(args) -> None:
    print(f"{run_stats(Path(args.out), args.run)['steady_rps']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("load", "scaleout", "rps"):
        p = sub.add_parser(name)
        p.add_argument("--out", required=True)
        p.add_argument("--run", required=True)
        if name != "rps":
            p.add_argument("--report", required=True)
        if name == "scaleout":
            p.add_argument("--curve", default="")
            p.add_argument("--checks", default="")
    args = parser.parse_args()
    {"load": cmd_load, "scaleout": cmd_scaleout, "rps": cmd_rps}[args.cmd](args)


if __name__ == "__main__":
    main()
