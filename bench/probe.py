"""Talks to the running portal with `requests`, outside the load.

    probe.py login  --base URL --sessions N --out sessions.json
        Logs every bench user in N times through the real login form (one session per locust user, so no two
        simulated users share a session row), and finds a project the bench contractor may see.
    probe.py sample --base URL --sessions sessions.json --out queries_before.json [--repeat 5]
        Fetches each scenario's URL a few times as its user, one request at a time, and records status,
        X-Query-Count, latency and (for lists) the number of visible rows.
"""

import argparse
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import LOGINS, SCENARIOS  # noqa: E402

PASSWORD = "keyprojects-bench-2024"  # portal.core.scale.BENCH_PASSWORD


def login(base: str, username: str) -> str:
    s = requests.Session()
    page = s.get(f"{base}/accounts/login/", timeout=30)
    page.raise_for_status()
    token = s.cookies.get("csrftoken") or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(f"{base}/accounts/login/", data={"username": username, "password": PASSWORD,
                                               "csrfmiddlewaretoken": token, "next": "/"},
               headers={"Referer": f"{base}/accounts/login/"}, allow_redirects=False, timeout=60)
    sid = s.cookies.get("sessionid")
    if r.status_code != 302 or not sid:
        raise SystemExit(f"login as {username} failed: HTTP {r.status_code}")
    check = requests.get(f"{base}/api/v1/ping/", cookies={"sessionid": sid}, timeout=30)
    if check.status_code != 200:
        raise SystemExit(f"session of {username} does not work: HTTP {check.status_code}")
    return sid


def cmd_login(args) -> None:
    jobs = [u for u in LOGINS for _ in range(args.sessions)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        sids = list(pool.map(lambda u: login(args.base, u), jobs))
    sessions: dict[str, list[str]] = {}
    for username, sid in zip(jobs, sids, strict=True):
        sessions.setdefault(username, []).append(sid)
    r = requests.get(f"{args.base}/api/v1/projects/?page_size=1",
                     cookies={"sessionid": sessions["bench_contractor"][0]}, timeout=30)
    r.raise_for_status()
    project = r.json()["results"][0]["id"]
    Path(args.out).write_text(json.dumps({"sessions": sessions, "project": project}, indent=1))
    print(f"{len(sids)} sessions for {', '.join(LOGINS)}; contractor's project {project}")


def cmd_sample(args) -> None:
    data = json.loads(Path(args.sessions).read_text())
    out = {}
    only = set(args.only.split()) if args.only else None
    for sc in SCENARIOS:
        if only is not None and sc.key not in only:
            continue
        sid = data["sessions"][sc.username][0]
        url = args.base + sc.path.format(project=data["project"])
        rows = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = requests.get(url, cookies={"sessionid": sid}, allow_redirects=False, timeout=60)
            ms = (time.perf_counter() - t) * 1000
            row = {"status": r.status_code, "queries": int(r.headers.get("X-Query-Count", -1)), "ms": round(ms, 1),
                   "bytes": len(r.content)}
            if sc.kind == "api" and r.status_code == 200 and "count" in r.text[:20]:
                body = r.json()
                row["count"], row["rows"] = body["count"], len(body["results"])
            rows.append(row)
        out[sc.key] = rows
        q = sorted({row["queries"] for row in rows})
        print(f"{sc.key:26} HTTP {rows[-1]['status']}  queries {q}  {min(x['ms'] for x in rows):.0f} ms")
    Path(args.out).write_text(json.dumps(out, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("login")
    p.add_argument("--base", required=True)
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--out", required=True)
    p = sub.add_parser("sample")
    p.add_argument("--base", required=True)
    p.add_argument("--sessions", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--only", default="", help="space-separated scenario keys (default: all)")
    args = parser.parse_args()
    {"login": cmd_login, "sample": cmd_sample}[args.cmd](args)


if __name__ == "__main__":
    main()
